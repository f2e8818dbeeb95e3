import type pg from 'pg';
import type { Queryable } from '../../db/queryable.js';

/**
 * The ledger's rule for "the balance at an instant", the one GET /api/accounts/:id/balance?at=
 * follows (accounts.repository balanceAt): an entry counts when its created_at is at or before
 * the instant ($2), entries of the same instant all count, and a month-end snapshot stands for
 * every entry with created_at <= its as_of. Written once here so the two sums below cannot
 * disagree on it.
 */
const UP_TO_INSTANT = 'e.created_at <= $2';
const AFTER_SNAPSHOT = "e.created_at > coalesce(s.as_of, '-infinity')";

/** Reads that must see one moment of the database run in one read-only snapshot. */
export async function readConsistently<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function findPersonId(client: Queryable, idOrEmail: string, isId: boolean): Promise<string | undefined> {
  const result = isId
    ? await client.query<{ id: string }>('SELECT id FROM users WHERE id = $1', [idOrEmail])
    : await client.query<{ id: string }>('SELECT id FROM users WHERE email = lower(btrim($1))', [idOrEmail]);
  return result.rows[0]?.id;
}

/** One account's balance at the instant, both ways: from its latest snapshot, and from its first entry. */
export interface AccountBalanceRow {
  account_id: string;
  user_id: string;
  name: string;
  type: string;
  archived: boolean;
  snapshot_as_of: Date | null;
  snapshot_balance_cents: number | null;
  snapshot_entry_count: number | null;
  since_cents: number;
  since_count: number;
  ledger_cents: number;
  ledger_count: number;
}

/**
 * The balances at `at` of one account (accountId) or of every account of a person (userId), in
 * the order the accounts were opened; the internal ones, opened together at sign-up, by type.
 */
export async function balancesAt(
  client: Queryable,
  options: { accountId: string; at: Date } | { userId: string; at: Date },
): Promise<AccountBalanceRow[]> {
  const [filter, id] = 'accountId' in options ? ['a.id = $1', options.accountId] : ['a.user_id = $1', options.userId];
  const result = await client.query<AccountBalanceRow>(
    `SELECT a.id AS account_id, a.user_id, a.name, a.type, a.archived_at IS NOT NULL AS archived,
            s.as_of AS snapshot_as_of, s.balance_cents AS snapshot_balance_cents, s.entry_count AS snapshot_entry_count,
            since.sum_cents AS since_cents, since.n AS since_count, whole.sum_cents AS ledger_cents, whole.n AS ledger_count
       FROM accounts a
       LEFT JOIN LATERAL (
         SELECT as_of, balance_cents, entry_count FROM account_balance_snapshots
          WHERE account_id = a.id AND as_of <= $2 ORDER BY as_of DESC LIMIT 1) s ON true
       CROSS JOIN LATERAL (
         SELECT coalesce(sum(e.amount_cents), 0)::bigint AS sum_cents, count(*)::int AS n FROM ledger_entries e
          WHERE e.account_id = a.id AND ${UP_TO_INSTANT} AND ${AFTER_SNAPSHOT}) since
       CROSS JOIN LATERAL (
         SELECT coalesce(sum(e.amount_cents), 0)::bigint AS sum_cents, count(*)::int AS n FROM ledger_entries e
          WHERE e.account_id = a.id AND ${UP_TO_INSTANT}) whole
      WHERE ${filter}
      ORDER BY a.created_at, a.type, a.id`,
    [id, options.at],
  );
  return result.rows;
}

export interface SummedEntryRow {
  id: number;
  transaction_id: string;
  kind: string;
  amount_cents: number;
  balance_after_cents: number;
  account_version: number;
  created_at: Date;
}

/** The first `limit` entries the snapshot path sums for one account, in the ledger's time order. */
export async function entriesSummed(
  client: Queryable,
  options: { accountId: string; at: Date; snapshotAsOf: Date | null; limit: number },
): Promise<SummedEntryRow[]> {
  const result = await client.query<SummedEntryRow>(
    `SELECT e.id, e.transaction_id, t.kind, e.amount_cents, e.balance_after_cents, e.account_version, e.created_at
       FROM ledger_entries e
       JOIN transactions t ON t.id = e.transaction_id
       CROSS JOIN (SELECT $3::timestamptz AS as_of) s
      WHERE e.account_id = $1 AND ${UP_TO_INSTANT} AND ${AFTER_SNAPSHOT}
      ORDER BY e.created_at, e.id
      LIMIT $4`,
    [options.accountId, options.at, options.snapshotAsOf, options.limit],
  );
  return result.rows;
}

/** A journal header with everything an investigator asks of it. */
export interface TracedTransactionRow {
  id: string;
  user_id: string;
  kind: string;
  amount_cents: number;
  occurred_on: string;
  created_at: Date;
  policy_version: string;
  request_id: string | null;
  idempotency_key: string | null;
  reverses_transaction_id: string | null;
  reversed_by_transaction_id: string | null;
  corrects_transaction_id: string | null;
  corrected_by_transaction_id: string | null;
  /** A card refund or antecipação discount (cards_v1): the purchase it gives money back of. */
  refund_of_transaction_id: string | null;
  /** A card purchase: its refunds and antecipação discounts, oldest first. */
  refunded_by_transaction_ids: string[];
}

const TRACED_TRANSACTION = `
  SELECT t.id, t.user_id, t.kind, t.amount_cents, t.occurred_on, t.created_at, t.policy_version, t.request_id,
         t.idempotency_key, t.reverses_transaction_id, r.id AS reversed_by_transaction_id,
         t.corrects_transaction_id, c.id AS corrected_by_transaction_id,
         (SELECT f.purchase_transaction_id FROM card_refunds f WHERE f.transaction_id = t.id) AS refund_of_transaction_id,
         ARRAY(SELECT f.transaction_id FROM card_refunds f JOIN transactions x ON x.id = f.transaction_id
                WHERE f.purchase_transaction_id = t.id ORDER BY x.created_at, x.id)::text[] AS refunded_by_transaction_ids
    FROM transactions t
    LEFT JOIN transactions r ON r.reverses_transaction_id = t.id
    LEFT JOIN transactions c ON c.corrects_transaction_id = t.id`;

export async function tracedTransactions(client: Queryable, ids: readonly string[]): Promise<TracedTransactionRow[]> {
  if (ids.length === 0) return [];
  const result = await client.query<TracedTransactionRow>(
    `${TRACED_TRANSACTION} WHERE t.id = ANY($1::uuid[]) ORDER BY t.created_at, t.id`,
    [ids],
  );
  return result.rows;
}

/** The transactions a lookup names: at most `limit`, oldest first, and how many there are in all. */
export async function transactionIdsBy(
  client: Queryable,
  options: ({ requestId: string } | { userId: string; idempotencyKey: string }) & { limit: number },
): Promise<{ ids: string[]; total: number }> {
  const [filter, values] =
    'requestId' in options
      ? ['request_id = $1', [options.requestId]]
      : ['user_id = $1 AND idempotency_key = $2', [options.userId, options.idempotencyKey]];
  const result = await client.query<{ id: string; total: number }>(
    `SELECT id, count(*) OVER ()::int AS total FROM transactions WHERE ${filter}
      ORDER BY created_at, id LIMIT $${values.length + 1}`,
    [...values, options.limit],
  );
  return { ids: result.rows.map((row) => row.id), total: result.rows[0]?.total ?? 0 };
}

export interface TracedEntryRow {
  id: number;
  transaction_id: string;
  account_id: string;
  account_name: string;
  account_type: string;
  amount_cents: number;
  balance_after_cents: number;
  account_version: number;
  created_at: Date;
}

export async function tracedEntries(client: Queryable, transactionIds: readonly string[]): Promise<TracedEntryRow[]> {
  if (transactionIds.length === 0) return [];
  const result = await client.query<TracedEntryRow>(
    `SELECT e.id, e.transaction_id, e.account_id, a.name AS account_name, a.type AS account_type, e.amount_cents,
            e.balance_after_cents, e.account_version, e.created_at
       FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
      WHERE e.transaction_id = ANY($1::uuid[])
      ORDER BY e.id`,
    [transactionIds],
  );
  return result.rows;
}

/** An Idempotency-Key as stored: what it was sent with and the answer kept for replays. */
export interface StoredKeyRow {
  user_id: string;
  key: string;
  method: string;
  path: string;
  status: string;
  response_status: number | null;
  created_at: Date;
  expires_at: Date;
  /** The stored answer's body names this transaction (it is the answer to the request that posted it). */
  names_transaction: boolean;
}

export async function storedKey(
  client: Queryable,
  options: { userId: string; key: string; transactionId: string | null },
): Promise<StoredKeyRow | undefined> {
  const result = await client.query<StoredKeyRow>(
    `SELECT user_id, key, method, path, status, response_status, created_at, expires_at,
            ($3 <> '' AND coalesce(strpos(response_body::text, $3) > 0, false)) AS names_transaction
       FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
    [options.userId, options.key, options.transactionId ?? ''],
  );
  return result.rows[0];
}
