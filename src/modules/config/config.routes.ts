import type { FastifyInstance } from 'fastify';
import type { Features } from '../../features.js';
import type { ReadOnlyMode } from '../../http/read-only.js';
import { routeApi } from '../../http/route-api.js';
import { PublicConfig } from './config.schemas.js';
import { publicConfig } from './config.service.js';

/**
 * GET /api/config: the web app reads it at start, beside the session check, to hide the
 * screens of turned-off features and to show the read-only banner. Public. Not cached
 * (no-store): read-only mode can begin at any moment, and the answer is tiny.
 */
export async function configRoutes(app: FastifyInstance, options: { features: Features; readOnly: ReadOnlyMode }) {
  routeApi(app).get(
    '',
    {
      schema: {
        tags: ['config'],
        summary: "This server's feature flags and whether it is read-only right now; no session needed",
        response: { 200: PublicConfig },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return publicConfig(options);
    },
  );
}
