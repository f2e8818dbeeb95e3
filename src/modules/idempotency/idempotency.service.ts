import type pg from 'pg';
import { pgCode, SqlState } from '../../db/sqlstate.js';
import { runTransactionWith } from '../../db/unit-of-work.js';
import type { Clock } from '../../lib/clock.js';
import { DomainError } from '../../lib/errors.js';
import type {
  IdempotencyHooks,
  IdempotencyRequest,
  RequestContext,
  ResponseWriter,
  ServiceDeps,
  WriteResult,
} from '../../lib/service-context.js';
import {
  claimKey,
  claimOnBegin,
  completeBeforeCommit,
  deleteKey,
  findKeyForUpdate,
  type KeyClaim,
} from './idempotency.repository.js';

/**
 * Idempotency-Key, after the IETF draft. The key row is inserted at the start of the
 * write's transaction and completed with the response in the same transaction, so it
 * commits exactly when the effects do. A second request with the key waits on the row
 * (the unique index) until the first commits, then replays its response; if the first
 * rolled back (a 4xx), the second runs afresh.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

function claimOf(userId: string, idempotency: IdempotencyRequest, now: Date): KeyClaim {
  return {
    userId,
    key: idempotency.key,
    method: idempotency.method,
    path: idempotency.path,
    requestHash: idempotency.requestHash,
    createdAt: now,
    expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
  };
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
  const stored = await findKeyForUpdate(client, { userId, key: idempotency.key, now });
  if (stored === undefined || stored.expired) {
    // Expired (the expiry job has not run yet) or removed meanwhile: the key is free again.
    await deleteKey(client, { userId, key: idempotency.key });
    await claimKey(client, claimOf(userId, idempotency, now));
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
              return claimOnBegin(client, claimOf(userId, idempotency, now));
            }
          : undefined,
        body: async (client, claimed): Promise<{ result: WriteResult<T>; beforeCommit?: string }> => {
          claimRan = true;
          if (!idempotency) return { result: produce(await options.work(client, options.clock.now())) };
          if (!claimed) {
            const replay = await resolveTakenKey(client, userId, idempotency, now);
            if (replay) return { result: replay as WriteResult<T> };
          }
          const result = produce(await options.work(client, now));
          const json = result.payload ?? JSON.stringify(result.body);
          const complete = { userId, key: idempotency.key, status: result.status, json };
          return { result, beforeCommit: completeBeforeCommit(client, complete) };
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
