import type { PoolClient } from 'pg';

/**
 * Every advisory-lock id the application takes, in one place, so two features can
 * never pick the same number by accident. Session-level locks (migrations, jobs) use
 * these single-bigint ids; per-account transaction locks use the two-int form
 * (namespace, account key) so they never collide with these.
 */
export enum AdvisoryLock {
  Migrations = 7_201_000_001,
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
