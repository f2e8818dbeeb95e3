import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { currentUser, requireSession, sessionCookie } from '../../http/auth.js';
import { enforcePerAddress, limitPerAddress, type RateLimiter, type RateLimitRule, rateLimited } from '../../http/rate-limit.js';
import { type RouteApi, routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { AuthResponse, LoginBody, RegisterBody } from './auth.schemas.js';
import { type AuthService, normaliseEmail } from './auth.service.js';
import type { KnownDevices } from './devices.js';

export interface AuthRateLimits {
  per_ip: RateLimitRule;
  /** An IPv6 client's /48, all its /64s together. */
  per_network: RateLimitRule;
  per_email: RateLimitRule;
  /**
   * Sign-ins from a browser that signed in to an account here before (its device cookie):
   * charged instead of per_ip and per_network, and it lets the browser past per_email
   * for that account.
   */
  per_device: RateLimitRule;
}

/**
 * Enough for a family behind one NAT, too few for password guessing; a /48 gets ten
 * addresses' worth, since a carrier may put many subscribers' /64s in one. The same
 * figures are the defaults of the AUTH_RATE_LIMIT_* variables in config.ts.
 */
export const AUTH_RATE_LIMITS_DEFAULT: AuthRateLimits = {
  per_ip: { max: 30, window_ms: 15 * 60_000 },
  per_network: { max: 300, window_ms: 15 * 60_000 },
  per_email: { max: 10, window_ms: 15 * 60_000 },
  per_device: { max: 30, window_ms: 15 * 60_000 },
};

/** The device cookie; with the __Host- prefix (Secure, Path=/, no Domain) over HTTPS. */
export const DEVICE_COOKIE = 'vdp_device';
export const DEVICE_COOKIE_SECURE = `__Host-${DEVICE_COOKIE}`;

export function deviceCookieName(request: FastifyRequest): string {
  return request.protocol === 'https' ? DEVICE_COOKIE_SECURE : DEVICE_COOKIE;
}

/** Remembers this browser as one the person signs in from, for the sign-in limits (loginLimits). */
async function rememberDevice(
  devices: KnownDevices,
  request: FastifyRequest,
  reply: FastifyReply,
  userId: string,
): Promise<void> {
  const name = deviceCookieName(request);
  const device = await devices.remember(userId, request.cookies[name]);
  reply.setCookie(name, device.token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: '/',
    expires: device.expiresAt,
  });
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, expiresAt: string): void {
  const cookie = sessionCookie(request);
  reply.setCookie(cookie.name, token, { ...cookie.options, expires: new Date(expiresAt) });
}

function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  const cookie = sessionCookie(request);
  reply.clearCookie(cookie.name, cookie.options);
}

const emailOf = (request: FastifyRequest) => normaliseEmail((request.body as { email: string }).email);

/**
 * The sign-in limits. Before the body is read, a browser that presents a known device
 * cookie is charged to that device's own budget instead of its address's: strangers who
 * share the owner's address (carrier-grade NAT is common on Brazilian mobile networks)
 * could otherwise use the address up and lock the owner out. Once the e-mail is read, a
 * device that has not signed in to that account is charged to its address after all, so
 * a cookie from one's own account buys no attempts at another; and past the per-e-mail
 * limit only a device known for that account gets through, so strangers cannot lock the
 * owner out by guessing at the e-mail either.
 */
function loginLimits(options: { limiter: RateLimiter; devices: KnownDevices; rateLimits: AuthRateLimits }) {
  const { limiter, devices, rateLimits } = options;
  // The account (e-mail) of the device cookie, as onRequest found it, for the preHandler.
  const deviceAccounts = new WeakMap<FastifyRequest, string>();
  const perAddress = (request: FastifyRequest) => enforcePerAddress(limiter, 'login', request.ip, rateLimits);
  return {
    onRequest: async (request: FastifyRequest): Promise<void> => {
      const token = request.cookies[deviceCookieName(request)];
      const account = token === undefined ? undefined : await devices.accountOf(token);
      if (token === undefined || account === undefined) return perAddress(request);
      await limiter.enforce('login:device', token, rateLimits.per_device);
      deviceAccounts.set(request, account);
    },
    preHandler: async (request: FastifyRequest): Promise<void> => {
      const email = emailOf(request);
      const deviceAccount = deviceAccounts.get(request);
      const knownForEmail = deviceAccount === email;
      if (deviceAccount !== undefined && !knownForEmail) await perAddress(request);
      const decision = await limiter.consume('login:email', email, rateLimits.per_email);
      if (!decision.allowed && !knownForEmail) throw rateLimited(decision.retryAfterSeconds);
    },
  };
}

export interface AuthRoutesOptions {
  auth: AuthService;
  rateLimits: AuthRateLimits;
  limiter: RateLimiter;
  devices: KnownDevices;
}

/**
 * POST /api/auth/register and /api/auth/login, the routes that need no session. Each is
 * limited per address before the body is even read (onRequest), and per e-mail once it is
 * parsed (preHandler).
 */
function signInRoutes(api: RouteApi, options: AuthRoutesOptions) {
  const { auth, rateLimits, limiter, devices } = options;
  const registerPerAddress = limitPerAddress(limiter, 'register', rateLimits);
  const registerPerEmail = async (request: FastifyRequest) =>
    limiter.enforce('register:email', emailOf(request), rateLimits.per_email);
  const login = loginLimits({ limiter, devices, rateLimits });

  api.post(
    '/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account and open a session',
        body: RegisterBody,
        response: { 201: AuthResponse, ...problems(400, 409, 413, 422, 429) },
      },
      onRequest: registerPerAddress,
      preHandler: registerPerEmail,
    },
    async (request, reply) => {
      const result = await auth.register(request.body, { ip: request.ip });
      setSessionCookie(request, reply, result.token, result.expires_at);
      await rememberDevice(devices, request, reply, result.user.id);
      return reply.code(201).send(result);
    },
  );

  api.post(
    '/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Open a session with e-mail and password',
        body: LoginBody,
        response: { 200: AuthResponse, ...problems(400, 401, 429) },
      },
      onRequest: login.onRequest,
      preHandler: login.preHandler,
    },
    async (request, reply) => {
      const result = await auth.login(request.body, { ip: request.ip });
      setSessionCookie(request, reply, result.token, result.expires_at);
      await rememberDevice(devices, request, reply, result.user.id);
      return result;
    },
  );
}

/** POST /api/auth/logout and /api/auth/logout-all, in a scope of their own that needs a session. */
async function signOutRoutes(app: FastifyInstance, options: Pick<AuthRoutesOptions, 'auth' | 'devices'>) {
  requireSession(app);
  const { auth, devices } = options;
  const api = routeApi(app);

  api.post(
    '/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End the current session; its token stops working',
        security: bearerSecurity,
        response: { 204: Type.Null(), ...problems(401, 403) },
      },
    },
    async (request, reply) => {
      await auth.logout(currentUser(request));
      clearSessionCookie(request, reply);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/logout-all',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign out everywhere: end every session of the signed-in person, this one included',
        security: bearerSecurity,
        response: { 204: Type.Null(), ...problems(401, 403) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      await auth.logoutEverywhere(user);
      await devices.forgetAll(user.id);
      clearSessionCookie(request, reply);
      return reply.code(204).send(null);
    },
  );
}

/**
 * The auth module's routes, registered under /api/auth: signing in needs no session,
 * signing out does (its own scope, with the one session hook).
 */
export async function authRoutes(app: FastifyInstance, options: AuthRoutesOptions) {
  signInRoutes(routeApi(app), options);
  // Only what it uses: the options Fastify passed in carry the prefix, already applied.
  await app.register(signOutRoutes, { auth: options.auth, devices: options.devices });
}
