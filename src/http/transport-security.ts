import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** How long a browser keeps to HTTPS for this host after seeing Strict-Transport-Security. */
export const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;
export const HSTS_VALUE = `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`;
const UPGRADE_DIRECTIVE = 'upgrade-insecure-requests';

/**
 * Strict-Transport-Security and the CSP's upgrade-insecure-requests only when the request
 * came over HTTPS (directly, or through a trusted proxy's X-Forwarded-Proto). Sent over
 * plain HTTP, as on a LAN install without TLS, they make the browser fetch the app's own
 * assets over an HTTPS that does not exist, and pin the host to it for a year.
 *
 * Helmet is registered without either; this hook runs after helmet's and adds both to
 * the raw response, where helmet has put its headers.
 */
export const transportSecurityPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request, reply) => {
      if (request.protocol !== 'https') return;
      reply.raw.setHeader('strict-transport-security', HSTS_VALUE);
      const policy = reply.raw.getHeader('content-security-policy');
      if (typeof policy === 'string' && !policy.includes(UPGRADE_DIRECTIVE)) {
        reply.raw.setHeader('content-security-policy', `${policy};${UPGRADE_DIRECTIVE}`);
      }
    });
  },
  { name: 'transport-security', dependencies: ['@fastify/helmet'] },
);
