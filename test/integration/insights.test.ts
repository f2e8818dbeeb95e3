import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { insightsJob } from '../../src/jobs/insights.js';
import { runJobOnce } from '../../src/jobs/scheduler.js';
import { fixedClock } from '../../src/lib/clock.js';
import { claimCache, storeCache } from '../../src/modules/insights/insights.repository.js';
import { markInsightsStale } from '../../src/modules/insights/staleness.js';
import { updateTransactionDetails } from '../../src/modules/ledger/ledger.repository.js';
import { PASSWORD, signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

const clock = fixedClock('2026-11-20T15:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
});
afterAll(async () => {
  await t?.close();
});

type Client = Awaited<ReturnType<typeof signedIn>>['client'];

/**
 * The fixed data set: R$ 10.000,00 received in July; food every month, leisure in October and
 * November, a salary in October and November, an expense reversed within November, and one
 * recorded at 23:30 on 30 November in São Paulo (already 1 December in UTC).
 */
async function fixedDataSet() {
  clock.set('2026-11-30T20:00:00Z');
  const person = await signedIn(t.app);
  const { client } = person;
  const account = (await client.account({ name: 'Conta', type: 'checking' })).id;
  const food = await client.category('expense', 'food');
  const leisure = await client.category('expense', 'leisure');
  const salary = await client.category('income', 'salary');
  const post = async (type: 'income' | 'expense', amount: number, description: string, category: string, day?: string) =>
    expectStatus(
      await client.post('/api/transactions', {
        account_id: account,
        type,
        amount_cents: amount,
        description,
        category_id: category,
        ...(day ? { occurred_on: day } : {}),
      }),
      201,
    ).json().transaction as { id: string; occurred_on: string };
  await post('income', 1_000_000, 'Herança', salary, '2026-07-15');
  await post('expense', 10_000, 'Mercado', food, '2026-08-10');
  await post('expense', 12_000, 'Mercado', food, '2026-09-10');
  await post('expense', 14_000, 'Mercado', food, '2026-10-10');
  await post('expense', 9_000, 'Show', leisure, '2026-10-20');
  await post('income', 500_000, 'Salário', salary, '2026-10-05');
  await post('income', 500_000, 'Salário', salary, '2026-11-05');
  await post('expense', 40_000, 'Restaurante', food, '2026-11-05');
  await post('expense', 3_000, 'Cinema', leisure, '2026-11-12');
  const undone = await post('expense', 7_000, 'Mercado', food, '2026-11-15');
  expectStatus(await client.post(`/api/transactions/${undone.id}/reverse`), 201);
  clock.set('2026-12-01T02:30:00Z');
  const late = await post('expense', 5_000, 'Padaria', food);
  expect(late.occurred_on).toBe('2026-11-30');
  return { ...person, account, food, leisure, salary, post };
}

async function insights(client: Client, month: string) {
  return expectStatus(await client.get(`/api/insights?month=${month}`), 200).json();
}

async function metricValue(name: string): Promise<number> {
  const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

async function cacheRow(userId: string, month: string) {
  const result = await t.pool.query<{ stale: boolean; has_payload: boolean }>(
    `SELECT stale, payload IS NOT NULL AS has_payload FROM insight_cache WHERE user_id = $1 AND kind = 'month' AND period = $2`,
    [userId, month],
  );
  return result.rows[0];
}

describe('insights', () => {
  it('equal the hand-computed figures of the fixed data set, across the month boundary in São Paulo', async () => {
    const { client, food, leisure } = await fixedDataSet();
    const november = await insights(client, '2026-11');
    expect(november).toMatchObject({
      month: '2026-11',
      income_cents: 500_000,
      // 40.000 + 5.000 (30 Nov, 23:30 São Paulo) + 3.000; the 7.000 reversed in the month counts for nothing.
      expense_cents: 48_000,
      net_cents: 452_000,
      savings_rate: 0.904,
      // Still 30 November in São Paulo: November is the current month, with nothing recurring due.
      projection: {
        as_of: '2026-11-30',
        balance_cents: 1_907_000,
        bills_cents: 0,
        expected_income_cents: 0,
        projected_cents: 1_907_000,
      },
    });
    expect(november.categories).toEqual([
      {
        category_id: food,
        name: 'Alimentação',
        system_key: 'food',
        spent_cents: 45_000,
        last_month_cents: 14_000,
        average_3_months_cents: 12_000,
      },
      {
        category_id: leisure,
        name: 'Lazer',
        system_key: 'leisure',
        spent_cents: 3_000,
        last_month_cents: 9_000,
        average_3_months_cents: 3_000,
      },
    ]);
    expect(november.top_payees).toEqual([
      { payee: 'Restaurante', spent_cents: 40_000, count: 1 },
      { payee: 'Padaria', spent_cents: 5_000, count: 1 },
      { payee: 'Cinema', spent_cents: 3_000, count: 1 },
    ]);
    // Food's median over August–October is 12.000: 40.000 is more than twice that; 5.000 is not.
    expect(november.unusual_expenses).toEqual([
      expect.objectContaining({ description: 'Restaurante', amount_cents: 40_000, median_cents: 12_000, category_id: food }),
    ]);
    expect(november.series).toHaveLength(12);
    expect(november.series[0]).toEqual({ month: '2025-12', income_cents: 0, expense_cents: 0, balance_cents: 0 });
    expect(november.series.slice(-5)).toEqual([
      { month: '2026-07', income_cents: 1_000_000, expense_cents: 0, balance_cents: 1_000_000 },
      { month: '2026-08', income_cents: 0, expense_cents: 10_000, balance_cents: 990_000 },
      { month: '2026-09', income_cents: 0, expense_cents: 12_000, balance_cents: 978_000 },
      { month: '2026-10', income_cents: 500_000, expense_cents: 23_000, balance_cents: 1_455_000 },
      { month: '2026-11', income_cents: 500_000, expense_cents: 48_000, balance_cents: 1_907_000 },
    ]);
    // Nothing of November leaks into December.
    clock.set('2026-12-01T12:00:00Z');
    const december = await insights(client, '2026-12');
    expect(december).toMatchObject({ income_cents: 0, expense_cents: 0, savings_rate: null, unusual_expenses: [] });
  });

  it('is cached; a posting in the month marks it stale and the next read recomputes, one in a later month does not', async () => {
    const { client, user, post, food } = await fixedDataSet();
    const hits = await metricValue('insights_cache_hits_total');
    const misses = await metricValue('insights_cache_misses_total');
    const computeCount = await metricValue('insights_compute_seconds_count');
    await insights(client, '2026-11');
    expect(await cacheRow(user.id, '2026-11')).toEqual({ stale: false, has_payload: true });
    await insights(client, '2026-11');
    expect(await metricValue('insights_cache_misses_total')).toBe(misses + 1);
    expect(await metricValue('insights_cache_hits_total')).toBe(hits + 1);
    expect(await metricValue('insights_compute_seconds_count')).toBe(computeCount + 1);

    clock.set('2026-12-01T12:00:00Z');
    await post('expense', 2_000, 'Farmácia', food, '2026-12-01');
    expect(await cacheRow(user.id, '2026-11')).toEqual({ stale: false, has_payload: true });
    expect((await insights(client, '2026-11')).expense_cents).toBe(48_000);
    expect(await metricValue('insights_cache_hits_total')).toBe(hits + 2);

    await post('expense', 1_000, 'Feira', food, '2026-11-28');
    expect((await cacheRow(user.id, '2026-11'))?.stale).toBe(true);
    expect((await insights(client, '2026-11')).expense_cents).toBe(49_000);
    expect(await metricValue('insights_cache_misses_total')).toBe(misses + 2);
  });

  it('an edited category marks the month stale; a correction marks both months it touches', async () => {
    const { client, user, post, leisure } = await fixedDataSet();
    const spending = (body: { categories: Array<{ system_key: string; spent_cents: number }> }, key: string) =>
      body.categories.find((line) => line.system_key === key)?.spent_cents;
    clock.set('2026-12-01T12:00:00Z');
    const moved = await post('expense', 6_000, 'Livro', leisure, '2026-10-03');
    await insights(client, '2026-10');
    await insights(client, '2026-11');
    const education = await client.category('expense', 'education');
    const current = expectStatus(await client.get(`/api/transactions/${moved.id}`), 200).json();
    expectStatus(
      await client.patch(`/api/transactions/${moved.id}`, { category_id: education, row_version: current.row_version }),
      200,
    );
    expect((await cacheRow(user.id, '2026-10'))?.stale).toBe(true);
    expect(spending(await insights(client, '2026-10'), 'education')).toBe(6_000);
    // Correcting its date to November: the reversal is posted today (December), the new posting in November.
    const edited = expectStatus(await client.get(`/api/transactions/${moved.id}`), 200).json();
    expectStatus(
      await client.patch(`/api/transactions/${moved.id}`, { occurred_on: '2026-11-03', row_version: edited.row_version }),
      200,
    );
    expect((await cacheRow(user.id, '2026-11'))?.stale).toBe(true);
    expect(spending(await insights(client, '2026-11'), 'education')).toBe(6_000);
  });

  it('projects the month end from the active balance and the recurring bills and income still due', async () => {
    clock.set('2026-11-20T15:00:00Z');
    const { client } = await signedIn(t.app);
    const account = (await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 300_000 })).id;
    const rule = (type: 'income' | 'expense', amount: number, day: number) =>
      client.post('/api/recurring', {
        account_id: account,
        type,
        amount_cents: amount,
        description: type === 'income' ? 'Freela' : 'Aluguel',
        schedule: { kind: 'monthly', day },
        start_on: '2026-11-01',
      });
    expectStatus(await rule('expense', 120_000, 25), 201);
    expectStatus(await rule('income', 50_000, 28), 201);
    expectStatus(await rule('expense', 99_000, 5), 201);
    // A card that opens owing R$ 500,00: its opening is negative.
    await client.account({ name: 'Cartão', type: 'credit_card', initial_balance_cents: -50_000, overdraft_limit_cents: 100_000 });
    const body = await insights(client, '2026-11');
    expect(body.projection).toEqual({
      as_of: '2026-11-20',
      balance_cents: 250_000,
      bills_cents: 120_000,
      expected_income_cents: 50_000,
      projected_cents: 180_000,
    });
    // Both openings are in November's balance and in no month before it.
    expect(body.series.slice(-2)).toEqual([
      { month: '2026-10', income_cents: 0, expense_cents: 0, balance_cents: 0 },
      { month: '2026-11', income_cents: 0, expense_cents: 0, balance_cents: 250_000 },
    ]);
    expect((await insights(client, '2026-10')).projection).toBeNull();
  });

  it('the job recomputes stale and missing entries of this month and the last, then finds nothing left', async () => {
    const { user, post, food, client } = await fixedDataSet();
    clock.set('2026-12-01T12:00:00Z');
    const job = insightsJob(t.config);
    const first = await runJobOnce(t.pool, job, clock);
    expect(first.ran && first.affected).toBeGreaterThanOrEqual(2);
    expect(await cacheRow(user.id, '2026-11')).toEqual({ stale: false, has_payload: true });
    expect(await cacheRow(user.id, '2026-12')).toEqual({ stale: false, has_payload: true });
    expect(await runJobOnce(t.pool, job, clock)).toEqual({ ran: true, affected: 0 });
    await post('expense', 1_000, 'Feira', food, '2026-11-28');
    // November and December (whose series ends with November's balance) are due again.
    expect(await runJobOnce(t.pool, job, clock)).toEqual({ ran: true, affected: 2 });
    const hits = await metricValue('insights_cache_hits_total');
    expect((await insights(client, '2026-11')).expense_cents).toBe(49_000);
    expect(await metricValue('insights_cache_hits_total')).toBe(hits + 1);
  });

  it('the job computes nothing for a deleted person, whose entries the deletion erased', async () => {
    const { user, client } = await fixedDataSet();
    clock.set('2026-12-01T12:00:00Z');
    const job = insightsJob(t.config);
    await runJobOnce(t.pool, job, clock);
    expect(await cacheRow(user.id, '2026-11')).toEqual({ stale: false, has_payload: true });
    expectStatus(await client.post('/api/privacy/delete-account', { password: PASSWORD }), 204);
    expect(await runJobOnce(t.pool, job, clock)).toEqual({ ran: true, affected: 0 });
    const left = await t.pool.query('SELECT count(*)::int AS n FROM insight_cache WHERE user_id = $1', [user.id]);
    expect(left.rows[0].n).toBe(0);
  });

  it('a computation does not store figures a posting made stale while it ran', async () => {
    const { user } = await signedIn(t.app);
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      await claimCache(client, user.id, '2026-11');
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await markInsightsStale(t.pool, user.id, '2026-10');
    const stored = await storeCache(t.pool, { userId: user.id, month: '2026-11', payload: {}, computedAt: new Date() });
    expect(stored).toBe(false);
    expect(await cacheRow(user.id, '2026-11')).toEqual({ stale: true, has_payload: false });
  });

  it('a read during an uncommitted category edit of a stale month waits for it and caches the edited figures', async () => {
    clock.set('2026-11-20T15:00:00Z');
    const { client, user } = await signedIn(t.app);
    const account = (await client.account({ name: 'Conta', type: 'checking' })).id;
    const food = await client.category('expense', 'food');
    const education = await client.category('expense', 'education');
    const salary = await client.category('income', 'salary');
    expectStatus(
      await client.post('/api/transactions', {
        account_id: account,
        type: 'income',
        amount_cents: 100_000,
        description: 'Salário',
        category_id: salary,
        occurred_on: '2026-11-05',
      }),
      201,
    );
    const book = expectStatus(
      await client.post('/api/transactions', {
        account_id: account,
        type: 'expense',
        amount_cents: 6_000,
        description: 'Livro',
        category_id: food,
        occurred_on: '2026-11-10',
      }),
      201,
    ).json().transaction as { id: string; row_version: number };
    await insights(client, '2026-11');
    await markInsightsStale(t.pool, user.id, '2026-11');
    const spending = (body: { categories: Array<{ system_key: string; spent_cents: number }> }, key: string) =>
      body.categories.find((line) => line.system_key === key)?.spent_cents;

    const editor = await t.pool.connect();
    try {
      await editor.query('BEGIN');
      const edited = await updateTransactionDetails(editor, {
        userId: user.id,
        transactionId: book.id,
        rowVersion: book.row_version,
        description: 'Livro',
        categoryId: education,
        notes: null,
      });
      expect(edited).toBe(true);
      const read = client.get('/api/insights?month=2026-11');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await editor.query('COMMIT');
      expect(spending(expectStatus(await read, 200).json(), 'education')).toBe(6_000);
    } finally {
      editor.release();
    }
    expect(await cacheRow(user.id, '2026-11')).toEqual({ stale: false, has_payload: true });
    expect(spending(await insights(client, '2026-11'), 'education')).toBe(6_000);
    expect(spending(await insights(client, '2026-11'), 'food')).toBeUndefined();
  });

  it('renaming a category marks every cached month stale and the next read shows the new name', async () => {
    const { client, user, leisure } = await fixedDataSet();
    await insights(client, '2026-10');
    await insights(client, '2026-11');
    const current = await t.pool.query<{ row_version: number }>('SELECT row_version FROM categories WHERE id = $1', [leisure]);
    const rowVersion = current.rows[0]?.row_version;
    expectStatus(await client.patch(`/api/categories/${leisure}`, { name: 'Passeios', row_version: rowVersion }), 200);
    expect((await cacheRow(user.id, '2026-10'))?.stale).toBe(true);
    expect((await cacheRow(user.id, '2026-11'))?.stale).toBe(true);
    const names = (await insights(client, '2026-10')).categories.map((line: { name: string | null }) => line.name);
    expect(names).toContain('Passeios');
  });

  it('refuses months that are not months, and people who are not signed in', async () => {
    const { client } = await signedIn(t.app);
    for (const month of ['2026-13', '2026-1', '2026-11-01', '%00', '2026-11%00', '%ED%A0%80', '9'.repeat(5000)]) {
      expectProblem(await client.get(`/api/insights?month=${month}`), 400, 'validation_failed');
    }
    expectProblem(await t.app.inject({ method: 'GET', url: '/api/insights?month=2026-11' }), 401, 'unauthenticated');
  });

  it('refuses a month after the current one in São Paulo with 422 month_in_future, and caches nothing for it', async () => {
    clock.set('2026-12-01T02:30:00Z');
    const { client, user } = await signedIn(t.app);
    expect((await insights(client, '2026-11')).month).toBe('2026-11');
    for (const month of ['2026-12', '2027-01', '2099-12']) {
      expectProblem(await client.get(`/api/insights?month=${month}`), 422, 'month_in_future');
    }
    const rows = await t.pool.query('SELECT period FROM insight_cache WHERE user_id = $1 ORDER BY period', [user.id]);
    expect(rows.rows.map((row) => row.period)).toEqual(['2026-11']);
    clock.set('2026-12-01T03:00:00Z');
    expect((await insights(client, '2026-12')).month).toBe('2026-12');
  });
});
