import type { FastifyInstance, onRequestHookHandler, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';

type Hooks = RouteOptions['onRequest'];

function asList(hooks: Hooks): onRequestHookHandler[] {
  if (hooks === undefined) return [];
  return (Array.isArray(hooks) ? hooks : [hooks]) as onRequestHookHandler[];
}

/**
 * Routes declare `preHandler: app.authenticate`, which Fastify runs after it has read,
 * parsed and validated the body. This moves that check to the end of the route's
 * onRequest hooks, so a request without a valid session is refused (401) before its
 * body is read: nobody without an account can make the server parse or validate
 * large or hostile bodies on the routes meant for signed-in people.
 */
export const authenticateFirst = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRoute', (route) => {
      const preHandlers = asList(route.preHandler as Hooks);
      const authenticate = app.authenticate as unknown as onRequestHookHandler;
      if (!preHandlers.includes(authenticate)) return;
      route.preHandler = preHandlers.filter((hook) => hook !== authenticate) as RouteOptions['preHandler'];
      route.onRequest = [...asList(route.onRequest), authenticate];
    });
  },
  { name: 'authenticate-first', dependencies: ['auth'] },
);
