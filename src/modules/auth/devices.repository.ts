import type pg from 'pg';

/** SQL for known_devices: browsers that have signed in to an account before. */
export class DevicesRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Records a device and, in the same statement, forgets the person's oldest devices
   * beyond devicesMax (the DELETE does not see the row being inserted, so it keeps
   * devicesMax - 1 others).
   */
  async insert(options: {
    tokenHash: Buffer;
    userId: string;
    createdAt: Date;
    expiresAt: Date;
    devicesMax: number;
  }): Promise<void> {
    await this.pool.query(
      `WITH added AS (
         INSERT INTO known_devices (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)
       )
       DELETE FROM known_devices
        WHERE user_id = $2
          AND token_hash NOT IN (SELECT token_hash FROM known_devices WHERE user_id = $2
                                  ORDER BY created_at DESC, token_hash LIMIT $5 - 1)`,
      [options.tokenHash, options.userId, options.createdAt, options.expiresAt, options.devicesMax],
    );
  }

  /** Extends a live device of this person; false when there is none with this hash. */
  async extend(options: { tokenHash: Buffer; userId: string; now: Date; expiresAt: Date }): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE known_devices SET expires_at = $4
        WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3`,
      [options.tokenHash, options.userId, options.now, options.expiresAt],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** The e-mail of the account a live device signed in to; undefined when there is none. */
  async accountEmailOf(options: { tokenHash: Buffer; now: Date }): Promise<string | undefined> {
    const result = await this.pool.query<{ email: string }>(
      `SELECT u.email FROM known_devices d JOIN users u ON u.id = d.user_id
        WHERE d.token_hash = $1 AND d.expires_at > $2`,
      [options.tokenHash, options.now],
    );
    return result.rows[0]?.email;
  }

  /** Forgets every device of this person; returns how many. */
  async deleteForUser(userId: string): Promise<number> {
    const result = await this.pool.query('DELETE FROM known_devices WHERE user_id = $1', [userId]);
    return result.rowCount ?? 0;
  }

  /** Deletes up to batchMax expired devices; returns how many. */
  async deleteExpired(now: Date, batchMax: number): Promise<number> {
    const result = await this.pool.query(
      `DELETE FROM known_devices WHERE token_hash = ANY (ARRAY(
         SELECT token_hash FROM known_devices WHERE expires_at <= $1 LIMIT $2))`,
      [now, batchMax],
    );
    return result.rowCount ?? 0;
  }
}
