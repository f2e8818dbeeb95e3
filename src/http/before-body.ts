import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { notFound } from '../lib/errors.js';

/**
 * Methods whose unmatched requests the not-found handler may answer with the web app.
 * Only these, and only without a body, are let through to it: Fastify parses the body of
 * every other method (OPTIONS and DELETE included) before the not-found handler runs.
 */
const WEB_APP_METHODS = new Set(['GET', 'HEAD']);

/** Whether the request says a body follows, as Fastify reads it before parsing one. */
function carriesBody(headers: FastifyRequest['headers']): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Refuses, before the body is read, a request for a path and method that have no route:
 * it gets the same 404 as the not-found handler gives, without its body being parsed
 * first, whatever its method; only a bodyless GET or HEAD goes on to the not-found handler
 * (the web app's routes). So nobody without an account can make the server parse large or
 * hostile bodies. The other half of that guarantee is requireSession (http/auth.ts), the
 * onRequest hook of every module plugin whose routes need a session; register and login,
 * the routes that take a body without a session, are limited per client address in their
 * own onRequest hooks (auth.routes.ts).
 */
export const refuseBeforeBody = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request) => {
      if (!request.is404) return;
      if (WEB_APP_METHODS.has(request.method) && !carriesBody(request.headers)) return;
      const path = request.url.split('?')[0] ?? '/';
      throw notFound('route', `No route for ${request.method} ${path}.`);
    });
  },
  { name: 'refuse-before-body', dependencies: ['auth'] },
);
