import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { Clock } from '../lib/clock.js';
import { currentUser } from './auth.js';
import { type IdempotencyHooks, type IdempotencyRequest, type ResponseWriter, readIdempotencyKey } from './idempotency.js';

/** What a service needs from the request: who, and how to make the write retry-safe. */
export interface RequestContext {
  userId: string;
  requestId: string;
  idempotency: IdempotencyRequest | undefined;
  /** Serialises the response by the route's schema; writes call it before they commit. */
  respond?: ResponseWriter;
}

/**
 * The route's own serialiser for a status (its response schema), so a write can check
 * before COMMIT that its answer can be sent; a status without a schema is plain JSON.
 */
function routeResponseWriter(reply: FastifyReply): ResponseWriter {
  return (status, body) => {
    const serialize = reply.getSerializationFunction(String(status));
    return serialize ? serialize(body as Record<string, unknown>) : JSON.stringify(body);
  };
}

export function requestContext(request: FastifyRequest, reply?: FastifyReply): RequestContext {
  const context: RequestContext = {
    userId: currentUser(request).id,
    requestId: request.id,
    idempotency: readIdempotencyKey(request),
  };
  if (reply) context.respond = routeResponseWriter(reply);
  return context;
}

/** What every service is built with. */
export interface ServiceDeps {
  pool: pg.Pool;
  clock: Clock;
  hooks: IdempotencyHooks;
}
