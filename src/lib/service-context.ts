import type pg from 'pg';
import type { IdempotencyHooks, IdempotencyRequest, ResponseWriter } from '../modules/idempotency/idempotency.service.js';
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
