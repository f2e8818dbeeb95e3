import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { billIdOf } from '../../src/modules/cards/cards.service.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';
import { billOf, billsOf, bought, type Client, cardOf, expectBillsMatchLedger } from './cards-support.js';

/**
 * Refunds (estornos), antecipação, bill payments and their replays (issue 16). The card closes
 * on the 3rd and is due on the 10th; a 6× purchase of R$ 600,00 on 20 October has one
 * installment on each bill from November 2026 to April 2027.
 */
const NOW = '2026-10-20T15:00:00Z';
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

async function sixTimes(client: Client, cardId: string) {
  return bought(client, cardId, 60_000, { description: 'Tênis', installments: 6 });
}

async function setUp() {
  const { client } = await signedIn(t.app);
  const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 1_000_000 });
  const card = await cardOf(client, { closing_day: 3, due_day: 10 });
  return { client, checking, card };
}

const refund = (client: Client, purchaseId: string, body: Record<string, unknown>, key?: string) =>
  client.post(`/api/transactions/${purchaseId}/refund`, body, key ? { 'idempotency-key': key } : {});

async function installments(client: Client, purchaseId: string) {
  return expectStatus(await client.get(`/api/transactions/${purchaseId}/installments`), 200).json() as {
    refunded_cents: number;
    items: Array<{ number: number; amount_cents: number; bill_id: string; refunded: boolean; anticipated: boolean }>;
  };
}

async function refundRows(purchaseId: string) {
  const rows = await t.pool.query('SELECT count(*)::int AS n FROM card_refunds WHERE purchase_transaction_id = $1', [purchaseId]);
  return rows.rows[0].n as number;
}

describe('refunds of a card purchase', () => {
  it('the remaining installments: later bills freed, the refund bill nets zero, a second one refunds nothing', async () => {
    const { client, card } = await setUp();
    const purchase = await sixTimes(client, card.id);
    at('2026-11-05');
    const answer = expectStatus(await refund(client, purchase, { scope: 'remaining' }), 201).json();
    expect(answer.transaction).toMatchObject({ kind: 'refund', amount_cents: 50_000, refund_of_transaction_id: purchase });
    const bills = await expectBillsMatchLedger(client, card.id);
    expect(bills.map((bill) => bill.month)).toEqual(['2026-11', '2026-12']);
    expect(billOf(bills, '2026-11').total_cents).toBe(10_000);
    expect(billOf(bills, '2026-12')).toMatchObject({ total_cents: 0, items_total_cents: 0 });
    const after = await installments(client, purchase);
    expect(after.refunded_cents).toBe(50_000);
    expect(after.items.map((item) => item.refunded)).toEqual([false, true, true, true, true, true]);
    // Nothing of the remaining installments is left: the billed first one stays the person's.
    expectProblem(await refund(client, purchase, { scope: 'remaining' }), 422, 'nothing_to_refund');
    expect((await client.get(`/api/accounts/${card.id}`)).json().balance_cents).toBe(-10_000);
  });

  it('the whole purchase after two installments were billed: the refund bill holds the credit', async () => {
    const { client, card } = await setUp();
    const purchase = await sixTimes(client, card.id);
    at('2026-12-05');
    expectStatus(await refund(client, purchase, { scope: 'whole' }), 201);
    const bills = await expectBillsMatchLedger(client, card.id);
    expect(bills.map((bill) => bill.month)).toEqual(['2026-11', '2026-12', '2027-01']);
    // January: installment 3, the three brought from later bills, and the refund of 600,00.
    expect(billOf(bills, '2027-01')).toMatchObject({ items_total_cents: 40_000 - 60_000 });
    expect((await client.get(`/api/accounts/${card.id}`)).json().balance_cents).toBe(0);
    expectProblem(await refund(client, purchase, { scope: 'whole' }), 422, 'nothing_to_refund');
    expectProblem(await refund(client, purchase, { scope: 'amount', amount_cents: 1 }), 422, 'refund_exceeds_purchase');
  });

  it('an amount: on the bill of its day, the installments untouched; more than the purchase holds refused', async () => {
    const { client, card } = await setUp();
    const purchase = await sixTimes(client, card.id);
    at('2026-11-05');
    expectStatus(await refund(client, purchase, { scope: 'amount', amount_cents: 5_000 }), 201);
    const bills = await expectBillsMatchLedger(client, card.id);
    expect(billOf(bills, '2026-12').items_total_cents).toBe(10_000 - 5_000);
    expect(bills).toHaveLength(6);
    expect((await installments(client, purchase)).items.every((item) => !item.refunded)).toBe(true);
    const over = await refund(client, purchase, { scope: 'amount', amount_cents: 55_001 });
    expectProblem(over, 422, 'refund_exceeds_purchase');
    expect(over.json().refundable_cents).toBe(55_000);
    expect(await refundRows(purchase)).toBe(1);
  });

  it('two refunds at once never give back more than the purchase', async () => {
    const { client, card } = await setUp();
    // [first, second, how many of the two may succeed]: 400 + 400 > 600; a whole after 1 centavo is the rest.
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, number[]]> = [
      [{ scope: 'amount', amount_cents: 40_000 }, { scope: 'amount', amount_cents: 40_000 }, [1]],
      [{ scope: 'whole' }, { scope: 'whole' }, [1]],
      [{ scope: 'remaining' }, { scope: 'whole' }, [1]],
      [{ scope: 'whole' }, { scope: 'amount', amount_cents: 100 }, [1, 2]],
    ];
    for (const [first, second, successes] of [...cases, ...cases]) {
      const purchase = await sixTimes(client, card.id);
      const answers = await Promise.all([refund(client, purchase, first), refund(client, purchase, second)]);
      const ok = answers.filter((answer) => answer.statusCode === 201);
      expect(successes, JSON.stringify([first, second, answers.map((answer) => answer.body)])).toContain(ok.length);
      for (const answer of answers.filter((one) => one.statusCode !== 201)) {
        expect(['nothing_to_refund', 'refund_exceeds_purchase']).toContain(answer.json().code);
      }
      const given = ok.reduce((sum, answer) => sum + answer.json().transaction.amount_cents, 0);
      expect(given).toBeLessThanOrEqual(60_000);
      expect((await installments(client, purchase)).refunded_cents).toBe(given);
      expect(await refundRows(purchase)).toBe(ok.length);
    }
    await expectBillsMatchLedger(client, card.id);
  });

  it('a refund and a reversal of the purchase at once: one of them, never both', async () => {
    const { client, card } = await setUp();
    for (let round = 0; round < 6; round += 1) {
      const purchase = await sixTimes(client, card.id);
      const [refunded, reversed] = await Promise.all([
        refund(client, purchase, { scope: 'amount', amount_cents: 1_000 }),
        client.post(`/api/transactions/${purchase}/reverse`, {}),
      ]);
      expect([refunded.statusCode, reversed.statusCode].sort(), `${refunded.body} ${reversed.body}`).toEqual([201, 422]);
      if (refunded.statusCode === 201) expectProblem(reversed, 422, 'purchase_has_refunds');
      else expectProblem(refunded, 422, 'already_reversed');
    }
    await expectBillsMatchLedger(client, card.id);
  });

  it('a refund reversed puts the installments back on their bills', async () => {
    const { client, card } = await setUp();
    const purchase = await sixTimes(client, card.id);
    const before = await billsOf(client, card.id);
    at('2026-11-05');
    const refunded = expectStatus(await refund(client, purchase, { scope: 'remaining' }), 201).json();
    expectStatus(await client.post(`/api/transactions/${refunded.transaction.id}/reverse`, {}), 201);
    const after = await expectBillsMatchLedger(client, card.id);
    expect(after.map((bill) => [bill.month, bill.total_cents])).toEqual(before.map((bill) => [bill.month, bill.total_cents]));
    const rows = await installments(client, purchase);
    expect(rows.refunded_cents).toBe(0);
    expect(rows.items.every((item) => !item.refunded)).toBe(true);
    expect(rows.items.map((item) => item.bill_id)).toEqual(before.map((bill) => bill.id));
    // The refund can be made again, whole.
    expectStatus(await refund(client, purchase, { scope: 'remaining' }), 201);
    await expectBillsMatchLedger(client, card.id);
  });
});

describe('refunds after an antecipação', () => {
  it('the remaining installments once only; reversed, the anticipated installments stay on the bill they were brought to', async () => {
    const { client, card } = await setUp();
    const purchase = await sixTimes(client, card.id);
    at('2026-11-05');
    expectStatus(await client.post(`/api/transactions/${purchase}/anticipate`, { count: 2 }), 201);
    const anticipated = await billsOf(client, card.id);
    const refunded = expectStatus(await refund(client, purchase, { scope: 'remaining' }), 201).json();
    expect(refunded.transaction.amount_cents).toBe(50_000);
    expect(billOf(await expectBillsMatchLedger(client, card.id), '2026-12').total_cents).toBe(0);
    expectProblem(await refund(client, purchase, { scope: 'remaining' }), 422, 'nothing_to_refund');
    expectStatus(await client.post(`/api/transactions/${refunded.transaction.id}/reverse`, {}), 201);
    const after = await expectBillsMatchLedger(client, card.id);
    expect(after.map((bill) => [bill.month, bill.total_cents])).toEqual(
      anticipated.map((bill) => [bill.month, bill.total_cents]),
    );
    expect((await installments(client, purchase)).items.map((item) => item.anticipated)).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
    ]);
  });
});

describe('an antecipação discount after refunds', () => {
  it('never gives back more than the purchase still holds', async () => {
    const { client, card } = await setUp();
    const purchase = await sixTimes(client, card.id);
    at('2026-11-05');
    expectStatus(await refund(client, purchase, { scope: 'amount', amount_cents: 55_000 }), 201);
    const over = await client.post(`/api/transactions/${purchase}/anticipate`, { count: 2, discount_cents: 19_000 });
    expectProblem(over, 422, 'refund_exceeds_purchase');
    expect(over.json().refundable_cents).toBe(5_000);
    expect((await installments(client, purchase)).items.some((item) => item.anticipated)).toBe(false);
    expect((await client.get(`/api/accounts/${card.id}`)).json().balance_cents).toBe(-5_000);
    expectStatus(await client.post(`/api/transactions/${purchase}/anticipate`, { count: 2, discount_cents: 5_000 }), 201);
    expect((await installments(client, purchase)).refunded_cents).toBe(60_000);
    await expectBillsMatchLedger(client, card.id);
  });
});

describe('a paid bill reopened', () => {
  it('by a payment reversed and by a refund reversed after the bill was paid', async () => {
    const { client, checking, card } = await setUp();
    await bought(client, card.id, 10_000);
    const other = await bought(client, card.id, 4_000);
    at('2026-10-25');
    const refunded = expectStatus(await refund(client, other, { scope: 'whole' }), 201).json();
    at('2026-11-05');
    const november = billIdOf(card.id, '2026-11');
    let bill = expectStatus(await client.get(`/api/accounts/${card.id}/bills/${november}`), 200).json();
    expect(bill).toMatchObject({ status: 'closed', total_cents: 10_000 });
    const paid = expectStatus(
      await client.post('/api/transfers', {
        from_account_id: checking.id,
        to_account_id: card.id,
        amount_cents: 10_000,
        bill_id: november,
      }),
      201,
    ).json();
    bill = (await client.get(`/api/accounts/${card.id}/bills/${november}`)).json();
    expect(bill).toMatchObject({ status: 'paid', paid_cents: 10_000, remaining_cents: 0 });
    expectStatus(await client.post(`/api/transactions/${refunded.transaction.id}/reverse`, {}), 201);
    bill = (await client.get(`/api/accounts/${card.id}/bills/${november}`)).json();
    expect(bill).toMatchObject({ status: 'partially_paid', total_cents: 14_000, paid_cents: 10_000, remaining_cents: 4_000 });
    expectStatus(await client.post(`/api/transactions/${paid.transaction.id}/reverse`, {}), 201);
    bill = (await client.get(`/api/accounts/${card.id}/bills/${november}`)).json();
    expect(bill).toMatchObject({ status: 'closed', paid_cents: 0, remaining_cents: 14_000 });
    at('2026-11-11');
    bill = (await client.get(`/api/accounts/${card.id}/bills/${november}`)).json();
    expect(bill).toMatchObject({ status: 'overdue', rolled_over: true });
    expect(billOf(await expectBillsMatchLedger(client, card.id), '2026-12').previous_balance_cents).toBe(14_000);
  });
});

describe('antecipação', () => {
  it('brings the last installments to the open bill; the discount is a refund and lowers that bill', async () => {
    const { client, card } = await setUp();
    const purchase = await sixTimes(client, card.id);
    at('2026-11-05');
    const before = billOf(await billsOf(client, card.id), '2026-12').total_cents;
    const answer = expectStatus(
      await client.post(`/api/transactions/${purchase}/anticipate`, { count: 2, discount_cents: 1_500 }),
      201,
    ).json();
    expect(answer.bill_id).toBe(billIdOf(card.id, '2026-12'));
    expect(answer.discount).toMatchObject({ kind: 'refund', amount_cents: 1_500, refund_of_transaction_id: purchase });
    const bills = await expectBillsMatchLedger(client, card.id);
    expect(bills.map((bill) => bill.month)).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(billOf(bills, '2026-12').total_cents).toBe(before + 20_000 - 1_500);
    expect(
      billOf(bills, '2026-12')
        .items.map((item) => item.installment?.number ?? item.kind)
        .sort(),
    ).toEqual([2, 5, 6, 'refund'].sort());
    expect((await installments(client, purchase)).items.map((item) => item.anticipated)).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
    ]);
    expect((await client.get(`/api/accounts/${card.id}`)).json().balance_cents).toBe(-58_500);
    expectProblem(await client.post(`/api/transactions/${purchase}/anticipate`, { count: 3 }), 422, 'nothing_to_anticipate');
    // Dated before the purchase it would bring installments to a bill that closed before the purchase was made.
    const early = await client.post(`/api/transactions/${purchase}/anticipate`, { count: 1, occurred_on: '2026-09-01' });
    expectProblem(early, 400, 'validation_failed');
    expect(early.json().errors[0]).toMatchObject({ field: 'body/occurred_on', code: 'range' });
    expect(await refundRows(purchase)).toBe(1);
    const tooMuch = await client.post(`/api/transactions/${purchase}/anticipate`, { count: 1, discount_cents: 10_000 });
    expectProblem(tooMuch, 400, 'validation_failed');
    expect(tooMuch.json().errors[0]).toMatchObject({ code: 'discount_too_large' });
  });
});

describe('a refund of the rest after a discounted antecipação', () => {
  it('gives back what the brought-forward installments cost, their discount taken off once', async () => {
    const { client, card } = await setUp();
    const purchase = await sixTimes(client, card.id);
    at('2026-11-05');
    expectStatus(await client.post(`/api/transactions/${purchase}/anticipate`, { count: 2, discount_cents: 1_500 }), 201);
    // The rest from the December bill on: installments 2 to 4 and the two brought forward, less the discount.
    const answer = expectStatus(await refund(client, purchase, { scope: 'remaining' }), 201).json();
    expect(answer.transaction.amount_cents).toBe(50_000 - 1_500);
    // All told the card owes the one installment billed before, nothing more and nothing less.
    expect((await client.get(`/api/accounts/${card.id}`)).json().balance_cents).toBe(-10_000);
    await expectBillsMatchLedger(client, card.id);
  });
});

describe('bill payments', () => {
  it('bill_id of another card or of no bill → 404; on a transfer to a checking account → 422; nothing moves', async () => {
    const { client, checking, card } = await setUp();
    const other = await cardOf(client, { closing_day: 3, due_day: 10 });
    const savings = await client.account({ name: 'Reserva', type: 'checking' });
    await bought(client, card.id, 10_000);
    await bought(client, other.id, 10_000);
    const pay = (to: string, billId: string) =>
      client.post('/api/transfers', { from_account_id: checking.id, to_account_id: to, amount_cents: 1_000, bill_id: billId });
    expectProblem(await pay(card.id, billIdOf(other.id, '2026-11')), 404, 'not_found');
    expectProblem(await pay(card.id, billIdOf(card.id, '2031-01')), 404, 'not_found');
    expectProblem(await pay(card.id, '00000000-0000-4000-8000-000000000000'), 404, 'not_found');
    expectProblem(await pay(savings.id, billIdOf(card.id, '2026-11')), 422, 'not_a_credit_card');
    expect((await client.get(`/api/accounts/${checking.id}`)).json().balance_cents).toBe(1_000_000);
    expect((await client.get(`/api/accounts/${card.id}`)).json().balance_cents).toBe(-10_000);
    const rows = await t.pool.query('SELECT count(*)::int AS n FROM card_payments WHERE account_id = ANY($1)', [
      [card.id, other.id],
    ]);
    expect(rows.rows[0].n).toBe(0);
  });

  it('replays of refund, antecipação and payment answer the same body with one effect; a double submit pays once', async () => {
    const { client, checking, card } = await setUp();
    const purchase = await sixTimes(client, card.id);
    const small = await bought(client, card.id, 3_000);
    at('2026-11-05');
    const first = expectStatus(await refund(client, small, { scope: 'amount', amount_cents: 1_000 }, 'refund-1'), 201);
    const again = expectStatus(await refund(client, small, { scope: 'amount', amount_cents: 1_000 }, 'refund-1'), 201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await refundRows(small)).toBe(1);

    const anticipate = () =>
      client.post(`/api/transactions/${purchase}/anticipate`, { count: 1, discount_cents: 100 }, { 'idempotency-key': 'ant-1' });
    const a1 = expectStatus(await anticipate(), 201);
    const a2 = expectStatus(await anticipate(), 201);
    expect(a2.json()).toEqual(a1.json());
    expect((await installments(client, purchase)).items.filter((item) => item.anticipated)).toHaveLength(1);
    expect(await refundRows(purchase)).toBe(1);

    const november = billIdOf(card.id, '2026-11');
    const payment = { from_account_id: checking.id, to_account_id: card.id, amount_cents: 5_000, bill_id: november };
    const p1 = expectStatus(await client.post('/api/transfers', payment, { 'idempotency-key': 'pay-1' }), 201);
    const p2 = expectStatus(await client.post('/api/transfers', payment, { 'idempotency-key': 'pay-1' }), 201);
    expect(p2.json()).toEqual(p1.json());
    // Double-submitted at once with one key: one payment, the other answer a replay or 409 in flight.
    const twice = await Promise.all([
      client.post('/api/transfers', payment, { 'idempotency-key': 'pay-2' }),
      client.post('/api/transfers', payment, { 'idempotency-key': 'pay-2' }),
    ]);
    expect(twice.filter((answer) => answer.statusCode === 201).length).toBeGreaterThanOrEqual(1);
    for (const answer of twice.filter((one) => one.statusCode !== 201)) expectProblem(answer, 409, 'idempotency_key_in_flight');
    const bill = expectStatus(await client.get(`/api/accounts/${card.id}/bills/${november}`), 200).json();
    expect(bill.payments).toHaveLength(2);
    expect(bill.paid_cents).toBe(10_000);
    expect((await client.get(`/api/accounts/${checking.id}`)).json().balance_cents).toBe(1_000_000 - 10_000);
    await expectBillsMatchLedger(client, card.id);
  });
});
