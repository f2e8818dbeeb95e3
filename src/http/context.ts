import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext, ResponseWriter } from '../lib/service-context.js';
import { currentUser } from './auth.js';
import { readIdempotencyKey } from './idempotency.js';

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
