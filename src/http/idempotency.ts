import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type pg from 'pg';
import { pgCode, runTransaction } from '../db/unit-of-work.js';
import type { Clock } from '../lib/clock.js';
import { DomainError } from './errors.js';

/**
 * Idempotency-Key, after the IETF draft. The key row is inserted at the start of the
 * write's transaction and completed with the response in the same transaction, so it
 * commits exactly when the effects do. A second request with the key waits on the row
 * (the unique index) until the first commits, then replays its response; if the first
 * rolled back (a 4xx), the second runs afresh.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_KEY_LENGTH_MAX = 255;
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
const KEY_PATTERN = /^[\x21-\x7e]+$/;
const LOCK_NOT_AVAILABLE = '55P03';

export interface IdempotencyRequest {
  key: string;
  method: string;
  path: string;
  requestHash: Buffer;
}

export interface WriteResult<T> {
  status: number;
  body: T;
  replayed: boolean;
}

/** JSON with sorted object keys, so a retry that reorders fields hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function readIdempotencyKey(request: FastifyRequest): IdempotencyRequest | undefined {
  const header = request.headers[IDEMPOTENCY_KEY_HEADER];
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!key || key.length > IDEMPOTENCY_KEY_LENGTH_MAX || !KEY_PATTERN.test(key)) {
    throw new DomainError('validation_failed', 400, 'The request has invalid fields.', {
      errors: [
        {
          field: 'headers/idempotency-key',
          message: `must be 1 to ${IDEMPOTENCY_KEY_LENGTH_MAX} visible ASCII characters`,
          code: 'format',
        },
      ],
    });
  }
  const path = request.url.split('?')[0] ?? request.url;
  const requestHash = createHash('sha256')
    .update(`${request.method} ${path}\n${canonicalJson(request.body ?? null)}`)
    .digest();
  return { key, method: request.method, path, requestHash };
}

interface StoredKey {
  request_hash: Buffer;
  status: string;
  response_status: number | null;
  response_body: unknown;
  expired: boolean;
}

export interface IdempotencyHooks {
  onReplay?: () => void;
  onConflict?: (code: string) => void;
  onRetry?: (code: string) => void;
}

async function claim(
  client: pg.PoolClient,
  userId: string,
  idempotency: IdempotencyRequest,
  now: Date,
): Promise<WriteResult<unknown> | undefined> {
  const insert = () =>
    client.query({
      name: 'idempotency_claim',
      text: `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, 'in_flight', $6, $7)
       ON CONFLICT (user_id, key) DO NOTHING`,
      values: [
        userId,
        idempotency.key,
        idempotency.method,
        idempotency.path,
        idempotency.requestHash,
        now,
        new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
      ],
    });
  let inserted: pg.QueryResult;
  try {
    inserted = await insert();
  } catch (error) {
    if (pgCode(error) === LOCK_NOT_AVAILABLE) {
      throw new DomainError(
        'idempotency_key_in_use',
        409,
        'A request with this Idempotency-Key is still being processed.',
        {},
        { 'retry-after': '1' },
      );
    }
    throw error;
  }
  if (inserted.rowCount === 1) return undefined;

  const found = await client.query<StoredKey>(
    `SELECT request_hash, status, response_status, response_body, expires_at <= $3 AS expired
       FROM idempotency_keys WHERE user_id = $1 AND key = $2 FOR UPDATE`,
    [userId, idempotency.key, now],
  );
  const stored = found.rows[0];
  if (stored === undefined || stored.expired) {
    // Expired (the expiry job has not run yet) or removed meanwhile: the key is free again.
    await client.query('DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2', [userId, idempotency.key]);
    await insert();
    return undefined;
  }
  if (!stored.request_hash.equals(idempotency.requestHash)) {
    throw new DomainError('idempotency_key_reused', 422, 'This Idempotency-Key was used with a different request.');
  }
  if (stored.status !== 'completed' || stored.response_status === null) {
    throw new DomainError(
      'idempotency_key_in_use',
      409,
      'A request with this Idempotency-Key is still being processed.',
      {},
      { 'retry-after': '1' },
    );
  }
  return { status: stored.response_status, body: stored.response_body, replayed: true };
}

/**
 * Runs a write in one retried transaction, honouring the Idempotency-Key when given.
 * work returns the response it wants stored; it runs at most once per committed key.
 */
export async function runIdempotentWrite<T>(options: {
  pool: pg.Pool;
  clock: Clock;
  userId: string;
  idempotency: IdempotencyRequest | undefined;
  hooks?: IdempotencyHooks;
  work: (client: pg.PoolClient, now: Date) => Promise<{ status: number; body: T }>;
}): Promise<WriteResult<T>> {
  const { idempotency, userId, hooks } = options;
  try {
    const result = await runTransaction(
      options.pool,
      async (client): Promise<WriteResult<T>> => {
        const now = options.clock.now();
        if (idempotency) {
          const replay = await claim(client, userId, idempotency, now);
          if (replay) return replay as WriteResult<T>;
        }
        const response = await options.work(client, now);
        if (idempotency) {
          await client.query({
            name: 'idempotency_complete',
            text: `UPDATE idempotency_keys SET status = 'completed', response_status = $3, response_body = $4
              WHERE user_id = $1 AND key = $2`,
            values: [userId, idempotency.key, response.status, JSON.stringify(response.body)],
          });
        }
        return { ...response, replayed: false };
      },
      hooks?.onRetry,
    );
    if (result.replayed) hooks?.onReplay?.();
    return result;
  } catch (error) {
    if (error instanceof DomainError && error.code.startsWith('idempotency_key_')) hooks?.onConflict?.(error.code);
    throw error;
  }
}
