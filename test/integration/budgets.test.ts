import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUDGETS_PER_USER_MAX } from '../../src/lib/bounds.js';
import { fixedClock } from '../../src/lib/clock.js';
import { lockAndLoadAccounts } from '../../src/modules/ledger/index.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { lockWaiters } from '../helpers/lock-waits.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

const clock = fixedClock('2026-03-31T12:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
  clock.set('2026-03-31T12:00:00Z');
});
afterAll(async () => {
  await t?.close();
});

async function setup() {
  const person = await signedIn(t.app);
  const account = (await person.client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000_000 })).id;
  const food = await person.client.category('expense', 'food');
  const leisure = await person.client.category('expense', 'leisure');
  const expense = (amount: number, occurred_on: string, category_id: string | null = food) =>
    person.client.post('/api/transactions', {
      account_id: account,
      type: 'expense',
      amount_cents: amount,
      description: 'Gasto',
      occurred_on,
      category_id,
    });
  return { ...person, account, food, leisure, expense };
}

describe('monthly budgets', () => {
  it('a deletion that waited on an edit of the category reverses under the category the edit left', async () => {
    const { client, user, leisure, expense, account } = await setup();
    // Recorded under food (setup's default category).
    const spent = expectStatus(await expense(4_000, '2026-03-12'), 201).json().transaction;
    const { rows } = await t.pool.query<{ id: string }>("SELECT id FROM accounts WHERE user_id = $1 AND type = 'expense'", [
      user.id,
    ]);
    // The test holds the expense's accounts, so the edit and then the deletion line up behind it.
    const holder = await t.pool.connect();
    try {
      await holder.query('BEGIN');
      await lockAndLoadAccounts(holder, user.id, [account, rows[0]?.id ?? '']);
      const edit = client.patch(`/api/transactions/${spent.id}`, { category_id: leisure, row_version: spent.row_version });
      await lockWaiters(t.pool, 1);
      const deletion = client.post(`/api/transactions/${spent.id}/reverse`);
      await lockWaiters(t.pool, 2);
      await holder.query('COMMIT');
      expectStatus(await edit, 200);
      const reversal = expectStatus(await deletion, 201).json().transaction;
      expect(reversal.category_id).toBe(leisure);
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      holder.release();
    }
  });

  it('a deleted or corrected expense keeps its category: moving it would split the pair between two budgets', async () => {
    const { client, food, leisure, expense } = await setup();
    expectStatus(await client.put(`/api/budgets/2026-03/${food}`, { limit_cents: 100_000 }), 201);
    expectStatus(await client.put(`/api/budgets/2026-03/${leisure}`, { limit_cents: 100_000 }), 201);
    const deleted = (await expense(5_000, '2026-03-10')).json().transaction;
    const reversal = expectStatus(await client.post(`/api/transactions/${deleted.id}/reverse`), 201).json().transaction;
    // A tab that read the expense before it was deleted (a reversal leaves the original's row_version as it was).
    const moved = await client.patch(`/api/transactions/${deleted.id}`, {
      category_id: leisure,
      row_version: deleted.row_version,
    });
    expectProblem(moved, 409, 'already_reversed');
    expect(moved.json().reversed_by_transaction_id).toBe(reversal.id);
    // The reversal carries its original's category: it may not be cleared or moved either.
    for (const category_id of [null, leisure]) {
      expectProblem(
        await client.patch(`/api/transactions/${reversal.id}`, { category_id, row_version: reversal.row_version }),
        422,
        'category_kind_mismatch',
      );
    }
    const corrected = (await expense(2_000, '2026-03-11')).json().transaction;
    const correction = await client.patch(`/api/transactions/${corrected.id}`, {
      amount_cents: 2_500,
      row_version: corrected.row_version,
    });
    expectStatus(correction, 200);
    const original = (await client.get(`/api/transactions/${corrected.id}`)).json();
    expectProblem(
      await client.patch(`/api/transactions/${corrected.id}`, { category_id: leisure, row_version: original.row_version }),
      409,
      'already_corrected',
    );
    // Its description may still change; and the correction's new posting moves like any expense.
    expectStatus(
      await client.patch(`/api/transactions/${deleted.id}`, { description: 'Apagado', row_version: deleted.row_version }),
      200,
    );
    const replacement = correction.json();
    expectStatus(
      await client.patch(`/api/transactions/${replacement.id}`, { category_id: leisure, row_version: replacement.row_version }),
      200,
    );
    const month = (await client.get('/api/budgets?month=2026-03')).json();
    const spent = Object.fromEntries(
      month.items.map((item: { category_id: string; spent_cents: number }) => [item.category_id, item.spent_cents]),
    );
    expect(spent).toEqual({ [food]: 0, [leisure]: 2_500 });
  });

  it("spent equals the ledger for the month: first and last day in São Paulo count, reversals subtract, other months don't", async () => {
    const { client, food, leisure, expense } = await setup();
    expectStatus(await client.put(`/api/budgets/2026-03/${food}`, { limit_cents: 100_000 }), 201);
    await expense(10_000, '2026-03-01');
    await expense(20_000, '2026-03-31');
    await expense(40_000, '2026-02-28');
    await expense(80_000, '2026-04-01');
    await expense(3_000, '2026-03-15', leisure);
    await expense(500, '2026-03-15', null);
    // 23:30 on March 31st in São Paulo is already April 1st in UTC: still March's spending.
    clock.set('2026-04-01T02:30:00Z');
    const late = (await expense(7_000, undefined as unknown as string)).json().transaction;
    expect(late.occurred_on).toBe('2026-03-31');
    // A reversal on March 31st (São Paulo) takes back a March expense.
    const reversed = (await expense(5_000, '2026-03-10')).json().transaction;
    expectStatus(await client.post(`/api/transactions/${reversed.id}/reverse`), 201);
    const month = (await client.get('/api/budgets?month=2026-03')).json();
    expect(month.items).toHaveLength(1);
    expect(month.items[0]).toMatchObject({
      category_id: food,
      limit_cents: 100_000,
      spent_cents: 37_000,
      remaining_cents: 63_000,
      percent: 37,
      carried_cents: 0,
    });
    expect(month.unbudgeted_spent_cents).toBe(3_500);
    expect(month.totals).toEqual({
      limit_cents: 100_000,
      available_cents: 100_000,
      spent_cents: 37_000,
      remaining_cents: 63_000,
    });
    // The same figure straight from the ledger.
    const ledger = await t.pool.query(
      `SELECT sum(e.amount_cents)::bigint AS s FROM ledger_entries e JOIN transactions t ON t.id = e.transaction_id JOIN accounts a ON a.id = e.account_id
        WHERE a.type = 'expense' AND t.category_id = $1 AND t.occurred_on BETWEEN '2026-03-01' AND '2026-03-31'`,
      [food],
    );
    expect(ledger.rows[0].s).toBe(37_000);
  });

  it('says which alert thresholds are crossed (default 50 %, 80 % and 100 %)', async () => {
    const { client, food, expense } = await setup();
    expectStatus(await client.put(`/api/budgets/2026-03/${food}`, { limit_cents: 10_000 }), 201);
    await expense(4_999, '2026-03-05');
    expect((await client.get('/api/budgets?month=2026-03')).json().items[0]).toMatchObject({
      alert_thresholds: [50, 80, 100],
      crossed_thresholds: [],
    });
    await expense(3_001, '2026-03-05');
    expect((await client.get('/api/budgets?month=2026-03')).json().items[0].crossed_thresholds).toEqual([50, 80]);
    await expense(2_500, '2026-03-06');
    expect((await client.get('/api/budgets?month=2026-03')).json().items[0]).toMatchObject({
      crossed_thresholds: [50, 80, 100],
      percent: 105,
      remaining_cents: -500,
    });
  });

  it('rollover chains over three months', async () => {
    const { client, food, expense } = await setup();
    expectStatus(await client.put(`/api/budgets/2026-01/${food}`, { limit_cents: 10_000, rollover: false }), 201);
    expectStatus(await client.put(`/api/budgets/2026-02/${food}`, { limit_cents: 10_000, rollover: true }), 201);
    expectStatus(await client.put(`/api/budgets/2026-03/${food}`, { limit_cents: 10_000, rollover: true }), 201);
    await expense(6_000, '2026-01-20');
    await expense(19_000, '2026-02-20');
    await expense(1_000, '2026-03-02');
    const at = async (month: string) => (await client.get(`/api/budgets?month=${month}`)).json().items[0];
    expect(await at('2026-01')).toMatchObject({ carried_cents: 0, available_cents: 10_000, remaining_cents: 4_000 });
    expect(await at('2026-02')).toMatchObject({ carried_cents: 4_000, available_cents: 14_000, remaining_cents: -5_000 });
    expect(await at('2026-03')).toMatchObject({ carried_cents: -5_000, available_cents: 5_000, remaining_cents: 4_000 });
  });

  it('replaces with PUT (201 then 200), honours row_version, copies last month, and deletes', async () => {
    const { client, food, leisure } = await setup();
    const created = await client.put(`/api/budgets/2026-02/${food}`, { limit_cents: 50_000, alert_thresholds: [50, 90] });
    expect(created.statusCode).toBe(201);
    const replaced = await client.put(`/api/budgets/2026-02/${food}`, {
      limit_cents: 60_000,
      row_version: created.json().row_version,
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ limit_cents: 60_000, alert_thresholds: [50, 80, 100], row_version: 2 });
    const stale = await client.put(`/api/budgets/2026-02/${food}`, { limit_cents: 1, row_version: 1 });
    expectProblem(stale, 409, 'row_version_conflict');
    expect(stale.json().current.limit_cents).toBe(60_000);
    expectStatus(await client.put(`/api/budgets/2026-02/${leisure}`, { limit_cents: 20_000 }), 201);
    expectStatus(await client.put(`/api/budgets/2026-03/${leisure}`, { limit_cents: 25_000 }), 201);
    const copied = await client.post('/api/budgets/2026-03/copy-previous');
    expect(copied.statusCode).toBe(200);
    const limits = Object.fromEntries(
      copied.json().items.map((item: { category_id: string; limit_cents: number }) => [item.category_id, item.limit_cents]),
    );
    expect(limits).toEqual({ [food]: 60_000, [leisure]: 25_000 });
    expect((await client.post('/api/budgets/2026-03/copy-previous')).json().items).toHaveLength(2);
    expect((await client.request('DELETE', `/api/budgets/2026-03/${food}`)).statusCode).toBe(204);
    expectProblem(await client.request('DELETE', `/api/budgets/2026-03/${food}`), 404, 'not_found');
    expect((await client.get('/api/budgets?month=2026-03')).json().items).toHaveLength(1);
  });

  it(`holds at most ${BUDGETS_PER_USER_MAX} budgets a person in all months, however many PUTs or copies come at once`, async () => {
    const { client, user, food, leisure } = await setup();
    // Every expense category in months from 2000 on, up to one short of the bound (not March 2026).
    await t.pool.query(
      `INSERT INTO budgets (id, user_id, category_id, month, limit_cents)
       SELECT gen_random_uuid(), $1, c.id, m.month, 100
         FROM categories c CROSS JOIN generate_series('2000-01-01'::date, '2099-12-01'::date, interval '1 month') AS m(month)
        WHERE c.user_id = $1 AND c.kind = 'expense' AND m.month NOT IN ('2026-03-01', '2026-04-01')
        ORDER BY m.month, c.id LIMIT $2`,
      [user.id, BUDGETS_PER_USER_MAX - 1],
    );
    const puts = await Promise.all(
      [food, leisure].map((category) => client.put(`/api/budgets/2026-03/${category}`, { limit_cents: 50_000 })),
    );
    expect(puts.map((answer) => answer.statusCode).sort()).toEqual([201, 422]);
    expectProblem(puts.find((answer) => answer.statusCode === 422) as (typeof puts)[number], 422, 'limit_reached');
    const held = async () =>
      (await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM budgets WHERE user_id = $1', [user.id])).rows[0]?.n;
    expect(await held()).toBe(BUDGETS_PER_USER_MAX);
    // Replacing a budget that exists is not a new one.
    const kept = puts.find((answer) => answer.statusCode === 201)?.json().category_id as string;
    expectStatus(await client.put(`/api/budgets/2026-03/${kept}`, { limit_cents: 60_000 }), 200);
    // A copy that would pass the bound copies nothing.
    expectProblem(await client.post('/api/budgets/2026-04/copy-previous'), 422, 'limit_reached');
    expect(await held()).toBe(BUDGETS_PER_USER_MAX);
    expect((await client.get('/api/budgets?month=2026-04')).json().items).toEqual([]);
  });

  it('refuses income categories, bad months and other people', async () => {
    const { client, food } = await setup();
    const salary = await client.category('income', 'salary');
    expect((await client.put(`/api/budgets/2026-03/${salary}`, { limit_cents: 1 })).json().code).toBe('category_kind_mismatch');
    for (const month of ['2026-13', '2026-3', 'março', '1999-01']) {
      expectProblem(await client.put(`/api/budgets/${month}/${food}`, { limit_cents: 1 }), 400, 'validation_failed');
    }
    expectProblem(await client.get('/api/budgets?month=2026-00'), 400, 'validation_failed');
    expectProblem(await client.put(`/api/budgets/2026-03/${food}`, { limit_cents: -1 }), 400, 'validation_failed');
    expectProblem(
      await client.put(`/api/budgets/2026-03/${food}`, { limit_cents: 1, alert_thresholds: [] }),
      400,
      'validation_failed',
    );
    const other = await signedIn(t.app, 'Outra');
    expectProblem(await other.client.put(`/api/budgets/2026-03/${food}`, { limit_cents: 1 }), 404, 'not_found');
    expectStatus(await client.put(`/api/budgets/2026-03/${food}`, { limit_cents: 5 }), 201);
    expect((await other.client.get('/api/budgets?month=2026-03')).json().items).toEqual([]);
    expectProblem(await other.client.request('DELETE', `/api/budgets/2026-03/${food}`), 404, 'not_found');
  });
});
