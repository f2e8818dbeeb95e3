import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { currentUser, sessionCookie } from '../../http/auth.js';
import { type RateLimitRule, rateLimiter } from '../../http/rate-limit.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { AuthResponse, LoginBody, RegisterBody, User } from './auth.schemas.js';
import { type AuthService, normaliseEmail, toUserResponse } from './auth.service.js';

export interface AuthRateLimits {
  per_ip: RateLimitRule;
  per_email: RateLimitRule;
}

/** Enough for a family behind one NAT, too few for password guessing. */
export const AUTH_RATE_LIMITS_DEFAULT: AuthRateLimits = {
  per_ip: { max: 30, window_ms: 15 * 60_000 },
  per_email: { max: 10, window_ms: 15 * 60_000 },
};

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, expiresAt: string): void {
  const cookie = sessionCookie(request);
  reply.setCookie(cookie.name, token, { ...cookie.options, expires: new Date(expiresAt) });
}

function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  const cookie = sessionCookie(request);
  reply.clearCookie(cookie.name, cookie.options);
}

export async function authRoutes(app: FastifyInstance, options: { auth: AuthService; rateLimits: AuthRateLimits }) {
  const { auth, rateLimits } = options;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const emailOf = (request: FastifyRequest) => normaliseEmail((request.body as { email: string }).email);
  const limits = (scope: string) => [
    rateLimiter(app, `${scope}:ip`, rateLimits.per_ip, (request) => request.ip),
    rateLimiter(app, `${scope}:email`, rateLimits.per_email, emailOf),
  ];

  api.post(
    '/api/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account and open a session',
        body: RegisterBody,
        response: { 201: AuthResponse, ...problems(400, 409, 413, 429) },
      },
      preHandler: limits('register'),
    },
    async (request, reply) => {
      const result = await auth.register(request.body);
      setSessionCookie(request, reply, result.token, result.expires_at);
      return reply.code(201).send(result);
    },
  );

  api.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Open a session with e-mail and password',
        body: LoginBody,
        response: { 200: AuthResponse, ...problems(400, 401, 429) },
      },
      preHandler: limits('login'),
    },
    async (request, reply) => {
      const result = await auth.login(request.body);
      setSessionCookie(request, reply, result.token, result.expires_at);
      return result;
    },
  );

  api.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End the current session; its token stops working',
        security: bearerSecurity,
        response: { 204: Type.Null(), ...problems(401, 403) },
      },
      preHandler: app.authenticate,
    },
    async (request, reply) => {
      await auth.logout(currentUser(request));
      clearSessionCookie(request, reply);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/api/auth/logout-all',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign out everywhere: end every session of the signed-in person, this one included',
        security: bearerSecurity,
        response: { 204: Type.Null(), ...problems(401, 403) },
      },
      preHandler: app.authenticate,
    },
    async (request, reply) => {
      await auth.logoutEverywhere(currentUser(request));
      clearSessionCookie(request, reply);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/api/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The signed-in person',
        security: bearerSecurity,
        response: { 200: User, ...problems(401) },
      },
      preHandler: app.authenticate,
    },
    async (request) => toUserResponse(currentUser(request)),
  );
}
