import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/queryable.js';

/** 256 bits: as long as the HMAC-SHA256 output it keys. */
const SECRET_BYTES = 32;

/**
 * The named secret, generated the first time anyone asks: every process, old or new,
 * then reads the same row (the first insert wins, later ones do nothing).
 */
export async function serverSecret(db: Queryable, options: { name: string; now: Date }): Promise<Buffer> {
  await db.query('INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [
    options.name,
    randomBytes(SECRET_BYTES),
    options.now,
  ]);
  const result = await db.query<{ value: Buffer }>('SELECT value FROM server_secrets WHERE name = $1', [options.name]);
  const value = result.rows[0]?.value;
  if (!value) throw new Error(`server secret ${options.name} missing after insert`);
  return value;
}
