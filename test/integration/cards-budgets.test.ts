import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { budgetAlertJob } from '../../src/jobs/budget-alert.js';
import { runJobOnce } from '../../src/jobs/runner.js';
import { weeklySummaryJob } from '../../src/jobs/weekly-summary.js';
import { shiftMonth } from '../../src/lib/calendar.js';
import { fixedClock } from '../../src/lib/clock.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectStatus } from '../helpers/problem.js';
import { upload } from './imports-support.js';

/**
 * Budgets and insights count a card purchase in installments in the months of its bills
 * (docs/FINANCIAL-RULES.md, "Credit cards"): a 12x purchase of R$ 1.200,00 weighs R$ 100,00
 * on each of twelve months, across the year's turn; a refund of the remaining installments
 * and an antecipação count on the bill they land on; an à vista purchase stays on its day's
 * month. A purchase in installments that is reversed counts nowhere, nor does its reversal. The
 * budget alerts and the weekly summary say what the budgets screen says.
 */

const NOW = '2027-03-10T15:00:00Z';
const clock = fixedClock(NOW);
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
  clock.set(NOW);
});
afterAll(async () => {
  await t?.close();
});

/** A person with a checking account, a card closing on the 3rd and due on the 10th, and their food category. */
async function setup() {
  const person = await signedIn(t.app);
  const { client } = person;
  const checking = (await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 1_000_000 })).id;
  const card = (
    await client.account({ name: 'Cartão', type: 'credit_card', credit_limit_cents: 1_000_000, closing_day: 3, due_day: 10 })
  ).id;
  const food = await client.category('expense', 'food');
  const buy = async (body: { amount_cents: number; occurred_on: string; installments?: number; account_id?: string }) =>
    expectStatus(
      await client.post('/api/transactions', {
        account_id: card,
        type: 'expense',
        description: 'Compra',
        category_id: food,
        ...body,
      }),
      201,
    ).json().transaction.id as string;
  /** A budget for food in each month from `first`, `count` months. */
  const budgets = async (first: string, count: number, limit_cents = 500_000) => {
    for (let index = 0; index < count; index += 1) {
      expectStatus(await client.put(`/api/budgets/${shiftMonth(first, index)}/${food}`, { limit_cents }), 201);
    }
  };
  /** What the budgets screen says food spent in `month`. */
  const spent = async (month: string) => {
    const page = expectStatus(await client.get(`/api/budgets?month=${month}`), 200).json();
    const line = page.items.find((item: { category_id: string }) => item.category_id === food);
    return line.spent_cents as number;
  };
  const spentFrom = async (first: string, count: number) => {
    const months: Record<string, number> = {};
    for (let index = 0; index < count; index += 1) months[shiftMonth(first, index)] = await spent(shiftMonth(first, index));
    return months;
  };
  /** What the insights screen says food spent in `month`, and the month's expense total. */
  const insights = async (month: string) => {
    const body = expectStatus(await client.get(`/api/insights?month=${month}`), 200).json();
    const line = body.categories.find((item: { category_id: string }) => item.category_id === food);
    return { food: (line?.spent_cents ?? 0) as number, expense: body.expense_cents as number, body };
  };
  return { ...person, checking, card, food, buy, budgets, spent, spentFrom, insights };
}

/** Twelve months of R$ 100,00 from December 2026 (the first bill after 10 November) to November 2027. */
const TWELVE_BILLS = Object.fromEntries(Array.from({ length: 12 }, (_, index) => [shiftMonth('2026-12', index), 10_000]));

describe('budgets count card installments in the months of their bills', () => {
  it('a 12x purchase of R$ 1.200,00 counts R$ 100,00 in each of 12 months, across the year boundary', async () => {
    const person = await setup();
    await person.budgets('2026-10', 15);
    await person.buy({ amount_cents: 120_000, occurred_on: '2026-11-10', installments: 12 });
    expect(await person.spentFrom('2026-10', 15)).toEqual({
      '2026-10': 0,
      '2026-11': 0,
      ...TWELVE_BILLS,
      '2027-12': 0,
    });
  });

  it('an à vista card purchase stays in its day’s month; the remainder of an uneven split is on the first bill', async () => {
    const person = await setup();
    await person.budgets('2026-11', 4);
    await person.buy({ amount_cents: 5_000, occurred_on: '2026-11-20' });
    await person.buy({ amount_cents: 1_001, occurred_on: '2026-11-20', installments: 3 });
    expect(await person.spentFrom('2026-11', 4)).toEqual({
      '2026-11': 5_000,
      '2026-12': 335,
      '2027-01': 333,
      '2027-02': 333,
    });
  });

  it('a refund of the remaining installments counts on its bill, where the installments it cancels meet it', async () => {
    const person = await setup();
    await person.budgets('2026-11', 14);
    const purchase = await person.buy({ amount_cents: 120_000, occurred_on: '2026-11-10', installments: 12 });
    // 10 March 2027 is after the 3 March closing: the refund is on the April bill, with installments 5 to 12.
    const refund = expectStatus(
      await person.client.post(`/api/transactions/${purchase}/refund`, { scope: 'remaining' }),
      201,
    ).json();
    expect(refund.transaction.amount_cents).toBe(80_000);
    const months = await person.spentFrom('2026-11', 14);
    expect(months).toEqual({
      '2026-11': 0,
      '2026-12': 10_000,
      '2027-01': 10_000,
      '2027-02': 10_000,
      '2027-03': 10_000,
      '2027-04': 0,
      '2027-05': 0,
      '2027-06': 0,
      '2027-07': 0,
      '2027-08': 0,
      '2027-09': 0,
      '2027-10': 0,
      '2027-11': 0,
      '2027-12': 0,
    });
    expect(Object.values(months).reduce((sum, cents) => sum + cents, 0)).toBe(120_000 - 80_000);
    // Reversing the refund puts the installments back on their bills.
    expectStatus(await person.client.post(`/api/transactions/${refund.transaction.id}/reverse`, {}), 201);
    expect(await person.spentFrom('2027-03', 3)).toEqual({ '2027-03': 10_000, '2027-04': 10_000, '2027-05': 10_000 });
  });

  it('an antecipação brings installments and the discount to the open bill', async () => {
    const person = await setup();
    await person.budgets('2027-03', 9);
    const purchase = await person.buy({ amount_cents: 120_000, occurred_on: '2026-11-10', installments: 12 });
    expectStatus(await person.client.post(`/api/transactions/${purchase}/anticipate`, { count: 2, discount_cents: 1_000 }), 201);
    expect(await person.spentFrom('2027-03', 9)).toEqual({
      '2027-03': 10_000,
      '2027-04': 29_000,
      '2027-05': 10_000,
      '2027-06': 10_000,
      '2027-07': 10_000,
      '2027-08': 10_000,
      '2027-09': 10_000,
      '2027-10': 0,
      '2027-11': 0,
    });
  });
});

describe('insights count them the same way', () => {
  it("a month's spending is its bill's installments; the month-end balances follow the ledger's days", async () => {
    const person = await setup();
    await person.budgets('2026-11', 5);
    const purchase = await person.buy({ amount_cents: 120_000, occurred_on: '2026-11-10', installments: 12 });
    await person.buy({ amount_cents: 5_000, occurred_on: '2026-11-20' });
    const november = await person.insights('2026-11');
    expect(november.food).toBe(5_000);
    expect(november.expense).toBe(5_000);
    expect(november.body.top_payees).toEqual([{ payee: 'Compra', spent_cents: 5_000, count: 1 }]);
    const december = await person.insights('2026-12');
    expect(december.food).toBe(10_000);
    expect(december.body.top_payees).toEqual([{ payee: 'Compra', spent_cents: 10_000, count: 1 }]);
    expect(december.body.categories[0]).toMatchObject({ category_id: person.food, spent_cents: 10_000, last_month_cents: 5_000 });
    // The card owes the whole purchase from its day: the balance at November's end has it all
    // (the checking account opened today, in March, so it adds nothing to November).
    const point = (month: string) => december.body.series.find((row: { month: string }) => row.month === month);
    expect(point('2026-11').balance_cents).toBe(-120_000 - 5_000);
    expect(point('2026-11').expense_cents).toBe(5_000);
    expect(point('2026-12').expense_cents).toBe(10_000);
    expectStatus(await person.client.post(`/api/transactions/${purchase}/refund`, { scope: 'remaining' }), 201);
    const march = await person.insights('2027-03');
    expect(march.food).toBe(10_000);
    expect(march.expense).toBe(10_000);
    expect(march.body.income_cents).toBe(0);
    // The budgets screen and insights agree, month by month.
    for (const month of ['2026-11', '2026-12', '2027-01', '2027-02', '2027-03']) {
      expect((await person.insights(month)).food, month).toBe(await person.spent(month));
    }
  });
});

describe('budget alerts and the weekly summary say what the budgets screen says', () => {
  it('a 12x purchase alerts at its installment’s share of the month, not at the whole amount', async () => {
    clock.set('2026-12-15T15:00:00Z');
    const person = await setup();
    await person.budgets('2026-12', 1, 12_000);
    await person.buy({ amount_cents: 120_000, occurred_on: '2026-11-10', installments: 12 });
    expect(await person.spent('2026-12')).toBe(10_000);
    await runJobOnce(t.pool, budgetAlertJob, clock);
    const alerts = await t.pool.query<{ threshold: number; params: { spent_cents: number } }>(
      `SELECT a.threshold, n.params FROM budget_alerts a
         JOIN notifications n ON n.user_id = a.user_id AND n.dedupe_key = 'budget:' || a.budget_id || ':' || a.threshold
        WHERE a.user_id = $1 ORDER BY a.threshold`,
      [person.user.id],
    );
    expect(alerts.rows.map((row) => row.threshold)).toEqual([50, 80]);
    expect(alerts.rows.map((row) => row.params.spent_cents)).toEqual([10_000, 10_000]);
  });

  it("the weekly summary's budget spending is the budgets screen's", async () => {
    // Monday 4 January 2027, 09:00 in São Paulo: the week that ended on 3 January, in January's budgets.
    clock.set('2027-01-04T12:00:00Z');
    const person = await setup();
    await t.pool.query(`UPDATE users SET created_at = '2026-12-01T12:00:00Z' WHERE id = $1`, [person.user.id]);
    await person.budgets('2027-01', 1, 50_000);
    await person.buy({ amount_cents: 120_000, occurred_on: '2026-11-10', installments: 12 });
    await person.buy({ amount_cents: 2_000, occurred_on: '2027-01-02' });
    await runJobOnce(t.pool, weeklySummaryJob, clock);
    const summary = await t.pool.query<{ params: { budgets_spent_cents: number; budgets_over_count: number } }>(
      `SELECT params FROM notifications WHERE user_id = $1 AND kind = 'weekly_summary'`,
      [person.user.id],
    );
    expect(summary.rows).toHaveLength(1);
    expect(await person.spent('2027-01')).toBe(12_000);
    expect(summary.rows[0]?.params).toMatchObject({ budgets_spent_cents: 12_000, budgets_over_count: 0 });
  });
});

describe('a reversed purchase in installments counts nowhere, as it vanishes from the bills', () => {
  /** Every month from October 2026 to December 2027 at nothing. */
  const NOTHING = Object.fromEntries(Array.from({ length: 15 }, (_, index) => [shiftMonth('2026-10', index), 0]));
  /** The months insights can answer today (10 March 2027), from the purchase's. */
  const ANSWERED = ['2026-11', '2026-12', '2027-01', '2027-02', '2027-03'];
  const reverse = async (person: Awaited<ReturnType<typeof setup>>, id: string) =>
    expectStatus(await person.client.post(`/api/transactions/${id}/reverse`, {}), 201);

  it('budgets: a 12x purchase of 10 November reversed on 10 March leaves every month at nothing', async () => {
    const person = await setup();
    await person.budgets('2026-10', 15);
    const purchase = await person.buy({ amount_cents: 120_000, occurred_on: '2026-11-10', installments: 12 });
    expect(await person.spentFrom('2026-10', 15)).toEqual({ '2026-10': 0, '2026-11': 0, ...TWELVE_BILLS, '2027-12': 0 });
    await reverse(person, purchase);
    expect(await person.spentFrom('2026-10', 15)).toEqual(NOTHING);
  });

  it('insights: every month reads nothing after the reversal, in categories, totals, series and top payees', async () => {
    const person = await setup();
    const purchase = await person.buy({ amount_cents: 120_000, occurred_on: '2026-11-10', installments: 12 });
    // Read (and cached) before the reversal: the installments on their bills.
    for (const month of ANSWERED) {
      const before = await person.insights(month);
      expect(before.food, month).toBe(month === '2026-11' ? 0 : 10_000);
      expect(before.body.top_payees, month).toEqual(
        month === '2026-11' ? [] : [{ payee: 'Compra', spent_cents: 10_000, count: 1 }],
      );
    }
    await reverse(person, purchase);
    for (const month of ANSWERED) {
      const after = await person.insights(month);
      expect(after.food, month).toBe(0);
      expect(after.expense, month).toBe(0);
      expect(after.body.categories, month).toEqual([]);
      expect(after.body.top_payees, month).toEqual([]);
    }
    const march = (await person.insights('2027-03')).body;
    for (const point of march.series) expect(point.expense_cents, point.month).toBe(0);
    // Balances still follow the ledger's days: the card owed the purchase from November to the reversal.
    const point = (month: string) => march.series.find((row: { month: string }) => row.month === month);
    expect(point('2026-11').balance_cents).toBe(-120_000);
    expect(point('2027-02').balance_cents).toBe(-120_000);
  });

  it('a purchase refunded, the refund reversed, then the purchase reversed: right at each step', async () => {
    const person = await setup();
    await person.budgets('2026-10', 15);
    const purchase = await person.buy({ amount_cents: 120_000, occurred_on: '2026-11-10', installments: 12 });
    // 10 February is after the 3 February closing: the refund is on March's bill, with installments 4 to 12.
    clock.set('2027-02-10T15:00:00Z');
    const refund = expectStatus(
      await person.client.post(`/api/transactions/${purchase}/refund`, { scope: 'remaining' }),
      201,
    ).json();
    expect(refund.transaction.amount_cents).toBe(90_000);
    expect(await person.spentFrom('2027-02', 3)).toEqual({ '2027-02': 10_000, '2027-03': 0, '2027-04': 0 });
    clock.set('2027-02-20T15:00:00Z');
    await reverse(person, refund.transaction.id);
    // The refund and its reversal, both of February, cancel out; the installments are back on their bills.
    expect(await person.spentFrom('2026-10', 15)).toEqual({ '2026-10': 0, '2026-11': 0, ...TWELVE_BILLS, '2027-12': 0 });
    clock.set(NOW);
    await reverse(person, purchase);
    expect(await person.spentFrom('2026-10', 15)).toEqual(NOTHING);
    for (const month of ANSWERED) {
      const insights = await person.insights(month);
      expect(insights.food, month).toBe(0);
      expect(insights.expense, month).toBe(0);
      expect(insights.body.top_payees, month).toEqual([]);
    }
  });

  it('an import undone reverses the purchase it made: nothing counts in any month', async () => {
    const person = await setup();
    const file = 'date,title,amount\n2026-11-05,Notebook Loja Tech - Parcela 1/12,300.00\n';
    const shown = expectStatus(
      await upload(t.app, person.token, { accountId: person.card, file, filename: 'nubank.csv' }),
      201,
    ).json();
    expectStatus(await person.client.post(`/api/imports/${shown.id}/confirm`, {}, { 'idempotency-key': 'nb-1' }), 201);
    const unbudgeted = async (month: string) =>
      expectStatus(await person.client.get(`/api/budgets?month=${month}`), 200).json().unbudgeted_spent_cents as number;
    // 5 November is after the 3 November closing: 12 installments of R$ 300,00 from December's bill.
    expect(await unbudgeted('2026-11')).toBe(0);
    expect(await unbudgeted('2026-12')).toBe(30_000);
    expect((await person.insights('2027-03')).expense).toBe(30_000);
    expectStatus(await person.client.post(`/api/imports/${shown.id}/undo`, {}, { 'idempotency-key': 'nb-undo' }), 201);
    for (const month of ANSWERED) {
      expect(await unbudgeted(month), month).toBe(0);
      const insights = await person.insights(month);
      expect(insights.expense, month).toBe(0);
      expect(insights.body.top_payees, month).toEqual([]);
    }
  });

  it('an à vista card purchase reversed still counts in its day’s month, and the reversal in its own', async () => {
    const person = await setup();
    await person.budgets('2026-11', 5);
    const purchase = await person.buy({ amount_cents: 5_000, occurred_on: '2026-11-20' });
    await reverse(person, purchase);
    expect(await person.spentFrom('2026-11', 5)).toEqual({
      '2026-11': 5_000,
      '2026-12': 0,
      '2027-01': 0,
      '2027-02': 0,
      '2027-03': -5_000,
    });
    const november = await person.insights('2026-11');
    expect(november.food).toBe(5_000);
    expect(november.body.top_payees).toEqual([{ payee: 'Compra', spent_cents: 5_000, count: 1 }]);
    const march = await person.insights('2027-03');
    expect(march.food).toBe(-5_000);
    expect(march.expense).toBe(-5_000);
    expect(march.body.top_payees).toEqual([]);
  });

  it('budget alerts: a purchase reversed in the grace days raises no alert for its day’s month', async () => {
    // 2 March 2027, in the first days of March: February's budgets are still watched.
    clock.set('2027-03-02T15:00:00Z');
    const person = await setup();
    await person.budgets('2027-02', 1, 50_000);
    const purchase = await person.buy({ amount_cents: 120_000, occurred_on: '2027-02-10', installments: 12 });
    await person.buy({ amount_cents: 30_000, occurred_on: '2027-02-15' });
    await reverse(person, purchase);
    await runJobOnce(t.pool, budgetAlertJob, clock);
    const alerts = await t.pool.query<{ threshold: number; params: { spent_cents: number } }>(
      `SELECT a.threshold, n.params FROM budget_alerts a
         JOIN notifications n ON n.user_id = a.user_id AND n.dedupe_key = 'budget:' || a.budget_id || ':' || a.threshold
        WHERE a.user_id = $1 ORDER BY a.threshold`,
      [person.user.id],
    );
    // The à vista R$ 300,00 alone: 60 % of the budget.
    expect(alerts.rows.map((row) => row.threshold)).toEqual([50]);
    expect(alerts.rows.map((row) => row.params.spent_cents)).toEqual([30_000]);
  });

  it("weekly summary: the budgets' spending leaves out a purchase reversed in the month", async () => {
    clock.set('2027-03-05T15:00:00Z');
    const person = await setup();
    await t.pool.query(`UPDATE users SET created_at = '2027-02-01T12:00:00Z' WHERE id = $1`, [person.user.id]);
    await person.budgets('2027-03', 1, 50_000);
    const purchase = await person.buy({ amount_cents: 120_000, occurred_on: '2027-02-10', installments: 12 });
    await person.buy({ amount_cents: 2_000, occurred_on: '2027-03-02' });
    await reverse(person, purchase);
    // Monday 8 March 2027, 09:00 in São Paulo: the week that ended on 7 March, in March's budgets.
    clock.set('2027-03-08T12:00:00Z');
    await runJobOnce(t.pool, weeklySummaryJob, clock);
    const summary = await t.pool.query<{ params: { budgets_spent_cents: number; budgets_over_count: number } }>(
      `SELECT params FROM notifications WHERE user_id = $1 AND kind = 'weekly_summary'`,
      [person.user.id],
    );
    expect(summary.rows).toHaveLength(1);
    expect(await person.spent('2027-03')).toBe(2_000);
    expect(summary.rows[0]?.params).toMatchObject({ budgets_spent_cents: 2_000, budgets_over_count: 0 });
  });
});
