import type pg from 'pg';
import { pgCode, SqlState } from './sqlstate.js';

/** Serialization failures and deadlocks are retried this many times, then surface as 503. */
export const TX_RETRIES_MAX = 5;
const RETRY_BACKOFF_MS = 5;
/** No write waits longer than this for a lock (an account, an idempotency key in flight). */
export const LOCK_WAIT_MS = 10_000;

/**
 * Contention a second attempt may not meet. A read-only refusal (25006) is deliberately not
 * here: every attempt would meet it again; it surfaces at once as 503 read_only.
 */
const RETRYABLE_CODES: ReadonlySet<string> = new Set([SqlState.serializationFailure, SqlState.deadlockDetected]);

/**
 * A statement that rides on BEGIN's round trip, and how to read what it answered. The
 * SQL is text with every value inlined by client.escapeLiteral: the simple protocol, the
 * only one that takes several statements in one message, has no parameters.
 */
export interface AfterBegin<R> {
  sql: string;
  read: (result: pg.QueryResult) => R;
}

/**
 * What a transaction's body asked to run once its COMMIT succeeds (metrics of what it
 * wrote), by the client that runs it. Started empty at BEGIN and dropped at ROLLBACK, so
 * an attempt that rolled back, or a retry's earlier attempt, leaves nothing behind.
 */
const committedEffects = new WeakMap<pg.PoolClient, Array<() => void>>();

/**
 * Runs effect after the client's current transaction commits, never if it rolls back.
 * Outside runTransaction or withTransaction (a hand-made BEGIN … COMMIT) it never runs.
 * An effect must not throw: it runs after the money is committed, where a throw would
 * turn a done write into a 500.
 */
export function afterCommit(client: pg.PoolClient, effect: () => void): void {
  committedEffects.get(client)?.push(effect);
}

function runCommittedEffects(client: pg.PoolClient): void {
  const effects = committedEffects.get(client) ?? [];
  committedEffects.delete(client);
  for (const effect of effects) effect();
}

/** The statements sent with BEGIN, in order; the rider's answer is the one after them. */
function beginStatements(lockWaitMs: number): string[] {
  return ['BEGIN', `SET LOCAL lock_timeout = ${lockWaitMs}`];
}
const BEGIN_STATEMENT_COUNT = beginStatements(LOCK_WAIT_MS).length;

/**
 * The text of BEGIN's round trip, a rider's statement after it: what pg_stat_activity shows of a
 * transaction waiting on its first statement. lockWaitMs is for tests.
 */
export function beginText(riderSql?: string, lockWaitMs = LOCK_WAIT_MS): string {
  const statements = beginStatements(lockWaitMs);
  return (riderSql === undefined ? statements : [...statements, riderSql]).join('; ');
}

/**
 * One database transaction with bounded lock waits; retried whole, a bounded number of
 * times, when PostgreSQL reports a serialization failure or a deadlock. fn must therefore
 * have no effects outside the transaction (side effects run after the commit).
 */
export async function runTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  onRetry: (code: string) => void = () => {},
): Promise<T> {
  return runTransactionWith(pool, { body: async (client) => ({ result: await fn(client) }) }, onRetry);
}

/** BEGIN (with the rider, if any) in one round trip; returns what the rider read. */
async function begin<R>(client: pg.PoolClient, rider: AfterBegin<R> | undefined): Promise<R | undefined> {
  committedEffects.set(client, []);
  // pg answers a message of several statements with one result per statement, in order.
  const results = (await client.query(beginText(rider?.sql))) as unknown as pg.QueryResult[];
  if (!rider) return undefined;
  const answer = results[BEGIN_STATEMENT_COUNT];
  if (answer === undefined) throw new Error('the statement sent with BEGIN returned no result');
  return rider.read(answer);
}

/**
 * runTransaction whose first and last round trips carry statements of the caller's:
 * afterBegin runs in the same simple-protocol message as BEGIN, and its answer, read by
 * the rider itself, is handed to the body; the body may return beforeCommit (SQL text,
 * values inlined) to run in the same message as COMMIT. They exist to save the two round
 * trips an Idempotency-Key would otherwise add to every write. PostgreSQL runs such a
 * message's statements in order and stops at the first error, so COMMIT never runs after
 * a failed statement.
 */
export async function runTransactionWith<T, R = never>(
  pool: pg.Pool,
  steps: {
    afterBegin?: (client: pg.PoolClient) => AfterBegin<R>;
    body: (client: pg.PoolClient, begun: R | undefined) => Promise<{ result: T; beforeCommit?: string }>;
  },
  onRetry: (code: string) => void = () => {},
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    const client = await pool.connect();
    // Set when the connection can no longer be trusted: release() then destroys it.
    let broken: Error | undefined;
    try {
      const begun = await begin(client, steps.afterBegin?.(client));
      const { result, beforeCommit } = await steps.body(client, begun);
      await client.query(beforeCommit ? `${beforeCommit}; COMMIT` : 'COMMIT');
      runCommittedEffects(client);
      return result;
    } catch (error) {
      broken = await rollback(client);
      const code = pgCode(error);
      if (code !== undefined && RETRYABLE_CODES.has(code) && attempt < TX_RETRIES_MAX) {
        onRetry(code);
        await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS * (attempt + 1)));
        continue;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

/**
 * Rolls back after a failure. A lost connection (database restart) fails the ROLLBACK
 * too; PostgreSQL has rolled the transaction back itself, and the client must not serve
 * again: the error returned is for release(), which then destroys it.
 */
async function rollback(client: pg.PoolClient): Promise<Error | undefined> {
  committedEffects.delete(client);
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (rollbackError) {
    return rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
  }
}

/**
 * One plain BEGIN … COMMIT on one client, tried once: for maintenance and sign-up writes
 * that neither wait on account locks nor want a retry; any throw rolls back.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    committedEffects.set(client, []);
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    runCommittedEffects(client);
    return result;
  } catch (error) {
    broken = await rollback(client);
    throw error;
  } finally {
    client.release(broken);
  }
}
