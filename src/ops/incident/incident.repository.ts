import type pg from 'pg';
import { accountLockOrder, accountLocksTaken } from '../../db/locks.js';
import type { Queryable } from '../../db/queryable.js';

/** The SQL of the incident commands (docs/INCIDENT-PLAYBOOK.md). Read-only except where a name says it writes. */

export type LedgerFindingKind =
  | 'unbalanced_transaction'
  | 'entry_without_transaction'
  | 'entry_on_missing_account'
  | 'entry_on_foreign_account'
  | 'leg_off_header'
  | 'broken_balance_chain';

export interface LedgerFinding {
  kind: LedgerFindingKind;
  transaction_id: string | null;
  entry_id: string | null;
  account_id: string | null;
  detail: string;
  total: number;
}

/**
 * Everything in the ledger the database's own checks should have made impossible: a transaction
 * whose legs do not sum to zero (or have fewer than two), an entry whose transaction, account or
 * owner does not match, a leg on an account its header does not name, and an account whose
 * balance_after chain is not the running sum of its legs. At most `limit` rows, with the total.
 */
export async function ledgerFindings(pool: Queryable, limit: number): Promise<LedgerFinding[]> {
  const result = await pool.query<LedgerFinding>(
    `WITH legs AS (
       SELECT t.id, count(e.id) AS n, coalesce(sum(e.amount_cents), 0) AS s
         FROM transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id GROUP BY t.id
     ), findings AS (
       SELECT 'unbalanced_transaction' AS kind, id::text AS transaction_id, NULL::text AS entry_id, NULL::text AS account_id,
              format('%s legs summing to %s', n, s) AS detail
         FROM legs WHERE n < 2 OR s <> 0
       UNION ALL
       SELECT 'entry_without_transaction', e.transaction_id::text, e.id::text, e.account_id::text,
              'its transaction is missing or belongs to another person'
         FROM ledger_entries e LEFT JOIN transactions t ON t.id = e.transaction_id
        WHERE t.id IS NULL OR t.user_id <> e.user_id
       UNION ALL
       SELECT 'entry_on_missing_account', e.transaction_id::text, e.id::text, e.account_id::text, 'no such account'
         FROM ledger_entries e LEFT JOIN accounts a ON a.id = e.account_id WHERE a.id IS NULL
       UNION ALL
       SELECT 'entry_on_foreign_account', e.transaction_id::text, e.id::text, e.account_id::text,
              'the account belongs to another person'
         FROM ledger_entries e JOIN accounts a ON a.id = e.account_id WHERE a.user_id <> e.user_id
       UNION ALL
       SELECT 'leg_off_header', e.transaction_id::text, e.id::text, e.account_id::text,
              'the transaction names two other accounts'
         FROM ledger_entries e JOIN transactions t ON t.id = e.transaction_id
        WHERE e.account_id NOT IN (t.account_id, t.counterparty_account_id)
       UNION ALL
       SELECT 'broken_balance_chain', chain.transaction_id::text, chain.id::text, chain.account_id::text,
              format('balance_after %s, running sum %s', chain.balance_after_cents, chain.running)
         FROM (SELECT id, transaction_id, account_id, balance_after_cents,
                      sum(amount_cents) OVER (PARTITION BY account_id ORDER BY account_version) AS running
                 FROM ledger_entries) chain
        WHERE chain.balance_after_cents <> chain.running
     )
     SELECT kind, transaction_id, entry_id, account_id, detail, (count(*) OVER ())::int AS total
       FROM findings ORDER BY kind, transaction_id, entry_id LIMIT $1`,
    [limit],
  );
  return result.rows;
}

export interface LedgerTotals {
  transactions: number;
  entries: number;
  sum_cents: string;
}

export async function ledgerTotals(pool: Queryable): Promise<LedgerTotals> {
  const result = await pool.query<LedgerTotals>(
    `SELECT (SELECT count(*) FROM transactions)::int AS transactions, (SELECT count(*) FROM ledger_entries)::int AS entries,
            (SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries)::text AS sum_cents`,
  );
  const row = result.rows[0];
  if (!row) throw new Error('no totals');
  return row;
}

/** The next batch of account ids after `after`, in id order. */
export async function accountIdsAfter(pool: Queryable, after: string, limit: number): Promise<string[]> {
  const result = await pool.query<{ id: string }>('SELECT id::text AS id FROM accounts WHERE id > $1 ORDER BY id LIMIT $2', [
    after,
    limit,
  ]);
  return result.rows.map((row) => row.id);
}

export interface BalanceDiff {
  account_id: string;
  cached_cents: string;
  ledger_cents: string;
}

export interface SnapshotDiff {
  account_id: string;
  as_of: Date;
  cached_cents: string;
  ledger_cents: string;
  cached_count: number;
  ledger_count: number;
}

/** The accounts of the batch whose cached balance (or version) is not what their entries say. */
const BALANCE_FIGURES = `
  SELECT a.id, a.balance_cents AS cached, coalesce(l.sum, 0) AS ledger, a.row_version, coalesce(l.version, 0) AS last_version
    FROM accounts a
    LEFT JOIN LATERAL (SELECT sum(amount_cents) AS sum, max(account_version) AS version
                         FROM ledger_entries e WHERE e.account_id = a.id) l ON true
   WHERE a.id = ANY($1::uuid[])`;

/** Each snapshot of the batch's accounts against its entries up to as_of (what balance?at= sums). */
const SNAPSHOT_FIGURES = `
  SELECT s.account_id, s.as_of, s.balance_cents AS cached, x.sum AS ledger, s.entry_count AS cached_count, x.n AS ledger_count
    FROM account_balance_snapshots s
   CROSS JOIN LATERAL (SELECT coalesce(sum(amount_cents), 0) AS sum, count(*)::int AS n
                         FROM ledger_entries e WHERE e.account_id = s.account_id AND e.created_at <= s.as_of) x
   WHERE s.account_id = ANY($1::uuid[])`;

export async function balanceDiffs(pool: Queryable, accountIds: readonly string[]): Promise<BalanceDiff[]> {
  const result = await pool.query<BalanceDiff>(
    `SELECT f.id::text AS account_id, f.cached::text AS cached_cents, f.ledger::text AS ledger_cents
       FROM (${BALANCE_FIGURES}) f WHERE f.cached <> f.ledger OR f.row_version < f.last_version ORDER BY f.id`,
    [accountIds],
  );
  return result.rows;
}

export async function snapshotDiffs(pool: Queryable, accountIds: readonly string[]): Promise<SnapshotDiff[]> {
  const result = await pool.query<SnapshotDiff>(
    `SELECT f.account_id::text AS account_id, f.as_of, f.cached::text AS cached_cents, f.ledger::text AS ledger_cents,
            f.cached_count, f.ledger_count
       FROM (${SNAPSHOT_FIGURES}) f WHERE f.cached <> f.ledger OR f.cached_count <> f.ledger_count
      ORDER BY f.account_id, f.as_of`,
    [accountIds],
  );
  return result.rows;
}

/**
 * Takes the accounts' locks as every posting does (advisory transaction locks in ascending
 * order, then the rows FOR UPDATE): once this returns, no posting on them is in flight and none
 * starts until the caller's transaction ends. The sums must then be read by a later statement,
 * whose snapshot includes every posting that committed while this one waited.
 */
export async function lockAccounts(client: pg.PoolClient, accountIds: readonly string[]): Promise<void> {
  const order = accountLockOrder(accountIds);
  await client.query(`SELECT id FROM accounts WHERE id = ANY($1::uuid[]) AND ${accountLocksTaken('$2')} ORDER BY id FOR UPDATE`, [
    order.ids,
    order.keys,
  ]);
}

/** Writes: sets each differing cached balance to its ledger sum (and the version past the last leg). */
export async function replaceBalances(client: pg.PoolClient, accountIds: readonly string[]): Promise<BalanceDiff[]> {
  const result = await client.query<BalanceDiff>(
    `WITH f AS (${BALANCE_FIGURES})
     UPDATE accounts a SET balance_cents = f.ledger, row_version = greatest(a.row_version, f.last_version)
       FROM f WHERE a.id = f.id AND (f.cached <> f.ledger OR f.row_version < f.last_version)
     RETURNING a.id::text AS account_id, f.cached::text AS cached_cents, f.ledger::text AS ledger_cents`,
    [accountIds],
  );
  return result.rows;
}

/** Writes: sets each differing snapshot (derived data) to its entries' sum and count. */
export async function replaceSnapshots(client: pg.PoolClient, accountIds: readonly string[]): Promise<SnapshotDiff[]> {
  const result = await client.query<SnapshotDiff>(
    `WITH f AS (${SNAPSHOT_FIGURES})
     UPDATE account_balance_snapshots s SET balance_cents = f.ledger, entry_count = f.ledger_count
       FROM f WHERE s.account_id = f.account_id AND s.as_of = f.as_of
        AND (f.cached <> f.ledger OR f.cached_count <> f.ledger_count)
     RETURNING s.account_id::text AS account_id, s.as_of, f.cached::text AS cached_cents, f.ledger::text AS ledger_cents,
               f.cached_count, f.ledger_count`,
    [accountIds],
  );
  return result.rows;
}

/** Writes: closes the open reconcile findings of accounts whose figures were just rebuilt. */
export async function resolveFindings(client: Queryable, accountIds: readonly string[], now: Date): Promise<number> {
  if (accountIds.length === 0) return 0;
  const result = await client.query(
    'UPDATE reconcile_findings SET resolved_at = $2 WHERE resolved_at IS NULL AND account_id = ANY($1::uuid[])',
    [accountIds, now],
  );
  return result.rowCount ?? 0;
}

export interface JobStatusRow {
  job: string;
  last_status: string | null;
  last_started_at: Date | null;
  last_error: string | null;
  last_success_at: Date | null;
  running_runs: number;
  running_workers: string | null;
  running_since: Date | null;
  holder_pid: number | null;
  holder_application: string | null;
  holder_address: string | null;
  holder_state: string | null;
  holder_silent_seconds: number | null;
}

/**
 * The session holding a single-bigint advisory lock in this database, if any: pg_locks splits
 * the key into classid (high 32 bits) and objid (low 32 bits), objsubid 1.
 */
const LOCK_HOLDER = (lockParameter: string) => `
  SELECT a.pid, a.application_name, host(a.client_addr) AS address, a.state,
         extract(epoch FROM now() - a.state_change)::float8 AS silent_seconds
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND ((l.classid::bigint << 32) | l.objid::bigint) = ${lockParameter}
   ORDER BY a.pid LIMIT 1`;

export async function jobStatuses(pool: Queryable, jobs: readonly { name: string; lock: number }[]): Promise<JobStatusRow[]> {
  const result = await pool.query<JobStatusRow>(
    `SELECT j.name AS job, last.status AS last_status, last.started_at AS last_started_at, last.error_summary AS last_error,
            success.finished_at AS last_success_at, running.n AS running_runs, running.workers AS running_workers,
            running.since AS running_since, holder.pid AS holder_pid, holder.application_name AS holder_application,
            holder.address AS holder_address, holder.state AS holder_state, holder.silent_seconds AS holder_silent_seconds
       FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS j (name, lock, ord)
       LEFT JOIN LATERAL (SELECT status, started_at, error_summary FROM job_runs r
                           WHERE r.job = j.name ORDER BY started_at DESC, id DESC LIMIT 1) last ON true
       LEFT JOIN LATERAL (SELECT finished_at FROM job_runs r
                           WHERE r.job = j.name AND status = 'succeeded' ORDER BY started_at DESC, id DESC LIMIT 1) success ON true
       LEFT JOIN LATERAL (SELECT count(*)::int AS n, string_agg(DISTINCT worker, ', ') AS workers, min(started_at) AS since
                            FROM job_runs r WHERE r.job = j.name AND status = 'running') running ON true
       LEFT JOIN LATERAL (${LOCK_HOLDER('j.lock')}) holder ON true
      ORDER BY j.ord`,
    [jobs.map((job) => job.name), jobs.map((job) => job.lock)],
  );
  return result.rows;
}

export interface LockHolder {
  pid: number;
  application_name: string;
  address: string | null;
  state: string | null;
  silent_seconds: number;
}

export async function lockHolder(pool: Queryable, lock: number): Promise<LockHolder | undefined> {
  const result = await pool.query<LockHolder>(LOCK_HOLDER('$1::bigint'), [lock]);
  return result.rows[0];
}

/** Ends a server session (its open transaction rolls back, its locks go). Needs pg_signal_backend or superuser. */
export async function terminateSession(pool: Queryable, pid: number): Promise<boolean> {
  const result = await pool.query<{ done: boolean }>('SELECT pg_terminate_backend($1) AS done', [pid]);
  return result.rows[0]?.done === true;
}

/**
 * Writes, in the caller's transaction: takes the job's lock for it (false: a run holds it) and,
 * holding it, marks the job's runs still 'running' as died, as the job's next run would.
 */
export async function markRunsDied(
  client: pg.PoolClient,
  options: { job: string; lock: number; now: Date; summary: string },
): Promise<number | false> {
  const locked = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [
    options.lock,
  ]);
  if (locked.rows[0]?.locked !== true) return false;
  const died = await client.query(
    `UPDATE job_runs SET status = 'died', finished_at = $2, error_summary = $3 WHERE job = $1 AND status = 'running'`,
    [options.job, options.now, options.summary],
  );
  return died.rowCount ?? 0;
}

export interface BlockedSession {
  pid: number;
  waiting_seconds: number;
  query: string;
  blocker_pid: number;
  blocker_state: string | null;
  blocker_application: string | null;
  blocker_transaction_seconds: number | null;
  blocker_query: string | null;
}

/**
 * Sessions of the app waiting on a lock, each with the session that blocks it: what turns
 * Idempotency-Key retries into 409 idempotency_key_in_use (the first request's transaction still
 * holds the key) and writes into 503 busy. Statement texts are cut to 80 characters; the app's
 * statements carry parameters, never values.
 */
export async function blockedSessions(pool: Queryable, limit: number): Promise<BlockedSession[]> {
  const result = await pool.query<BlockedSession>(
    `SELECT w.pid, extract(epoch FROM now() - w.query_start)::float8 AS waiting_seconds, left(w.query, 80) AS query,
            b.pid AS blocker_pid, b.state AS blocker_state, b.application_name AS blocker_application,
            extract(epoch FROM now() - b.xact_start)::float8 AS blocker_transaction_seconds, left(b.query, 80) AS blocker_query
       FROM pg_stat_activity w
      CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS blocking (pid)
       JOIN pg_stat_activity b ON b.pid = blocking.pid
      WHERE w.datname = current_database() AND w.wait_event_type = 'Lock'
      ORDER BY waiting_seconds DESC, w.pid LIMIT $1`,
    [limit],
  );
  return result.rows;
}

export interface KeyActivity {
  path: string;
  keys: number;
  people: number;
  completed: number;
}

/** Idempotency keys written per route in the last `minutes` (who retries, and where). */
export async function recentKeys(pool: Queryable, options: { now: Date; minutes: number }): Promise<KeyActivity[]> {
  const result = await pool.query<KeyActivity>(
    `SELECT method || ' ' || path AS path, count(*)::int AS keys, count(DISTINCT user_id)::int AS people,
            count(*) FILTER (WHERE status = 'completed')::int AS completed
       FROM idempotency_keys WHERE created_at > $1::timestamptz - make_interval(mins => $2)
      GROUP BY 1 ORDER BY keys DESC, 1 LIMIT 20`,
    [options.now, options.minutes],
  );
  return result.rows;
}

export interface DatabaseState {
  database: string;
  in_recovery: boolean;
  default_read_only: string;
  database_settings: string | null;
  writes_refused: string | null;
}

/**
 * Whether this database takes writes: a standby (in recovery), default_transaction_read_only
 * (and where it was set: ALTER DATABASE or ALTER ROLE), and a probe, an UPDATE that touches no
 * row in a transaction rolled back, which PostgreSQL refuses with 25006 when writes are off. The
 * probe writes no page, so it cannot see a full disk: the server's log and `df` do.
 */
export async function databaseState(pool: pg.Pool): Promise<DatabaseState> {
  const state = await pool.query<Omit<DatabaseState, 'writes_refused'>>(
    `SELECT current_database() AS database, pg_is_in_recovery() AS in_recovery,
            current_setting('default_transaction_read_only') AS default_read_only,
            (SELECT string_agg(array_to_string(s.setconfig, ', '), '; ') FROM pg_db_role_setting s
              WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
                AND (s.setrole = 0 OR s.setrole = (SELECT oid FROM pg_roles WHERE rolname = current_user))) AS database_settings`,
  );
  const row = state.rows[0];
  if (!row) throw new Error('no database state');
  const client = await pool.connect();
  let writesRefused: string | null = null;
  try {
    await client.query('BEGIN');
    await client.query('UPDATE job_runs SET items = items WHERE false');
  } catch (error) {
    const described = error as { code?: string; message?: string };
    writesRefused = `${described.code ?? 'error'}: ${described.message ?? ''}`;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
  return { ...row, writes_refused: writesRefused };
}

/** The rows of each table of the public schema (exact counts: the command is run by hand, after a restore). */
export async function tableRowCounts(pool: pg.Pool): Promise<Map<string, number>> {
  const tables = await pool.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  const counts = new Map<string, number>();
  const client = await pool.connect();
  try {
    for (const { name } of tables.rows) {
      const counted = await client.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM public.${client.escapeIdentifier(name)}`,
      );
      counts.set(name, Number(counted.rows[0]?.n ?? 0));
    }
  } finally {
    client.release();
  }
  return counts;
}
