import type pg from 'pg';
import { lockAndLoadAccounts } from './ledger.repository.js';

/**
 * Completing a half-written posting: the one repair the ledger accepts for a transaction
 * whose legs do not sum to zero. Every posting has two legs, one on the header's account and
 * one on its counterparty, of opposite signs and the header's amount; a transaction that kept
 * only one of them (written while the database's checks were off: a data-only restore with
 * triggers disabled, a manual load under session_replication_role = replica) gets the missing
 * leg appended, under the same locks and with the same balance and version chain as any
 * posting. Nothing is updated or deleted: a reversal cannot help here, since it would mirror
 * the imbalance, and any new balanced posting leaves the ledger's total where it is.
 */
export interface MissingLeg {
  transaction_id: string;
  user_id: string;
  account_id: string;
  amount_cents: number;
}

export type RepairPlan = { repairable: true; leg: MissingLeg } | { repairable: false; reason: string };

interface HeaderRow {
  id: string;
  user_id: string;
  account_id: string;
  counterparty_account_id: string;
  amount_cents: number;
}

interface LegRow {
  account_id: string;
  user_id: string;
  amount_cents: number;
}

/** What the legs should be, from the header alone: whichever leg is present names the sign. */
export function planRepair(header: HeaderRow, legs: readonly LegRow[]): RepairPlan {
  const sum = legs.reduce((total, leg) => total + leg.amount_cents, 0);
  if (legs.length >= 2 && sum === 0) return { repairable: false, reason: 'the transaction is balanced' };
  if (legs.some((leg) => leg.user_id !== header.user_id)) return { repairable: false, reason: 'a leg belongs to another person' };
  const named = [header.account_id, header.counterparty_account_id];
  if (legs.some((leg) => !named.includes(leg.account_id)))
    return { repairable: false, reason: 'a leg is on an account the header does not name' };
  const [only] = legs;
  if (legs.length !== 1 || only === undefined || Math.abs(only.amount_cents) !== header.amount_cents)
    return { repairable: false, reason: `${legs.length} legs summing to ${sum}: not one leg of the header's amount` };
  const other = only.account_id === header.account_id ? header.counterparty_account_id : header.account_id;
  return {
    repairable: true,
    leg: { transaction_id: header.id, user_id: header.user_id, account_id: other, amount_cents: -only.amount_cents },
  };
}

/** The header (locked, so two repairs of one transaction queue) and its legs. */
async function loadForRepair(
  client: pg.PoolClient,
  transactionId: string,
): Promise<{ header: HeaderRow; legs: LegRow[] } | undefined> {
  const header = await client.query<HeaderRow>(
    `SELECT id, user_id, account_id, counterparty_account_id, amount_cents FROM transactions WHERE id = $1 FOR UPDATE`,
    [transactionId],
  );
  const row = header.rows[0];
  if (!row) return undefined;
  const legs = await client.query<LegRow>(
    'SELECT account_id, user_id, amount_cents FROM ledger_entries WHERE transaction_id = $1 ORDER BY id',
    [transactionId],
  );
  return { header: row, legs: legs.rows };
}

/**
 * Plans the repair of one transaction and, unless `dryRun`, appends the missing leg. Runs in the
 * caller's open transaction; the deferred balance check re-checks the transaction at COMMIT.
 * The new leg's balance_after is the account's ledger sum plus the leg (read under the account's
 * locks), so the chain is exact even when the cached balance had drifted, and the cache of that
 * account is set to it.
 */
export async function completeHalfPosting(
  client: pg.PoolClient,
  options: { transactionId: string; postedAt: Date; dryRun: boolean },
): Promise<RepairPlan> {
  const loaded = await loadForRepair(client, options.transactionId);
  if (!loaded) return { repairable: false, reason: 'no such transaction' };
  const plan = planRepair(loaded.header, loaded.legs);
  if (!plan.repairable || options.dryRun) return plan;
  const { leg } = plan;
  const accounts = await lockAndLoadAccounts(client, leg.user_id, [leg.account_id]);
  const account = accounts.get(leg.account_id);
  if (!account) return { repairable: false, reason: "the missing leg's account is gone" };
  // A statement of its own, after the locks: its snapshot sees every posting committed before.
  const ledger = await client.query<{ sum: string }>(
    'SELECT coalesce(sum(amount_cents), 0)::text AS sum FROM ledger_entries WHERE account_id = $1',
    [leg.account_id],
  );
  const balanceAfter = Number(ledger.rows[0]?.sum ?? 0) + leg.amount_cents;
  const version = account.row_version + 1;
  await client.query(
    `WITH leg AS (
       INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
     )
     UPDATE accounts SET balance_cents = $5, row_version = $6 WHERE id = $2 AND user_id = $3`,
    [leg.transaction_id, leg.account_id, leg.user_id, leg.amount_cents, balanceAfter, version, options.postedAt],
  );
  return plan;
}
