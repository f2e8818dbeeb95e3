import type pg from 'pg';
import { pgCode, SqlState } from '../../db/sqlstate.js';
import { runTransactionWith } from '../../db/unit-of-work.js';
import type { Clock } from '../../lib/clock.js';
import { DomainError } from '../../lib/errors.js';
import type { RequestContext, ServiceDeps } from '../../lib/service-context.js';

/**
 * Idempotency-Key, after the IETF draft. The key row is inserted at the start of the
 * write's transaction and completed with the response in the same transaction, so it
 * commits exactly when the effects do. A second request with the key waits on the row
 * (the unique index) until the first commits, then replays its response; if the first
 * rolled back (a 4xx), the second runs afresh.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

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
  /** The response as sent, serialised before the commit (see ResponseWriter); absent on replays. */
  payload?: string;
}

/**
 * Turns a write's response into the bytes the route sends, by the route's response schema,
 * and throws when it cannot. runIdempotentWrite calls it before COMMIT, so a response that
 * cannot be produced rolls the write back (a 500 with nothing written) instead of
 * answering 500 after the effects are committed.
 */
export type ResponseWriter = (status: number, body: unknown) => string;

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

const CLAIM_COLUMNS = 'user_id, key, method, path, request_hash, status, created_at, expires_at';

/** The claim as SQL text for the BEGIN round trip (see runTransactionWith), values inlined. */
function claimSql(client: pg.PoolClient, userId: string, idempotency: IdempotencyRequest, now: Date): string {
  const literal = (value: string) => client.escapeLiteral(value);
  const expiresAt = new Date(now.getTime() + IDEMPOTENCY_TTL_MS);
  return `INSERT INTO idempotency_keys (${CLAIM_COLUMNS})
    VALUES (${literal(userId)}, ${literal(idempotency.key)}, ${literal(idempotency.method)}, ${literal(idempotency.path)},
            ${literal(`\\x${idempotency.requestHash.toString('hex')}`)}::bytea, 'in_flight',
            ${literal(now.toISOString())}::timestamptz, ${literal(expiresAt.toISOString())}::timestamptz)
    ON CONFLICT (user_id, key) DO NOTHING`;
}

/** The completion as SQL text for the COMMIT round trip, values inlined. */
function completeSql(client: pg.PoolClient, userId: string, key: string, status: number, json: string): string {
  const literal = (value: string) => client.escapeLiteral(value);
  if (!Number.isInteger(status)) throw new Error(`response status ${status} is not an integer`);
  return `UPDATE idempotency_keys SET status = 'completed', response_status = ${status},
      response_body = ${literal(json)}::jsonb
    WHERE user_id = ${literal(userId)} AND key = ${literal(key)}`;
}

function keyInUse(): DomainError {
  return new DomainError(
    'idempotency_key_in_use',
    409,
    'A request with this Idempotency-Key is still being processed.',
    {},
    { 'retry-after': '1' },
  );
}

/**
 * The claim's INSERT found the key taken (it waited first if the holder was in flight):
 * replay the stored response, refuse a different request, or take over an expired key.
 */
async function resolveTakenKey(
  client: pg.PoolClient,
  userId: string,
  idempotency: IdempotencyRequest,
  now: Date,
): Promise<WriteResult<unknown> | undefined> {
  const found = await client.query<StoredKey>(
    `SELECT request_hash, status, response_status, response_body, expires_at <= $3 AS expired
       FROM idempotency_keys WHERE user_id = $1 AND key = $2 FOR UPDATE`,
    [userId, idempotency.key, now],
  );
  const stored = found.rows[0];
  if (stored === undefined || stored.expired) {
    // Expired (the expiry job has not run yet) or removed meanwhile: the key is free again.
    await client.query('DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2', [userId, idempotency.key]);
    await client.query(claimSql(client, userId, idempotency, now));
    return undefined;
  }
  if (!stored.request_hash.equals(idempotency.requestHash)) {
    throw new DomainError('idempotency_key_reused', 422, 'This Idempotency-Key was used with a different request.');
  }
  if (stored.status !== 'completed' || stored.response_status === null) throw keyInUse();
  return { status: stored.response_status, body: stored.response_body, replayed: true };
}

/**
 * Runs a write in one retried transaction, honouring the Idempotency-Key when given.
 * work returns the response it wants stored; it runs at most once per committed key.
 * With respond, the response is serialised inside the transaction, before COMMIT, and
 * those exact bytes are stored with the key and sent.
 */
export async function runIdempotentWrite<T>(options: {
  pool: pg.Pool;
  clock: Clock;
  userId: string;
  idempotency: IdempotencyRequest | undefined;
  hooks?: IdempotencyHooks;
  respond?: ResponseWriter | undefined;
  work: (client: pg.PoolClient, now: Date) => Promise<{ status: number; body: T }>;
}): Promise<WriteResult<T>> {
  const produce = (response: { status: number; body: T }): WriteResult<T> =>
    options.respond
      ? { ...response, replayed: false, payload: options.respond(response.status, response.body) }
      : { ...response, replayed: false };
  const { idempotency, userId, hooks } = options;
  let now = options.clock.now();
  // The claim rides on BEGIN's round trip; a lock timeout there is a twin request in flight.
  let claimRan = false;
  try {
    const result = await runTransactionWith(
      options.pool,
      {
        afterBegin: idempotency
          ? (client) => {
              now = options.clock.now();
              return claimSql(client, userId, idempotency, now);
            }
          : undefined,
        body: async (client, claim): Promise<{ result: WriteResult<T>; beforeCommit?: string }> => {
          claimRan = true;
          if (!idempotency) return { result: produce(await options.work(client, options.clock.now())) };
          if (claim?.rowCount !== 1) {
            const replay = await resolveTakenKey(client, userId, idempotency, now);
            if (replay) return { result: replay as WriteResult<T> };
          }
          const result = produce(await options.work(client, now));
          const json = result.payload ?? JSON.stringify(result.body);
          return { result, beforeCommit: completeSql(client, userId, idempotency.key, result.status, json) };
        },
      },
      (code) => {
        claimRan = false;
        hooks?.onRetry?.(code);
      },
    );
    if (result.replayed) hooks?.onReplay?.();
    return result;
  } catch (error) {
    const inUse = idempotency !== undefined && !claimRan && pgCode(error) === SqlState.lockNotAvailable;
    const refused = inUse ? keyInUse() : error;
    if (refused instanceof DomainError && refused.code.startsWith('idempotency_key_')) hooks?.onConflict?.(refused.code);
    throw refused;
  }
}

/**
 * The form services use: a write on behalf of the request's user, honouring its
 * Idempotency-Key and serialising its answer before COMMIT.
 */
export function idempotentWrite<T>(
  deps: ServiceDeps,
  context: RequestContext,
  work: (client: pg.PoolClient, now: Date) => Promise<{ status: number; body: T }>,
): Promise<WriteResult<T>> {
  return runIdempotentWrite({
    ...deps,
    userId: context.userId,
    idempotency: context.idempotency,
    respond: context.respond,
    work,
  });
}
