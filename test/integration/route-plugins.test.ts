import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

/**
 * Every route the app has, walked from app.printRoutes(): each one that is not public on
 * purpose must answer 401 to a request without credentials, even when its params, query
 * and body are all invalid and its body cannot even be parsed. So the session check runs
 * before the body is read, and a route added to a module's plugin cannot forget it: the
 * plugin's one onRequest hook guards it, and this test walks it as soon as it exists.
 */
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

interface Route {
  method: string;
  path: string;
}

/** The routes of printRoutes' tree: each line's segment continues its parent's path. */
function routesOf(tree: string): Route[] {
  const routes: Route[] = [];
  const parents: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (.*) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = (depth > 0 ? (parents[depth - 1] ?? '') : '') + (match[2] ?? '');
    parents[depth] = path;
    parents.length = depth + 1;
    for (const method of (match[3] ?? '').split(', ')) routes.push({ method, path });
  }
  return routes;
}

/**
 * Routes that need no session, each for a reason: signing in, probes, the API document
 * and its page, the hidden routes that answer unreadable URLs, the metrics scrape (its own
 * bearer token, METRICS_TOKEN), the web app's files (the wildcard, printed as `*`,
 * present once the web app is built) and an e-mail's unsubscribe link (its own signed token).
 */
function isPublic({ method, path }: Route): boolean {
  if (method === 'POST' && (path === '/api/auth/register' || path === '/api/auth/login')) return true;
  if (path.startsWith('/api/_problems/')) return true;
  if (path === '/api/notifications/unsubscribe') return true;
  // The feature flags and read-only state the web app reads before anyone signs in.
  if ((method === 'GET' || method === 'HEAD') && path === '/api/config') return true;
  if (method !== 'GET' && method !== 'HEAD') return false;
  return (
    ['/health', '/api/health', '/api/openapi.json', '/metrics', '*', '/*'].includes(path) ||
    path === '/api/docs' ||
    path.startsWith('/api/docs/')
  );
}

/** Every path parameter replaced by a value its schema refuses, and a query its schema refuses. */
function invalidUrl(path: string): string {
  return `${path.replace(/:[a-z_]+/g, 'not-valid')}?limit=-1&at=never&month=13&days=-1`;
}

const carriesBody = (method: string) => !['GET', 'HEAD'].includes(method);

describe('every route that needs a session refuses a request without one before reading it', () => {
  const guarded = () => routesOf(t.app.printRoutes({ commonPrefix: false })).filter((route) => !isPublic(route));

  it('finds the routes: the walk covers every module and every method', () => {
    const routes = guarded();
    const seen = new Set(routes.map((route) => `${route.method} ${route.path}`));
    for (const expected of [
      'POST /api/auth/logout',
      'POST /api/auth/logout-all',
      'GET /api/me',
      'POST /api/accounts',
      'GET /api/accounts/:id/balance',
      'PUT /api/accounts/:id/pix-key',
      'PATCH /api/categories/:id',
      'POST /api/transactions/:id/reverse',
      'POST /api/transfers',
      'DELETE /api/goals/:id',
      'PUT /api/budgets/:month/:category_id',
      'POST /api/recurring/:id/pause',
      'POST /api/pix/payments',
    ]) {
      expect(seen).toContain(expected);
    }
    expect(routes.length).toBeGreaterThanOrEqual(60);
  });

  it('every public route exists, so the list of exceptions holds nothing stale', () => {
    const all = routesOf(t.app.printRoutes({ commonPrefix: false }));
    const paths = new Set(all.map((route) => route.path));
    for (const path of [
      '/api/auth/register',
      '/api/auth/login',
      '/health',
      '/api/health',
      '/api/openapi.json',
      '/metrics',
      '/api/notifications/unsubscribe',
    ]) {
      expect(paths).toContain(path);
    }
  });

  it('answers 401 unauthenticated to an unparseable body, and to a parseable but invalid one', async () => {
    const refused: string[] = [];
    for (const route of guarded()) {
      const bodies = carriesBody(route.method)
        ? ['{"amount_cents": ', '{"amount_cents": "ten", "unexpected": [1]}']
        : [undefined];
      for (const body of bodies) {
        const response = await t.app.inject({
          method: route.method as 'GET',
          url: invalidUrl(route.path),
          ...(body === undefined ? {} : { payload: body, headers: { 'content-type': 'application/json' } }),
        });
        const problem = route.method === 'HEAD' || !response.body.startsWith('{') ? undefined : response.json();
        const code = route.method === 'HEAD' ? 'unauthenticated' : problem?.code;
        if (response.statusCode !== 401 || code !== 'unauthenticated' || response.headers['www-authenticate'] !== 'Bearer') {
          refused.push(`${route.method} ${route.path} (${body ?? 'no body'}): ${response.statusCode} ${response.body}`);
        }
      }
    }
    expect(refused).toEqual([]);
  });

  it('the OpenAPI document asks for a session exactly on the routes the walk found guarded', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const guardedRoutes = new Set(guarded().map((route) => `${route.method} ${route.path}`));
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        route: `${method.toUpperCase()} ${path.replace(/\{([a-z_]+)\}/g, ':$1')}`,
        secured: (operation.security?.length ?? 0) > 0,
      })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(45);
    for (const { route, secured } of operations) {
      expect({ route, guarded: guardedRoutes.has(route) }).toEqual({ route, guarded: secured });
    }
  });
});
