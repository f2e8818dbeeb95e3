import { describe, expect, it } from 'vitest';
import { balanceChanges } from './transferResult';

describe('balanceChanges', () => {
  it('reads both balances after the transfer from the answer and works back to before', () => {
    const accounts = [
      { id: 'a', name: 'Conta corrente' },
      { id: 'b', name: 'Poupança' },
    ];
    const changes = balanceChanges(accounts, {
      amountCents: 30_000,
      from: { id: 'a', balance_cents: 50_000 },
      to: { id: 'b', balance_cents: 32_500 },
    });
    expect(changes).toEqual([
      { name: 'Conta corrente', beforeCents: 80_000, afterCents: 50_000 },
      { name: 'Poupança', beforeCents: 2_500, afterCents: 32_500 },
    ]);
  });

  it('works for a source that goes below zero (an overdraft)', () => {
    const changes = balanceChanges([{ id: 'a', name: 'Cheque especial' }], {
      amountCents: 10_000,
      from: { id: 'a', balance_cents: -4_000 },
      to: { id: 'c', balance_cents: 10_000 },
    });
    expect(changes[0]).toEqual({ name: 'Cheque especial', beforeCents: 6_000, afterCents: -4_000 });
    expect(changes[1]?.beforeCents).toBe(0);
  });
});
