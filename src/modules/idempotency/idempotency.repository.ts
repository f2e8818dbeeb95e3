import type pg from 'pg';
import type { Queryable } from '../../db/queryable.js';
import type { AfterBegin } from '../../db/unit-of-work.js';

/** The key a write claims: whose, which, for what request, and until when it holds. */
export interface KeyClaim {
  userId: string;
  key: string;
  method: string;
  path: string;
  requestHash: Buffer;
  createdAt: Date;
  expiresAt: Date;
}

/** A key someone already holds, as the replay rules need it. */
export interface StoredKey {
  request_hash: Buffer;
  status: string;
  response_status: number | null;
  response_body: unknown;
  expired: boolean;
}

const CLAIM_COLUMNS = 'user_id, key, method, path, request_hash, status, created_at, expires_at';

/**
 * The claim as a statement riding on BEGIN's round trip, values inlined (see AfterBegin);
 * it reads true when this transaction now holds the key, false when someone else did.
 */
export function claimOnBegin(client: pg.ClientBase, claim: KeyClaim): AfterBegin<boolean> {
  const literal = (value: string) => client.escapeLiteral(value);
  const sql = `INSERT INTO idempotency_keys (${CLAIM_COLUMNS})
    VALUES (${literal(claim.userId)}, ${literal(claim.key)}, ${literal(claim.method)}, ${literal(claim.path)},
            ${literal(`\\x${claim.requestHash.toString('hex')}`)}::bytea, 'in_flight',
            ${literal(claim.createdAt.toISOString())}::timestamptz, ${literal(claim.expiresAt.toISOString())}::timestamptz)
    ON CONFLICT (user_id, key) DO NOTHING`;
  return { sql, read: (result) => result.rowCount === 1 };
}

/** The same claim as a statement of its own, for a key taken over after it expired. */
export async function claimKey(client: Queryable, claim: KeyClaim): Promise<boolean> {
  const result = await client.query(
    `INSERT INTO idempotency_keys (${CLAIM_COLUMNS}) VALUES ($1, $2, $3, $4, $5, 'in_flight', $6, $7)
     ON CONFLICT (user_id, key) DO NOTHING`,
    [claim.userId, claim.key, claim.method, claim.path, claim.requestHash, claim.createdAt, claim.expiresAt],
  );
  return result.rowCount === 1;
}

/**
 * The completion as SQL text for the COMMIT round trip (see runTransactionWith), values
 * inlined: the response is stored in the same transaction as the write's effects.
 */
export function completeBeforeCommit(
  client: pg.PoolClient,
  options: { userId: string; key: string; status: number; json: string },
): string {
  const literal = (value: string) => client.escapeLiteral(value);
  if (!Number.isInteger(options.status)) throw new Error(`response status ${options.status} is not an integer`);
  return `UPDATE idempotency_keys SET status = 'completed', response_status = ${options.status},
      response_body = ${literal(options.json)}::jsonb
    WHERE user_id = ${literal(options.userId)} AND key = ${literal(options.key)}`;
}

/** The key as stored, locked for this transaction; whether it has expired is judged at now. */
export async function findKeyForUpdate(
  client: Queryable,
  options: { userId: string; key: string; now: Date },
): Promise<StoredKey | undefined> {
  const found = await client.query<StoredKey>(
    `SELECT request_hash, status, response_status, response_body, expires_at <= $3 AS expired
       FROM idempotency_keys WHERE user_id = $1 AND key = $2 FOR UPDATE`,
    [options.userId, options.key, options.now],
  );
  return found.rows[0];
}

export async function deleteKey(client: Queryable, options: { userId: string; key: string }): Promise<void> {
  await client.query('DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2', [options.userId, options.key]);
}

/** Deletes up to batchMax keys past their expiry at now; returns how many. */
export async function deleteExpiredKeys(client: Queryable, options: { now: Date; batchMax: number }): Promise<number> {
  const result = await client.query(
    `DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
       SELECT ctid FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2))`,
    [options.now, options.batchMax],
  );
  return result.rowCount ?? 0;
}
