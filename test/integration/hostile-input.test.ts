import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc16Hex } from '../../src/modules/pix/crc16.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { idOfRoute, seedOneOfEverything } from '../helpers/one-of-everything.js';
import {
  type OpenApiDocument,
  type Route,
  readOpenApi,
  routes,
  type SampleRequest,
  type StringSite,
  sampleRequest,
  stringSites,
} from '../helpers/openapi.js';
import { expectProblem } from '../helpers/problem.js';

/**
 * Hostile text answers 400 problem+json naming the field, never 500: U+0000 (which
 * PostgreSQL cannot store in text), an unpaired surrogate (which UTF-8 cannot encode),
 * and dates that pass a lenient format check but that Date or PostgreSQL cannot read
 * (a leap second, year 0000, a "+03" offset). Every route and every string field comes
 * from /api/openapi.json, sent by a signed-in person with real ids.
 */

let t: TestApp;
let document: OpenApiDocument;
let person: Awaited<ReturnType<typeof signedIn>>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  document = await readOpenApi(t.app);
  person = await signedIn(t.app);
  Object.assign(ids, await seedOneOfEverything(t, person));
});
afterAll(async () => {
  await t?.close();
});

/** The real id a route's path or body field names; a new kind of id must be added here. */
function idFor(name: string, route: Route): string {
  return idOfRoute(ids)(name, route);
}

async function send(request: SampleRequest, extraHeaders: Record<string, string> = {}) {
  const headers = { ...request.headers, ...extraHeaders, authorization: `Bearer ${person.token}` };
  return t.app.inject({
    method: request.method,
    url: request.url,
    headers,
    ...(request.body === undefined ? {} : { payload: request.body as object }),
  });
}

async function rowCounts() {
  const result = await t.pool.query(
    `SELECT (SELECT count(*) FROM transactions)::int AS transactions, (SELECT count(*) FROM ledger_entries)::int AS entries,
            (SELECT count(*) FROM idempotency_keys)::int AS keys, (SELECT count(*) FROM accounts)::int AS accounts,
            (SELECT count(*) FROM goals)::int AS goals, (SELECT count(*) FROM recurring_rules)::int AS rules,
            (SELECT count(*) FROM pix_charges)::int AS charges, (SELECT count(*) FROM categories)::int AS categories`,
  );
  return result.rows[0];
}

const NUL = 'Pa\u0000o';
const LONE_HIGH = 'P\ud800o';
const LONE_LOW = '\udc00';
const HOSTILE_DATES = ['2026-02-30', '2026-13-01', '0000-01-01', '2026-1-1', '20261116', '2026-11-16T00:00:00Z'];
const HOSTILE_TIMESTAMPS = [
  '2026-01-01T23:59:60Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T00:00:00+03',
  '2026-01-01T00:00:00+16:00',
  '0000-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-01-01',
];

interface Case {
  value: string;
  /** The error code a 400 must carry for this value; undefined when the transport decides. */
  code: string | undefined;
}

function casesFor(site: StringSite): Case[] {
  const text: Case[] = [
    { value: NUL, code: 'text' },
    { value: LONE_HIGH, code: 'text' },
    { value: LONE_LOW, code: 'text' },
  ];
  // A URL carries bytes: an unpaired surrogate arrives as %ED%A0%80, which is not UTF-8.
  // In a path that is a malformed URL (400); a query string keeps such text undecoded.
  if (site.part === 'params' || site.part === 'querystring') {
    text[1] = { value: LONE_HIGH, code: undefined };
    text[2] = { value: LONE_LOW, code: undefined };
  }
  const formats: Record<string, string[]> = {
    date: HOSTILE_DATES,
    'date-time': HOSTILE_TIMESTAMPS,
    uuid: [`urn:uuid:${randomUUID()}`, `{${randomUUID()}}`],
  };
  const dates = (formats[site.schema.format ?? ''] ?? []).map((value) => ({ value, code: 'format' }));
  return [...text, ...dates];
}

function expectRefused(response: Awaited<ReturnType<typeof send>>, site: StringSite, expected: Case, label: string) {
  expect(response.statusCode, `${label}: ${response.body.slice(0, 400)}`).toBeLessThan(500);
  if (expected.code === undefined) return;
  expect(response.statusCode, `${label}: ${response.body.slice(0, 400)}`).toBe(400);
  expect(response.headers['content-type'], label).toMatch(/^application\/problem\+json/);
  const body = response.json();
  expect(body.code, label).toBe('validation_failed');
  expect(body.errors, label).toEqual([expect.objectContaining({ field: site.field, code: expected.code })]);
}

describe('hostile text in every string of every route answers 400 naming the field', () => {
  it('covers the routes and fields the document declares', () => {
    const sites = routes(document).flatMap((route) =>
      stringSites(document, route).map((site) => `${route.method} ${site.field}`),
    );
    for (const expected of [
      'POST body/description',
      'POST body/email',
      'GET querystring/q',
      'GET querystring/at',
      'GET params/id',
    ]) {
      expect(sites).toContain(expected);
    }
  });

  it('U+0000, unpaired surrogates and unreadable dates, with and without an Idempotency-Key, write nothing', async () => {
    const before = await rowCounts();
    let sent = 0;
    for (const route of routes(document)) {
      const takesKey = (route.operation.parameters ?? []).some((parameter) => parameter.name === 'idempotency-key');
      for (const site of stringSites(document, route)) {
        if (site.part === 'headers') continue;
        for (const hostile of casesFor(site)) {
          const request = sampleRequest(document, route, idFor, { site, value: hostile.value });
          const label = `${route.method} ${route.path} ${site.field} = ${JSON.stringify(hostile.value)}`;
          expectRefused(await send(request), site, hostile, label);
          if (takesKey && site.part === 'body') {
            const keyed = await send(request, { 'idempotency-key': `hostil-${randomUUID()}` });
            expectRefused(keyed, site, hostile, `${label} with an Idempotency-Key`);
          }
          sent += 1;
        }
      }
    }
    expect(sent).toBeGreaterThan(100);
    expect(await rowCounts()).toEqual(before);
    await expectLedgerInvariants(t.pool);
  });

  it('the same routes answer their sample request without hostile text (so the 400s above are about the text)', async () => {
    for (const route of routes(document)) {
      if (route.method !== 'GET') continue;
      // Its token is signed with this server's own key, so no sample can be valid: email.test.ts covers it.
      if (route.path === '/api/notifications/unsubscribe') continue;
      const response = await send(sampleRequest(document, route, idFor));
      expect(response.statusCode, `${route.method} ${route.path}: ${response.body.slice(0, 300)}`).toBe(200);
    }
  });
});

describe('the cases from the security review', () => {
  it('U+0000 in a description answers 400 naming body/description, and nothing is written', async () => {
    const before = await rowCounts();
    const response = await person.client.post('/api/transactions', {
      account_id: ids.account,
      type: 'expense',
      amount_cents: 100,
      description: 'Almo\u0000ço',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'body/description', code: 'text' })]);
    expect(await rowCounts()).toEqual(before);
  });

  it('a lone surrogate in a description sent with an Idempotency-Key answers 400 and stores no key', async () => {
    const before = await rowCounts();
    const body = { account_id: ids.account, type: 'expense', amount_cents: 100, description: '\ud800' };
    const response = await person.client.post('/api/transactions', body, { 'idempotency-key': 'surrogate-1' });
    expectProblem(response, 400, 'validation_failed');
    expect(response.json().errors[0].field).toBe('body/description');
    expect(await rowCounts()).toEqual(before);
  });

  it('a leap second in ?at= answers 400 naming querystring/at', async () => {
    const response = await person.client.get(`/api/accounts/${ids.account}/balance?at=2026-01-01T23:59:60Z`);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'querystring/at', code: 'format' })]);
  });

  it('an ?at= that is past year 9999 once in UTC answers 400 naming querystring/at', async () => {
    const response = await person.client.get(`/api/accounts/${ids.account}/balance?at=9999-12-31T23:59:59-12:00`);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'querystring/at', code: 'format' })]);
  });

  it('U+0000 in a search, a goal icon, a name and a login e-mail answers 400 naming the field', async () => {
    const search = await person.client.get('/api/transactions?q=p%00o');
    expect(search.json().errors[0].field).toBe('querystring/q');
    const icon = await person.client.post('/api/goals', { name: 'Casa', target_cents: 100, icon: '\u0000' });
    expect(icon.json().errors[0].field).toBe('body/icon');
    const name = await person.client.post('/api/accounts', { name: 'Conta\u0000', type: 'cash' });
    expect(name.json().errors[0].field).toBe('body/name');
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: `maria\u0000@example.com`, password: 'senha-forte-123' },
    });
    expectProblem(login, 400, 'validation_failed');
    expect(login.json().errors[0].field).toBe('body/email');
    for (const response of [search, icon, name]) expect(response.statusCode).toBe(400);
  });

  it('a BR Code whose merchant name holds U+0000 (with a correct CRC) is refused by decode and by payments', async () => {
    const name = 'Fulano\u0000de Tal';
    const withoutCrc = `00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR59${String(name.length).padStart(2, '0')}${name}6008BRASILIA62070503***6304`;
    const payload = `${withoutCrc}${crc16Hex(withoutCrc)}`;
    const before = await rowCounts();
    const decoded = await person.client.post('/api/pix/decode', { payload });
    expect(decoded.statusCode).toBe(400);
    expect(decoded.json().errors[0].field).toBe('body/payload');
    const paid = await person.client.post('/api/pix/payments', { account_id: ids.account, payload });
    expectProblem(paid, 400, 'validation_failed');
    expect(paid.json().errors[0].field).toBe('body/payload');
    expect(await rowCounts()).toEqual(before);
  });

  it('U+0000 and a lone surrogate in an object key name the key (made printable)', async () => {
    const response = await person.client.post('/api/transactions', {
      account_id: ids.account,
      type: 'expense',
      amount_cents: 100,
      description: 'Pão',
      'x\u0000\ud800': 1,
    });
    expectProblem(response, 400, 'validation_failed');
    expect(response.json().errors[0].field).toBe('body/x\ufffd\ufffd');
  });
});

/** Headers every answer carries alike; the rest (date, length, id) differ per response. */
const PER_RESPONSE_HEADERS = new Set(['date', 'content-length', 'x-request-id', 'connection', 'keep-alive']);

function sharedHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !PER_RESPONSE_HEADERS.has(name)));
}

describe('URLs the router cannot read answer problem+json with the usual headers', () => {
  // The over-long parameter is sent with PATCH: with the web app built, a GET would fall
  // to the SPA's wildcard route and answer an ordinary 404.
  it.each([
    ['GET', '/api/%', 400, 'malformed_url'],
    ['GET', '/%E0%A4%A', 400, 'malformed_url'],
    ['GET', '/api/accounts/%ED%A0%80', 400, 'malformed_url'],
    ['POST', '/api/transactions/%zz/reverse', 400, 'malformed_url'],
    ['PATCH', `/api/accounts/${'a'.repeat(101)}`, 414, 'uri_too_long'],
  ] as const)('%s %s answers %i %s', async (method, url, status, code) => {
    const usual = await t.app.inject({ method: 'GET', url: '/api/nada' });
    expectProblem(usual, 404, 'not_found');
    const response = await t.app.inject({ method, url });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = response.json();
    expect(body).toMatchObject({ status, code, type: `urn:vai-de-pix:problem:${code}` });
    expect(body.request_id).toBe(response.headers['x-request-id']);
    expect(response.headers['content-security-policy']).toBeDefined();
    expect(sharedHeaders(response.headers)).toEqual(sharedHeaders(usual.headers));
  });
});

describe('X-Request-Id', () => {
  it('a plain client id is used and echoed on its own answer and error body', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/nada', headers: { 'x-request-id': 'proxy-4f2a9c11' } });
    expect(response.headers['x-request-id']).toBe('proxy-4f2a9c11');
    expect(response.json().request_id).toBe('proxy-4f2a9c11');
  });

  it.each([
    ['too short', 'abc'],
    ['too long', 'a'.repeat(129)],
    ['with a space', 'pedido 123456'],
    ['with markup', '<script>alert(1)</script>'],
    ['with a quote', 'abc"def123'],
    ['with a slash', 'abc/def/123'],
    ['with a semicolon', 'abcdef;123'],
  ])('one %s is replaced by a fresh id and never echoed', async (_label, incoming) => {
    const response = await t.app.inject({ method: 'GET', url: '/api/nada', headers: { 'x-request-id': incoming } });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(response.body).not.toContain(incoming);
  });

  it("is never shown to another person: not in their answers, replays, or another person's audit", async () => {
    const maria = await signedIn(t.app, 'Maria');
    const joao = await signedIn(t.app, 'João');
    const mariaAccount = await maria.client.account({ name: 'M', type: 'cash', initial_balance_cents: 1_000 });
    const joaoAccount = await joao.client.account({ name: 'J', type: 'cash', initial_balance_cents: 1_000 });
    const mariaId = 'maria-pedido-0001';
    const body = (accountId: string) => ({ account_id: accountId, type: 'expense', amount_cents: 100, description: 'Feira' });
    const first = await maria.client.post('/api/transactions', body(mariaAccount.id), {
      'idempotency-key': 'feira-semanal',
      'x-request-id': mariaId,
    });
    expect(first.statusCode).toBe(201);
    expect(first.headers['x-request-id']).toBe(mariaId);
    const transactionId = first.json().transaction.id as string;

    // Another person, the same key: their own effect and their own id, nothing of Maria's.
    const answers = [
      await joao.client.post('/api/transactions', body(joaoAccount.id), { 'idempotency-key': 'feira-semanal' }),
      await joao.client.post('/api/transactions', body(mariaAccount.id), { 'idempotency-key': 'feira-semanal-2' }),
      await joao.client.get(`/api/transactions/${transactionId}/audit`),
      await joao.client.get(`/api/transactions/${transactionId}`),
      await joao.client.get('/api/transactions'),
    ];
    expect(answers.map((response) => response.statusCode)).toEqual([201, 404, 404, 404, 200]);
    for (const response of answers) {
      expect(JSON.stringify(response.headers)).not.toContain(mariaId);
      expect(response.body).not.toContain(mariaId);
    }

    // Maria's own replay carries the replaying request's id, not the first one's.
    const replay = await maria.client.post('/api/transactions', body(mariaAccount.id), {
      'idempotency-key': 'feira-semanal',
      'x-request-id': 'maria-pedido-0002',
    });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers['x-request-id']).toBe('maria-pedido-0002');
    expect(replay.body).not.toContain(mariaId);
    // Her own audit may show it: it is her request.
    expect((await maria.client.get(`/api/transactions/${transactionId}/audit`)).json().request_id).toBe(mariaId);
  });
});
