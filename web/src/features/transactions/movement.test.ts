import { describe, expect, it } from 'vitest';
import type { Account, Transaction } from '../../api/ledger';
import { accountsLabel, movementOf } from './movement';

const WALLET = '00000000-0000-4000-8000-000000000001';
const BANK = '00000000-0000-4000-8000-000000000002';

// Asserted rather than annotated, so a field the server adds later does not break this fixture.
function transaction(overrides: Partial<Transaction>): Transaction {
  return {
    id: '00000000-0000-4000-8000-0000000000aa',
    kind: 'expense',
    account_id: BANK,
    to_account_id: null,
    amount_cents: 1_000,
    description: 'Mercado',
    category_id: null,
    notes: null,
    occurred_on: '2026-11-29',
    policy_version: 'ledger_v1',
    reverses_transaction_id: null,
    reversed_by_transaction_id: null,
    row_version: 1,
    created_at: '2026-11-29T12:00:00Z',
    entries: [],
    ...overrides,
  } as Transaction;
}

describe('movementOf', () => {
  it('reads an expense and an income from their legs', () => {
    const expense = transaction({ entries: [{ account_id: BANK, amount_cents: -1_000, balance_after_cents: 0 }] });
    expect(movementOf(expense)).toEqual({ cents: -1_000, internal: false });
    const income = transaction({ kind: 'income', entries: [{ account_id: BANK, amount_cents: 1_000, balance_after_cents: 0 }] });
    expect(movementOf(income)).toEqual({ cents: 1_000, internal: false });
  });

  it('shows a reversal opposite to what it reversed', () => {
    const reversal = transaction({
      kind: 'reversal',
      entries: [{ account_id: BANK, amount_cents: 1_000, balance_after_cents: 0 }],
    });
    expect(movementOf(reversal)).toEqual({ cents: 1_000, internal: false });
  });

  it('treats a transfer as internal overall, and as a signed leg from one account', () => {
    const transfer = transaction({
      kind: 'transfer',
      to_account_id: WALLET,
      entries: [
        { account_id: BANK, amount_cents: -1_000, balance_after_cents: 0 },
        { account_id: WALLET, amount_cents: 1_000, balance_after_cents: 1_000 },
      ],
    });
    expect(movementOf(transfer)).toEqual({ cents: 1_000, internal: true });
    expect(movementOf(transfer, BANK)).toEqual({ cents: -1_000, internal: false });
    expect(movementOf(transfer, WALLET)).toEqual({ cents: 1_000, internal: false });
  });

  it('falls back on the kind when no legs are given', () => {
    expect(movementOf(transaction({}))).toEqual({ cents: -1_000, internal: false });
  });
});

describe('accountsLabel', () => {
  it('names the account, or both ends of a transfer', () => {
    const accounts = new Map([
      [BANK, { id: BANK, name: 'Nubank' } as Account],
      [WALLET, { id: WALLET, name: 'Carteira' } as Account],
    ]);
    expect(accountsLabel(transaction({}), accounts)).toBe('Nubank');
    expect(accountsLabel(transaction({ to_account_id: WALLET }), accounts)).toBe('Nubank → Carteira');
  });

  it("reads a transfer's reversal the other way: the money went back", () => {
    const accounts = new Map([
      [BANK, { id: BANK, name: 'Nubank' } as Account],
      [WALLET, { id: WALLET, name: 'Carteira' } as Account],
    ]);
    expect(accountsLabel(transaction({ kind: 'reversal', to_account_id: WALLET }), accounts)).toBe('Carteira → Nubank');
  });
});
