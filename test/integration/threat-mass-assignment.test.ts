import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, startTestApp, type TestApp } from '../helpers/app.js';
import {
  bodySchema,
  type OpenApiDocument,
  type Route,
  readOpenApi,
  resolve,
  routes,
  type Schema,
  sampleRequest,
} from '../helpers/openapi.js';
import { multipart } from './imports-support.js';

/**
 * Mass assignment: a client adds fields the form never had (whose account this is, its
 * balance, its id, an operator flag) hoping a handler copies the body into a row. Every
 * request body of /api/openapi.json, nested objects included, is closed
 * (additionalProperties: false) and the validator never strips what it does not know
 * (removeAdditional: false), so such a field is a 400 naming it, and nothing is written.
 */

let t: TestApp;
let document: OpenApiDocument;
let person: Awaited<ReturnType<typeof registerUser>>;
let other: Awaited<ReturnType<typeof registerUser>>;

/**
 * Bodies left open on purpose, each with why nothing in it can be assigned: the handler reads
 * no field of it.
 */
const OPEN_ON_PURPOSE: Record<string, string> = {
  'POST /api/notifications/unsubscribe':
    'RFC 8058 one-click body, form-encoded by mail providers that may add fields; the signed token in the query is all the handler reads',
};

/** Fields a handler must never take from a client, with values that would hurt if taken. */
function privileged(): Record<string, unknown> {
  return {
    user_id: other.user.id,
    id: randomUUID(),
    balance_cents: 100_000_000_000,
    is_operator: true,
    created_at: '2000-01-01T00:00:00Z',
    deleted_at: null,
    policy_version: 'ledger_v0',
  };
}

beforeAll(async () => {
  t = await startTestApp();
  document = await readOpenApi(t.app);
  person = await registerUser(t.app);
  other = await registerUser(t.app);
});
afterAll(async () => {
  await t?.close();
});

function withJsonBody(): Route[] {
  return routes(document).filter(
    (route) => bodySchema(route) !== undefined && !(`${route.method} ${route.path}` in OPEN_ON_PURPOSE),
  );
}

/** Every object in a schema that accepts properties it does not name, as a path to it. */
function openObjects(schema: Schema, at: string, into: string[]) {
  const resolved = resolve(document, schema) as Schema & { additionalProperties?: unknown };
  for (const branch of [...(resolved.anyOf ?? []), ...(resolved.oneOf ?? []), ...(resolved.allOf ?? [])]) {
    openObjects(branch, at, into);
  }
  if (resolved.properties && resolved.additionalProperties !== false) into.push(at);
  for (const [name, property] of Object.entries(resolved.properties ?? {})) openObjects(property, `${at}/${name}`, into);
  if (resolved.items) openObjects(resolved.items, `${at}/0`, into);
}

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

describe('mass assignment', () => {
  it('every request body in the document, and every object nested in one, is closed', () => {
    const open: string[] = [];
    for (const route of routes(document)) {
      const body = bodySchema(route) ?? route.operation.requestBody?.content?.['multipart/form-data']?.schema;
      if (body && !(`${route.method} ${route.path}` in OPEN_ON_PURPOSE))
        openObjects(body, `${route.method} ${route.path} body`, open);
    }
    expect(open).toEqual([]);
  });

  it('a privileged field added to any JSON body is a 400 naming it, and nothing is written', async () => {
    const before = await rowCounts();
    const accepted: string[] = [];
    for (const route of withJsonBody()) {
      for (const [field, value] of Object.entries(privileged())) {
        const request = sampleRequest(document, route, () => randomUUID());
        const body = { ...(request.body as Record<string, unknown>), [field]: value };
        const response = await t.app.inject({
          method: request.method,
          url: request.url,
          headers: { ...request.headers, authorization: `Bearer ${person.token}`, 'idempotency-key': randomUUID() },
          payload: body,
        });
        const problem = response.json() as { code?: string; errors?: Array<{ field: string }> };
        const named = problem.errors?.some((error) => error.field === `body/${field}` || error.field === 'body');
        if (response.statusCode !== 400 || problem.code !== 'validation_failed' || !named) {
          accepted.push(`${route.method} ${route.path} + ${field}: ${response.statusCode} ${response.body.slice(0, 160)}`);
        }
      }
    }
    expect(accepted).toEqual([]);
    expect(await rowCounts()).toEqual(before);
  });

  it('a statement upload with an owner field is refused the same way', async () => {
    const account = await t.app.inject({
      method: 'POST',
      url: '/api/accounts',
      headers: { authorization: `Bearer ${person.token}` },
      payload: { name: 'Conta', type: 'checking' },
    });
    const form = multipart([
      { name: 'account_id', value: account.json().id },
      { name: 'user_id', value: other.user.id },
      { name: 'file', file: '-1,00;01/12/2026;Padaria\r\n', filename: 'a.csv' },
    ]);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/imports',
      headers: { authorization: `Bearer ${person.token}`, ...form.headers },
      payload: form.payload,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect((await t.pool.query('SELECT count(*)::int AS n FROM imports')).rows[0].n).toBe(0);
  });
});
