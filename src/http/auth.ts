import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError } from '../lib/errors.js';
import type { AuthenticatedUser, AuthService } from '../modules/auth/auth.service.js';

/**
 * The session cookie over HTTPS. Browsers accept a `__Host-` cookie only when it is
 * Secure, has Path=/ and no Domain, so neither a sibling subdomain nor a plain-HTTP
 * man in the middle can plant or overwrite it.
 */
export const SESSION_COOKIE_SECURE = '__Host-vdp_session';
/**
 * The session cookie over plain HTTP (an install on a home network): browsers refuse a
 * `__Host-` cookie that is not Secure, and a Secure cookie is not sent over HTTP.
 */
export const SESSION_COOKIE_PLAIN = 'vdp_session';
/** Tokens are 43 characters; anything much longer is not ours and is not looked up. */
const TOKEN_LENGTH_MAX = 128;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Browsers cannot add a custom header cross-site without a CORS preflight we never allow. */
export const CSRF_HEADER = 'x-requested-with';

declare module 'fastify' {
  interface FastifyRequest {
    user: AuthenticatedUser | null;
  }
  interface FastifyInstance {
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

export interface SessionCookie {
  name: string;
  options: { httpOnly: true; sameSite: 'lax'; secure: boolean; path: '/' };
}

/**
 * The session cookie for the protocol the request arrived over (`request.protocol`
 * follows X-Forwarded-Proto only from a trusted proxy). Only this name is read back, so
 * over HTTPS a cookie without the prefix, which anyone on the path could have set, is
 * ignored.
 */
export function sessionCookie(request: FastifyRequest): SessionCookie {
  const secure = request.protocol === 'https';
  return {
    name: secure ? SESSION_COOKIE_SECURE : SESSION_COOKIE_PLAIN,
    options: { httpOnly: true, sameSite: 'lax', secure, path: '/' },
  };
}

function unauthenticated(): DomainError {
  return new DomainError('unauthenticated', 401, 'Sign in to continue.', {}, { 'www-authenticate': 'Bearer' });
}

function readToken(request: FastifyRequest): { token: string; fromCookie: boolean } | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer ([A-Za-z0-9_-]+)$/.exec(header);
    if (!match?.[1] || match[1].length > TOKEN_LENGTH_MAX) return undefined;
    return { token: match[1], fromCookie: false };
  }
  const cookie = request.cookies[sessionCookie(request).name];
  if (cookie && cookie.length <= TOKEN_LENGTH_MAX) return { token: cookie, fromCookie: true };
  return undefined;
}

export const authPlugin = fp(
  async (app: FastifyInstance, options: { auth: AuthService }) => {
    app.decorateRequest('user', null);

    // An unsafe request whose Origin names another site is refused outright, whatever
    // it carries: with cookies it would be a cross-site request forgery.
    app.addHook('onRequest', async (request) => {
      const origin = request.headers.origin;
      if (SAFE_METHODS.has(request.method) || origin === undefined) return;
      let originHost: string;
      try {
        originHost = new URL(origin).host;
      } catch {
        originHost = '';
      }
      if (originHost !== request.host) {
        throw new DomainError('csrf_failed', 403, 'Cross-site requests are not accepted.');
      }
    });

    app.decorate('authenticate', async (request: FastifyRequest) => {
      const credentials = readToken(request);
      if (!credentials) throw unauthenticated();
      const user = await options.auth.authenticate(credentials.token);
      if (!user) throw unauthenticated();
      if (credentials.fromCookie && !SAFE_METHODS.has(request.method) && !request.headers[CSRF_HEADER]) {
        throw new DomainError('csrf_failed', 403, `Cookie-authenticated changes need the ${CSRF_HEADER} header.`);
      }
      request.user = user;
    });
  },
  { name: 'auth', dependencies: ['@fastify/cookie'] },
);

/**
 * Guards every route of the calling plugin: one onRequest hook for the whole scope, so a
 * route added to a module's plugin cannot forget it, and a request without a valid session
 * gets 401 before its body is read, parsed or validated. It runs after the app-wide
 * onRequest hooks (the cross-site Origin check among them), as the route-level hook did.
 */
export function requireSession(app: FastifyInstance): void {
  app.addHook('onRequest', app.authenticate);
}

/** The authenticated user of a route guarded by requireSession. */
export function currentUser(request: FastifyRequest): AuthenticatedUser {
  if (!request.user) throw unauthenticated();
  return request.user;
}
