import type pg from 'pg';

const WAIT_POLL_MS = 20;
const WAIT_MAX_MS = 20_000;

/**
 * Resolves once at least `count` other backends of this database wait on a heavyweight lock
 * (a row, an advisory lock): the requests a test lined up behind a lock it holds have come to
 * wait on it, in the order they were sent.
 */
export async function lockWaiters(pool: pg.Pool, count = 1): Promise<void> {
  const deadline = Date.now() + WAIT_MAX_MS;
  while (Date.now() < deadline) {
    const waiting = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    if ((waiting.rows[0]?.n ?? 0) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
  throw new Error(`${count} requests never came to wait on the lock`);
}
