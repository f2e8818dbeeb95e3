import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { PASSWORD, signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectStatus } from '../helpers/problem.js';
import { unzip } from '../helpers/zip.js';

/**
 * A person's credit card data in the LGPD export (JSON and ZIP) and what deleting the account
 * does to it: the card's days and their history, a purchase's installments and the bill each
 * is on, refunds and antecipação discounts, and payments that named their bill.
 */

const NOW = '2026-12-01T15:00:00.000Z';
const CARD_TABLES = ['card_schedules', 'card_installments', 'card_refunds', 'card_payments'];
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock: fixedClock(NOW) });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
});
afterAll(async () => {
  await t?.close();
});

/**
 * On 1 December 2026 (the card closes on the 3rd): a fridge in 12x from the December bill on,
 * its last two installments brought forward with R$ 5,00 off; shoes in 3x whose remaining
 * installments are refunded; R$ 50,00 paid to the December bill by name.
 */
async function personWithCard(name: string) {
  const person = await signedIn(t.app, name);
  const { client } = person;
  const bank = await client.account({ name: `Banco de ${name}`, type: 'checking', initial_balance_cents: 100_000 });
  const card = await client.account({
    name: `Cartão de ${name}`,
    type: 'credit_card',
    credit_limit_cents: 1_000_000,
    closing_day: 3,
    due_day: 10,
  });
  const buy = async (amount_cents: number, description: string, installments: number) =>
    expectStatus(
      await client.post('/api/transactions', { account_id: card.id, type: 'expense', amount_cents, description, installments }),
      201,
    ).json().transaction.id as string;
  const fridge = await buy(120_000, 'Geladeira', 12);
  const discount = expectStatus(
    await client.post(`/api/transactions/${fridge}/anticipate`, { count: 2, discount_cents: 500 }),
    201,
  ).json();
  const shoes = await buy(30_000, 'Tênis', 3);
  const refund = expectStatus(await client.post(`/api/transactions/${shoes}/refund`, { scope: 'remaining' }), 201).json();
  const payment = expectStatus(
    await client.post('/api/transfers', {
      from_account_id: bank.id,
      to_account_id: card.id,
      amount_cents: 5_000,
      bill_id: discount.bill_id,
    }),
    201,
  ).json();
  return {
    ...person,
    cardId: card.id as string,
    fridge,
    shoes,
    discountId: discount.discount.id as string,
    refundId: refund.transaction.id as string,
    paymentId: payment.transaction.id as string,
  };
}

async function cardRowsOf(userId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of CARD_TABLES) {
    const result = await t.pool.query(`SELECT 1 FROM ${table} WHERE user_id = $1`, [userId]);
    counts[table] = result.rowCount ?? 0;
  }
  return counts;
}

describe("a person's credit cards in the export", () => {
  it('the JSON carries the card days, the schedule history, every installment with its bill, refunds and named payments', async () => {
    const ana = await personWithCard('Ana');
    const bruno = await personWithCard('Bruno');
    const body = expectStatus(await ana.client.get('/api/privacy/export'), 200).json();
    expect(body.accounts).toContainEqual(
      expect.objectContaining({ id: ana.cardId, closing_day: 3, due_day: 10, closing_day_purchases: 'next_bill' }),
    );
    expect(body.card_schedules).toEqual([
      { account_id: ana.cardId, starts_month: '2000-01', closing_day: 3, due_day: 10, closing_day_purchases: 'next_bill' },
    ]);
    const fridge = body.card_installments.filter((row: { transaction_id: string }) => row.transaction_id === ana.fridge);
    expect(fridge).toHaveLength(12);
    expect(fridge.map((row: { number: number }) => row.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(fridge[0]).toEqual({
      transaction_id: ana.fridge,
      account_id: ana.cardId,
      number: 1,
      count: 12,
      amount_cents: 10_000,
      bill_month: '2026-12',
      moved_to_month: null,
      moved_by_transaction_id: null,
      moved_reason: null,
    });
    expect(fridge[11]).toMatchObject({
      bill_month: '2027-11',
      moved_to_month: '2026-12',
      moved_by_transaction_id: ana.discountId,
      moved_reason: 'anticipation',
    });
    const shoes = body.card_installments.filter((row: { transaction_id: string }) => row.transaction_id === ana.shoes);
    // The refund of the rest cancels the installment on its own bill too, and brings the later ones to it.
    expect(shoes.map((row: { moved_reason: string | null }) => row.moved_reason)).toEqual(['refund', 'refund', 'refund']);
    expect(body.card_refunds).toEqual(
      expect.arrayContaining([
        { transaction_id: ana.refundId, account_id: ana.cardId, purchase_transaction_id: ana.shoes, scope: 'remaining' },
        {
          transaction_id: ana.discountId,
          account_id: ana.cardId,
          purchase_transaction_id: ana.fridge,
          scope: 'anticipation_discount',
        },
      ]),
    );
    expect(body.card_refunds).toHaveLength(2);
    expect(body.card_payments).toEqual([{ transaction_id: ana.paymentId, account_id: ana.cardId, bill_month: '2026-12' }]);
    const kinds = body.transactions.map((row: { kind: string }) => row.kind);
    expect(kinds.filter((kind: string) => kind === 'refund')).toHaveLength(2);
    const text = JSON.stringify(body);
    for (const id of [bruno.cardId, bruno.fridge, bruno.shoes, bruno.refundId, bruno.paymentId]) expect(text).not.toContain(id);
  });

  it('the ZIP has a CSV per card table, with the same rows', async () => {
    const carla = await personWithCard('Carla');
    const response = expectStatus(await carla.client.get('/api/privacy/export?format=zip'), 200);
    const files = await unzip(response.rawPayload);
    const lines = (name: string) =>
      (files.get(name) ?? Buffer.alloc(0))
        .toString('utf8')
        .slice(1)
        .split('\r\n')
        .filter((line) => line !== '');
    expect(lines('card_schedules.csv')).toEqual([
      'account_id,starts_month,closing_day,due_day,closing_day_purchases',
      `${carla.cardId},2000-01,3,10,next_bill`,
    ]);
    expect(lines('card_installments.csv')).toHaveLength(1 + 12 + 3);
    expect(lines('card_refunds.csv')).toHaveLength(1 + 2);
    expect(lines('card_payments.csv')).toEqual([
      'transaction_id,account_id,bill_month',
      `${carla.paymentId},${carla.cardId},2026-12`,
    ]);
  });
});

describe('deleting an account with credit cards', () => {
  it("erases the person's card rows, keeps the card's movements in the ledger, and leaves another person's cards whole", async () => {
    const davi = await personWithCard('Davi');
    const eva = await personWithCard('Eva');
    expect(await cardRowsOf(davi.user.id)).toEqual({
      card_schedules: 1,
      card_installments: 15,
      card_refunds: 2,
      card_payments: 1,
    });
    const evaBefore = await cardRowsOf(eva.user.id);
    const entriesBefore = await t.pool.query('SELECT 1 FROM ledger_entries WHERE user_id = $1', [davi.user.id]);
    expectStatus(await davi.client.post('/api/privacy/delete-account', { password: PASSWORD }), 204);
    expect(await cardRowsOf(davi.user.id)).toEqual({
      card_schedules: 0,
      card_installments: 0,
      card_refunds: 0,
      card_payments: 0,
    });
    const entriesAfter = await t.pool.query('SELECT 1 FROM ledger_entries WHERE user_id = $1', [davi.user.id]);
    expect(entriesAfter.rowCount).toBe(entriesBefore.rowCount);
    const refunds = await t.pool.query(`SELECT description FROM transactions WHERE user_id = $1 AND kind = 'refund'`, [
      davi.user.id,
    ]);
    expect(refunds.rows).toEqual([{ description: '' }, { description: '' }]);
    expect(await cardRowsOf(eva.user.id)).toEqual(evaBefore);
    expectStatus(await eva.client.get(`/api/accounts/${eva.cardId}/bills`), 200);
  });
});
