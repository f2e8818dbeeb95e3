import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

const NOW = '2026-11-10T15:00:00Z';
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

async function cardOf(client: Awaited<ReturnType<typeof signedIn>>['client'], days = { closing_day: 3, due_day: 10 }) {
  return client.account({ name: 'Nubank', type: 'credit_card', credit_limit_cents: 500_000, ...days });
}

describe('credit card bills', () => {
  it('a 10x purchase takes the whole amount from the limit and puts one installment on each bill', async () => {
    const { client } = await signedIn(t.app);
    const card = await cardOf(client);
    expect(card).toMatchObject({ credit_limit_cents: 500_000, closing_day: 3, due_day: 10, closing_day_purchases: 'next_bill' });
    const purchase = expectStatus(
      await client.post('/api/transactions', {
        account_id: card.id,
        type: 'expense',
        amount_cents: 100_003,
        description: 'Geladeira',
        occurred_on: '2026-11-10',
        installments: 10,
      }),
      201,
    ).json();
    expect(purchase.transaction.installment_count).toBe(10);
    expect(purchase.account.balance_cents).toBe(-100_003);
    const account = expectStatus(await client.get(`/api/accounts/${card.id}`), 200).json();
    expect(account).toMatchObject({ credit_used_cents: 100_003, credit_available_cents: 399_997 });
    const bills = expectStatus(await client.get(`/api/accounts/${card.id}/bills?limit=100`), 200).json();
    expect(bills.total).toBe(10);
    const oldestFirst = [...bills.items].reverse();
    expect(oldestFirst.map((bill: { closing_on: string }) => bill.closing_on)).toEqual([
      '2026-12-03',
      '2027-01-03',
      '2027-02-03',
      '2027-03-03',
      '2027-04-03',
      '2027-05-03',
      '2027-06-03',
      '2027-07-03',
      '2027-08-03',
      '2027-09-03',
    ]);
    expect(oldestFirst[0]).toMatchObject({ status: 'open', current: true, due_on: '2026-12-10', total_cents: 10_003 });
    expect(oldestFirst[0].items[0]).toMatchObject({ installment: { number: 1, count: 10 }, amount_cents: 10_003 });
    expect(oldestFirst[9].items[0]).toMatchObject({ installment: { number: 10, count: 10 }, amount_cents: 10_000 });
    const statement = expectStatus(await client.get(`/api/accounts/${card.id}/ledger`), 200).json();
    expect(statement.items[0]).toMatchObject({ transaction_id: purchase.transaction.id, installment_count: 10 });
    const one = expectStatus(await client.get(`/api/accounts/${card.id}/bills/${oldestFirst[2].id}`), 200).json();
    expect(one).toEqual(oldestFirst[2]);
  });

  it('paying a closed bill in part then in full; a refund of the remaining installments; reversing the payment reopens', async () => {
    const { client } = await signedIn(t.app);
    const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 1_000_000 });
    const card = await cardOf(client);
    clock.set('2026-10-20T15:00:00Z');
    const purchase = expectStatus(
      await client.post('/api/transactions', {
        account_id: card.id,
        type: 'expense',
        amount_cents: 60_000,
        description: 'Tênis',
        installments: 6,
      }),
      201,
    ).json();
    clock.set('2026-11-05T15:00:00Z');
    let bills = (await client.get(`/api/accounts/${card.id}/bills?status=closed`)).json();
    expect(bills.items).toHaveLength(1);
    const november = bills.items[0];
    expect(november).toMatchObject({ closing_on: '2026-11-03', due_on: '2026-11-10', total_cents: 10_000, status: 'closed' });
    const partial = expectStatus(
      await client.post('/api/transfers', {
        from_account_id: checking.id,
        to_account_id: card.id,
        amount_cents: 4_000,
        bill_id: november.id,
      }),
      201,
    ).json();
    expect((await client.get(`/api/accounts/${card.id}/bills/${november.id}`)).json()).toMatchObject({
      status: 'partially_paid',
      paid_cents: 4_000,
    });
    const rest = expectStatus(
      await client.post('/api/transfers', { from_account_id: checking.id, to_account_id: card.id, amount_cents: 6_000 }),
      201,
    ).json();
    expect((await client.get(`/api/accounts/${card.id}/bills/${november.id}`)).json()).toMatchObject({
      status: 'paid',
      paid_cents: 10_000,
    });
    const refund = expectStatus(
      await client.post(`/api/transactions/${purchase.transaction.id}/refund`, { scope: 'remaining' }),
      201,
    ).json();
    expect(refund.transaction).toMatchObject({
      kind: 'refund',
      amount_cents: 50_000,
      refund_of_transaction_id: purchase.transaction.id,
    });
    bills = (await client.get(`/api/accounts/${card.id}/bills`)).json();
    const december = bills.items.find((bill: { month: string }) => bill.month === '2026-12');
    expect(december.total_cents).toBe(0);
    expect(bills.items.filter((bill: { month: string }) => bill.month > '2026-12')).toHaveLength(0);
    expectStatus(await client.post(`/api/transactions/${rest.transaction.id}/reverse`, {}), 201);
    expect((await client.get(`/api/accounts/${card.id}/bills/${november.id}`)).json()).toMatchObject({
      status: 'partially_paid',
      paid_cents: 4_000,
    });
    expectProblem(await client.post(`/api/transactions/${purchase.transaction.id}/reverse`, {}), 422, 'purchase_has_refunds');
    expect(partial.transaction.kind).toBe('transfer');
  });
});

describe('the bills list', () => {
  it('leaves out months with nothing on them, but not the bill open today', async () => {
    const { client } = await signedIn(t.app);
    const card = await cardOf(client);
    expectStatus(
      await client.post('/api/transactions', {
        account_id: card.id,
        type: 'expense',
        amount_cents: 5_000,
        description: 'Livro',
        occurred_on: '2026-03-10',
      }),
      201,
    );
    const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
    const payment = { from_account_id: checking.id, to_account_id: card.id, amount_cents: 5_000, occurred_on: '2026-04-08' };
    expectStatus(await client.post('/api/transfers', payment), 201);
    const bills = expectStatus(await client.get(`/api/accounts/${card.id}/bills?limit=100`), 200).json();
    // April's bill held the book and was paid; May to November had nothing; December's is open today (10 Nov).
    expect(bills.items.map((bill: { month: string }) => bill.month)).toEqual(['2026-12', '2026-04']);
    expect(bills.total).toBe(2);
    const paid = expectStatus(await client.get(`/api/accounts/${card.id}/bills?status=paid&limit=100`), 200).json();
    expect(paid.items.map((bill: { month: string }) => bill.month)).toEqual(['2026-04']);
  });
});

describe('a bill paid after its due day', () => {
  it('reads paid once later payments cover it (oldest debt first), overdue while they do not', async () => {
    const { client } = await signedIn(t.app);
    const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
    const card = await cardOf(client);
    clock.set('2026-10-20T15:00:00Z');
    expectStatus(
      await client.post('/api/transactions', {
        account_id: card.id,
        type: 'expense',
        amount_cents: 10_000,
        description: 'Mercado',
      }),
      201,
    );
    // November's bill closed on the 3rd and fell due on the 10th; today is the 12th.
    clock.set('2026-11-12T15:00:00Z');
    const pay = (amount: number) =>
      client.post('/api/transfers', { from_account_id: checking.id, to_account_id: card.id, amount_cents: amount });
    const november = async () =>
      (await client.get(`/api/accounts/${card.id}/bills`))
        .json()
        .items.find((bill: { month: string }) => bill.month === '2026-11');
    expect(await november()).toMatchObject({ status: 'overdue', rolled_over: true, remaining_cents: 10_000 });
    expectStatus(await pay(4_000), 201);
    expect(await november()).toMatchObject({ status: 'overdue' });
    expectStatus(await pay(6_000), 201);
    expect(await november()).toMatchObject({ status: 'paid', rolled_over: true });
    const december = (await client.get(`/api/accounts/${card.id}/bills`))
      .json()
      .items.find((bill: { month: string }) => bill.month === '2026-12');
    expect(december).toMatchObject({ previous_balance_cents: 10_000, paid_cents: 10_000, remaining_cents: 0, status: 'open' });
    expect((await client.get(`/api/accounts/${card.id}/bills?status=overdue`)).json().total).toBe(0);
  });
});
