import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, startTestApp, type TestApp } from '../helpers/app.js';
import { type OpenApiDocument, type Route, readOpenApi, routes, sampleRequest } from '../helpers/openapi.js';

/**
 * Cross-site request forgery, on every unsafe route of /api/openapi.json: a browser on
 * another site can make a signed-in person's browser send the session cookie (SameSite=Lax
 * lets top-level navigations through, and a same-site sibling gets it always), but it can
 * neither add a custom header to a form post nor hide its Origin from a fetch. So a
 * cookie-authenticated change without X-Requested-With, and any unsafe request whose Origin
 * is another host, is 403 csrf_failed, and nothing is written.
 */

let t: TestApp;
let document: OpenApiDocument;
let person: Awaited<ReturnType<typeof registerUser>>;

/** Unsafe routes that take no session, each with the defence that replaces the cookie check. */
const WITHOUT_SESSION: Record<string, string> = {
  'POST /api/auth/register': 'no session to ride on; the Origin check still applies (below)',
  'POST /api/auth/login': 'no session to ride on; a cross-site Origin is refused (login CSRF, below)',
  'POST /api/notifications/unsubscribe': 'authorised by the signed token in the link, not by the cookie (RFC 8058 one-click)',
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

beforeAll(async () => {
  t = await startTestApp();
  document = await readOpenApi(t.app);
  person = await registerUser(t.app);
});
afterAll(async () => {
  await t?.close();
});

function unsafeRoutes(): Route[] {
  return routes(document).filter((route) => UNSAFE.has(route.method));
}

/** Rows in every table but the per-request ones (the access log, rate-limit counters). */
async function rowCounts(): Promise<Record<string, number>> {
  const tables = await t.pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('access_log', 'rate_limits')
      ORDER BY 1`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables.rows) {
    counts[name] = (await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`)).rows[0]?.n ?? 0;
  }
  return counts;
}

function forged(route: Route, headers: Record<string, string>) {
  const request = sampleRequest(document, route, () => randomUUID());
  return t.app.inject({
    method: request.method,
    url: request.url,
    headers: { ...request.headers, ...headers },
    ...(request.body === undefined ? {} : { payload: request.body as object }),
  });
}

describe('cross-site request forgery on every unsafe route', () => {
  it('a cookie without X-Requested-With is 403 csrf_failed on every route that takes a session, and writes nothing', async () => {
    const before = await rowCounts();
    const answers: string[] = [];
    for (const route of unsafeRoutes()) {
      const key = `${route.method} ${route.path}`;
      if (key in WITHOUT_SESSION) continue;
      const response = await forged(route, { cookie: person.cookie });
      const code = response.statusCode === 403 ? (response.json() as { code: string }).code : '';
      if (code !== 'csrf_failed') answers.push(`${key}: ${response.statusCode} ${response.body.slice(0, 160)}`);
    }
    expect(answers).toEqual([]);
    expect(await rowCounts()).toEqual(before);
    // The forged logout, logout-all and delete-account ended nothing.
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: person.cookie } })).statusCode).toBe(200);
  });

  it('an Origin naming another host is 403 csrf_failed on every unsafe route, whatever else the request carries', async () => {
    const before = await rowCounts();
    const answers: string[] = [];
    const crossSite = { origin: 'https://evil.example', host: 'localhost:3000', 'x-requested-with': 'vai-de-pix' };
    for (const route of unsafeRoutes()) {
      const response = await forged(route, { cookie: person.cookie, ...crossSite });
      const code = response.statusCode === 403 ? (response.json() as { code: string }).code : '';
      if (code !== 'csrf_failed') answers.push(`${route.method} ${route.path}: ${response.statusCode}`);
    }
    expect(answers).toEqual([]);
    expect(await rowCounts()).toEqual(before);
  });

  it('every route listed as taking no session is in the document', () => {
    const unsafe = unsafeRoutes().map((route) => `${route.method} ${route.path}`);
    for (const key of Object.keys(WITHOUT_SESSION)) expect(unsafe).toContain(key);
  });
});
