import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES, buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import { CLEANUP_RUN_MS_MAX } from '../../src/jobs/delete-in-batches.js';
import { expireRateLimits, RATE_LIMIT_EXPIRY_BATCH_MAX } from '../../src/jobs/expire-rate-limits.js';
import { purgeSessions } from '../../src/jobs/purge-sessions.js';
import { fixedClock } from '../../src/lib/clock.js';
import type { AuthRateLimits } from '../../src/modules/auth/auth.routes.js';
import { PASSWORD, registerUser, startTestApp, type TestApp, uniqueEmail } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem } from '../helpers/problem.js';

let t: TestApp;
const WINDOW_MS = 60_000;
const LIMITS: AuthRateLimits = {
  per_ip: { max: 6, window_ms: WINDOW_MS },
  per_network: { max: 10, window_ms: WINDOW_MS },
  per_email: { max: 3, window_ms: WINDOW_MS },
  per_device: { max: 5, window_ms: WINDOW_MS },
};
const clock = fixedClock('2026-12-01T12:00:00Z');
/** Apps built on the test's database besides t.app; closed after the file. */
const extraApps: FastifyInstance[] = [];
const extraPools: pg.Pool[] = [];

beforeAll(async () => {
  t = await startTestApp({ rateLimits: LIMITS, clock });
});
afterAll(async () => {
  for (const app of extraApps) await app.close();
  for (const pool of extraPools) await pool.end();
  // This file posts money (or tries to): whatever it left must hold the ledger's invariants.
  await expectLedgerInvariants(t.pool);
  await t?.close();
});

/** Another API process on the same database: its own pool, its own configuration. */
async function anotherApp(env: NodeJS.ProcessEnv = {}): Promise<FastifyInstance> {
  const pool = createPool(t.database.url, { max: 3 });
  extraPools.push(pool);
  const app = await buildApp({ config: loadConfig({ DATA_DIR: '/nonexistent', ...env }), pool, clock, rateLimits: LIMITS });
  await app.ready();
  extraApps.push(app);
  return app;
}

function login(
  email: string,
  ip: string,
  options: { app?: FastifyInstance; headers?: Record<string, string>; password?: string } = {},
) {
  return (options.app ?? t.app).inject({
    method: 'POST',
    url: '/api/auth/login',
    remoteAddress: ip,
    headers: options.headers ?? {},
    payload: { email, password: options.password ?? PASSWORD },
  });
}

/**
 * Registers from an address of its own: the file's tests share one window (the clock is
 * fixed), and registering from 127.0.0.1 each time would use up that address's share.
 */
async function registerFrom(ip: string, prefix: string): Promise<{ id: string; email: string }> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/auth/register',
    remoteAddress: ip,
    payload: { email: uniqueEmail(prefix), password: PASSWORD, name: 'Pessoa de teste' },
  });
  expect(response.statusCode).toBe(201);
  return response.json().user;
}

async function statusesOf(count: number, attempt: (index: number) => Promise<{ statusCode: number }>) {
  const statuses: number[] = [];
  for (let index = 0; index < count; index += 1) statuses.push((await attempt(index)).statusCode);
  return statuses;
}

function cookieFrom(response: { headers: Record<string, unknown> }, name: string): string | undefined {
  const header = response.headers['set-cookie'];
  const cookies = Array.isArray(header) ? header : [header];
  const found = cookies.find((cookie) => typeof cookie === 'string' && cookie.startsWith(`${name}=`)) as string | undefined;
  return found?.split(';')[0];
}

const SIX_FAILURES_THEN_LIMITED = [401, 401, 401, 401, 401, 401, 429];

describe('auth rate limits', () => {
  it('stops guessing one e-mail after the per-e-mail limit, from any address, with Retry-After', async () => {
    const email = uniqueEmail('alvo');
    const statuses = await statusesOf(4, (index) => login(email, `10.0.0.${index + 1}`));
    expect(statuses).toEqual([401, 401, 401, 429]);
    const limited = await login(email.toUpperCase(), '10.0.0.5');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.json()).toMatchObject({ code: 'rate_limited', status: 429 });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
    // Another e-mail is not affected.
    expectProblem(await login(uniqueEmail(), '10.0.0.5'), 401, 'invalid_credentials');
  });

  it('stops one address after the per-address limit, whatever e-mails it tries', async () => {
    expect(await statusesOf(7, () => login(uniqueEmail(), '10.9.9.9'))).toEqual(SIX_FAILURES_THEN_LIMITED);
    expectProblem(await login(uniqueEmail(), '10.9.9.8'), 401, 'invalid_credentials');
  });

  it('limits registration per address too', async () => {
    const before = await t.pool.query('SELECT count(*)::int AS n FROM users');
    const statuses = await statusesOf(7, () =>
      t.app.inject({
        method: 'POST',
        url: '/api/auth/register',
        remoteAddress: '10.7.7.7',
        payload: { email: uniqueEmail(), password: PASSWORD, name: 'Robô' },
      }),
    );
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 429]);
    const after = await t.pool.query('SELECT count(*)::int AS n FROM users');
    expect(after.rows[0].n - before.rows[0].n).toBe(6);
  });

  it('opens a new window once the old one has ended, and the expiry job deletes ended windows', async () => {
    expect(await statusesOf(7, () => login(uniqueEmail(), '10.6.6.6'))).toEqual(SIX_FAILURES_THEN_LIMITED);
    const rowsBefore = await t.pool.query('SELECT count(*)::int AS n FROM rate_limits');
    clock.advance(WINDOW_MS);
    expectProblem(await login(uniqueEmail(), '10.6.6.6'), 401, 'invalid_credentials');
    const removed = await expireRateLimits(t.pool, clock.now());
    expect(removed).toBeGreaterThan(0);
    const rowsAfter = await t.pool.query('SELECT count(*)::int AS n FROM rate_limits');
    expect(rowsAfter.rows[0].n).toBeLessThan(rowsBefore.rows[0].n);
    // The counter just opened is in a live window, so the job kept it.
    expect(
      (await t.pool.query('SELECT count(*)::int AS n FROM rate_limits WHERE window_ends_at > $1', [clock.now()])).rows[0].n,
    ).toBe(rowsAfter.rows[0].n);
  });
});

describe('limits before the body is read', () => {
  it('answers 429 to a limited address before parsing, measuring or validating its body', async () => {
    const ip = '10.5.5.5';
    const hostile = Object.fromEntries(Array.from({ length: 2_000 }, (_, index) => [`unknown_${index}`, index]));
    const statuses = await statusesOf(6, (index) =>
      t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: ip,
        headers: { 'content-type': 'application/json' },
        payload: index % 3 === 0 ? '{"email": not json' : JSON.stringify(hostile),
      }),
    );
    // Hostile bodies answer 400 while the address has budget, and they spend it.
    expect(statuses).toEqual([400, 400, 400, 400, 400, 400]);
    const oversized = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: ip,
      headers: { 'content-type': 'application/json' },
      payload: `{"email":"${'a'.repeat(BODY_LIMIT_BYTES + 10)}"}`,
    });
    // Without the limiter this is 413 (the body is measured); limited, it is never read.
    expect(oversized.statusCode).toBe(429);
    expect(oversized.json()).toMatchObject({ code: 'rate_limited' });
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: ip,
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    });
    expectProblem(malformed, 429, 'rate_limited');
    expect(malformed.headers['retry-after']).toBeDefined();
  });
});

describe('signed-in routes before the body is read', () => {
  it('refuses a request without a session, or with no route, before reading, parsing or validating its body', async () => {
    const unknownKeys = JSON.stringify(Object.fromEntries(Array.from({ length: 2_000 }, (_, index) => [`k${index}`, index])));
    const oversized = `{"description":"${'a'.repeat(BODY_LIMIT_BYTES + 10)}"}`;
    for (const payload of [unknownKeys, oversized, '{"amount_cents":']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/transactions',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      // Before this, 400 (validated), 413 (measured) and 400 (parsed) came first.
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: 'unauthenticated' });
    }
    // Nor for a path or method that has no route.
    for (const url of ['/api/nothing-here', '/api/health', '/not-an-api-path']) {
      const response = await t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload: '{"x":',
      });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ code: 'not_found' });
    }
    const { token } = await registerUser(t.app, { email: uniqueEmail('validada') });
    const signedIn = await t.app.inject({
      method: 'POST',
      url: '/api/transactions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload: unknownKeys,
    });
    expect(signedIn.statusCode).toBe(400);
    expect(signedIn.json()).toMatchObject({ code: 'validation_failed' });
  });
});

describe('unmatched requests with a body, whatever the method', () => {
  it('answers 404 not_found to OPTIONS, DELETE and GET with a malformed body, without parsing it', async () => {
    const cases = [
      ['OPTIONS', '/api/nothing'],
      ['OPTIONS', '/not-an-api-path'],
      ['DELETE', '/api/nothing'],
      ['DELETE', '/not-an-api-path'],
      ['GET', '/api/nothing'],
    ] as const;
    for (const [method, url] of cases) {
      const response = await t.app.inject({ method, url, headers: { 'content-type': 'application/json' }, payload: '{bad' });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json(), `${method} ${url}`).toMatchObject({ code: 'not_found' });
    }
    // Other GET paths belong to the web app when it is built (its wildcard route answers
    // them) and get the 404 otherwise; either way the body is never parsed.
    const page = await t.app.inject({
      method: 'GET',
      url: '/not-an-api-path',
      headers: { 'content-type': 'application/json' },
      payload: '{bad',
    });
    expect([200, 404]).toContain(page.statusCode);
  });
});

describe('client addresses', () => {
  it('ignores a client-sent X-Forwarded-For when no proxy is trusted', async () => {
    const statuses = await statusesOf(7, (index) =>
      login(uniqueEmail(), '10.4.4.4', { headers: { 'x-forwarded-for': `192.0.2.${index + 1}` } }),
    );
    expect(statuses).toEqual(SIX_FAILURES_THEN_LIMITED);
  });

  it('with a listed proxy, believes X-Forwarded-For only from that proxy', async () => {
    const app = await anotherApp({ TRUST_PROXY: '10.3.3.254' });
    // A client that is not the proxy cannot pick its key by sending the header itself.
    const spoofed = await statusesOf(7, (index) =>
      login(uniqueEmail(), '10.3.3.3', { app, headers: { 'x-forwarded-for': `192.0.2.${index + 1}` } }),
    );
    expect(spoofed).toEqual(SIX_FAILURES_THEN_LIMITED);
    // Through the proxy, each client has its own key.
    const viaProxy = await login(uniqueEmail(), '10.3.3.254', { app, headers: { 'x-forwarded-for': '198.51.100.30' } });
    expectProblem(viaProxy, 401, 'invalid_credentials');
  });

  it('with one hop, only the address the proxy added counts, not what the client put before it', async () => {
    const app = await anotherApp({ TRUST_PROXY: '1' });
    const statuses = await statusesOf(7, (index) =>
      login(uniqueEmail(), '127.0.0.1', { app, headers: { 'x-forwarded-for': `192.0.2.${index + 1}, 198.51.100.7` } }),
    );
    expect(statuses).toEqual(SIX_FAILURES_THEN_LIMITED);
    const other = await login(uniqueEmail(), '127.0.0.1', { app, headers: { 'x-forwarded-for': '198.51.100.7, 198.51.100.8' } });
    expectProblem(other, 401, 'invalid_credentials');
  });

  it('behind a proxy, each spelling of one address (port, brackets, zero-padded octets) shares one budget', async () => {
    const app = await anotherApp({ TRUST_PROXY: '1' });
    const spellings = ['203.0.113.9:1234', '203.0.113.9:1235', '203.0.113.009', '203.0.113.9:80', '203.0.113.9', '203.0.113.9:9'];
    const spelled = await statusesOf(7, (index) =>
      login(uniqueEmail(), '127.0.0.1', { app, headers: { 'x-forwarded-for': spellings[index] ?? '203.0.113.9:4000' } }),
    );
    expect(spelled).toEqual(SIX_FAILURES_THEN_LIMITED);
    const bracketed = await statusesOf(7, (index) =>
      login(uniqueEmail(), '127.0.0.1', { app, headers: { 'x-forwarded-for': `[2001:db8:99::${index + 1}]:${1000 + index}` } }),
    );
    expect(bracketed).toEqual(SIX_FAILURES_THEN_LIMITED);
  });

  it('counts the /64s of an IPv6 /48 together under a larger limit, and a limited /48 writes no counters', async () => {
    const fromSlash64 = (index: number) => `2001:db8:48:${index.toString(16)}::1`;
    // One /64 past its own limit: its refused attempts do not count against the /48.
    const noisy = await statusesOf(20, () => login(uniqueEmail(), fromSlash64(1)));
    expect(noisy).toEqual([...SIX_FAILURES_THEN_LIMITED, ...new Array(13).fill(429)]);
    // Fresh /64s of the same /48 share what is left of its 10.
    expect(await statusesOf(5, (index) => login(uniqueEmail(), fromSlash64(index + 2)))).toEqual([401, 401, 401, 401, 429]);
    expectProblem(await login(uniqueEmail(), '2001:db8:49:1::1'), 401, 'invalid_credentials');
    const counters = async () => (await t.pool.query('SELECT count(*)::int AS n FROM rate_limits')).rows[0].n;
    const before = await counters();
    expectProblem(await login(uniqueEmail(), fromSlash64(0xff)), 429, 'rate_limited');
    expect(await counters()).toBe(before);
  });

  it('keys IPv6 clients by their /64 and IPv4-mapped clients as IPv4', async () => {
    const statuses = await statusesOf(7, (index) => login(uniqueEmail(), `2001:db8:77:1::${(index + 1).toString(16)}`));
    expect(statuses).toEqual(SIX_FAILURES_THEN_LIMITED);
    expectProblem(await login(uniqueEmail(), '2001:db8:77:2::1'), 401, 'invalid_credentials');
    const mapped = await statusesOf(4, () => login(uniqueEmail(), '::ffff:10.2.2.2'));
    const plain = await statusesOf(3, () => login(uniqueEmail(), '10.2.2.2'));
    expect([...mapped, ...plain]).toEqual(SIX_FAILURES_THEN_LIMITED);
  });
});

describe('limits shared through PostgreSQL', () => {
  it('holds across two API processes and across a restart', async () => {
    const first = await anotherApp();
    const second = await anotherApp();
    const byProcess = [first, second];
    const statuses = await statusesOf(4, (index) => login(uniqueEmail(), '10.8.8.8', { app: byProcess[index % 2] }));
    expect(statuses).toEqual([401, 401, 401, 401]);
    await first.close();
    // A process started afterwards continues the count.
    const restarted = await anotherApp();
    const more = await statusesOf(3, (index) => login(uniqueEmail(), '10.8.8.8', { app: index === 0 ? restarted : second }));
    expect(more).toEqual([401, 401, 429]);
  });

  it('keeps no e-mail or address in its rows, and a flood of junk e-mails cannot flush a counter', async () => {
    const email = uniqueEmail('vitima');
    expect(await statusesOf(4, (index) => login(email, `10.10.0.${index + 1}`))).toEqual([401, 401, 401, 429]);
    const rowsBefore = (await t.pool.query('SELECT count(*)::int AS n FROM rate_limits')).rows[0].n;
    // One address can only add as many e-mail counters as its own limit lets through.
    const flood = await statusesOf(20, () => login(uniqueEmail('lixo'), '10.10.1.1'));
    expect(flood.filter((status) => status === 429)).toHaveLength(14);
    const rowsAfter = (await t.pool.query('SELECT count(*)::int AS n FROM rate_limits')).rows[0].n;
    expect(rowsAfter - rowsBefore).toBeLessThanOrEqual(1 + LIMITS.per_ip.max);
    expectProblem(await login(email, '10.10.0.9'), 429, 'rate_limited');
    const rows = await t.pool.query<{ key: Buffer }>('SELECT key FROM rate_limits');
    for (const row of rows.rows) {
      expect(row.key).toHaveLength(32);
      expect(row.key.toString('latin1')).not.toContain(email);
    }
  });
});

describe('a known device past the per-e-mail limit', () => {
  it('lets the owner in with the device cookie while a stranger has used up the e-mail, and refuses without it', async () => {
    const { user } = await registerUser(t.app, { email: uniqueEmail('dona') });
    const first = await login(user.email, '10.11.0.1');
    expect(first.statusCode).toBe(200);
    const device = cookieFrom(first, 'vdp_device');
    expect(device).toMatch(/^vdp_device=[A-Za-z0-9_-]{43}$/);
    expect(String(first.headers['set-cookie'])).toMatch(/vdp_device=[^;]+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict/);

    // The owner's own sign-in counted too: two more attempts use up the e-mail's three.
    const stranger = await statusesOf(3, (index) => login(user.email, `10.11.1.${index + 1}`, { password: 'chute-errado-1' }));
    expect(stranger).toEqual([401, 401, 429]);

    const withoutCookie = await login(user.email, '10.11.0.1');
    expectProblem(withoutCookie, 429, 'rate_limited');
    const withCookie = await login(user.email, '10.11.0.1', { headers: { cookie: device as string } });
    expect(withCookie.statusCode).toBe(200);
    // The same device keeps its token.
    expect(cookieFrom(withCookie, 'vdp_device')).toBe(device);
    // A stranger who guesses a cookie value gets nothing.
    const forged = await login(user.email, '10.11.1.9', { headers: { cookie: `vdp_device=${'A'.repeat(43)}` } });
    expectProblem(forged, 429, 'rate_limited');
  });

  it.each([
    ['POST', '/api/privacy/delete-account', { password: PASSWORD }, 204, '10.15'],
    ['PUT', '/api/me/password', { current_password: PASSWORD, new_password: 'outra senha bem longa 42' }, 200, '10.16'],
  ] as const)(
    'lets the owner re-enter the password (%s %s) from that device while a stranger has used up the e-mail',
    async (method, url, payload, status, net) => {
      const user = await registerFrom(`${net}.0.1`, 'reentrar');
      const signedIn = await login(user.email, `${net}.0.1`);
      const device = cookieFrom(signedIn, 'vdp_device') as string;
      const token = signedIn.json().token as string;
      expect(await statusesOf(3, (index) => login(user.email, `${net}.1.${index + 1}`, { password: 'chute-errado-6' }))).toEqual([
        401, 401, 429,
      ]);
      const reenter = (cookie?: string) =>
        t.app.inject({
          method,
          url,
          remoteAddress: `${net}.0.1`,
          headers: { authorization: `Bearer ${token}`, ...(cookie ? { cookie } : {}) },
          payload,
        });
      // A neighbour behind the same address (a shared NAT) spends the address's re-entries too.
      const neighbour = await registerFrom(`${net}.2.1`, 'vizinho');
      const neighbourToken = (await login(neighbour.email, `${net}.2.1`)).json().token as string;
      const neighbourGuess = () =>
        t.app.inject({
          method: 'PUT',
          url: '/api/me/password',
          remoteAddress: `${net}.0.1`,
          headers: { authorization: `Bearer ${neighbourToken}` },
          payload: { current_password: 'chute-errado-7', new_password: 'outra senha bem longa 43' },
        });
      expect((await statusesOf(LIMITS.per_ip.max + 1, neighbourGuess)).at(-1)).toBe(429);
      // A session without the browser's device cookie gets no more guesses than the sign-in page.
      expectProblem(await reenter(), 429, 'rate_limited');
      expectProblem(await reenter(`vdp_device=${'A'.repeat(43)}`), 429, 'rate_limited');
      expect((await reenter(device)).statusCode).toBe(status);
    },
  );

  it('does not open another account, and has its own limit', async () => {
    const owner = await registerUser(t.app, { email: uniqueEmail('dono') });
    const other = await registerUser(t.app, { email: uniqueEmail('outra') });
    const signedIn = await login(owner.user.email, '10.12.0.1');
    const device = cookieFrom(signedIn, 'vdp_device') as string;
    expect(await statusesOf(4, () => login(other.user.email, '10.12.1.1', { password: 'chute-errado-2' }))).toEqual([
      401, 401, 401, 429,
    ]);
    // Known for the owner's account only.
    expectProblem(await login(other.user.email, '10.12.0.1', { headers: { cookie: device } }), 429, 'rate_limited');

    expect(await statusesOf(4, () => login(owner.user.email, '10.12.1.2', { password: 'chute-errado-3' }))).toEqual([
      401, 401, 429, 429,
    ]);
    // A stolen device cookie is not an unlimited oracle: per_device (5, one spent on the
    // other account above: every attempt with a known cookie counts) then 429.
    const withDevice = await statusesOf(6, () =>
      login(owner.user.email, '10.12.0.2', { headers: { cookie: device }, password: 'chute-errado-4' }),
    );
    expect(withDevice).toEqual([401, 401, 401, 401, 429, 429]);
  });

  it('forgets every device of the person on sign out everywhere', async () => {
    const user = await registerFrom('10.14.0.1', 'perdido');
    const signedIn = await login(user.email, '10.14.0.1');
    const device = cookieFrom(signedIn, 'vdp_device') as string;
    const everywhere = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout-all',
      headers: { authorization: `Bearer ${signedIn.json().token}` },
    });
    expect(everywhere.statusCode).toBe(204);
    expect(await statusesOf(3, (index) => login(user.email, `10.14.1.${index + 1}`, { password: 'chute-errado-5' }))).toEqual([
      401, 401, 429,
    ]);
    expectProblem(await login(user.email, '10.14.0.1', { headers: { cookie: device } }), 429, 'rate_limited');
  });

  it('lets a known device in from an address a stranger has used up (a shared NAT), under its own limit', async () => {
    const { user } = await registerUser(t.app, { email: uniqueEmail('casa') });
    const other = await registerFrom('10.13.2.1', 'vizinha');
    const signedIn = await login(user.email, '10.13.0.1');
    const device = cookieFrom(signedIn, 'vdp_device') as string;
    // A stranger behind the same carrier-grade NAT uses up the address (per_ip 6, the owner's sign-in included).
    expect(await statusesOf(6, () => login(uniqueEmail(), '10.13.0.1'))).toEqual([401, 401, 401, 401, 401, 429]);
    expectProblem(await login(user.email, '10.13.0.1'), 429, 'rate_limited');
    // The cookie is not the other account's, so that attempt is charged to the address after all.
    expectProblem(await login(other.email, '10.13.0.1', { headers: { cookie: device } }), 429, 'rate_limited');
    // The owner's browser is charged to its device instead: per_device (5, one spent just above), then 429.
    const statuses = await statusesOf(5, () => login(user.email, '10.13.0.1', { headers: { cookie: device } }));
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });
  it('is a __Host- cookie, Secure, over HTTPS behind a trusted proxy', async () => {
    const app = await anotherApp({ TRUST_PROXY: '1' });
    const { user } = await registerUser(t.app, { email: uniqueEmail('segura') });
    const response = await login(user.email, '127.0.0.1', {
      app,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.40' },
    });
    expect(response.statusCode).toBe(200);
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/__Host-vdp_device=[A-Za-z0-9_-]{43}; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Strict/);
    expect(setCookie).not.toMatch(/Domain=/i);
  });

  it('forgets devices past their expiry through the expiry job', async () => {
    const user = await registerFrom('10.15.0.1', 'antiga');
    expect((await login(user.email, '10.14.0.1')).statusCode).toBe(200);
    const devices = await t.pool.query('SELECT expires_at FROM known_devices WHERE user_id = $1', [user.id]);
    // One from registering, one from signing in: register opens a session in this browser too.
    expect(devices.rowCount).toBe(2);
    const later = new Date(Math.max(...devices.rows.map((row) => row.expires_at.getTime())) + 1);
    await expireRateLimits(t.pool, later);
    expect((await t.pool.query('SELECT 1 FROM known_devices WHERE user_id = $1', [user.id])).rowCount).toBe(0);
  });
});

describe('cleanup that keeps up', () => {
  /** Expired counters, as a flood from fresh addresses leaves them, added in one statement. */
  async function floodCounters(label: string, count: number): Promise<void> {
    await t.pool.query(
      `INSERT INTO rate_limits (key, hits, window_ends_at)
       SELECT sha256(convert_to($1 || i, 'UTF8')), 1, $2 FROM generate_series(1, $3) AS i`,
      [label, new Date('2026-01-01T00:00:00Z'), count],
    );
  }
  const expiredCounters = async () =>
    (await t.pool.query('SELECT count(*)::int AS n FROM rate_limits WHERE window_ends_at <= $1', [clock.now()])).rows[0].n;

  it('deletes every expired counter in one run, however many more than a fixed number of batches', async () => {
    // 100,000 was the old most per run (20 batches of 5,000): 333 rows a second.
    await floodCounters('flood-a', 120_000);
    await expireRateLimits(t.pool, clock.now());
    expect(await expiredCounters()).toBe(0);
  });

  it('stops when its run budget is spent, and the next run continues', async () => {
    await floodCounters('flood-b', 4 * RATE_LIMIT_EXPIRY_BATCH_MAX);
    let elapsed = 0;
    // Each batch "takes" half the budget: two batches, then the run ends.
    const removed = await expireRateLimits(t.pool, clock.now(), { elapsedMs: () => (elapsed += CLEANUP_RUN_MS_MAX / 2) });
    expect(removed).toBe(2 * RATE_LIMIT_EXPIRY_BATCH_MAX);
    expect(await expiredCounters()).toBe(2 * RATE_LIMIT_EXPIRY_BATCH_MAX);
    expect(await expireRateLimits(t.pool, clock.now())).toBe(2 * RATE_LIMIT_EXPIRY_BATCH_MAX);
    expect(await expiredCounters()).toBe(0);
  });

  it('purges every dead session in one run, however many more than a fixed number of batches', async () => {
    const user = await registerFrom('10.16.0.1', 'muitas-sessoes');
    // 20,000 was the old most per run (20 batches of 1,000). Long expired, so unannounced.
    await t.pool.query(
      `INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at)
       SELECT gen_random_uuid(), $1, sha256(convert_to('sessao-' || i, 'UTF8')), $2, $3, $2
         FROM generate_series(1, 25000) AS i`,
      [user.id, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-02T00:00:00Z')],
    );
    await purgeSessions(t.pool, clock.now(), { sessionIdleHours: 72 });
    const left = await t.pool.query('SELECT count(*)::int AS n FROM sessions WHERE expires_at <= $1', [clock.now()]);
    expect(left.rows[0].n).toBe(0);
  });
});
