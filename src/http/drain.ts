import type { FastifyInstance } from 'fastify';
import { DomainError } from '../lib/errors.js';

/**
 * What a client is told to wait before trying again when this process is stopping (seconds,
 * as sent in Retry-After): by then a load balancer has moved it to another process, or the
 * process manager has started this one again.
 */
export const DRAIN_RETRY_AFTER_SECONDS = '2';
/** The most requests the grace-timeout log line lists; the count is always complete. */
const IN_FLIGHT_LISTED_MAX = 50;

/** A request still being answered, as the shutdown log names it (no query string, no body). */
export interface InFlightRequest {
  request_id: string;
  method: string;
  route: string;
  age_ms: number;
}

export interface HttpDrain {
  /** From now on: a new request is refused (503 draining) and every response closes its connection. */
  begin(): void;
  readonly draining: boolean;
  /** The requests that have started and not yet finished, oldest first. */
  inFlight(): { count: number; listed: InFlightRequest[] };
}

function drainingError(): DomainError {
  return new DomainError(
    'draining',
    503,
    'This server is restarting; try again in a moment.',
    {},
    { 'retry-after': DRAIN_RETRY_AFTER_SECONDS },
  );
}

/**
 * Adds to the app (before it listens) what a graceful stop needs. Once begin() is called, a
 * request that still arrives on a connection opened earlier (keep-alive) is answered 503
 * draining with Retry-After and `Connection: close`, before any handler or body is read, so
 * nothing new starts; a request already under way finishes, and its response closes the
 * connection, so the server can close once the last one is out. Requests are tracked from
 * their onRequest to the end of their response (or their client going away), so the stop can
 * say which ones the grace period did not let finish.
 */
export function drainable(app: FastifyInstance): HttpDrain {
  let draining = false;
  const running = new Map<string, { method: string; route: string; startedMs: number }>();
  app.addHook('onRequest', async (request, reply) => {
    if (draining) {
      reply.header('connection', 'close');
      throw drainingError();
    }
    running.set(request.id, {
      method: request.method,
      // The route's pattern, not the URL: a path or query may carry a token.
      route: request.routeOptions.url ?? '(no route)',
      startedMs: performance.now(),
    });
    reply.raw.once('close', () => {
      running.delete(request.id);
      // Its connection is idle now unless the response closed it: close it, the server is stopping.
      if (draining) setImmediate(() => app.server.closeIdleConnections());
    });
  });
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });
  return {
    begin() {
      draining = true;
    },
    get draining() {
      return draining;
    },
    inFlight() {
      const now = performance.now();
      const listed = [...running.entries()].slice(0, IN_FLIGHT_LISTED_MAX).map(([id, entry]) => ({
        request_id: id,
        method: entry.method,
        route: entry.route,
        age_ms: Math.round(now - entry.startedMs),
      }));
      return { count: running.size, listed };
    },
  };
}
