import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import { runTransaction } from '../../src/db/unit-of-work.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createReadOnlyMode, READ_ONLY_NOTICE_MS, READ_ONLY_RETRY_AFTER_SECONDS } from '../../src/http/read-only.js';
import { fixedClock } from '../../src/lib/clock.js';
import { SESSION_TOUCH_INTERVAL_MS } from '../../src/modules/auth/auth.service.js';
import { clientFor, PASSWORD, signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { resolveAdminUrl } from '../helpers/db.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { idOfRoute, seedOneOfEverything } from '../helpers/one-of-everything.js';
import { type OpenApiDocument, type Route, readOpenApi, routes, sampleRequest } from '../helpers/openapi.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';
import { writeOfx1 } from '../helpers/statement-writer.js';

/**
 * Read-only mode (issue 14). A person's data is written while the database takes writes;
 * then the database is made read-only (ALTER DATABASE … SET default_transaction_read_only,
 * on this file's own database) and an app connects to it: every read keeps working, every
 * write route of the OpenAPI document answers 503 read_only with Retry-After, nothing is
 * written, and once the database takes writes again the same Idempotency-Key takes effect
 * once. A second app under READ_ONLY=true refuses every write before its body is read.
 */

const T0 = new Date('2026-11-16T12:00:00Z');
const clock = fixedClock(T0);
let seeding: TestApp;
let document: OpenApiDocument;
let person: Awaited<ReturnType<typeof signedIn>>;
const ids: Record<string, string> = {};

function statementUpload(token: string): { headers: Record<string, string>; payload: string } {
  const statement = writeOfx1([{ occurredOn: '2026-11-05', amountCents: -1_000, description: 'PADARIA', fitid: 'R1' }]);
  const boundary = 'readonly';
  const payload = `--${boundary}\r\nContent-Disposition: form-data; name="account_id"\r\n\r\n${ids.account}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.ofx"\r\n\r\n${statement.toString('utf-8')}\r\n--${boundary}--\r\n`;
  return { headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload };
}

/** One of each thing a person can have, so every write route has a real id to aim at. */
async function seed(): Promise<void> {
  person = await signedIn(seeding.app);
  Object.assign(ids, await seedOneOfEverything(seeding, person));
}

/** The real id a route's path or body field names; a new kind of id is added in idOfRoute. */
function idFor(name: string, route: Route): string {
  return idOfRoute(ids)(name, route);
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Bodies the schema alone cannot make into a write that would take effect: an edit names a
 * field to change, a re-authenticated change carries the real password, a payment a real code.
 */
function bodyFor(route: Route): unknown {
  const edits: Record<string, unknown> = {
    'PATCH /api/me': { name: 'Maria Souza' },
    'PUT /api/me/email': { email: `nova.${randomUUID()}@example.com`, password: PASSWORD },
    'PUT /api/me/password': { current_password: PASSWORD, new_password: 'outra-senha-forte-456' },
    'PATCH /api/accounts/{id}': { name: 'Conta nova', row_version: 1 },
    'PATCH /api/categories/{id}': { name: 'Mercado', row_version: 1 },
    'PATCH /api/transactions/{id}': { description: 'Pão francês', row_version: 1 },
    'PATCH /api/goals/{id}': { name: 'Viagem longa', row_version: 1 },
    'PATCH /api/recurring/{id}': { description: 'Aluguel novo', row_version: 1 },
    'POST /api/pix/payments': { account_id: ids.account, payload: ids.chargePayload },
  };
  return edits[`${route.method} ${route.path}`];
}

/**
 * Routes the database walk leaves out, each refused before a write for its own reason (the
 * READ_ONLY=true walk covers them all): two that compute and write nothing, and a link whose
 * token only the server can sign (email.test.ts follows it).
 */
const WRITE_NOTHING = new Set(['POST /api/pix/keys/validate', 'POST /api/pix/decode', 'POST /api/notifications/unsubscribe']);

function writeRoutes(): Route[] {
  return routes(document).filter((route) => WRITE_METHODS.has(route.method));
}

/** The route's sample request, sent by the person with a fresh Idempotency-Key (the statement upload as a real file). */
function injectWrite(app: FastifyInstance, route: Route, token: string) {
  const headers = { authorization: `Bearer ${token}`, 'idempotency-key': `ro-${randomUUID()}` };
  if (route.method === 'POST' && route.path === '/api/auth/login') {
    // The real password: a wrong one is refused before anything would be written.
    return app.inject({ method: 'POST', url: route.path, payload: { email: person.user.email, password: PASSWORD } });
  }
  if (route.method === 'POST' && route.path === '/api/imports') {
    const upload = statementUpload(token);
    return app.inject({ method: 'POST', url: route.path, headers: { ...upload.headers, ...headers }, payload: upload.payload });
  }
  const request = sampleRequest(document, route, idFor);
  const body = bodyFor(route) ?? request.body;
  return app.inject({
    method: request.method,
    url: request.url,
    headers: { ...request.headers, ...headers },
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

/** A digest of every row of every table of the app's schema: equal digests, nothing written. */
async function contentDigest(pool: pg.Pool): Promise<Record<string, string>> {
  const tables = await pool.query<{ name: string }>(
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const digest: Record<string, string> = {};
  for (const { name } of tables.rows) {
    const result = await pool.query(
      `SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS d FROM ${name} t`,
    );
    digest[name] = result.rows[0].d;
  }
  return digest;
}

/** Runs SQL as the server's administrator, on its maintenance database (not ours, which may be read-only). */
async function asAdministrator(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: await resolveAdminUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function expectReadOnly(response: Awaited<ReturnType<FastifyInstance['inject']>>, label: string): void {
  expect(response.statusCode, `${label}: ${response.body.slice(0, 300)}`).toBe(503);
  expectProblem(response, 503, 'read_only');
  expect(response.headers['retry-after'], label).toBe(READ_ONLY_RETRY_AFTER_SECONDS);
}

/** Every GET of the document with real ids: the reads a person makes. The unsubscribe link's token is the server's own. */
async function expectEveryReadWorks(app: FastifyInstance, token: string): Promise<number> {
  let read = 0;
  for (const route of routes(document)) {
    if (route.method !== 'GET' || route.path === '/api/notifications/unsubscribe') continue;
    const request = sampleRequest(document, route, idFor);
    const response = await app.inject({ method: 'GET', url: request.url, headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode, `GET ${route.path}: ${response.body.slice(0, 300)}`).toBe(200);
    read += 1;
  }
  return read;
}

beforeAll(async () => {
  seeding = await startTestApp({ clock });
  document = await readOpenApi(seeding.app);
  await seed();
});
afterAll(async () => {
  // The database must take writes again for the drop (and for the seeding app's pool to close cleanly).
  await asAdministrator(`ALTER DATABASE ${seeding.database.name} RESET default_transaction_read_only`).catch(() => {});
  await seeding?.close();
});

describe('a read-only database (default_transaction_read_only = on)', () => {
  let pool: pg.Pool;
  let app: FastifyInstance;
  let client: ReturnType<typeof clientFor>;
  let modeNowMs = 0;
  const mode = createReadOnlyMode({ forced: false, now: () => modeNowMs });
  const serverErrors: unknown[] = [];
  const metrics = createMetrics();
  /** Lets the notice period pass, so the next write goes through to the database again. */
  const noticeExpires = () => {
    modeNowMs += READ_ONLY_NOTICE_MS;
  };

  beforeAll(async () => {
    await asAdministrator(`ALTER DATABASE ${seeding.database.name} SET default_transaction_read_only = on`);
    // An hour on: the session's last_seen_at is due to move forward, which a read-only database refuses.
    clock.advance(SESSION_TOUCH_INTERVAL_MS * 6);
    pool = createPool(seeding.database.url, { max: 4 });
    app = await buildApp({
      config: loadConfig({ DATA_DIR: '/nonexistent', SESSION_CACHE_SECONDS: '0' }),
      pool,
      clock,
      metrics,
      readOnly: mode,
      onServerError: (error) => serverErrors.push(error),
    });
    await app.ready();
    client = clientFor(app, person.token);
  });
  afterAll(async () => {
    await app?.close();
    await pool?.end();
  });

  it('refuses a plain INSERT: the setting is in force for the app’s connections', async () => {
    await expect(
      pool.query(`INSERT INTO rate_limits (key, hits, window_ends_at) VALUES ('\\x00', 1, now())`),
    ).rejects.toMatchObject({
      code: '25006',
    });
  });

  it('every read of the document answers 200 (the session touch and the export counter fail soft)', async () => {
    const before = await contentDigest(pool);
    const read = await expectEveryReadWorks(app, person.token);
    expect(read).toBeGreaterThan(20);
    expect(mode.active()).toBe(false);
    expect(await contentDigest(pool)).toEqual(before);
    expect(serverErrors).toEqual([]);
  });

  it('every write route answers 503 read_only with Retry-After, reported to no one as a 500, and writes nothing', async () => {
    const before = await contentDigest(pool);
    const retriesBefore = (await metrics.ledgerRetries.get()).values.reduce((sum, value) => sum + value.value, 0);
    const sent: string[] = [];
    const otherwise: string[] = [];
    for (const route of writeRoutes()) {
      if (WRITE_NOTHING.has(`${route.method} ${route.path}`)) continue;
      // Each write reaches the database: the notice of the one before has expired.
      noticeExpires();
      const response = await injectWrite(app, route, person.token);
      const code = response.json().code;
      if (
        response.statusCode !== 503 ||
        code !== 'read_only' ||
        response.headers['retry-after'] !== READ_ONLY_RETRY_AFTER_SECONDS
      ) {
        otherwise.push(`${route.method} ${route.path}: ${response.statusCode} ${response.body.slice(0, 160)}`);
      }
      sent.push(`${route.method} ${route.path}`);
    }
    expect(otherwise).toEqual([]);
    expect(sent).toEqual(
      expect.arrayContaining(['POST /api/transactions', 'POST /api/transfers', 'DELETE /api/accounts/{id}/pix-key']),
    );
    expect(sent.length).toBeGreaterThan(30);
    expect(await contentDigest(pool)).toEqual(before);
    expect(serverErrors).toEqual([]);
    // Refused, not retried: a read-only database says the same on every attempt.
    const retriesAfter = (await metrics.ledgerRetries.get()).values.reduce((sum, value) => sum + value.value, 0);
    expect(retriesAfter).toBe(retriesBefore);
  });

  it('a transaction refused as read-only runs once: the unit of work does not retry it', async () => {
    let attempts = 0;
    const retried: string[] = [];
    const attempt = runTransaction(
      pool,
      async (client) => {
        attempts += 1;
        await client.query(`INSERT INTO rate_limits (key, hits, window_ends_at) VALUES ('\\x01', 1, now())`);
      },
      (code) => retried.push(code),
    );
    await expect(attempt).rejects.toMatchObject({ code: '25006' });
    expect(attempts).toBe(1);
    expect(retried).toEqual([]);
  });

  it('after a refusal the next writes are refused before their body is read, and the mode says so', async () => {
    noticeExpires();
    expectReadOnly(await client.post('/api/goals', { name: 'Casa', target_cents: 1_000 }), 'the write that notices');
    expect(mode.active()).toBe(true);
    const malformed = await app.inject({
      method: 'POST',
      url: '/api/transactions',
      headers: { authorization: `Bearer ${person.token}`, 'content-type': 'application/json' },
      payload: '{"not json',
    });
    expectReadOnly(malformed, 'a malformed body during the notice');
  });

  it('signing in and signing up answer 503 read_only; the person’s session still reads', async () => {
    noticeExpires();
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: person.user.email, password: PASSWORD },
    });
    expectReadOnly(login, 'sign-in');
    noticeExpires();
    const register = await app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: `ro.${randomUUID()}@example.com`, password: PASSWORD, name: 'Outra Pessoa' },
    });
    expectReadOnly(register, 'sign-up');
    expectStatus(await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${person.token}` } }), 200);
    expectStatus(await app.inject({ method: 'GET', url: '/health' }), 200);
    expectStatus(await app.inject({ method: 'GET', url: '/api/health' }), 200);
  });

  it('an Idempotency-Key refused while read-only takes effect exactly once when the database takes writes again', async () => {
    const key = `volta-${randomUUID()}`;
    const body = { account_id: ids.account, type: 'expense', amount_cents: 2_345, description: 'Feira' };
    const post = () => client.post('/api/transactions', body, { 'idempotency-key': key });
    const balance = async () => (await client.get(`/api/accounts/${ids.account}`)).json().balance_cents as number;
    const balanceBefore = await balance();
    noticeExpires();
    expectReadOnly(await post(), 'the first try');
    expectReadOnly(await post(), 'a retry during the notice');
    expect((await pool.query('SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1', [key])).rows[0].n).toBe(0);

    await asAdministrator(`ALTER DATABASE ${seeding.database.name} SET default_transaction_read_only = off`);
    // The old connections keep the setting they started with; as after a failover, they go.
    await asAdministrator(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${seeding.database.name}' AND pid <> pg_backend_pid()`,
    );
    for (let waits = 0; pool.totalCount > 0 && waits < 200; waits += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(pool.totalCount).toBe(0);
    noticeExpires();

    const first = expectStatus(await post(), 201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = expectStatus(await post(), 201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await balance()).toBe(balanceBefore - 2_345);
    const stored = await pool.query('SELECT count(*)::int AS n FROM transactions WHERE description = $1', ['Feira']);
    expect(stored.rows[0].n).toBe(1);
    expect(mode.active()).toBe(false);
    await expectLedgerInvariants(pool);
  });
});

describe('READ_ONLY=true', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await buildApp({ config: loadConfig({ DATA_DIR: '/nonexistent', READ_ONLY: 'true' }), pool: seeding.pool, clock });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('every write route answers 503 read_only before its body is read (a malformed body is not looked at), and nothing is written', async () => {
    const before = await contentDigest(seeding.pool);
    let sent = 0;
    for (const route of writeRoutes()) {
      const response = await app.inject({
        method: route.method,
        url: sampleRequest(document, route, idFor).url,
        headers: { authorization: `Bearer ${person.token}`, 'content-type': 'application/json', 'idempotency-key': `f-${sent}` },
        payload: '{"not json',
      });
      expectReadOnly(response, `${route.method} ${route.path}`);
      sent += 1;
    }
    expect(sent).toBeGreaterThan(30);
    // Well-formed writes too, and the sign-in, which would open a session.
    for (const route of writeRoutes())
      expectReadOnly(await injectWrite(app, route, person.token), `${route.method} ${route.path}`);
    expectReadOnly(
      await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: person.user.email, password: PASSWORD } }),
      'sign-in',
    );
    expect(await contentDigest(seeding.pool)).toEqual(before);
  });

  it('a person already signed in reads everything; health and metrics answer', async () => {
    expect(await expectEveryReadWorks(app, person.token)).toBeGreaterThan(20);
    expectStatus(await app.inject({ method: 'GET', url: '/health' }), 200);
    expectStatus(await app.inject({ method: 'GET', url: '/api/health' }), 200);
    expectStatus(await app.inject({ method: 'GET', url: '/metrics' }), 200);
  });
});
