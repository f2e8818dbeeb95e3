import type pg from 'pg';
import type { Clock } from './clock.js';

/** What a service needs from the request: who, and how to make the write retry-safe. */
export interface RequestContext {
  userId: string;
  requestId: string;
  idempotency: IdempotencyRequest | undefined;
  /** Serialises the response by the route's schema; writes call it before they commit. */
  respond?: ResponseWriter;
}

/** What every service is built with. */
export interface ServiceDeps {
  pool: pg.Pool;
  clock: Clock;
  hooks: IdempotencyHooks;
}

/** An Idempotency-Key as the request carried it, with the hash of method, path and body. */
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

export interface IdempotencyHooks {
  onReplay?: () => void;
  onConflict?: (code: string) => void;
  onRetry?: (code: string) => void;
}
