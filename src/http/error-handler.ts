import type { FastifyError, FastifyInstance } from 'fastify';
import { isPersonDeleted } from '../db/sqlstate.js';
import { DomainError } from '../lib/errors.js';
import type { ServerErrorContext } from '../observability/sentry.js';
import {
  isDatabaseReadOnly,
  isPoolCheckoutTimeout,
  problem,
  problemFromError,
  retryAfterSeconds,
  sendProblem,
} from './errors.js';
import type { Metrics } from './metrics.js';
import type { ReadOnlyMode } from './read-only.js';

export interface ErrorHandlerOptions {
  metrics: Metrics;
  /** Called with every unexpected error (500), e.g. to report it to Sentry. */
  onServerError?: ((error: unknown, context: ServerErrorContext) => void) | undefined;
  /** Told when the database refuses a write as read-only, so the next writes are refused before they reach it. */
  readOnly?: ReadOnlyMode | undefined;
}

/**
 * Every error becomes problem+json: a domain error or a known database failure keeps its
 * status and code, anything else is a 500 whose message stays in the log, never in the answer.
 */
export function setProblemErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions): void {
  const { metrics } = options;
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DomainError) reply.headers(error.headers);
    if (isPersonDeleted(error)) reply.header('www-authenticate', 'Bearer');
    const retryAfter = retryAfterSeconds(error);
    if (retryAfter !== undefined) reply.header('retry-after', retryAfter);
    const body = problemFromError(error);
    // An expected state of the database, not a bug: a 503 read_only, never reported as a 500.
    if (isDatabaseReadOnly(error)) options.readOnly?.noticeDatabaseReadOnly();
    if (isPoolCheckoutTimeout(error)) {
      // Every connection stayed busy for the whole checkout timeout: overload or a leaked
      // client, which someone must look at, unlike a single contended transaction.
      metrics.poolCheckoutTimeouts.inc();
      request.log.error({ code: body?.code, err: error }, 'no database connection became free in time');
    } else if (body) {
      // The err serializer keeps only the SQLSTATE or socket code and names, never values.
      if (body.status >= 500) request.log.warn({ code: body.code, err: error }, body.detail);
    }
    if (body) return sendProblem(request, reply, body);
    request.log.error({ err: error }, 'unexpected error');
    options.onServerError?.(error, {
      requestId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: 500,
      userId: request.user?.id,
    });
    return sendProblem(
      request,
      reply,
      problem(500, 'internal_error', 'Something went wrong on our side. Quote the request id if you report it.'),
    );
  });
}
