import type { Account, Transaction } from '../../api/ledger';

export interface Movement {
  /** Signed effect on the person's money (or on one account); for a move between own accounts, the amount moved. */
  cents: number;
  /** Money only moved between the person's own accounts: neither in nor out. */
  internal: boolean;
}

/**
 * How a transaction changed the person's money, read from its legs on their own
 * accounts (so a reversal comes out opposite to what it reverses). Seen from one account,
 * it is that account's leg.
 */
export function movementOf(transaction: Transaction, accountId?: string): Movement {
  if (accountId !== undefined) {
    const leg = transaction.entries.find((entry) => entry.account_id === accountId);
    if (leg) return { cents: leg.amount_cents, internal: false };
  }
  const net = transaction.entries.reduce((sum, entry) => sum + entry.amount_cents, 0);
  if (transaction.entries.length >= 2 && net === 0) return { cents: transaction.amount_cents, internal: true };
  if (transaction.entries.length > 0) return { cents: net, internal: false };
  // No legs reported: fall back on the kind.
  return { cents: transaction.kind === 'expense' ? -transaction.amount_cents : transaction.amount_cents, internal: false };
}

/**
 * "Nubank" or, for a transfer, "Nubank → Carteira". The reversal of a transfer moved the
 * money back, so it reads the other way: "Carteira → Nubank".
 */
export function accountsLabel(transaction: Transaction, accountsById: ReadonlyMap<string, Account>): string {
  const name = (id: string) => accountsById.get(id)?.name ?? '—';
  if (transaction.to_account_id === null) return name(transaction.account_id);
  const [from, to] =
    transaction.kind === 'reversal'
      ? [transaction.to_account_id, transaction.account_id]
      : [transaction.account_id, transaction.to_account_id];
  return `${name(from)} → ${name(to)}`;
}
