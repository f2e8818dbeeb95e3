import type pg from 'pg';

export interface RateLimitCount {
  hits: number;
  windowEndsAt: Date;
}

interface RateLimitRow {
  hits: number;
  window_ends_at: Date;
}

/**
 * The limiter's counters: one row per key (a SHA-256, so every row has the same small
 * size whatever the key was made of) with a fixed window that ends at window_ends_at.
 */
export class RateLimitRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Counts one attempt in one statement, so concurrent attempts from any number of
   * processes serialise on the row and none is lost. A window that has ended starts
   * again at 1. The count stops at ceiling, so a flood cannot overflow it.
   */
  async hit(options: { key: Buffer; now: Date; windowEndsAt: Date; ceiling: number }): Promise<RateLimitCount> {
    const result = await this.pool.query<RateLimitRow>({
      name: 'rate_limit_hit',
      text: `INSERT INTO rate_limits AS counter (key, hits, window_ends_at) VALUES ($1, 1, $3)
             ON CONFLICT (key) DO UPDATE SET
               hits = CASE WHEN counter.window_ends_at <= $2 THEN 1 ELSE LEAST(counter.hits + 1, $4) END,
               window_ends_at = CASE WHEN counter.window_ends_at <= $2 THEN excluded.window_ends_at
                                     ELSE counter.window_ends_at END
             RETURNING hits, window_ends_at`,
      values: [options.key, options.now, options.windowEndsAt, options.ceiling],
    });
    const row = result.rows[0];
    if (!row) throw new Error('rate_limit_hit returned no row');
    return { hits: row.hits, windowEndsAt: row.window_ends_at };
  }

  /** Deletes up to batchMax counters whose window has ended; returns how many. */
  async deleteExpired(now: Date, batchMax: number): Promise<number> {
    const result = await this.pool.query(
      `DELETE FROM rate_limits WHERE key = ANY (ARRAY(
         SELECT key FROM rate_limits WHERE window_ends_at <= $1 LIMIT $2))`,
      [now, batchMax],
    );
    return result.rowCount ?? 0;
  }
}
