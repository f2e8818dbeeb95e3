import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { transportSecurityPlugin } from './transport-security.js';

const HTML_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  // Mantine injects its CSS variables as inline <style> elements.
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
};

/** Helmet's headers with the web app's content security policy, then HTTPS-only headers. */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  // HSTS and upgrade-insecure-requests are added per request, only over HTTPS.
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { directives: { ...HTML_CSP, upgradeInsecureRequests: null } },
    strictTransportSecurity: false,
  });
  await app.register(transportSecurityPlugin);
}
