import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectStatus } from '../helpers/problem.js';

/**
 * The insights cache and card moves whose months are not the posting's. Insights count a
 * purchase's installments in the months of their bills. An antecipação without a discount
 * moves installments to the open bill without any posting, so nothing marks the cached months
 * stale unless the antecipação itself does. A refund reversed months later puts installments
 * back on bills before the reversal's month, which the reversal's posting (marking from its
 * own month on) leaves fresh.
 */

// 1 March 2027: the card closes on the 3rd, so the bill open today is March's.
const clock = fixedClock('2027-03-01T15:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterAll(async () => {
  await expectLedgerInvariants(t.pool);
  await t?.close();
});

describe('an antecipação without a discount', () => {
  it("leaves no cached month with the installments where they were (the month's spending moves with them)", async () => {
    const { client } = await signedIn(t.app);
    const card = (
      await client.account({ name: 'Cartão', type: 'credit_card', credit_limit_cents: 500_000, closing_day: 3, due_day: 10 })
    ).id;
    const food = await client.category('expense', 'food');
    const purchase = expectStatus(
      await client.post('/api/transactions', {
        account_id: card,
        type: 'expense',
        amount_cents: 120_000,
        description: 'Geladeira',
        category_id: food,
        occurred_on: '2026-11-10',
        installments: 12,
      }),
      201,
    ).json().transaction.id as string;
    const spent = async () => {
      const body = expectStatus(await client.get('/api/insights?month=2027-03'), 200).json();
      return body.categories.find((line: { category_id: string }) => line.category_id === food)?.spent_cents as number;
    };
    expect(await spent()).toBe(10_000);
    expectStatus(await client.post(`/api/transactions/${purchase}/anticipate`, { count: 2 }), 201);
    // The budgets screen, computed at every read, has the two installments brought to March.
    const budgets = expectStatus(await client.get('/api/budgets?month=2027-03'), 200).json();
    expect(budgets.unbudgeted_spent_cents).toBe(30_000);
    expect(await spent()).toBe(30_000);
  });
});

describe('a card refund reversed months later', () => {
  it('leaves no cached month before the reversal with the installments it had moved', async () => {
    clock.set('2027-06-15T15:00:00Z');
    const { client } = await signedIn(t.app);
    const card = (
      await client.account({ name: 'Cartão', type: 'credit_card', credit_limit_cents: 500_000, closing_day: 3, due_day: 10 })
    ).id;
    const food = await client.category('expense', 'food');
    const purchase = expectStatus(
      await client.post('/api/transactions', {
        account_id: card,
        type: 'expense',
        amount_cents: 120_000,
        description: 'Geladeira',
        category_id: food,
        occurred_on: '2026-11-10',
        installments: 12,
      }),
      201,
    ).json().transaction.id as string;
    // Refunded on 10 March (April's bill): installments 5 to 12 are given back there.
    const refund = expectStatus(
      await client.post(`/api/transactions/${purchase}/refund`, { scope: 'remaining', occurred_on: '2027-03-10' }),
      201,
    ).json().transaction.id as string;
    const spent = async (month: string) => {
      const body = expectStatus(await client.get(`/api/insights?month=${month}`), 200).json();
      return (body.categories.find((line: { category_id: string }) => line.category_id === food)?.spent_cents ?? 0) as number;
    };
    expect(await spent('2027-04')).toBe(0);
    expectStatus(await client.post(`/api/transactions/${refund}/reverse`, {}), 201);
    const budgets = expectStatus(await client.get('/api/budgets?month=2027-04'), 200).json();
    expect(budgets.unbudgeted_spent_cents).toBe(10_000);
    expect(await spent('2027-04')).toBe(10_000);
  });
});
