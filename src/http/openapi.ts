import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { SESSION_COOKIE_PLAIN, SESSION_COOKIE_SECURE } from './auth.js';

/**
 * The OpenAPI document, built from the route schemas registered after this, and its
 * browsable page at /api/docs. Schemas with an $id become named components.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Vai de Pix API',
        version: '0.1.0',
        description: 'Personal finance for Brazil on an append-only double-entry ledger. Errors are RFC 9457 problem+json.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          cookieAuth: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE_SECURE,
            description: `Over HTTPS; over plain HTTP the same session cookie is named ${SESSION_COOKIE_PLAIN}.`,
          },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`) },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    // Its fixed policy asks for upgrade-insecure-requests, which breaks the page over plain HTTP.
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });
}

/** GET /api/openapi.json: the document itself, which the web client's types are generated from. */
export function openApiDocumentRoute(app: FastifyInstance): void {
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
