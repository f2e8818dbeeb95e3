import type { FastifyInstance, onRequestHookHandler, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError } from './errors.js';

type Hooks = RouteOptions['onRequest'];

function asList(hooks: Hooks): onRequestHookHandler[] {
  if (hooks === undefined) return [];
  return (Array.isArray(hooks) ? hooks : [hooks]) as onRequestHookHandler[];
}

/** Methods whose requests carry no body to refuse early. */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses, before the body is read, what would be refused anyway without looking at it,
 * so nobody without an account can make the server parse or validate large or hostile
 * bodies:
 * - Routes declare `preHandler: app.authenticate`, which Fastify runs after it has read,
 *   parsed and validated the body. This moves that check to the end of the route's
 *   onRequest hooks: a request without a valid session gets 401 before its body is read.
 * - A request with a body for a path and method that have no route gets the same 404 as
 *   the not-found handler gives, without its body being parsed first.
 * Register and login, the routes that take a body without a session, are limited per
 * client address in their own onRequest hooks (auth.routes.ts).
 */
export const refuseBeforeBody = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRoute', (route) => {
      const preHandlers = asList(route.preHandler as Hooks);
      const authenticate = app.authenticate as unknown as onRequestHookHandler;
      if (!preHandlers.includes(authenticate)) return;
      route.preHandler = preHandlers.filter((hook) => hook !== authenticate) as RouteOptions['preHandler'];
      route.onRequest = [...asList(route.onRequest), authenticate];
    });
    app.addHook('onRequest', async (request) => {
      if (!request.is404 || BODYLESS_METHODS.has(request.method)) return;
      const path = request.url.split('?')[0] ?? '/';
      throw new DomainError('not_found', 404, `No route for ${request.method} ${path}.`);
    });
  },
  { name: 'refuse-before-body', dependencies: ['auth'] },
);
