import type { Account } from '../../api/ledger';

/** One account's balance before and after a transfer, as the result panel shows it. */
export interface BalanceChange {
  name: string;
  beforeCents: number;
  afterCents: number;
}

/**
 * The balances a saved transfer left, from the server's answer: the "after" is what the
 * ledger wrote, the "before" is that minus the movement, so both are exact even if the
 * list on screen was a little stale.
 */
export function balanceChanges(
  accounts: readonly Pick<Account, 'id' | 'name'>[],
  posted: { amountCents: number; from: { id: string; balance_cents: number }; to: { id: string; balance_cents: number } },
): BalanceChange[] {
  const nameOf = (id: string) => accounts.find((account) => account.id === id)?.name ?? '';
  return [
    {
      name: nameOf(posted.from.id),
      beforeCents: posted.from.balance_cents + posted.amountCents,
      afterCents: posted.from.balance_cents,
    },
    {
      name: nameOf(posted.to.id),
      beforeCents: posted.to.balance_cents - posted.amountCents,
      afterCents: posted.to.balance_cents,
    },
  ];
}
