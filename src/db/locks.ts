import type { PoolClient } from 'pg';
import type { Queryable } from './queryable.js';

/**
 * Every advisory-lock id the application takes, in one place, so two features can
 * never pick the same number by accident. The migrations' session lock and the jobs'
 * transaction locks (src/jobs/runner.ts) use these single-bigint ids; per-account transaction locks use the two-int form
 * (namespace, account key) so they never collide with these.
 */
export enum AdvisoryLock {
  Migrations = 7_201_000_001,
  JobExpireIdempotencyKeys = 7_201_000_101,
  JobMaterializeRecurring = 7_201_000_102,
  JobPurgeSessions = 7_201_000_103,
  JobExpireRateLimits = 7_201_000_104,
  JobBudgetAlert = 7_201_000_105,
  JobInsights = 7_201_000_106,
  JobWeeklySummary = 7_201_000_107,
  JobBalanceSnapshots = 7_201_000_108,
  JobReconcile = 7_201_000_109,
  JobSendEmails = 7_201_000_110,
  JobPurgeAccessLog = 7_201_000_111,
  /** Far from the sequence above, so a job added on another branch meanwhile does not take the same number. */
  JobBackup = 7_201_000_131,
}

/** Blocks until this session holds the lock; release with unlockSession. */
export async function lockSession(client: PoolClient, lock: AdvisoryLock): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [lock]);
}

export async function unlockSession(client: PoolClient, lock: AdvisoryLock): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1)', [lock]);
}

/** Takes the lock if free; false means another session (another worker) holds it. */
export async function tryLockSession(client: PoolClient, lock: AdvisoryLock): Promise<boolean> {
  const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [lock]);
  return result.rows[0]?.locked === true;
}

/**
 * Per-account transaction locks use the two-int form (namespace, key), a key space of
 * its own that never meets the single-bigint job and migration locks above.
 */
export const ACCOUNT_LOCK_NAMESPACE = 1;

/**
 * The key is the UUID's first 32 bits (as a signed int4). Taking locks in ascending id
 * order takes them in ascending order of that prefix, one global order over all account
 * locks, so two transactions can never wait on each other in a cycle, even when two ids
 * share a prefix (they then share the lock, which is re-entrant).
 */
export function accountLockKey(accountId: string): number {
  return Number.parseInt(accountId.slice(0, 8), 16) | 0;
}

/**
 * The per-account advisory locks as a condition for the statement that then locks the
 * accounts' rows: `AND ${accountLocksTaken('$3')}` with $3 = accountLockKeys(ids). The
 * ids are de-duplicated and sorted ascending; unnest hands the keys over in that order,
 * and the uncorrelated sub-select runs once (an InitPlan, a one-time filter) before the
 * statement reads or locks any row. Released at COMMIT or ROLLBACK.
 */
export function accountLocksTaken(keysParameter: string): string {
  return `(SELECT count(pg_advisory_xact_lock(${ACCOUNT_LOCK_NAMESPACE}, key)) FROM unnest(${keysParameter}::int[]) AS lock (key))
            = cardinality(${keysParameter}::int[])`;
}

/** The account ids in lock order (ascending, each once) and their lock keys. */
export function accountLockOrder(accountIds: readonly string[]): { ids: string[]; keys: number[] } {
  // Lower case first: the order is the one PostgreSQL's uuid gives, whatever case a client sent.
  const ids = [...new Set(accountIds.map((id) => id.toLowerCase()))].sort();
  return { ids, keys: ids.map(accountLockKey) };
}

/** The per-person lock of creates that count against a limit (lockPersonForCount): a key space of its own. */
export const PERSON_CREATES_LOCK_NAMESPACE = 2;

/**
 * Serialises one person's creates that check a per-person limit, until the transaction ends: two
 * creates at once then count one after the other, and the second sees the first's row. A
 * statement of its own, because under READ COMMITTED a statement reads the snapshot it started
 * with, even once a lock it waited on is granted; the count after it takes a new one. An
 * advisory lock, not the person's row: the account deletion locks the person's accounts and then
 * their row, and a create that took the row first and then an account's lock would wait on it in
 * a cycle. The key is the id's first 32 bits, as an account's (two people sharing one only wait).
 */
export async function lockPersonForCount(client: Queryable, userId: string): Promise<void> {
  await client.query({
    name: 'lock_person_for_count',
    text: `SELECT pg_advisory_xact_lock(${PERSON_CREATES_LOCK_NAMESPACE}, $1)`,
    values: [accountLockKey(userId)],
  });
}
