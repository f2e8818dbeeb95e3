import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';
import { bought, cardOf } from './cards-support.js';

/**
 * The threats of the card routes (docs/THREAT-MODEL.md, P): refunds raced to give back more
 * than a purchase holds, and a payment that names another person's bill (or another card's).
 * Guessing or reading another person's bill ids is the IDOR walk's (idor-walk.test.ts).
 */

const NOW = '2026-11-10T15:00:00Z';
const clock = fixedClock(NOW);
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

async function cardHolder(name: string) {
  const person = await signedIn(t.app, name);
  const { client } = person;
  const checking = (await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 1_000_000 })).id;
  const card = (await cardOf(client, { closing_day: 3, due_day: 10 })).id;
  const buy = (amountCents: number, installments?: number) =>
    bought(client, card, amountCents, installments === undefined ? {} : { installments });
  const bills = async (cardId = card) =>
    expectStatus(await client.get(`/api/accounts/${cardId}/bills?limit=100`), 200).json().items as Array<{
      id: string;
      paid_cents: number;
    }>;
  return { ...person, checking, card, buy, bills };
}

/** Sends the same refund `count` times at once, each with its own Idempotency-Key. */
function raced(person: Awaited<ReturnType<typeof cardHolder>>, purchase: string, body: unknown, count: number) {
  return Promise.all(
    Array.from({ length: count }, () =>
      person.client.post(`/api/transactions/${purchase}/refund`, body, { 'idempotency-key': `race-${randomUUID()}` }),
    ),
  );
}

async function refundedOf(purchase: string): Promise<number> {
  const result = await t.pool.query<{ cents: number }>(
    `SELECT coalesce(sum(r.amount_cents), 0)::bigint AS cents
       FROM card_refunds f JOIN transactions r ON r.id = f.transaction_id WHERE f.purchase_transaction_id = $1`,
    [purchase],
  );
  return Number(result.rows[0]?.cents);
}

describe('refunds raced against each other never give back more than the purchase', () => {
  it('five whole refunds of one purchase at once: one is posted, four are refused', async () => {
    const person = await cardHolder('Ana');
    const purchase = await person.buy(60_000, 6);
    const answers = await raced(person, purchase, { scope: 'whole' }, 5);
    const statuses = answers.map((answer) => answer.statusCode).sort();
    expect(statuses).toEqual([201, 422, 422, 422, 422]);
    for (const answer of answers.filter((one) => one.statusCode === 422)) {
      expect(['nothing_to_refund', 'refund_exceeds_purchase']).toContain(answer.json().code);
    }
    expect(await refundedOf(purchase)).toBe(60_000);
    const card = expectStatus(await person.client.get(`/api/accounts/${person.card}`), 200).json();
    expect(card.balance_cents).toBe(0);
  });

  it('four refunds of R$ 30,00 of a R$ 100,00 purchase at once: exactly three fit', async () => {
    const person = await cardHolder('Bruno');
    const purchase = await person.buy(10_000);
    const answers = await raced(person, purchase, { scope: 'amount', amount_cents: 3_000 }, 4);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([201, 201, 201, 422]);
    const refused = answers.find((answer) => answer.statusCode === 422);
    expect(refused?.json()).toMatchObject({ code: 'refund_exceeds_purchase', refundable_cents: 1_000 });
    expect(await refundedOf(purchase)).toBe(9_000);
  });

  it('a remaining-installments refund raced with a whole refund: one of them, never both', async () => {
    const person = await cardHolder('Carla');
    const purchase = await person.buy(120_000, 12);
    const [remaining, whole] = await Promise.all([
      person.client.post(`/api/transactions/${purchase}/refund`, { scope: 'remaining' }, { 'idempotency-key': 'r-1' }),
      person.client.post(`/api/transactions/${purchase}/refund`, { scope: 'whole' }, { 'idempotency-key': 'w-1' }),
    ]);
    expect([remaining?.statusCode, whole?.statusCode].sort()).toEqual([201, 422]);
    expect(await refundedOf(purchase)).toBe(120_000);
  });
});

describe("a payment that names a bill pays only the paying person's own bill of that card", () => {
  it("naming another person's bill is 404 not_found, like a bill that exists nowhere, and moves nothing", async () => {
    const ana = await cardHolder('Ana');
    const bruno = await cardHolder('Bruno');
    await ana.buy(50_000);
    const anaBill = (await ana.bills())[0]?.id as string;
    const payment = (bill_id: string) =>
      bruno.client.post('/api/transfers', {
        from_account_id: bruno.checking,
        to_account_id: bruno.card,
        amount_cents: 5_000,
        bill_id,
      });
    const foreign = await payment(anaBill);
    const nowhere = await payment(randomUUID());
    expectProblem(foreign, 404, 'not_found');
    expectProblem(nowhere, 404, 'not_found');
    expect(foreign.json().detail).toBe(nowhere.json().detail);
    expect(foreign.body).not.toContain(ana.card);
    // Paying Ana's card itself is refused as another person's account, before any bill is read.
    expectProblem(
      await bruno.client.post('/api/transfers', {
        from_account_id: bruno.checking,
        to_account_id: ana.card,
        amount_cents: 5_000,
        bill_id: anaBill,
      }),
      404,
      'not_found',
    );
    expect((await ana.bills())[0]?.paid_cents).toBe(0);
    const checking = expectStatus(await bruno.client.get(`/api/accounts/${bruno.checking}`), 200).json();
    expect(checking.balance_cents).toBe(1_000_000);
    const payments = await t.pool.query('SELECT 1 FROM card_payments WHERE user_id = $1', [bruno.user.id]);
    expect(payments.rowCount).toBe(0);
  });

  it("naming the bill of one's own other card is 404 too: a payment pays the card it goes to", async () => {
    const ana = await cardHolder('Ana');
    const other = (
      await ana.client.account({ name: 'Outro', type: 'credit_card', credit_limit_cents: 100_000, closing_day: 20, due_day: 28 })
    ).id;
    expectStatus(
      await ana.client.post('/api/transactions', { account_id: other, type: 'expense', amount_cents: 1_000, description: 'X' }),
      201,
    );
    const otherBill = (await ana.bills(other))[0]?.id as string;
    expectProblem(
      await ana.client.post('/api/transfers', {
        from_account_id: ana.checking,
        to_account_id: ana.card,
        amount_cents: 1_000,
        bill_id: otherBill,
      }),
      404,
      'not_found',
    );
  });
});
