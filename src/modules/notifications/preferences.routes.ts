import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Config } from '../../config.js';
import { currentUser, requireSession } from '../../http/auth.js';
import { routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import type { Clock } from '../../lib/clock.js';
import { NotificationPreferences, PutPreferencesBody, UnsubscribeBody, UnsubscribeQuery } from './preferences.schemas.js';
import { PreferencesService } from './preferences.service.js';
import { confirmationPage, unsubscribedPage } from './unsubscribe-page.js';
import { UnsubscribeTokens } from './unsubscribe-token.js';

/** RFC 8058's body is one short field; nothing larger is read without a session. */
const UNSUBSCRIBE_BODY_BYTES_MAX = 1024;
const HtmlPage = Type.String({ description: 'An HTML page (text/html)' });

async function sessionRoutes(app: FastifyInstance, options: { preferences: PreferencesService }) {
  const { preferences } = options;
  requireSession(app);
  const api = routeApi(app);
  const common = { tags: ['notifications'], security: bearerSecurity };

  api.get(
    '/preferences',
    {
      schema: {
        ...common,
        summary: 'Where each kind of notification goes: in the app and/or by e-mail',
        response: { 200: Type.Ref(NotificationPreferences), ...problems(401) },
      },
    },
    async (request) => preferences.get(currentUser(request).id),
  );

  api.put(
    '/preferences',
    {
      schema: {
        ...common,
        summary: 'Set where the given kinds go; idempotent (the same body twice leaves the same state)',
        body: PutPreferencesBody,
        response: { 200: Type.Ref(NotificationPreferences), ...problems(400, 401, 413, 422) },
      },
    },
    async (request) => preferences.put(currentUser(request).id, request.body),
  );
}

/**
 * The e-mail's unsubscribe link, without a session: the signed token in the query says
 * whose e-mails of which kind. GET shows a page that asks first; POST (RFC 8058 one-click,
 * form-encoded by mail providers, or the page's button) turns them off.
 */
async function unsubscribeRoutes(app: FastifyInstance, options: { preferences: PreferencesService }) {
  const { preferences } = options;
  const readForm = (_request: unknown, body: string | Buffer, done: (error: Error | null, body?: unknown) => void) =>
    done(null, Object.fromEntries(new URLSearchParams(body.toString())));
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: UNSUBSCRIBE_BODY_BYTES_MAX },
    readForm,
  );
  // Some providers send the one-click field as multipart; its content does not matter.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: UNSUBSCRIBE_BODY_BYTES_MAX }, (_r, _b, done) =>
    done(null, {}),
  );
  const api = routeApi(app);
  const common = { tags: ['notifications'] };

  api.get(
    '/unsubscribe',
    {
      schema: {
        ...common,
        summary: "The e-mail's unsubscribe link: a page that asks before turning that kind of e-mail off",
        querystring: UnsubscribeQuery,
        response: { 200: HtmlPage, ...problems(400, 403) },
      },
    },
    async (request, reply) => {
      const target = await preferences.confirm(request.query.token);
      return reply.type('text/html; charset=utf-8').send(confirmationPage({ ...target, token: request.query.token }));
    },
  );

  api.post(
    '/unsubscribe',
    {
      bodyLimit: UNSUBSCRIBE_BODY_BYTES_MAX,
      schema: {
        ...common,
        summary: 'One-click unsubscribe (RFC 8058): turns that kind of e-mail off; repeating it is harmless',
        querystring: UnsubscribeQuery,
        body: UnsubscribeBody,
        response: { 200: HtmlPage, ...problems(400, 403, 413, 415) },
      },
    },
    async (request, reply) => {
      const done = await preferences.unsubscribe(request.query.token);
      return reply.type('text/html; charset=utf-8').send(unsubscribedPage(done));
    },
  );
}

/** Preferences (signed in) and unsubscribe (signed link) under /api/notifications. */
export async function notificationPreferencesRoutes(
  app: FastifyInstance,
  options: { pool: pg.Pool; clock: Clock; mail: Config['mail'] },
) {
  const preferences = new PreferencesService({
    pool: options.pool,
    tokens: new UnsubscribeTokens({ pool: options.pool, clock: options.clock }),
    emailEnabled: options.mail.smtpUrl !== undefined,
  });
  await app.register(sessionRoutes, { preferences });
  await app.register(unsubscribeRoutes, { preferences });
}
