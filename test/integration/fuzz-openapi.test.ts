import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../../src/app.js';
import { PASSWORD, registerUser, signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { type BlockMeter, startBlockMeter } from '../helpers/event-loop.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { created, idOfRoute, seedOneOfEverything } from '../helpers/one-of-everything.js';
import {
  bodyFieldSites,
  bodySchema,
  encodeUrlValue,
  type FieldSite,
  type OpenApiDocument,
  type Part,
  parametersOf,
  type Route,
  readOpenApi,
  requiredParameters,
  resolve,
  routes,
  type Schema,
  sample,
} from '../helpers/openapi.js';

/**
 * Schema-driven fuzzing of every route in /api/openapi.json (issue 15).
 *
 * Each route starts from a request it accepts, sent by a signed-in person with their own
 * seeded ids; fast-check then replaces one thing in it: a field (nested ones too) of the
 * body, query or path with a boundary number, a value of the wrong type, hostile text, or
 * nothing (a missing required field); an unknown extra property; the whole part; or the
 * raw body (malformed JSON, a wrong content-type, one byte over the body limit, numbers
 * JSON cannot hold). For every request:
 *  - the status is never 5xx;
 *  - when an independent Ajv (stock formats, compiled from the document, not from the
 *    app's own validators) finds the request invalid, the answer is a 4xx problem+json with
 *    a stable code; when Ajv finds it valid, any non-5xx answer is allowed;
 *  - nothing is written by a rejected request: every table's row count and a checksum of
 *    its rows are taken before and after each batch of rejected requests (tables left out
 *    are in UNCHECKED_TABLES with the reason);
 *  - the event loop is never blocked over 100 ms while one is handled. The block is read
 *    from a 5 ms interval timer's longest gap (see test/helpers/event-loop.ts), counted only
 *    as far as the process spent CPU time meanwhile, so a neighbour process holding the
 *    core does not count; a reading over the bound is retried (BLOCK_TRIES_MAX) and fails
 *    only when every try blocks, which a backtracking pattern does every time. A one-time
 *    cost passes on its retry: the first answer of GET /api/transactions/{id}/audit in a
 *    process spends about 100 ms of CPU (its response serialiser is built then), the
 *    longest reading of every run so far; the second costs 3 ms.
 *
 * The seed is fixed and printed (FUZZ_SEED replays another); FUZZ_RUNS sets the batches per
 * route. A failing batch is shrunk and printed by fast-check with its seed and path.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 1_512_026);
/** Batches per route; the default keeps the file near half a minute on a quiet machine. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 4);
/** Requests per batch at most. */
const BATCH_SIZE_MAX = 6;
/** The most the event loop may be blocked while any one request is handled (issue 9). */
const EVENT_LOOP_BLOCK_MAX_MS = 100;
const BLOCK_TRIES_MAX = 3;
/** Node refuses request lines over 16 KiB, so text sent in a URL stays below that. */
const URL_TEXT_LENGTH_MAX = 8_000;
/** A string of a megabyte, with room left in the body limit for the JSON around it. */
const MEGABYTE_TEXT_LENGTH = BODY_LIMIT_BYTES - 4_096;

/**
 * Tables whose rows may change on a rejected request, by design. Counted rows and checksums
 * cover every other table.
 */
const UNCHECKED_TABLES: Record<string, string> = {
  access_log: 'one row per request, refused ones included: it is the record of what was tried',
  rate_limits: 'a refused attempt still spends its bucket: that is what the limit is for',
  sessions: 'each authenticated request moves its session’s last-seen time (rows are still counted)',
};
/** Of the unchecked tables, these keep their row count on a rejected request. */
const COUNTED_ONLY = new Set(['sessions']);

/**
 * Routes whose handler reads an absent body, or a JSON null, as {} (the document cannot say
 * a body is optional): for them a null body is no body, and not bad input.
 */
const BODY_MAY_BE_NULL = new Set([
  'POST /api/transactions/{id}/reverse',
  'POST /api/pix/charges/{id}/receive',
  'POST /api/imports/{id}/confirm',
  'POST /api/transactions/{id}/refund',
  'POST /api/transactions/{id}/anticipate',
]);

/** Routes that end or change the signed-in session: a guest person, recreated when gone, is fuzzed there. */
const SESSION_ROUTES = /^\/api\/(auth\/|me(\/|$)|privacy\/delete-account$)/;

// ajv-formats is CommonJS; under NodeNext its function is the module's `default` property.
const addFormats = addFormatsModule.default;

let t: TestApp;
let document: OpenApiDocument;
let meter: BlockMeter;
let owner: { token: string; email: string };
let guest: { token: string } | undefined;
const ids: Record<string, string> = {};
let blockedMaxMs = 0;
let slowest = '';
let sent = 0;
let rejected = 0;
const covered = new Set<string>();

/** A person with one of everything, so every route has an id of theirs to start from. */
async function seedWorld() {
  const person = await signedIn(t.app);
  const me = (await person.client.get('/api/me')).json() as { email: string };
  owner = { token: person.token, email: me.email };
  Object.assign(ids, await seedOneOfEverything(t, person));
}

/** The owner's real id a route's path or body field names; a new kind of id must be added here. */
function idFor(name: string, route: Route): string {
  return idOfRoute(ids)(name, route);
}

// ---------------------------------------------------------------------------------------
// The oracle: the document's own schemas, read by a stock Ajv.

let bodyAjv: Ajv;
let textAjv: Ajv;
const validators = new Map<string, ValidateFunction>();

function oracleAjv(options: { coerceTypes: false | 'array' }): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: false, useDefaults: true, ...options });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components: document.components ?? {} });
  return ajv;
}

/** A schema with its references pointed at the document's components. */
function pointed(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'));
}

function validatorFor(route: Route, part: Part): ValidateFunction | undefined {
  const key = `${route.method} ${route.path} ${part}`;
  if (validators.has(key)) return validators.get(key);
  let validator: ValidateFunction | undefined;
  if (part === 'body') {
    const schema = bodySchema(route);
    validator = schema === undefined ? undefined : bodyAjv.compile(pointed(schema) as object);
  } else {
    const parameters = parametersOf(document, route, part);
    const properties = Object.fromEntries(parameters.map(({ name, schema }) => [name, pointed(schema)]));
    // A declared default is applied when the parameter is absent: that is not "missing".
    const required = parameters.filter(({ required, schema }) => required && schema.default === undefined);
    validator = textAjv.compile({ type: 'object', properties, required: required.map(({ name }) => name) });
  }
  validators.set(key, validator as ValidateFunction);
  return validator;
}

// ---------------------------------------------------------------------------------------
// Requests and their mutations.

/** JSON cannot carry these; the body is written with the raw token in place of the marker. */
const RAW_NUMBERS = ['1e400', '-1e400', '123456789012345678901234567890', '1E2', '-0.0'];
const RAW_MARKER = '\u0001raw\u0001';

type Mutation =
  | { kind: 'field'; site: FieldSite; value: unknown; label: string }
  | { kind: 'parameter'; part: 'querystring' | 'params'; name: string; value: unknown; label: string }
  | { kind: 'extra'; part: 'body' | 'querystring'; name: string; value: unknown; label: string }
  | { kind: 'whole'; part: 'body' | 'querystring' | 'params'; value: unknown; label: string }
  | { kind: 'raw'; payload: string; contentType: string | undefined; label: string; refused: boolean };

interface Built {
  method: Route['method'];
  url: string;
  headers: Record<string, string>;
  payload: string | undefined;
  valid: boolean;
  label: string;
}

const MISSING = Symbol('missing');

/** Query pairs as a client sends them: arrays repeat the name, objects become name[key]. */
function queryPairs(values: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(values).flatMap(([name, value]): Array<[string, string]> => {
    if (value === MISSING || value === undefined) return [];
    if (Array.isArray(value)) return value.map((item) => [name, textOf(item)]);
    if (value !== null && typeof value === 'object') {
      return Object.entries(value).map(([key, item]) => [`${name}[${key}]`, textOf(item)]);
    }
    return [[name, textOf(value)]];
  });
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

/** What the server's query parser makes of the pairs: a repeated name becomes an array. */
function parsedQuery(pairs: Array<[string, string]>): Record<string, unknown> {
  const parsed = new Map<string, unknown>();
  for (const [name, value] of pairs) {
    const before = parsed.get(name);
    parsed.set(name, before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value]);
  }
  return Object.fromEntries(parsed);
}

function check(validator: ValidateFunction | undefined, value: unknown): boolean {
  if (validator === undefined) return true;
  return validator(structuredClone(value));
}

/** The sample body, with one optional property added where the schema asks for at least one (minProperties). */
function validBody(schema: Schema, idFor_: (name: string) => string): unknown {
  const resolved = resolve(document, schema) as Schema & { minProperties?: number };
  const body = sample(document, schema, { name: 'body', idFor: idFor_ });
  const first = Object.keys(resolved.properties ?? {})[0];
  if (resolved.minProperties === undefined || first === undefined) return body;
  if (Object.keys(body as object).length >= resolved.minProperties) return body;
  return sample(document, schema, { name: 'body', idFor: idFor_, steps: [{ property: first }] });
}

function bodyValid(route: Route, payload: string, raw: boolean): boolean {
  // An empty body is no body: valid only where the handler reads it as {}.
  if (raw && payload === '') return BODY_MAY_BE_NULL.has(`${route.method} ${route.path}`);
  const parsed = JSON.parse(payload) as unknown;
  if (parsed === null && BODY_MAY_BE_NULL.has(`${route.method} ${route.path}`)) return true;
  return check(validatorFor(route, 'body'), parsed);
}

function build(route: Route, mutation: Mutation | undefined, key: number): Built {
  const ids_ = (name: string) => idFor(name, route);
  const params: Record<string, unknown> = requiredParameters(document, route, 'params', ids_);
  const query: Record<string, unknown> = requiredParameters(document, route, 'querystring', ids_);
  const schema = bodySchema(route);
  let body: unknown = schema === undefined ? undefined : validBody(schema, ids_);
  let raw: { payload: string; contentType: string | undefined; refused: boolean } | undefined;
  let rawToken: string | undefined;
  switch (mutation?.kind) {
    case 'field': {
      const leaf = typeof mutation.value === 'string' && RAW_NUMBERS.includes(mutation.value) ? RAW_MARKER : mutation.value;
      if (leaf === RAW_MARKER) rawToken = mutation.value as string;
      body = sample(document, schema as Schema, {
        name: 'body',
        idFor: ids_,
        steps: mutation.site.steps,
        leaf: leaf === MISSING ? undefined : leaf,
      });
      break;
    }
    case 'parameter':
      // defineProperty: a parameter named __proto__ is a key like any other, not the prototype.
      Object.defineProperty(mutation.part === 'params' ? params : query, mutation.name, {
        value: mutation.value,
        enumerable: true,
        writable: true,
      });
      break;
    case 'extra':
      if (mutation.part === 'querystring') {
        Object.defineProperty(query, mutation.name, { value: mutation.value, enumerable: true, writable: true });
      } else body = { ...(body as object), [mutation.name]: mutation.value };
      break;
    case 'whole':
      if (mutation.part === 'body') body = mutation.value;
      else if (mutation.part === 'querystring') {
        for (const name of Object.keys(query)) delete query[name];
        Object.assign(query, mutation.value);
      } else for (const name of Object.keys(params)) params[name] = mutation.value;
      break;
    case 'raw':
      raw = { payload: mutation.payload, contentType: mutation.contentType, refused: mutation.refused };
      break;
  }
  const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeUrlValue(params[name] === MISSING ? '' : textOf(params[name])),
  );
  const pairs = queryPairs(query);
  const search = pairs.map(([name, value]) => `${encodeUrlValue(name)}=${encodeUrlValue(value)}`).join('&');
  let payload = raw?.payload ?? (body === undefined ? undefined : JSON.stringify(body));
  if (rawToken !== undefined && payload !== undefined) payload = payload.replace(JSON.stringify(RAW_MARKER), rawToken);
  const headers: Record<string, string> = { authorization: `Bearer ${tokenFor(route)}` };
  if (parametersOf(document, route, 'headers').some(({ name }) => name === 'idempotency-key')) {
    headers['idempotency-key'] = `fuzz-${SEED}-${key}`;
  }
  const contentType = raw ? raw.contentType : payload === undefined ? undefined : 'application/json';
  if (contentType !== undefined) headers['content-type'] = contentType;
  const paramsForOracle = Object.fromEntries(
    Object.entries(params).map(([name, value]) => [name, value === MISSING ? '' : textOf(value)]),
  );
  const valid =
    raw?.refused !== true &&
    check(validatorFor(route, 'params'), paramsForOracle) &&
    check(validatorFor(route, 'querystring'), parsedQuery(pairs)) &&
    (payload === undefined || schema === undefined || bodyValid(route, payload, raw !== undefined));
  return {
    method: route.method,
    url: search ? `${path}?${search}` : path,
    headers,
    payload,
    valid,
    label: `${route.method} ${route.path} ${mutation?.label ?? 'as the document describes it'}`,
  };
}

// ---------------------------------------------------------------------------------------
// Bad values.

function hostileTexts(maxLength: number | undefined, inUrl: boolean): fc.Arbitrary<string> {
  const fieldMax = Math.min(maxLength ?? 200, inUrl ? URL_TEXT_LENGTH_MAX : Number.MAX_SAFE_INTEGER);
  const longest = inUrl ? URL_TEXT_LENGTH_MAX : MEGABYTE_TEXT_LENGTH;
  return fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      'Pa\u0000o',
      '\ud800',
      'P\udc00o',
      '\u202egnp.exe',
      '\u200f\u202d\u2066x',
      "'; DROP TABLE accounts; --",
      "' OR '1'='1",
      "=cmd|' /C calc'!A0",
      '+SUM(1+1)*cmd|x',
      '@SUM(1)',
      '<script>alert(1)</script>',
      '../../etc/passwd',
      '%00',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: template-injection text, sent as it is
      '${7*7}{{7*7}}',
      'NaN',
      'Infinity',
      '-0',
      '1e308',
      '0x10',
      '1.5',
      'true',
      'null',
      '[]',
      '{}',
      '2026-02-30',
      '2026-01-01T23:59:60Z',
      '00000000-0000-0000-0000-000000000000',
    ),
    // Backtracking shapes, at the field's own bound (where a pattern really runs) and past it.
    fc.constantFrom('a', ' ', '.', '-', '@', '0', 'aa').map((pump) => `${pump.repeat(Math.max(1, fieldMax - 1))}!`),
    fc.constant(`${'a'.repeat(Math.min(50_000, longest))}!`),
    fc.constant(`a@${'.'.repeat(Math.min(32_000, longest))}@`),
    fc.constant('x'.repeat(fieldMax + 1)),
    fc.constant('x'.repeat(longest)),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
}

const BOUNDARY_NUMBERS = fc.constantFrom(
  0,
  -1,
  1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  2 ** 53 + 2,
  1e308,
  -1e308,
  -0,
  0.5,
  10.5,
  99.99,
  1e-7,
);
const RAW_NUMBER_TEXT = fc.constantFrom(...RAW_NUMBERS);
const WRONG_TYPES = fc.constantFrom<unknown>(
  [],
  [1, 2],
  [null],
  {},
  { a: 1 },
  { $gt: '' },
  null,
  true,
  false,
  123,
  '123',
  'texto',
);

function badValues(site: { schema: Schema }, inUrl: boolean): fc.Arbitrary<unknown> {
  const schema = site.schema;
  const numeric = schema.type === 'integer' || schema.type === 'number';
  return fc.oneof(
    { weight: numeric ? 4 : 1, arbitrary: BOUNDARY_NUMBERS },
    { weight: numeric && !inUrl ? 2 : 0, arbitrary: RAW_NUMBER_TEXT },
    { weight: numeric ? 1 : 0, arbitrary: fc.constantFrom('NaN', '-0', '1e308', '100.5', 'Infinity', '0x10', ' 1') },
    { weight: 2, arbitrary: WRONG_TYPES },
    { weight: numeric ? 1 : 4, arbitrary: hostileTexts(schema.maxLength, inUrl) },
    { weight: 1, arbitrary: fc.integer().map((n) => (schema.maximum ?? 0) + Math.abs(n) + 1) },
    { weight: 1, arbitrary: fc.integer().map((n) => (schema.minimum ?? 0) - Math.abs(n) - 1) },
  );
}

const EXTRA_NAMES = fc.constantFrom('user_id', 'is_admin', 'balance_cents', 'role', '__proto__', 'constructor', 'x\u0000');
const EXTRA_VALUES = fc.constantFrom<unknown>(true, 1, 'admin', { polluted: true }, { prototype: { polluted: true } }, null);

/** A JSON body one byte over the limit. */
const OVERSIZE_BODY = JSON.stringify({ description: 'x'.repeat(BODY_LIMIT_BYTES - '{"description":""}'.length + 1) });

/**
 * Raw bodies. `refused`: no route may take it, with or without a body of its own (malformed
 * JSON, a type other than JSON); the others are judged by their content like any body.
 */
const RAW_BODIES: Array<{ payload: string; contentType: string | undefined; label: string; refused: boolean }> = [
  { payload: '{', contentType: 'application/json', label: 'a truncated JSON body', refused: true },
  { payload: '{"a":1,}', contentType: 'application/json', label: 'a trailing comma', refused: true },
  { payload: "{'a':1}", contentType: 'application/json', label: 'single quotes', refused: true },
  { payload: '{"a":1}{"b":2}', contentType: 'application/json', label: 'two JSON values', refused: true },
  { payload: 'NaN', contentType: 'application/json', label: 'NaN as the body', refused: true },
  { payload: '\u0000', contentType: 'application/json', label: 'a NUL body', refused: true },
  { payload: '{"__proto__":{"polluted":true}}', contentType: 'application/json', label: '__proto__ in the body', refused: true },
  { payload: '{"a":1}', contentType: 'text/plain', label: 'text/plain', refused: true },
  { payload: 'a=1&b=2', contentType: 'application/x-www-form-urlencoded', label: 'a form body', refused: true },
  { payload: '<a>1</a>', contentType: 'application/xml', label: 'XML', refused: true },
  { payload: '--x\r\n', contentType: 'multipart/form-data', label: 'multipart without a boundary', refused: true },
  { payload: '{"a":1}', contentType: 'application/jsonx', label: 'a near-JSON type', refused: true },
  { payload: '', contentType: 'application/json', label: 'an empty JSON body', refused: false },
  {
    payload: '{"constructor":{"prototype":{"polluted":true}}}',
    contentType: 'application/json',
    label: 'constructor.prototype',
    refused: false,
  },
  { payload: '{"a":1}', contentType: 'application/json; charset=utf-16', label: 'JSON labelled UTF-16', refused: false },
  { payload: '{"a":1}', contentType: undefined, label: 'no content-type', refused: false },
];

function mutations(route: Route): fc.Arbitrary<Mutation> {
  const choices: Array<fc.Arbitrary<Mutation>> = [];
  const sites = bodyFieldSites(document, route);
  if (sites.length > 0) {
    choices.push(
      fc
        .constantFrom(...sites)
        .chain((site) =>
          fc
            .oneof(badValues(site, false), site.required ? fc.constant<unknown>(MISSING) : badValues(site, false))
            .map((value): Mutation => ({ kind: 'field', site, value, label: `${site.field} = ${describe_(value)}` })),
        ),
    );
  }
  for (const part of ['querystring', 'params'] as const) {
    const parameters = parametersOf(document, route, part);
    if (parameters.length === 0) continue;
    choices.push(
      fc.constantFrom(...parameters).chain((parameter) =>
        fc.oneof(badValues(parameter, true), fc.constant<unknown>(MISSING)).map(
          (value): Mutation => ({
            kind: 'parameter',
            part,
            name: parameter.name,
            value,
            label: `${part}/${parameter.name} = ${describe_(value)}`,
          }),
        ),
      ),
    );
  }
  choices.push(
    fc.record({ name: EXTRA_NAMES, value: EXTRA_VALUES }).map(
      ({ name, value }): Mutation => ({
        kind: 'extra',
        part: 'querystring',
        name,
        value,
        label: `an extra query ${describe_(name)} = ${describe_(value)}`,
      }),
    ),
  );
  if (route.method !== 'GET') choices.push(...bodyMutations(route));
  return fc.oneof(...choices);
}

function bodyMutations(route: Route): Array<fc.Arbitrary<Mutation>> {
  const choices: Array<fc.Arbitrary<Mutation>> = [
    fc.constantFrom(...RAW_BODIES).map((raw): Mutation => ({ kind: 'raw', ...raw })),
    fc.constant<Mutation>({
      kind: 'raw',
      payload: OVERSIZE_BODY,
      contentType: 'application/json',
      label: 'a body over the limit',
      refused: true,
    }),
    WRONG_TYPES.map((value): Mutation => ({ kind: 'whole', part: 'body', value, label: `the body = ${describe_(value)}` })),
  ];
  if (bodySchema(route) !== undefined) {
    choices.push(
      fc.record({ name: EXTRA_NAMES, value: EXTRA_VALUES }).map(
        ({ name, value }): Mutation => ({
          kind: 'extra',
          part: 'body',
          name,
          value,
          label: `an extra body ${describe_(name)} = ${describe_(value)}`,
        }),
      ),
    );
  }
  return choices;
}

/**
 * One of each kind of change to each part the route has, so every part is fuzzed whatever
 * the seed, the backtracking shape in every string and boundary numbers in every number.
 */
function everyPart(route: Route): Mutation[] {
  const examples: Mutation[] = [];
  const sites = bodyFieldSites(document, route);
  const first = sites.find((site) => site.required) ?? sites[0];
  if (first) examples.push({ kind: 'field', site: first, value: MISSING, label: `${first.field} missing` });
  for (const part of ['querystring', 'params'] as const) {
    const parameter = parametersOf(document, route, part)[0];
    if (parameter) {
      examples.push({ kind: 'parameter', part, name: parameter.name, value: [], label: `${part}/${parameter.name} = []` });
      examples.push({ kind: 'whole', part, value: part === 'params' ? '\u202e' : { '': '' }, label: `the whole ${part}` });
    }
  }
  if (route.method !== 'GET') {
    examples.push({ kind: 'whole', part: 'body', value: null, label: 'the body = null' });
    // Malformed JSON, a body that is not JSON, and one byte over the limit, on every route that takes a body.
    const refusedRaw = RAW_BODIES.filter(({ label }) => ['a truncated JSON body', 'text/plain', 'a form body'].includes(label));
    for (const raw of refusedRaw) examples.push({ kind: 'raw', ...raw });
    examples.push({
      kind: 'raw',
      payload: OVERSIZE_BODY,
      contentType: 'application/json',
      label: 'a body over the limit',
      refused: true,
    });
  }
  examples.push({ kind: 'extra', part: 'querystring', name: 'user_id', value: 'x', label: 'an extra query user_id' });
  // Every string gets the backtracking shape at its own bound, where a pattern or a handler's regex really runs.
  for (const site of sites.filter(({ schema }) => schema.type === 'string' && schema.maxLength !== undefined)) {
    const value = `${'a'.repeat((site.schema.maxLength as number) - 1)}!`;
    examples.push({ kind: 'field', site, value, label: `${site.field} = ${describe_(value)}` });
  }
  // Every number gets a float (for integer cents), one past the safe integers, one JSON cannot hold, and its bounds.
  for (const site of sites.filter(({ schema }) => schema.type === 'integer' || schema.type === 'number')) {
    const { minimum, maximum } = site.schema;
    // The bounds themselves are valid, and a business rule may still refuse them (R$ 1 bilhão from a small balance).
    const bounds = [minimum, maximum].filter((bound): bound is number => bound !== undefined);
    for (const value of [10.5, 2 ** 53 + 2, '1e400', ...bounds]) {
      examples.push({ kind: 'field', site, value, label: `${site.field} = ${describe_(value)}` });
    }
  }
  for (const part of ['querystring', 'params'] as const) {
    for (const { name, schema } of parametersOf(document, route, part)) {
      if (schema.type === 'integer') {
        examples.push({ kind: 'parameter', part, name, value: '10.5', label: `${part}/${name} = "10.5"` });
      }
      if (schema.type !== 'string') continue;
      const value = `${'a'.repeat(Math.min(schema.maxLength ?? URL_TEXT_LENGTH_MAX, URL_TEXT_LENGTH_MAX) - 1)}!`;
      examples.push({ kind: 'parameter', part, name, value, label: `${part}/${name} = ${describe_(value)}` });
    }
  }
  return examples;
}

function describe_(value: unknown): string {
  if (value === MISSING) return '(missing)';
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 40)}… (${text.length} chars)` : text;
}

function partsOf(mutation: Mutation): string {
  switch (mutation.kind) {
    case 'field':
      return 'body';
    case 'raw':
      return 'body';
    default:
      return mutation.part;
  }
}

// ---------------------------------------------------------------------------------------
// Sending, and what every answer must be.

function tokenFor(route: Route): string {
  return SESSION_ROUTES.test(route.path) ? (guest?.token ?? '') : owner.token;
}

/** The guest is recreated when a fuzzed request (one Ajv found valid) signed it out, changed its password or deleted it. */
async function ensureSessions() {
  const alive = async (token: string | undefined) =>
    token !== undefined &&
    (await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } })).statusCode === 200;
  if (!(await alive(guest?.token))) guest = { token: (await registerUser(t.app)).token };
  if (!(await alive(owner.token))) {
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: owner.email, password: PASSWORD },
    });
    owner.token = (await created(login, 'owner login')).token as string;
  }
}

interface Answer {
  statusCode: number;
  body: string;
  headers: Record<string, unknown>;
}

async function send(request: Built): Promise<Answer> {
  const inject = () =>
    t.app.inject({
      method: request.method,
      url: request.url,
      headers: request.headers,
      ...(request.payload === undefined ? {} : { payload: request.payload }),
    });
  const blocks: number[] = [];
  for (let tries = 0; tries < BLOCK_TRIES_MAX; tries += 1) {
    const { result, blockedMs } = await meter.measure(inject);
    sent += 1;
    // A retried request was refused, or it was valid and may repeat; either way it must not block.
    if (blockedMs < EVENT_LOOP_BLOCK_MAX_MS || !request.valid || tries === BLOCK_TRIES_MAX - 1) {
      blocks.push(blockedMs);
      if (blocks.every((blocked) => blocked >= EVENT_LOOP_BLOCK_MAX_MS) && blocks.length === BLOCK_TRIES_MAX) {
        throw new Error(`${request.label}: the event loop was blocked on every try: ${blocks.map(Math.round).join(', ')} ms`);
      }
      if (blockedMs < EVENT_LOOP_BLOCK_MAX_MS) {
        if (blockedMs > blockedMaxMs) {
          blockedMaxMs = blockedMs;
          slowest = request.label;
        }
        return result;
      }
      continue;
    }
    blocks.push(blockedMs);
  }
  throw new Error(`${request.label}: the event loop was blocked on every try: ${blocks.map(Math.round).join(', ')} ms`);
}

function expectAnswer(request: Built, response: Answer) {
  const label = `${request.label}: ${response.statusCode} ${response.body.slice(0, 300)}`;
  expect(response.statusCode, label).toBeLessThan(500);
  if (request.valid && response.statusCode < 400) return;
  expect(response.statusCode, `${label} (Ajv finds the request invalid)`).toBeGreaterThanOrEqual(400);
  expect(String(response.headers['content-type']), label).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(response.body) as { code?: unknown; status?: unknown; type?: unknown };
  expect(problem.status, label).toBe(response.statusCode);
  expect(problem.code, label).toMatch(/^[a-z][a-z0-9_]*$/);
  expect(problem.type, label).toBe(`urn:vai-de-pix:problem:${problem.code}`);
}

let snapshotSql: string;

async function prepareSnapshot(pool: pg.Pool) {
  const tables = (
    await pool.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
  ).rows.map(({ name }) => name);
  const checked = tables.filter((name) => !(name in UNCHECKED_TABLES) || COUNTED_ONLY.has(name));
  snapshotSql = checked
    .map((name) => {
      const sum = COUNTED_ONLY.has(name) ? "''" : `coalesce(md5(string_agg(md5(r::text), '' ORDER BY md5(r::text))), '')`;
      return `SELECT '${name}' AS name, count(*)::int AS rows, ${sum} AS sum FROM "${name}" r`;
    })
    .join(' UNION ALL ');
  return { tables, checked };
}

/** Every checked table's row count and checksum. */
async function snapshot(): Promise<Record<string, string>> {
  const result = await t.pool.query<{ name: string; rows: number; sum: string }>(snapshotSql);
  return Object.fromEntries(result.rows.map(({ name, rows, sum }) => [name, `${rows} ${sum}`]));
}

function expectUnchanged(before: Record<string, string>, after: Record<string, string>, what: string) {
  const changed = Object.keys(after).filter((name) => after[name] !== before[name]);
  expect(changed, `tables changed by ${what}`).toEqual([]);
}

let requestKey = 0;

/** Sends a batch: the requests Ajv refuses together between two snapshots, then the others one by one. */
async function runBatch(route: Route, batch: Mutation[]) {
  const built = batch.map((mutation) => {
    requestKey += 1;
    covered.add(`${route.method} ${route.path} ${partsOf(mutation)}`);
    return build(route, mutation, requestKey);
  });
  const before = await snapshot();
  for (const request of built.filter(({ valid }) => !valid)) {
    expectAnswer(request, await send(request));
    rejected += 1;
  }
  expectUnchanged(before, await snapshot(), `rejected requests ${built.map((b) => b.label).join('; ')}`);
  let wrote = false;
  for (const request of built.filter(({ valid }) => valid)) {
    const own = await snapshot();
    const response = await send(request);
    expectAnswer(request, response);
    if (response.statusCode >= 400) {
      expectUnchanged(own, await snapshot(), `the refused request ${request.label}`);
      rejected += 1;
    } else wrote = true;
  }
  if (wrote) await ensureSessions();
}

beforeAll(async () => {
  t = await startTestApp();
  document = await readOpenApi(t.app);
  bodyAjv = oracleAjv({ coerceTypes: false });
  textAjv = oracleAjv({ coerceTypes: 'array' });
  await seedWorld();
  await ensureSessions();
  await prepareSnapshot(t.pool);
  meter = startBlockMeter();
  console.log(`fuzz-openapi: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);
});
afterAll(async () => {
  meter?.close();
  console.log(
    `fuzz-openapi: seed ${SEED}, ${RUNS} batches per route, ${sent} requests (${rejected} rejected), longest event-loop block ${blockedMaxMs.toFixed(1)} ms (${slowest})`,
  );
  await t?.close();
});

describe('every route of the OpenAPI document, fuzzed from its schemas', () => {
  it('checks every table but those excluded for a reason', async () => {
    const { tables, checked } = await prepareSnapshot(t.pool);
    expect(tables).toEqual(expect.arrayContaining(Object.keys(UNCHECKED_TABLES)));
    expect(checked.length).toBe(tables.length - Object.keys(UNCHECKED_TABLES).length + COUNTED_ONLY.size);
    expect(checked).toEqual(expect.arrayContaining(['ledger_entries', 'transactions', 'accounts', 'idempotency_keys', 'users']));
  });

  it('every string, array and amount the document declares for a request is bounded', () => {
    const unbounded: string[] = [];
    for (const route of routes(document)) {
      const fields = [
        ...bodyFieldSites(document, route),
        ...(['querystring', 'params', 'headers'] as const).flatMap((part) =>
          parametersOf(document, route, part).map(({ name, schema }) => ({ field: `${part}/${name}`, schema })),
        ),
      ];
      for (const { field, schema } of fields) {
        const resolved = resolve(document, schema);
        const closed = resolved.enum !== undefined || resolved.const !== undefined || resolved.anyOf || resolved.oneOf;
        if (closed) continue;
        const bounded =
          (resolved.type === 'string' &&
            (resolved.maxLength !== undefined || ['uuid', 'date', 'date-time'].includes(resolved.format ?? ''))) ||
          ((resolved.type === 'integer' || resolved.type === 'number') &&
            (!field.endsWith('_cents') || (resolved.maximum !== undefined && resolved.minimum !== undefined))) ||
          (resolved.type === 'array' && (resolved as { maxItems?: number }).maxItems !== undefined) ||
          resolved.type === 'boolean' ||
          resolved.type === 'object' ||
          resolved.type === 'null';
        if (!bounded) unbounded.push(`${route.method} ${route.path} ${field} ${JSON.stringify(resolved).slice(0, 120)}`);
      }
    }
    expect(unbounded).toEqual([]);
  });

  it('the request each route starts from is valid to Ajv', () => {
    for (const route of routes(document)) {
      const request = build(route, undefined, 0);
      if (route.path === '/api/imports' && route.method === 'POST') continue; // multipart: its parts are not in the document
      expect(request.valid, request.label).toBe(true);
    }
  });

  it('bad input to every route answers 4xx problem+json, never 5xx, writes nothing and never blocks the loop', async () => {
    const all = routes(document);
    for (const [index, route] of all.entries()) {
      const seed = SEED + index;
      await fc.assert(
        fc.asyncProperty(fc.array(mutations(route), { minLength: 1, maxLength: BATCH_SIZE_MAX }), (batch) =>
          runBatch(route, batch),
        ),
        { seed, numRuns: RUNS, examples: [[everyPart(route)]], endOnFailure: true },
      );
    }
    for (const route of all) {
      const parts = ['querystring'];
      if (parametersOf(document, route, 'params').length > 0) parts.push('params');
      if (route.method !== 'GET') parts.push('body');
      for (const part of parts)
        expect(covered, `${route.method} ${route.path} ${part} was never fuzzed`).toContain(
          `${route.method} ${route.path} ${part}`,
        );
    }
    expect(rejected).toBeGreaterThan(all.length * 5);
    await expectLedgerInvariants(t.pool);
  }, 600_000);
});
