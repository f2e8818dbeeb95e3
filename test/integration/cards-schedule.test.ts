import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';
import { billOf, billsOf, bought, cardOf, expectBillsMatchLedger, purchase } from './cards-support.js';

/**
 * Card bills on the calendar's edges (issue 16): closing day 31 in short months and leap
 * Februaries, a purchase on the closing day under both rules, a schedule changed mid-cycle,
 * installment remainders and counts, a 12× purchase across a year, and many purchases at once
 * against the limit.
 */
const NOW = '2026-11-10T15:00:00Z';
const clock = fixedClock(NOW);
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: String(24 * 365), SESSION_IDLE_HOURS: String(24 * 365) } });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
  clock.set(NOW);
});
afterAll(async () => {
  await t?.close();
});

const at = (day: string) => clock.set(`${day}T15:00:00Z`);

describe('closing day 31', () => {
  it.each([
    // [today and purchase day, bill month, closing_on of that bill]
    ['2026-04-29', '2026-04', '2026-04-30'],
    ['2026-04-30', '2026-05', '2026-05-31'],
    ['2026-02-27', '2026-02', '2026-02-28'],
    ['2026-02-28', '2026-03', '2026-03-31'],
    ['2028-02-28', '2028-02', '2028-02-29'],
    ['2028-02-29', '2028-03', '2028-03-31'],
    ['2026-12-31', '2027-01', '2027-01-31'],
  ])('a purchase on %s is on the bill of %s, closing %s', async (day, month, closing) => {
    at(day);
    const { client } = await signedIn(t.app);
    const card = await cardOf(client, { closing_day: 31, due_day: 8 });
    const id = await bought(client, card.id, 1_000, { occurred_on: day });
    const bills = await expectBillsMatchLedger(client, card.id);
    const bill = billOf(bills, month);
    expect(bill.closing_on).toBe(closing);
    expect(bill.items.map((item) => item.transaction_id)).toEqual([id]);
    expect(bill.total_cents).toBe(1_000);
  });

  it('the due dates after a clamped closing day: 31 January due 30 February → 28 February (29 in 2028)', async () => {
    at('2026-01-15');
    const { client } = await signedIn(t.app);
    const card = await cardOf(client, { closing_day: 31, due_day: 30 });
    await bought(client, card.id, 1_000, { installments: 2 });
    expect((await billsOf(client, card.id)).map((bill) => [bill.closing_on, bill.due_on])).toEqual([
      ['2026-01-31', '2026-02-28'],
      ['2026-02-28', '2026-03-30'],
    ]);
    at('2028-01-15');
    const leap = (await signedIn(t.app)).client;
    const leapCard = await cardOf(leap, { closing_day: 31, due_day: 30 });
    await bought(leap, leapCard.id, 1_000, { installments: 2 });
    const bills = await billsOf(leap, leapCard.id);
    expect(billOf(bills, '2028-01')).toMatchObject({ closing_on: '2028-01-31', due_on: '2028-02-29' });
    expect(billOf(bills, '2028-02')).toMatchObject({ closing_on: '2028-02-29', due_on: '2028-03-30' });
  });
});

describe('a purchase on the closing day', () => {
  it('joins the next bill by default', async () => {
    const { client } = await signedIn(t.app);
    const card = await cardOf(client, { closing_day: 10, due_day: 17 });
    const id = await bought(client, card.id, 2_000, { occurred_on: '2026-11-10' });
    const before = await bought(client, card.id, 1_000, { occurred_on: '2026-11-09' });
    const bills = await expectBillsMatchLedger(client, card.id);
    expect(billOf(bills, '2026-11').items.map((item) => item.transaction_id)).toEqual([before]);
    expect(billOf(bills, '2026-12').items.map((item) => item.transaction_id)).toEqual([id]);
  });

  it('joins the bill closing that day when the card is set to this_bill', async () => {
    const { client } = await signedIn(t.app);
    const card = await cardOf(client, { closing_day: 10, due_day: 17, closing_day_purchases: 'this_bill' });
    const id = await bought(client, card.id, 2_000, { occurred_on: '2026-11-10', installments: 2 });
    const bills = await expectBillsMatchLedger(client, card.id);
    expect(billOf(bills, '2026-11')).toMatchObject({ closing_on: '2026-11-10', total_cents: 1_000 });
    expect(billOf(bills, '2026-11').items[0]).toMatchObject({ transaction_id: id, installment: { number: 1, count: 2 } });
    expect(billOf(bills, '2026-12').items[0]).toMatchObject({ transaction_id: id, installment: { number: 2, count: 2 } });
  });
});

describe('a closing day changed mid-cycle', () => {
  it('the open bill keeps its dates; later bills and their installments take the new ones; twice in a cycle keeps the last', async () => {
    const { client } = await signedIn(t.app);
    // 10 November, closing 3: the open bill is December's, closing 3 December.
    const card = await cardOf(client, { closing_day: 3, due_day: 10 });
    const twelve = await bought(client, card.id, 120_000, { installments: 12 });
    const before = await billsOf(client, card.id);
    expect(before.map((bill) => bill.closing_on)[0]).toBe('2026-12-03');
    let account = (await client.get(`/api/accounts/${card.id}`)).json();
    account = expectStatus(
      await client.patch(`/api/accounts/${card.id}`, { closing_day: 20, due_day: 28, row_version: account.row_version }),
      200,
    ).json();
    expect(account).toMatchObject({ closing_day: 20, due_day: 28 });
    let bills = await expectBillsMatchLedger(client, card.id);
    expect(bills).toHaveLength(12);
    expect(bills[0]).toMatchObject({ month: '2026-12', closing_on: '2026-12-03', due_on: '2026-12-10', current: true });
    expect(bills[1]).toMatchObject({ month: '2027-01', closing_on: '2027-01-20', due_on: '2027-01-28' });
    expect(bills[11]).toMatchObject({ month: '2027-11', closing_on: '2027-11-20', due_on: '2027-11-28' });
    expect(bills.map((bill) => bill.items.map((item) => [item.transaction_id, item.installment?.number]))).toEqual(
      Array.from({ length: 12 }, (_, index) => [[twelve, index + 1]]),
    );
    // Changed again in the same cycle (December's bill still open): the last change holds from January.
    at('2026-11-20');
    account = (await client.get(`/api/accounts/${card.id}`)).json();
    account = expectStatus(
      await client.patch(`/api/accounts/${card.id}`, { closing_day: 15, due_day: 22, row_version: account.row_version }),
      200,
    ).json();
    bills = await expectBillsMatchLedger(client, card.id);
    expect(billOf(bills, '2026-12')).toMatchObject({ closing_on: '2026-12-03', due_on: '2026-12-10' });
    expect(billOf(bills, '2027-01')).toMatchObject({ closing_on: '2027-01-15', due_on: '2027-01-22' });
    expect(billOf(bills, '2027-06')).toMatchObject({ closing_on: '2027-06-15', due_on: '2027-06-22' });
    // A purchase after the old closing day of December goes on to the bill closing 15 January.
    at('2026-12-10');
    const late = await bought(client, card.id, 5_000);
    bills = await expectBillsMatchLedger(client, card.id);
    expect(billOf(bills, '2027-01').items.map((item) => item.transaction_id)).toEqual([twelve, late]);
    const schedules = await t.pool.query('SELECT closing_day FROM card_schedules WHERE account_id = $1 ORDER BY starts_month', [
      card.id,
    ]);
    expect(schedules.rows.map((row) => row.closing_day)).toEqual([3, 15]);
  });
});

describe('installments', () => {
  it('R$ 100,00 in 3× is 33,34 + 33,33 + 33,33 on three bills', async () => {
    const { client } = await signedIn(t.app);
    const card = await cardOf(client, { closing_day: 3, due_day: 10 });
    const id = await bought(client, card.id, 10_000, { installments: 3 });
    const installments = expectStatus(await client.get(`/api/transactions/${id}/installments`), 200).json();
    expect(installments.items.map((item: { amount_cents: number }) => item.amount_cents)).toEqual([3_334, 3_333, 3_333]);
    const bills = await expectBillsMatchLedger(client, card.id);
    expect(bills.map((bill) => bill.total_cents)).toEqual([3_334, 3_333, 3_333]);
    expect(installments.items.map((item: { bill_id: string }) => item.bill_id)).toEqual(bills.map((bill) => bill.id));
  });

  it('12× in December runs from December to November of the next year', async () => {
    at('2026-12-01');
    const { client } = await signedIn(t.app);
    const card = await cardOf(client, { closing_day: 3, due_day: 10 });
    const id = await bought(client, card.id, 120_005, { installments: 12 });
    const bills = await expectBillsMatchLedger(client, card.id);
    expect(bills.map((bill) => bill.month)).toEqual([
      '2026-12',
      ...Array.from({ length: 11 }, (_, index) => `2027-${String(index + 1).padStart(2, '0')}`),
    ]);
    expect(bills.map((bill) => bill.items[0]?.installment?.number)).toEqual(Array.from({ length: 12 }, (_, index) => index + 1));
    expect(bills.map((bill) => bill.total_cents)).toEqual([10_005, ...Array(11).fill(10_000)]);
    expect(bills.every((bill) => bill.items.every((item) => item.transaction_id === id))).toBe(true);
  });

  it('48× allowed; 49× refused; one centavo in 2× refused; nothing written for a refusal', async () => {
    const { client } = await signedIn(t.app);
    const card = await cardOf(client, { closing_day: 3, due_day: 10 });
    const id = await bought(client, card.id, 480_000, { installments: 48 });
    expect((await billsOf(client, card.id)).length).toBe(48);
    expect(expectStatus(await client.get(`/api/transactions/${id}/installments`), 200).json().items).toHaveLength(48);
    expectProblem(await purchase(client, card.id, 4_900, { installments: 49 }), 400, 'validation_failed');
    const small = await purchase(client, card.id, 1, { installments: 2 });
    expectProblem(small, 400, 'validation_failed');
    expect(small.json().errors[0]).toMatchObject({ code: 'installment_too_small' });
    expect((await client.get(`/api/accounts/${card.id}`)).json().balance_cents).toBe(-480_000);
    const rows = await t.pool.query('SELECT count(*)::int AS n FROM card_installments WHERE account_id = $1', [card.id]);
    expect(rows.rows[0].n).toBe(48);
  });
});

describe('a card without days, and installments elsewhere', () => {
  it('installments and bills wait for the days; set later, they apply from the first purchase; a checking account has none', async () => {
    const { client } = await signedIn(t.app);
    const card = await client.account({ name: 'Cartão', type: 'credit_card', credit_limit_cents: 100_000 });
    const early = await bought(client, card.id, 2_000, { occurred_on: '2026-10-01' });
    expectProblem(await purchase(client, card.id, 3_000, { installments: 3 }), 422, 'card_schedule_missing');
    expectProblem(await client.get(`/api/accounts/${card.id}/bills`), 422, 'card_schedule_missing');
    const account = (await client.get(`/api/accounts/${card.id}`)).json();
    expectStatus(
      await client.patch(`/api/accounts/${card.id}`, { closing_day: 5, due_day: 12, row_version: account.row_version }),
      200,
    );
    const bills = await expectBillsMatchLedger(client, card.id);
    expect(billOf(bills, '2026-10').items.map((item) => item.transaction_id)).toEqual([early]);
    expect(bills.find((bill) => bill.current)?.month).toBe('2026-12');
    const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
    expectProblem(await purchase(client, checking.id, 3_000, { installments: 3 }), 422, 'not_a_credit_card');
    expectProblem(await client.get(`/api/accounts/${checking.id}/bills`), 422, 'not_a_credit_card');
    const income = await client.post('/api/transactions', {
      account_id: card.id,
      type: 'income',
      amount_cents: 3_000,
      description: 'Cashback',
      installments: 3,
    });
    expectProblem(income, 400, 'validation_failed');
    expect((await client.get(`/api/accounts/${checking.id}`)).json().balance_cents).toBe(10_000);
  });
});

describe('purchases at once against the limit', () => {
  it('exactly those that fit succeed; the rest are 422 insufficient_funds with no installment rows', async () => {
    const { client } = await signedIn(t.app);
    const card = await cardOf(client, { closing_day: 3, due_day: 10 }, 100_000);
    // Twenty purchases of R$ 150,00, every other one in 3×: six fit in R$ 1.000,00.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => purchase(client, card.id, 15_000, index % 2 === 0 ? { installments: 3 } : {})),
    );
    const ok = answers.filter((answer) => answer.statusCode === 201);
    expect(ok).toHaveLength(6);
    for (const answer of answers.filter((one) => one.statusCode !== 201)) expectProblem(answer, 422, 'insufficient_funds');
    const account = (await client.get(`/api/accounts/${card.id}`)).json();
    expect(account).toMatchObject({ balance_cents: -90_000, credit_used_cents: 90_000, credit_available_cents: 10_000 });
    const parcelados = ok.map((answer) => answer.json().transaction).filter((one) => one.installment_count === 3);
    const rows = await t.pool.query<{ transaction_id: string; n: number; sum: number }>(
      `SELECT transaction_id, count(*)::int AS n, sum(amount_cents)::int AS sum
         FROM card_installments WHERE account_id = $1 GROUP BY transaction_id`,
      [card.id],
    );
    expect(rows.rows.map((row) => row.transaction_id).sort()).toEqual(parcelados.map((one) => one.id).sort());
    expect(rows.rows.every((row) => row.n === 3 && row.sum === 15_000)).toBe(true);
    await expectBillsMatchLedger(client, card.id);
  });
});
