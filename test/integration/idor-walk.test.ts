import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetAlertJob } from '../../src/jobs/budget-alert.js';
import { runJobOnce } from '../../src/jobs/scheduler.js';
import { fixedClock } from '../../src/lib/clock.js';
import { notify } from '../../src/modules/notifications/notify.js';
import { PASSWORD, signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { bodySchema, type OpenApiDocument, type Route, readOpenApi, resolve, routes, type Schema } from '../helpers/openapi.js';
import { expectStatus } from '../helpers/problem.js';
import { multipart, ofx } from './imports-support.js';

/**
 * The IDOR walk. Person A builds a world with a row in every table that holds a person's
 * data; person B then sends every route of /api/openapi.json with each of A's ids, one at a
 * time, in every path parameter, query parameter and body field (nested ones too: a
 * transfer's target account, a goal contribution's source, a budget's category, an import
 * line's category, a correction's new account), everything else in the request being B's own
 * and well-formed. Each answer must be 404 not_found, indistinguishable from the answer to an
 * id that exists nowhere. Then B's id-free routes run (they must touch only B), B ends its
 * sessions and deletes its account, and every row of every table that is not B's must be as it
 * was before B began.
 */

const clock = fixedClock('2026-12-10T15:00:00Z');
/** The first day of each person's monthly rule (day 5 from 2026-12-05), posted by the seed's run-due. */
const RULE_POSTED_ON = '2026-12-05';
const MONTH = '2026-12';
const SECRET = 'SEGREDO-DE-A';

let t: TestApp;
let document: OpenApiDocument;
let a: Person;
let b: Person;

type Kind =
  | 'account'
  | 'card'
  | 'category'
  | 'transaction'
  | 'purchase'
  | 'bill'
  | 'goal'
  | 'rule'
  | 'charge'
  | 'notification'
  | 'import'
  | 'importRule';

/**
 * The table each kind of id lives in: A's candidates are every row of it, read from the
 * database. A card's routes and a purchase's take any account or transaction id (B's own
 * request names B's card or purchase); a bill has no row (its id is derived from the card
 * and the month), so A's bills are read from A's cards instead (billsOfA).
 */
const KIND_TABLE: Record<Exclude<Kind, 'bill'>, string> = {
  account: 'accounts',
  card: 'accounts',
  category: 'categories',
  transaction: 'transactions',
  purchase: 'transactions',
  goal: 'goals',
  rule: 'recurring_rules',
  charge: 'pix_charges',
  notification: 'notifications',
  import: 'imports',
  importRule: 'import_rules',
};

/**
 * Tables whose rows have an `id` that no route takes: the walk cannot place them, and says why.
 * A new table with an id fails the walk until it is a kind above or a line here.
 */
const ID_NOT_ADDRESSABLE: Record<string, string> = {
  users: 'a person is addressed only as "me", through the session',
  sessions: 'addressed only by the secret token; session theft is covered by cookies.test.ts and auth.test.ts',
  budgets: 'addressed by month and category id; the category id is walked',
  consents: "read and written only as the caller's own list",
  email_outbox: 'never exposed over HTTP',
  privacy_requests: 'never exposed over HTTP',
};

/** Kinds of the `{id}` path parameter, by the route's path. */
const PATH_KIND: Array<[string, Kind]> = [
  ['/api/accounts/{id}/bills', 'card'],
  ['/api/accounts/{id}', 'account'],
  ['/api/categories/{id}', 'category'],
  ['/api/transactions/{id}/installments', 'purchase'],
  ['/api/transactions/{id}/refund', 'purchase'],
  ['/api/transactions/{id}/anticipate', 'purchase'],
  ['/api/transactions/{id}', 'transaction'],
  ['/api/goals/{id}', 'goal'],
  ['/api/recurring/{id}', 'rule'],
  ['/api/pix/charges/{id}', 'charge'],
  ['/api/notifications/{id}', 'notification'],
  ['/api/imports/rules/{id}', 'importRule'],
  ['/api/imports/mappings/{id}', 'account'],
  ['/api/imports/{id}', 'import'],
];

/** Kinds of the other id fields, by name, wherever they appear. */
const FIELD_KIND: Record<string, Kind> = {
  account_id: 'account',
  from_account_id: 'account',
  to_account_id: 'account',
  category_id: 'category',
  bill_id: 'bill',
};

interface IdFreeRoute {
  reason: string;
  /** walk: B sends it during the walk; end: B sends it after the walk (it ends B's session or account). */
  when: 'walk' | 'end';
}

/** Routes that take no id of a person's resource. B still sends each one; A's data must not change. */
const ID_FREE: Record<string, IdFreeRoute> = {
  'GET /health': { reason: 'liveness, no person', when: 'walk' },
  'GET /api/health': { reason: 'database reachability, no person', when: 'walk' },
  'GET /api/config': { reason: 'feature flags of the installation', when: 'walk' },
  'POST /api/auth/register': { reason: 'creates a new person; takes no id', when: 'walk' },
  'POST /api/auth/login': { reason: 'by e-mail and password, not by id', when: 'walk' },
  'POST /api/auth/logout': { reason: 'ends the session that sends it', when: 'end' },
  'POST /api/auth/logout-all': { reason: 'ends every session of the caller', when: 'end' },
  'GET /api/me': { reason: 'the caller', when: 'walk' },
  'PATCH /api/me': { reason: 'the caller', when: 'walk' },
  'PUT /api/me/email': { reason: 'the caller; an e-mail taken by A is 409 email_taken by design (THREAT-MODEL 6)', when: 'end' },
  'PUT /api/me/password': { reason: "the caller; ends the caller's other sessions", when: 'end' },
  'POST /api/accounts': { reason: 'creates a new account of the caller', when: 'walk' },
  'GET /api/accounts': { reason: "the caller's list", when: 'walk' },
  'GET /api/categories': { reason: "the caller's list", when: 'walk' },
  'POST /api/categories': { reason: 'creates a category of the caller', when: 'walk' },
  'POST /api/goals': { reason: 'creates a goal (and its account) of the caller', when: 'walk' },
  'GET /api/goals': { reason: "the caller's list", when: 'walk' },
  'GET /api/budgets': { reason: "the caller's month", when: 'walk' },
  'POST /api/budgets/{month}/copy-previous': { reason: "copies the caller's previous month only", when: 'walk' },
  'GET /api/recurring': { reason: "the caller's list", when: 'walk' },
  'GET /api/recurring/upcoming': { reason: "the caller's rules", when: 'walk' },
  'POST /api/recurring/run-due': { reason: "posts the caller's due occurrences only", when: 'walk' },
  'GET /api/pix/keys': { reason: "the caller's list", when: 'walk' },
  'POST /api/pix/keys/validate': { reason: "pure check of a key's text", when: 'walk' },
  'POST /api/pix/decode': { reason: 'pure reading of a BR Code', when: 'walk' },
  'GET /api/notifications/preferences': { reason: "the caller's", when: 'walk' },
  'PUT /api/notifications/preferences': { reason: "the caller's", when: 'walk' },
  'GET /api/notifications/unsubscribe': {
    reason: 'takes a signed token, not an id; forging or turning it on A is 403 (email.test.ts)',
    when: 'walk',
  },
  'POST /api/notifications/unsubscribe': { reason: 'as the GET', when: 'walk' },
  'GET /api/insights': { reason: "the caller's month", when: 'walk' },
  'GET /api/imports/rules': { reason: "the caller's list", when: 'walk' },
  'GET /api/imports/presets': { reason: 'the bank presets, the same for everybody', when: 'walk' },
  'GET /api/notifications': { reason: "the caller's list", when: 'walk' },
  'POST /api/notifications/read-all': { reason: "marks the caller's notifications only", when: 'walk' },
  'GET /api/privacy/consents': { reason: "the caller's", when: 'walk' },
  'POST /api/privacy/consents': { reason: "the caller's", when: 'walk' },
  'GET /api/privacy/export': { reason: "the caller's data", when: 'walk' },
  'POST /api/privacy/delete-account': { reason: 'deletes the caller', when: 'end' },
  'GET /api/admin/jobs': { reason: 'operators only (403 for B); jobs carry no person', when: 'walk' },
  'GET /api/admin/findings': { reason: 'operators only (403 for B)', when: 'walk' },
};

/**
 * Tables (or columns) left out of the before/after comparison, each because it changes on any
 * request whoever sends it, never because of whose data it is.
 */
const DUMP_EXCLUDED_TABLES: Record<string, string> = {
  rate_limits: "counters keyed by hashed address and e-mail: B's sign-ins and password checks count there",
};

/** A person's own ids, one of each kind (`other` is a second account). */
type Ids = Record<Kind | 'other', string>;

interface Person {
  token: string;
  userId: string;
  email: string;
  ids: Ids;
  payload: string;
}

type Injected = Awaited<ReturnType<FastifyInstance['inject']>>;

function send(
  person: Person | string,
  method: Route['method'],
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const token = typeof person === 'string' ? person : person.token;
  // Some writes require an Idempotency-Key; a fresh one makes each call its own request.
  const key = method === 'GET' ? {} : { 'idempotency-key': `k-${randomUUID()}` };
  return t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, ...key, ...headers },
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

async function ok(response: Injected, what: string): Promise<Record<string, unknown>> {
  if (response.statusCode >= 300) throw new Error(`${what}: ${response.statusCode} ${response.body}`);
  return response.json() as Record<string, unknown>;
}

function importForm(accountId: string, fitid: string) {
  return multipart([
    { name: 'account_id', value: accountId },
    {
      name: 'file',
      file: ofx([
        { date: '2026-12-02', amount: '-12.34', memo: `PADARIA ${fitid}`, fitid },
        { date: '2026-12-03', amount: '-5.00', memo: `MERCADO ${fitid}`, fitid: `${fitid}-2` },
      ]),
      filename: 'extrato.ofx',
    },
  ]);
}

async function upload(person: Person, accountId: string, fitid: string) {
  const form = importForm(accountId, fitid);
  return t.app.inject({
    method: 'POST',
    url: '/api/imports',
    headers: { authorization: `Bearer ${person.token}`, ...form.headers },
    payload: form.payload,
  });
}

async function register(name: string): Promise<Person> {
  const registered = await signedIn(t.app, name);
  return { token: registered.token, userId: registered.user.id, email: registered.user.email, ids: {} as Ids, payload: '' };
}

/** Accounts, categories, movements of every kind, a goal, a rule, Pix, an import and a notification. */
async function buildCore(person: Person, label: string) {
  const { ids } = person;
  const post = (url: string, body?: unknown) => send(person, 'POST', url, body);
  ids.account = (
    await ok(
      await post('/api/accounts', { name: `${label} corrente`, type: 'checking', initial_balance_cents: 500_000 }),
      'account',
    )
  ).id as string;
  ids.other = (
    await ok(
      await post('/api/accounts', { name: `${label} poupança`, type: 'savings', initial_balance_cents: 100_000 }),
      'savings',
    )
  ).id as string;
  ids.category = (await ok(await post('/api/categories', { name: `${label} categoria`, kind: 'expense' }), 'category'))
    .id as string;
  const expense = {
    account_id: ids.account,
    type: 'expense',
    amount_cents: 1_000,
    description: `${label} compra`,
    category_id: ids.category,
  };
  ids.transaction = ((await ok(await post('/api/transactions', expense), 'expense')).transaction as { id: string }).id;
  await ok(
    await post('/api/transfers', { from_account_id: ids.account, to_account_id: ids.other, amount_cents: 2_000 }),
    'transfer',
  );
  ids.goal = (await ok(await post('/api/goals', { name: `${label} viagem`, target_cents: 1_000_000 }), 'goal')).id as string;
  await ok(
    await post(`/api/goals/${ids.goal}/contributions`, { from_account_id: ids.account, amount_cents: 5_000 }),
    'contribution',
  );
  const rule = {
    account_id: ids.account,
    type: 'expense',
    amount_cents: 300,
    description: `${label} aluguel`,
    category_id: ids.category,
  };
  ids.rule = (
    await ok(await post('/api/recurring', { ...rule, schedule: { kind: 'monthly', day: 5 }, start_on: '2026-12-05' }), 'rule')
  ).id as string;
  // Its first day (RULE_POSTED_ON) is posted, so the retry of an occurrence has one to name.
  await ok(await post('/api/recurring/run-due'), 'run-due');
  await ok(
    await send(person, 'PUT', `/api/accounts/${ids.account}/pix-key`, {
      key: label === 'A' ? '529.982.247-25' : '111.444.777-35',
    }),
    'pix key',
  );
  const charge = await ok(await post('/api/pix/charges', { account_id: ids.account, amount_cents: 700 }), 'charge');
  ids.charge = charge.id as string;
  person.payload = charge.payload as string;
  ids.import = (await ok(await upload(person, ids.account, `${label}1`), 'import')).id as string;
  ids.importRule = (
    await ok(
      await post('/api/imports/rules', { pattern: `${label.toLowerCase()}padaria`, category_id: ids.category }),
      'import rule',
    )
  ).id as string;
  ids.notification = (await notify(t.pool, {
    userId: person.userId,
    kind: 'budget_alert',
    dedupeKey: `budget:${label}:50`,
    params: { threshold: 50 },
    link: '/orcamentos',
    now: clock.now(),
  })) as string;
  await buildCard(person, label);
  // A's budget is small enough for the alert job to fire on A's spending.
  const limit = label === 'A' ? 2_000 : 500_000;
  await ok(await send(person, 'PUT', `/api/budgets/${MONTH}/${ids.category}`, { limit_cents: limit }), 'budget');
}

/** A credit card with its days (card_schedules) and a purchase on it in 12 installments (card_installments). */
async function buildCard(person: Person, label: string) {
  const { ids } = person;
  const post = (url: string, body?: unknown) => send(person, 'POST', url, body);
  const card = { name: `${label} cartão`, type: 'credit_card', credit_limit_cents: 1_000_000, closing_day: 3, due_day: 10 };
  ids.card = (await ok(await post('/api/accounts', card), 'card')).id as string;
  const purchase = {
    account_id: ids.card,
    type: 'expense',
    amount_cents: 120_000,
    description: `${label} compra`,
    category_id: ids.category,
    installments: 12,
  };
  ids.purchase = ((await ok(await post('/api/transactions', purchase), 'purchase')).transaction as { id: string }).id;
  const installments = await ok(await send(person, 'GET', `/api/transactions/${ids.purchase}/installments`), 'installments');
  ids.bill = (installments.items as Array<{ bill_id: string }>)[0]?.bill_id as string;
}

/**
 * A's card goes further: a payment that names its bill (card_payments), a refund of a
 * purchase's remaining installments (card_refunds, moved installments) and an antecipação
 * with a discount, each a state a card route could answer from before an owner check.
 */
async function buildMoreCardsOfA(person: Person) {
  const { ids } = person;
  const post = (url: string, body?: unknown) => send(person, 'POST', url, body);
  const payment = { from_account_id: ids.account, to_account_id: ids.card, amount_cents: 3_000, bill_id: ids.bill };
  await ok(await post('/api/transfers', payment), 'bill payment');
  const shoes = { account_id: ids.card, type: 'expense', amount_cents: 30_000, description: 'A tênis', installments: 3 };
  const bought = ((await ok(await post('/api/transactions', shoes), 'purchase')).transaction as { id: string }).id;
  await ok(await post(`/api/transactions/${bought}/refund`, { scope: 'remaining' }), 'refund');
  await ok(await post(`/api/transactions/${ids.purchase}/anticipate`, { count: 2, discount_cents: 500 }), 'anticipate');
  await ok(await post('/api/accounts', { name: 'A cartão sem dias', type: 'credit_card' }), 'unscheduled card');
}

/** A's world goes further: every resource also in the states that could answer before an owner check would. */
async function buildMoreOfA(person: Person) {
  const { ids } = person;
  const post = (url: string, body?: unknown, headers?: Record<string, string>) => send(person, 'POST', url, body, headers);
  const key = { 'idempotency-key': 'a-key-1' };
  const reversed = await ok(
    await post('/api/transactions', { account_id: ids.account, type: 'income', amount_cents: 900, description: SECRET }, key),
    'income',
  );
  await ok(await post(`/api/transactions/${(reversed.transaction as { id: string }).id}/reverse`), 'reverse');
  await ok(
    await send(person, 'PATCH', `/api/transactions/${ids.transaction}`, { row_version: 1, amount_cents: 1_100 }),
    'correction',
  );
  const archived = await ok(await post('/api/accounts', { name: 'A arquivada', type: 'cash' }), 'cash');
  await ok(await send(person, 'PATCH', `/api/accounts/${archived.id}`, { row_version: 1, archived: true }), 'archive');
  await buildMoreCardsOfA(person);
  const oldCategory = await ok(await post('/api/categories', { name: 'A antiga', kind: 'expense' }), 'category');
  await ok(
    await send(person, 'PATCH', `/api/categories/${oldCategory.id}`, { row_version: 1, archived: true }),
    'archive category',
  );
  await ok(await post(`/api/goals/${ids.goal}/withdrawals`, { to_account_id: ids.other, amount_cents: 1_000 }), 'withdrawal');
  const done = await ok(await post('/api/goals', { name: 'A feita', target_cents: 100 }), 'goal');
  await ok(await post(`/api/goals/${done.id}/contributions`, { from_account_id: ids.account, amount_cents: 100 }), 'achieve');
  const transfer = {
    account_id: ids.account,
    to_account_id: ids.other,
    type: 'transfer',
    amount_cents: 100,
    description: 'A poupar',
  };
  const paused = await ok(
    await post('/api/recurring', { ...transfer, schedule: { kind: 'weekly', weekday: 1 }, start_on: '2026-12-01' }),
    'rule',
  );
  await ok(await post(`/api/recurring/${paused.id}/pause`), 'pause');
  await ok(await post('/api/recurring/run-due'), 'run-due');
  const received = await ok(await post('/api/pix/charges', { account_id: ids.account, amount_cents: 800 }), 'charge');
  await ok(await post(`/api/pix/charges/${received.id}/receive`, { category_id: null }), 'receive');
  await ok(
    await post('/api/pix/payments', {
      account_id: ids.account,
      payload: person.payload,
      amount_cents: 50,
      category_id: ids.category,
    }),
    'payment',
  );
  await ok(await post(`/api/imports/${ids.import}/confirm`, { lines: [{ position: 1, category_id: ids.category }] }), 'confirm');
  const undone = await ok(await upload(person, ids.other, 'A2'), 'import');
  await ok(await post(`/api/imports/${undone.id}/confirm`, {}), 'confirm');
  await ok(await post(`/api/imports/${undone.id}/undo`), 'undo');
  await ok(await upload(person, ids.account, 'A3'), 'previewed import');
  await ok(await post(`/api/notifications/${ids.notification}/read`), 'read');
  await ok(
    await send(person, 'PUT', '/api/notifications/preferences', { items: [{ kind: 'budget_alert', in_app: true, email: true }] }),
    'preferences',
  );
  await runJobOnce(t.pool, budgetAlertJob, clock);
  await ok(await post('/api/privacy/consents', { document: 'terms', version: '2026-12-01' }), 'consent');
  await ok(await send(person, 'GET', `/api/insights?month=${MONTH}`), 'insights');
  const mapped = await ok(await uploadCsv(person, ids.other), 'csv import');
  expect(mapped.format).toBe('csv');
}

/** A CSV in a layout no preset knows, so the account keeps its own mapping. */
function uploadCsv(person: Person, accountId: string) {
  const mapping = {
    preset: 'custom',
    delimiter: ';',
    skipRows: 0,
    hasHeader: false,
    dateColumn: 1,
    dateFormat: 'dd/mm/yyyy',
    descriptionColumn: 2,
    amount: { kind: 'signed', column: 0 },
    decimal: 'comma',
    invertSign: false,
  };
  const form = multipart([
    { name: 'account_id', value: accountId },
    { name: 'mapping', value: JSON.stringify(mapping) },
    { name: 'file', file: '-12,50;03/12/2026;Banca\r\n', filename: 'minha.csv' },
  ]);
  return t.app.inject({
    method: 'POST',
    url: '/api/imports',
    headers: { authorization: `Bearer ${person.token}`, ...form.headers },
    payload: form.payload,
  });
}

beforeAll(async () => {
  t = await startTestApp({ clock });
  document = await readOpenApi(t.app);
  a = await register('Pessoa A');
  b = await register('Pessoa B');
  await buildCore(a, 'A');
  await buildMoreOfA(a);
  await buildCore(b, 'B');
}, 180_000);
afterAll(async () => {
  await t?.close();
});

/** One place in a request that holds an id: a path or query parameter, or a body field at `path`. */
interface Site {
  part: 'params' | 'querystring' | 'body';
  path: Array<string | number>;
  kind: Kind;
}

function routeKey(route: Route): string {
  return `${route.method} ${route.path}`;
}

function siteName(site: Site): string {
  return `${site.part}/${site.path.join('/')}`;
}

function kindOf(route: Route, name: string): Kind {
  const kind = name === 'id' ? PATH_KIND.find(([prefix]) => route.path.startsWith(prefix))?.[1] : FIELD_KIND[name];
  if (!kind) throw new Error(`${routeKey(route)}: which kind of id is ${name}? Add it to PATH_KIND or FIELD_KIND`);
  return kind;
}

function isUuid(document: OpenApiDocument, schema: Schema): boolean {
  const resolved = resolve(document, schema);
  return resolved.format === 'uuid' || (resolved.anyOf ?? resolved.oneOf ?? []).some((branch) => isUuid(document, branch));
}

/** Every id field of a schema, nested ones too (array items are reached through their first element). */
function bodyIdPaths(schema: Schema, at: Array<string | number>, into: Array<Array<string | number>>) {
  const resolved = resolve(document, schema);
  if (isUuid(document, resolved)) into.push(at);
  for (const branch of resolved.anyOf ?? resolved.oneOf ?? []) bodyIdPaths(branch, at, into);
  for (const [name, property] of Object.entries(resolved.properties ?? {})) bodyIdPaths(property, [...at, name], into);
  if (resolved.items) bodyIdPaths(resolved.items, [...at, 0], into);
}

/** Where a route takes an id, read from the document. */
function idSites(route: Route): Site[] {
  const sites: Site[] = [];
  for (const parameter of (route.operation.parameters ?? []) as Array<{ in: string; name: string; schema?: Schema }>) {
    const part = parameter.in === 'path' ? 'params' : parameter.in === 'query' ? 'querystring' : undefined;
    if (part && parameter.schema && isUuid(document, parameter.schema)) {
      sites.push({ part, path: [parameter.name], kind: kindOf(route, parameter.name) });
    }
  }
  const body = bodySchema(route) ?? route.operation.requestBody?.content?.['multipart/form-data']?.schema;
  const paths: Array<Array<string | number>> = [];
  if (body) bodyIdPaths(body, [], paths);
  const seen = new Set<string>();
  for (const path of paths) {
    const name = path.join('/');
    if (seen.has(name)) continue;
    seen.add(name);
    sites.push({ part: 'body', path, kind: kindOf(route, String(path.at(-1))) });
  }
  return sites;
}

interface Request {
  params: Record<string, string>;
  query: Record<string, string>;
  body?: Record<string, unknown>;
}

/**
 * B's own well-formed request for each route that takes an id: the walk puts one of A's ids at
 * one site and leaves the rest as here. `field` is the site, for routes whose valid shape
 * depends on it (a recurring transfer takes to_account_id, an expense does not).
 */
const BASE: Record<string, (ids: Ids, field: string) => Omit<Request, 'params'>> = {
  'GET /api/accounts/{id}': () => ({ query: {} }),
  'PATCH /api/accounts/{id}': () => ({ query: {}, body: { row_version: 1, name: 'B renomeada' } }),
  'GET /api/accounts/{id}/ledger': () => ({ query: {} }),
  'GET /api/accounts/{id}/balance': () => ({ query: { at: '2026-12-10T12:00:00Z' } }),
  'GET /api/accounts/{id}/bills': () => ({ query: {} }),
  'GET /api/accounts/{id}/bills/{bill_id}': () => ({ query: {} }),
  'PATCH /api/categories/{id}': () => ({ query: {}, body: { row_version: 1, name: 'B renomeada' } }),
  'POST /api/transactions': (ids) => ({
    query: {},
    body: { account_id: ids.account, type: 'expense', amount_cents: 1, description: 'B gasto' },
  }),
  'GET /api/transactions': () => ({ query: {} }),
  'GET /api/transactions/{id}': () => ({ query: {} }),
  'PATCH /api/transactions/{id}': () => ({ query: {}, body: { row_version: 1, description: 'B editada' } }),
  'POST /api/transactions/{id}/reverse': () => ({ query: {}, body: {} }),
  'GET /api/transactions/{id}/audit': () => ({ query: {} }),
  'GET /api/transactions/{id}/installments': () => ({ query: {} }),
  'POST /api/transactions/{id}/refund': () => ({ query: {}, body: { scope: 'amount', amount_cents: 1 } }),
  'POST /api/transactions/{id}/anticipate': () => ({ query: {}, body: { count: 1 } }),
  // A payment that names a bill goes to the card the bill is of: B's card, paying B's bill or A's.
  'POST /api/transfers': (ids, field) => ({
    query: {},
    body:
      field === 'body/bill_id'
        ? { from_account_id: ids.account, to_account_id: ids.card, amount_cents: 1, bill_id: ids.bill }
        : { from_account_id: ids.account, to_account_id: ids.other, amount_cents: 1 },
  }),
  'GET /api/goals/{id}': () => ({ query: {} }),
  'PATCH /api/goals/{id}': () => ({ query: {}, body: { row_version: 1, name: 'B meta' } }),
  'DELETE /api/goals/{id}': () => ({ query: {} }),
  'POST /api/goals/{id}/contributions': (ids) => ({ query: {}, body: { from_account_id: ids.account, amount_cents: 1 } }),
  'POST /api/goals/{id}/withdrawals': (ids) => ({ query: {}, body: { to_account_id: ids.account, amount_cents: 1 } }),
  'PUT /api/budgets/{month}/{category_id}': () => ({ query: {}, body: { limit_cents: 100 } }),
  'DELETE /api/budgets/{month}/{category_id}': () => ({ query: {} }),
  'POST /api/recurring': (ids, field) => ({
    query: {},
    body: {
      account_id: ids.account,
      amount_cents: 1,
      description: 'B regra',
      schedule: { kind: 'monthly', day: 20 },
      start_on: '2026-12-20',
      ...(field === 'body/to_account_id' ? { type: 'transfer', to_account_id: ids.other } : { type: 'expense' }),
    },
  }),
  'GET /api/recurring/{id}': () => ({ query: {} }),
  'PATCH /api/recurring/{id}': () => ({ query: {}, body: { row_version: 1, description: 'B regra editada' } }),
  'DELETE /api/recurring/{id}': () => ({ query: {} }),
  'POST /api/recurring/{id}/pause': () => ({ query: {} }),
  'POST /api/recurring/{id}/resume': () => ({ query: {} }),
  'POST /api/recurring/{id}/occurrences/{occurs_on}/retry': () => ({ query: {} }),
  'PUT /api/accounts/{id}/pix-key': () => ({ query: {}, body: { key: '111.444.777-35' } }),
  'DELETE /api/accounts/{id}/pix-key': () => ({ query: {} }),
  'POST /api/pix/charges': (ids) => ({ query: {}, body: { account_id: ids.account, amount_cents: 100 } }),
  'GET /api/pix/charges': () => ({ query: {} }),
  'GET /api/pix/charges/{id}': () => ({ query: {} }),
  'POST /api/pix/charges/{id}/receive': () => ({ query: {}, body: {} }),
  'POST /api/pix/charges/{id}/receive/undo': () => ({ query: {} }),
  'POST /api/pix/payments': (ids) => ({ query: {}, body: { account_id: ids.account, payload: b.payload, amount_cents: 1 } }),
  'POST /api/imports': (ids) => ({ query: {}, body: { account_id: ids.account } }),
  'GET /api/imports': () => ({ query: {} }),
  'GET /api/imports/{id}': () => ({ query: {} }),
  'POST /api/imports/{id}/confirm': (ids) => ({ query: {}, body: { lines: [{ position: 1, category_id: ids.category }] } }),
  'POST /api/imports/{id}/undo': () => ({ query: {} }),
  'POST /api/imports/rules': (ids) => ({ query: {}, body: { pattern: 'bwalk', category_id: ids.category } }),
  'DELETE /api/imports/rules/{id}': () => ({ query: {} }),
  'GET /api/imports/mappings/{id}': () => ({ query: {} }),
  'POST /api/notifications/{id}/read': () => ({ query: {} }),
};

/** B's own id of each kind, for the sites the walk is not testing. */
function ownId(kind: Kind): string {
  const byKind: Record<Kind, string | undefined> = {
    account: b.ids.account,
    card: b.ids.card,
    category: b.ids.category,
    transaction: b.ids.transaction,
    purchase: b.ids.purchase,
    bill: b.ids.bill,
    goal: b.ids.goal,
    rule: b.ids.rule,
    charge: b.ids.charge,
    notification: b.ids.notification,
    import: b.ids.import,
    importRule: b.ids.importRule,
  };
  return byKind[kind] as string;
}

function baseRequest(route: Route, sites: Site[], field: string): Request {
  const build = BASE[routeKey(route)];
  if (!build) throw new Error(`${routeKey(route)} takes an id: give it a well-formed request in BASE`);
  const params: Record<string, string> = {};
  for (const site of sites) if (site.part === 'params') params[String(site.path[0])] = ownId(site.kind);
  if (route.path.includes('{month}')) params.month = MONTH;
  // The day of each person's rule that the seed's run-due posted (a retry of it answers 409).
  if (route.path.includes('{occurs_on}')) params.occurs_on = RULE_POSTED_ON;
  return { params, ...build(b.ids, field) };
}

function placed(request: Request, site: Site, id: string): Request {
  const copy: Request = structuredClone(request);
  if (site.part === 'params') copy.params[String(site.path[0])] = id;
  else if (site.part === 'querystring') copy.query[String(site.path[0])] = id;
  else {
    copy.body = copy.body ?? {};
    let target = copy.body as Record<string | number, unknown>;
    // BASE writes every container a nested site lives in (an import's `lines`, say).
    for (const step of site.path.slice(0, -1)) target = target[step] as Record<string | number, unknown>;
    target[site.path.at(-1) as string | number] = id;
  }
  return copy;
}

function sendAs(person: Person, route: Route, request: Request): Promise<Injected> {
  const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(request.params[name] ?? ''));
  const search = new URLSearchParams(request.query).toString();
  const url = search ? `${path}?${search}` : path;
  const takesKey = (route.operation.parameters ?? []).some((parameter) => parameter.in === 'header');
  const headers: Record<string, string> = takesKey ? { 'idempotency-key': `b-${randomUUID()}` } : {};
  if (routeKey(route) === 'POST /api/imports') {
    const form = importForm(String(request.body?.account_id), `B-${randomUUID()}`);
    return t.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${person.token}`, ...headers, ...form.headers },
      payload: form.payload,
    });
  }
  return send(person, route.method, url, request.body, headers);
}

interface Table {
  name: string;
  columns: Array<{ name: string; type: string }>;
}

async function tables(pool: pg.Pool): Promise<Table[]> {
  const result = await pool.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position`,
  );
  const byName = new Map<string, Table>();
  for (const row of result.rows) {
    const table = byName.get(row.table_name) ?? { name: row.table_name, columns: [] };
    table.columns.push({ name: row.column_name, type: row.data_type });
    byName.set(row.table_name, table);
  }
  return [...byName.values()];
}

/** The column that says whose a row is, if the table has one. */
function ownerColumn(table: Table): string | undefined {
  if (table.name === 'users') return 'id';
  return table.columns.some((column) => column.name === 'user_id') ? 'user_id' : undefined;
}

/**
 * Every row of A's in every table, and every row of the tables nobody owns (job runs, the
 * recurring rotation, migrations, server secrets), ordered, as JSON text.
 */
async function dumpOfA(): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const table of await tables(t.pool)) {
    if (table.name in DUMP_EXCLUDED_TABLES) continue;
    const owner = ownerColumn(table);
    const where = owner ? `WHERE ${owner} = $1` : '';
    const result = await t.pool.query<{ row: string }>(
      `SELECT to_jsonb(x)::text AS row FROM ${table.name} x ${where} ORDER BY 1`,
      owner ? [a.userId] : [],
    );
    dump[table.name] = result.rows.map((row) => row.row);
  }
  return dump;
}

/** Every uuid in any of A's rows: A's own ids and everything A's rows point at. */
async function idsOfA(): Promise<Set<string>> {
  const ids = new Set<string>([a.userId]);
  for (const table of await tables(t.pool)) {
    const owner = ownerColumn(table);
    const uuids = table.columns.filter((column) => column.type === 'uuid').map((column) => column.name);
    if (!owner || uuids.length === 0) continue;
    const result = await t.pool.query(`SELECT ${uuids.join(', ')} FROM ${table.name} WHERE ${owner} = $1`, [a.userId]);
    for (const row of result.rows) for (const value of Object.values(row)) if (typeof value === 'string') ids.add(value);
  }
  return ids;
}

async function candidates(kind: Kind): Promise<string[]> {
  if (kind === 'bill') return billsOfA();
  const result = await t.pool.query<{ id: string }>(`SELECT id FROM ${KIND_TABLE[kind]} WHERE user_id = $1 ORDER BY id`, [
    a.userId,
  ]);
  return result.rows.map((row) => row.id);
}

/** The ids of every bill of every scheduled card of A's, as A reads them. */
async function billsOfA(): Promise<string[]> {
  const cards = await t.pool.query<{ id: string }>(
    'SELECT DISTINCT account_id AS id FROM card_schedules WHERE user_id = $1 ORDER BY 1',
    [a.userId],
  );
  const bills: string[] = [];
  for (const card of cards.rows) {
    const page = await ok(await send(a, 'GET', `/api/accounts/${card.id}/bills?limit=100`), 'bills of A');
    for (const bill of page.items as Array<{ id: string }>) bills.push(bill.id);
  }
  expect(bills.length).toBeGreaterThanOrEqual(10);
  return bills;
}

/** What of A's a response carries (A's ids, A's free text), if anything. */
function leakIn(response: Injected, aIds: Set<string>, sent?: string): string | undefined {
  // A problem's `instance` repeats the path B sent, A's id in it included: that is B's own input.
  const body = sent === undefined ? response.body : response.body.replaceAll(sent, '<sent>');
  const id = [...aIds].find((candidate) => body.includes(candidate));
  const text = body.match(new RegExp(`${SECRET}|A (corrente|poupança|categoria|compra|viagem|aluguel)`))?.[0];
  return id || text ? `leaks ${id ?? text}: ${body.slice(0, 300)}` : undefined;
}

let before: Record<string, string[]>;
let aIds: Set<string>;

describe("B walks every route with A's ids", () => {
  it("A's world has a row in every table of a person's data, and every table with an id is a kind the walk tries", async () => {
    before = await dumpOfA();
    aIds = await idsOfA();
    const empty: string[] = [];
    for (const table of await tables(t.pool)) {
      const owner = ownerColumn(table);
      if (!owner || table.name in DUMP_EXCLUDED_TABLES) continue;
      const { rows } = await t.pool.query(`SELECT 1 FROM ${table.name} WHERE ${owner} = $1 LIMIT 1`, [a.userId]);
      if (rows.length === 0) empty.push(table.name);
      const hasId = table.columns.some((column) => column.name === 'id' && column.type === 'uuid');
      const known = Object.values(KIND_TABLE).includes(table.name) || table.name in ID_NOT_ADDRESSABLE;
      if (hasId) expect(known, `${table.name} has ids: add it to KIND_TABLE or ID_NOT_ADDRESSABLE`).toBe(true);
    }
    // Only what no request of a person writes: monthly snapshots of settled months, the
    // reconciliation's findings (it finds none in a whole ledger), deletion requests.
    expect(empty.sort()).toEqual(['account_balance_snapshots', 'privacy_requests', 'reconcile_findings']);
  });

  it("answers 404 not_found to every one of A's ids at every id site, exactly as to an id that exists nowhere", async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const route of routes(document)) {
      const sites = idSites(route);
      for (const site of sites) {
        const base = baseRequest(route, sites, siteName(site));
        const nowhere = await sendAs(b, route, placed(base, site, randomUUID()));
        const where = `${routeKey(route)} ${siteName(site)}`;
        for (const id of await candidates(site.kind)) {
          const response = await sendAs(b, route, placed(base, site, id));
          sent += 1;
          const leak = leakIn(response, aIds, id);
          if (leak) failures.push(`${where} = ${id}: ${leak}`);
          const code = (response.json() as { code?: string }).code;
          // List filters too: an account or category that is not the person's is 404, as in a path.
          const expected = response.statusCode === 404 && code === 'not_found';
          const same = response.statusCode === nowhere.statusCode && code === (nowhere.json() as { code?: string }).code;
          if (!expected || !same)
            failures.push(
              `${where} = ${id}: ${response.statusCode} ${response.body.slice(0, 200)} (nowhere: ${nowhere.statusCode})`,
            );
        }
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(300);
  });

  it("the same requests with B's own ids are accepted (the 404s came from ownership, not from the shape)", async () => {
    const refused: string[] = [];
    const order = ['GET', 'PATCH', 'PUT', 'POST', 'DELETE'];
    const byMethod = routes(document)
      .filter((route) => idSites(route).length > 0)
      .sort((left, right) => order.indexOf(left.method) - order.indexOf(right.method));
    for (const route of byMethod) {
      const sites = idSites(route);
      // A payment names B's own bill (on B's card); a recurring transfer names B's other account.
      const names = sites.map(siteName);
      const field = ['body/bill_id', 'body/to_account_id'].find((name) => names.includes(name)) ?? '';
      const response = await sendAs(b, route, baseRequest(route, sites, field));
      const leak = leakIn(response, aIds);
      if (leak) refused.push(`${routeKey(route)}: ${leak}`);
      // A 409 or 422 is B's own row's state answering (a balance moved the account's row_version,
      // a goal with movements cannot be deleted): the row was found, past validation and ownership.
      if (response.statusCode === 400 || response.statusCode === 404 || response.statusCode >= 500) {
        refused.push(`${routeKey(route)}: ${response.statusCode} ${response.body.slice(0, 200)}`);
      }
    }
    expect(refused).toEqual([]);
  });

  it('every route of the document is walked or listed as id-free with a reason, and no list names a route that is gone', () => {
    const walked = new Set(
      routes(document)
        .filter((route) => idSites(route).length > 0)
        .map(routeKey),
    );
    const all = routes(document).map(routeKey);
    const uncovered = all.filter((key) => !walked.has(key) && !(key in ID_FREE));
    expect(uncovered, 'routes neither walked nor listed in ID_FREE').toEqual([]);
    expect(Object.keys(ID_FREE).filter((key) => !all.includes(key))).toEqual([]);
    expect(
      Object.keys(ID_FREE).filter((key) => walked.has(key)),
      'listed as id-free but takes an id',
    ).toEqual([]);
    expect(Object.keys(BASE).filter((key) => !walked.has(key))).toEqual([]);
  });
});

const NEW_PASSWORD = 'outra-senha-forte-456';

/** What B sends on each id-free route that needs more than its bare path. */
function idFreeRequest(key: string): { url?: string; body?: unknown; token?: string } {
  const requests: Record<string, { url?: string; body?: unknown }> = {
    'POST /api/auth/register': { body: { email: `c.${randomUUID()}@example.com`, password: PASSWORD, name: 'Pessoa C' } },
    'POST /api/auth/login': { body: { email: b.email, password: PASSWORD } },
    'PATCH /api/me': { body: { name: 'B com outro nome' } },
    'POST /api/accounts': { body: { name: 'B dinheiro', type: 'cash', initial_balance_cents: 100 } },
    'POST /api/categories': { body: { name: 'B receita', kind: 'income' } },
    'POST /api/goals': { body: { name: 'B outra meta', target_cents: 1_000 } },
    'GET /api/budgets': { url: `/api/budgets?month=${MONTH}` },
    'POST /api/budgets/{month}/copy-previous': { url: '/api/budgets/2027-01/copy-previous' },
    'POST /api/pix/keys/validate': { body: { key: '529.982.247-25' } },
    'POST /api/pix/decode': { body: { payload: a.payload } },
    'PUT /api/notifications/preferences': { body: { items: [{ kind: 'budget_alert', in_app: false, email: false }] } },
    'GET /api/notifications/unsubscribe': { url: '/api/notifications/unsubscribe?token=forjado' },
    'POST /api/notifications/unsubscribe': { url: '/api/notifications/unsubscribe?token=forjado', body: {} },
    'GET /api/insights': { url: `/api/insights?month=${MONTH}` },
    'POST /api/privacy/consents': { body: { document: 'privacy', version: '2026-12-01' } },
  };
  return requests[key] ?? {};
}

async function login(email: string, password: string): Promise<string> {
  const response = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  return (await ok(response, 'login')).token as string;
}

describe('what B may do without an id touches only B', () => {
  it('every id-free route answers B without a 5xx and without anything of A', async () => {
    const failures: string[] = [];
    for (const route of routes(document)) {
      const key = routeKey(route);
      if (ID_FREE[key]?.when !== 'walk') continue;
      const request = idFreeRequest(key);
      const response = await send(b, route.method, request.url ?? route.path, request.body);
      const leak = leakIn(response, aIds);
      if (leak) failures.push(`${key}: ${leak}`);
      if (response.statusCode >= 500) failures.push(`${key}: ${response.statusCode} ${response.body.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  });

  it("no row that is not A's points at anything of A", async () => {
    const pointing: string[] = [];
    for (const table of await tables(t.pool)) {
      const owner = ownerColumn(table);
      const uuids = table.columns.filter((column) => column.type === 'uuid' && column.name !== owner);
      for (const column of uuids) {
        const notA = owner ? `${owner} IS DISTINCT FROM $2 AND` : '';
        const { rows } = await t.pool.query(
          `SELECT to_jsonb(x)::text AS row FROM ${table.name} x WHERE ${notA} ${column.name} = ANY($1::uuid[])`,
          owner ? [[...aIds], a.userId] : [[...aIds]],
        );
        for (const row of rows) pointing.push(`${table.name}.${column.name}: ${row.row}`);
      }
    }
    expect(pointing).toEqual([]);
  });

  it("B ends its sessions and deletes its account; A's e-mail is taken (409), nothing else of A moves", async () => {
    const newEmail = `b.${randomUUID()}@example.com`;
    const taken = await send(b, 'PUT', '/api/me/email', { email: a.email, password: PASSWORD });
    expect(taken.statusCode, taken.body).toBe(409);
    expectStatus(await send(b, 'PUT', '/api/me/email', { email: newEmail, password: PASSWORD }), 200);
    expectStatus(await send(b, 'PUT', '/api/me/password', { current_password: PASSWORD, new_password: NEW_PASSWORD }), 200);
    expect((await send(b, 'POST', '/api/auth/logout-all')).statusCode).toBeLessThan(300);
    expect((await send(await login(newEmail, NEW_PASSWORD), 'POST', '/api/auth/logout')).statusCode).toBeLessThan(300);
    const last = await login(newEmail, NEW_PASSWORD);
    expect((await send(last, 'POST', '/api/privacy/delete-account', { password: NEW_PASSWORD })).statusCode).toBeLessThan(300);
    const ended = [
      'POST /api/auth/logout',
      'POST /api/auth/logout-all',
      'PUT /api/me/email',
      'PUT /api/me/password',
      'POST /api/privacy/delete-account',
    ];
    expect(
      Object.keys(ID_FREE)
        .filter((key) => ID_FREE[key]?.when === 'end')
        .sort(),
    ).toEqual(ended.sort());
  });

  it("A's data is row for row what it was before B began, in every table", async () => {
    const after = await dumpOfA();
    for (const name of Object.keys(after)) expect(after[name], name).toEqual(before[name]);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect((await send(a, 'GET', '/api/me')).statusCode).toBe(200);
    await expectLedgerInvariants(t.pool);
  });
});
