import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';

/**
 * A module plugin's instance with TypeBox types, so a handler sees its params, query and
 * body typed from the route's schema. Route groups take it, not the bare instance.
 */
export function routeApi(app: FastifyInstance) {
  return app.withTypeProvider<TypeBoxTypeProvider>();
}

export type RouteApi = ReturnType<typeof routeApi>;
