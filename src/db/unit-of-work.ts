import type pg from 'pg';

/** Serialization failures and deadlocks are retried this many times, then surface as 503. */
export const TX_RETRIES_MAX = 5;
const RETRY_BACKOFF_MS = 5;
/** No write waits longer than this for a lock (an account, an idempotency key in flight). */
export const LOCK_WAIT_MS = 10_000;

const RETRYABLE_CODES = new Set(['40001', '40P01']);

export function pgCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
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
  for (let attempt = 0; ; attempt += 1) {
    const client = await pool.connect();
    try {
      await client.query(`BEGIN; SET LOCAL lock_timeout = ${LOCK_WAIT_MS}`);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      const code = pgCode(error);
      if (code !== undefined && RETRYABLE_CODES.has(code) && attempt < TX_RETRIES_MAX) {
        onRetry(code);
        await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS * (attempt + 1)));
        continue;
      }
      throw error;
    } finally {
      client.release();
    }
  }
}
