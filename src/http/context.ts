import type { FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { Clock } from '../lib/clock.js';
import { currentUser } from './auth.js';
import { type IdempotencyHooks, type IdempotencyRequest, readIdempotencyKey } from './idempotency.js';

/** What a service needs from the request: who, and how to make the write retry-safe. */
export interface RequestContext {
  userId: string;
  requestId: string;
  idempotency: IdempotencyRequest | undefined;
}

export function requestContext(request: FastifyRequest): RequestContext {
  return { userId: currentUser(request).id, requestId: request.id, idempotency: readIdempotencyKey(request) };
}

/** What every service is built with. */
export interface ServiceDeps {
  pool: pg.Pool;
  clock: Clock;
  hooks: IdempotencyHooks;
}
