import type pg from 'pg';
import { pgCode, SqlState } from './sqlstate.js';

/** Serialization failures and deadlocks are retried this many times, then surface as 503. */
export const TX_RETRIES_MAX = 5;
const RETRY_BACKOFF_MS = 5;
/** No write waits longer than this for a lock (an account, an idempotency key in flight). */
export const LOCK_WAIT_MS = 10_000;

const RETRYABLE_CODES: ReadonlySet<string> = new Set([SqlState.serializationFailure, SqlState.deadlockDetected]);

export { pgCode };

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

/**
 * runTransaction whose first and last round trips carry statements of the caller's:
 * afterBegin runs in the same simple-protocol message as BEGIN, and the body may return
 * beforeCommit to run in the same message as COMMIT. Both are SQL text with every value
 * inlined by client.escapeLiteral (the simple protocol has no parameters); they exist to
 * save the two round trips an Idempotency-Key would otherwise add to every write.
 * PostgreSQL runs such a message's statements in order and stops at the first error, so
 * COMMIT never runs after a failed statement.
 */
export async function runTransactionWith<T>(
  pool: pg.Pool,
  steps: {
    afterBegin?: (client: pg.PoolClient) => string;
    body: (client: pg.PoolClient, begun: pg.QueryResult | undefined) => Promise<{ result: T; beforeCommit?: string }>;
  },
  onRetry: (code: string) => void = () => {},
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    const client = await pool.connect();
    // Set when the connection can no longer be trusted: release() then destroys it.
    let broken: Error | undefined;
    try {
      const extra = steps.afterBegin?.(client);
      const results = (await client.query(
        `BEGIN; SET LOCAL lock_timeout = ${LOCK_WAIT_MS}${extra ? `; ${extra}` : ''}`,
      )) as unknown as pg.QueryResult[];
      const { result, beforeCommit } = await steps.body(client, extra ? results[2] : undefined);
      await client.query(beforeCommit ? `${beforeCommit}; COMMIT` : 'COMMIT');
      return result;
    } catch (error) {
      // A lost connection (database restart) fails the ROLLBACK too; PostgreSQL has
      // rolled the transaction back itself, and this client must not serve again.
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
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
