import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problem, sendProblem } from './errors.js';

/**
 * A URL the router cannot read — bad percent-encoding such as `/api/%` or `/%E0%A4%A`,
 * or a path parameter longer than the router's bound — is refused by Fastify before any
 * hook runs, so its answer would miss the security headers, the request id and the log
 * line, and would not be problem+json. Instead the same raw request is dispatched again
 * to one of these hidden routes, and so goes through the whole lifecycle like any other.
 */
export const MALFORMED_URL_PATH = '/api/_problems/malformed-url';
export const URI_TOO_LONG_PATH = '/api/_problems/uri-too-long';

const TARGETS: Record<string, string> = {
  FST_ERR_BAD_URL: MALFORMED_URL_PATH,
  FST_ERR_MAX_PARAM_LENGTH: URI_TOO_LONG_PATH,
};

/** The `frameworkErrors` option: re-dispatches the request to the route that answers it. */
export function redispatchFrameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const target = TARGETS[error.code];
  if (target === undefined) {
    // Only async route constraints raise anything else here, and this app has none.
    void sendProblem(request, reply, problem(500, 'internal_error', 'Something went wrong on our side.'));
    return;
  }
  if (request.raw.url === target) {
    // The hidden route's own URL cannot fail to route; answering here keeps a bug from looping.
    void sendProblem(request, reply, problem(400, 'malformed_url', 'The URL could not be read.'));
    return;
  }
  request.raw.url = target;
  request.server.routing(request.raw, reply.raw);
}

/** The hidden routes the re-dispatched requests reach; each always answers its problem. */
export async function frameworkErrorRoutes(app: FastifyInstance): Promise<void> {
  app.all(MALFORMED_URL_PATH, { schema: { hide: true } }, (request, reply) =>
    sendProblem(
      request,
      reply,
      problem(400, 'malformed_url', 'The URL is not valid: percent-escapes must be complete and encode UTF-8.'),
    ),
  );
  app.all(URI_TOO_LONG_PATH, { schema: { hide: true } }, (request, reply) =>
    sendProblem(request, reply, problem(414, 'uri_too_long', 'A part of the URL path is longer than any valid value.')),
  );
}
