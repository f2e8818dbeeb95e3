import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem } from '../helpers/problem.js';

let t: TestApp;
let client: Awaited<ReturnType<typeof signedIn>>['client'];
let accountId: string;
let otherId: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ client } = await signedIn(t.app));
  accountId = (await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 })).id;
  otherId = (await client.account({ name: 'Outra', type: 'savings' })).id;
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
});
afterAll(async () => {
  await t?.close();
});

async function counts() {
  const result = await t.pool.query(
    'SELECT (SELECT count(*) FROM transactions)::int AS t, (SELECT count(*) FROM ledger_entries)::int AS e',
  );
  return result.rows[0];
}

const base = () => ({ account_id: accountId, type: 'expense', amount_cents: 100, description: 'Teste' });

describe('bad input is a 400 with field errors, and nothing is written', () => {
  it.each([
    ['a negative amount', { amount_cents: -100 }, 'body/amount_cents'],
    ['a zero amount', { amount_cents: 0 }, 'body/amount_cents'],
    ['a fractional amount', { amount_cents: 10.5 }, 'body/amount_cents'],
    ['an amount as a string', { amount_cents: '100' }, 'body/amount_cents'],
    ['an amount over R$ 1 bilhão', { amount_cents: 100_000_000_001 }, 'body/amount_cents'],
    ['a missing amount', { amount_cents: undefined }, 'body/amount_cents'],
    ['an unknown field', { balance_cents: 5 }, 'body/balance_cents'],
    ['an unknown type', { type: 'gift' }, 'body/type'],
    ['an impossible date', { occurred_on: '2026-02-30' }, 'body/occurred_on'],
    ['a date out of range', { occurred_on: '1899-12-31' }, 'body/occurred_on'],
    ['a date far in the future', { occurred_on: '2150-01-01' }, 'body/occurred_on'],
    ['a malformed account id', { account_id: 'abc' }, 'body/account_id'],
    ['an empty description', { description: '' }, 'body/description'],
    ['an overlong description', { description: 'x'.repeat(201) }, 'body/description'],
  ])('transaction with %s', async (_label, change, field) => {
    const before = await counts();
    const body: Record<string, unknown> = { ...base(), ...change };
    for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
    const response = await client.post('/api/transactions', body);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('validation_failed');
    expect(response.json().errors.map((error: { field: string }) => error.field)).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['a fractional amount', { amount_cents: 0.01 }, 'body/amount_cents'],
    ['an amount as a string', { amount_cents: '1.234,56' }, 'body/amount_cents'],
    ['a malformed id', { to_account_id: '123' }, 'body/to_account_id'],
    ['a missing account', { from_account_id: undefined }, 'body/from_account_id'],
  ])('transfer with %s', async (_label, change, field) => {
    const before = await counts();
    const body: Record<string, unknown> = { from_account_id: accountId, to_account_id: otherId, amount_cents: 100, ...change };
    for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
    const response = await client.post('/api/transfers', body);
    expectProblem(response, 400, 'validation_failed');
    expect(response.json().errors.map((error: { field: string }) => error.field)).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['/api/transactions?limit=101', 'querystring/limit'],
    ['/api/transactions?limit=0', 'querystring/limit'],
    ['/api/transactions?skip=-1', 'querystring/skip'],
    ['/api/transactions?from=ontem', 'querystring/from'],
    ['/api/transactions?account_id=nope', 'querystring/account_id'],
    ['/api/transactions?color=blue', 'querystring/color'],
    ['/api/accounts?limit=101', 'querystring/limit'],
    ['/api/categories?limit=500', 'querystring/limit'],
    ['/api/transactions/not-a-uuid', 'params/id'],
    ['/api/accounts/123/ledger', 'params/id'],
  ])('GET %s', async (url, field) => {
    const response = await client.get(url);
    expectProblem(response, 400, 'validation_failed');
    expect(response.json().errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it('an account with a bad type, a fractional initial balance or a blank name', async () => {
    const before = await t.pool.query('SELECT count(*)::int AS n FROM accounts');
    for (const body of [
      { name: 'X', type: 'bitcoin' },
      { name: 'X', type: 'cash', initial_balance_cents: 1.5 },
      { name: '   ', type: 'cash' },
      { name: 'X', type: 'cash', initial_balance_cents: 100_000_000_001 },
    ]) {
      const response = await client.post('/api/accounts', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await t.pool.query('SELECT count(*)::int AS n FROM accounts')).rows[0].n).toBe(before.rows[0].n);
  });

  it('an id in upper case, in a body, a path or a query, is refused: the services compare ids as the database writes them', async () => {
    const food = await client.category('expense', 'food');
    const before = await counts();
    const cases: Array<
      [Promise<{ statusCode: number; json: () => { errors: Array<{ field: string; code: string }> } }>, string]
    > = [
      [
        client.post('/api/transfers', { from_account_id: accountId.toUpperCase(), to_account_id: otherId, amount_cents: 100 }),
        'body/from_account_id',
      ],
      [client.post('/api/transactions', { ...base(), account_id: accountId.toUpperCase() }), 'body/account_id'],
      [client.put(`/api/budgets/2026-03/${food.toUpperCase()}`, { limit_cents: 100 }), 'params/category_id'],
      [client.get(`/api/accounts/${accountId.toUpperCase()}`), 'params/id'],
      [client.get(`/api/transactions?account_id=${accountId.toUpperCase()}`), 'querystring/account_id'],
    ];
    for (const [request, field] of cases) {
      const response = await request;
      expectProblem(response as never, 400, 'validation_failed');
      expect(response.json().errors[0]).toMatchObject({ field, code: 'format' });
    }
    expect(await counts()).toEqual(before);
    expect((await client.get('/api/budgets?month=2026-03')).json().items).toEqual([]);
    // The same requests in lower case are taken.
    expect(
      (await client.post('/api/transfers', { from_account_id: accountId, to_account_id: otherId, amount_cents: 100 })).statusCode,
    ).toBe(201);
    expect((await client.put(`/api/budgets/2026-03/${food}`, { limit_cents: 100 })).statusCode).toBe(201);
  });

  it('a PATCH with nothing to change, or without row_version', async () => {
    expectProblem(await client.patch(`/api/accounts/${accountId}`, { row_version: 1 }), 400, 'validation_failed');
    expectProblem(await client.patch(`/api/accounts/${accountId}`, { name: 'Y' }), 400, 'validation_failed');
  });
});
