import type { FastifyInstance } from 'fastify';

/**
 * Every answer carries its request id, and every request but probes and scrapes leaves one
 * log line when it ends (Fastify's own two lines per request are turned off in app.ts).
 */
export function logRequests(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.config.skipLog) return;
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 10) / 10,
        user_id: request.user?.id,
        code: reply.problemCode,
      },
      'request',
    );
  });
}
