import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { shiftMonth } from '../../src/lib/calendar.js';
import { fixedClock } from '../../src/lib/clock.js';
import { billIdOf } from '../../src/modules/cards/cards.service.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { cardOf, expectBillsMatchLedger } from './cards-support.js';

/**
 * Bill totals equal the ledger (issue 16) on random histories against a real database:
 * purchases à vista and parcelado, payments naming a bill or not, refunds of every scope,
 * antecipações with discounts, reversals of payments, refunds and purchases, and days
 * passing. After every step minus the card's balance is what the bills not rolled over still
 * owe, and every bill's total is its saldo anterior plus its items. No answer is a 5xx.
 */
const START = '2026-03-15T15:00:00Z';
const clock = fixedClock(START);
const DAY_MS = 86_400_000;
const RUNS = Number(process.env.PROPERTY_RUNS ?? 25);
/**
 * A fixed seed, as the ledger's property test: every run tries the same histories, so the check
 * below that each kind of step succeeded at least once cannot fail by chance. PROPERTY_SEED=<n>
 * tries others (and replays a failure fast-check reports).
 */
const SEED = Number(process.env.PROPERTY_SEED ?? 20_261_201);
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: String(24 * 365), SESSION_IDLE_HOURS: String(24 * 365) } });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
  clock.set(START);
});
afterAll(async () => {
  await t?.close();
});

const amount = fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 100, max: 200_000 }));
const pick = fc.nat({ max: 1_000 });
const step = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('buy' as const), amount, installments: fc.constantFrom(1, 1, 2, 3, 6, 12) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('pay' as const),
      amount,
      bill: fc.option(fc.integer({ min: -2, max: 1 }), { nil: undefined }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      pick,
      scope: fc.constantFrom('whole', 'remaining', 'amount'),
      amount,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('anticipate' as const),
      pick,
      count: fc.integer({ min: 1, max: 4 }),
      discount: fc.integer({ min: 0, max: 3_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick, of: fc.constantFrom('purchase', 'payment', 'refund') }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 25 }) }) },
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

/** Refusals a random step may meet; anything else (above all a 5xx) fails the run. */
const EXPECTED_REFUSALS = new Set([
  'insufficient_funds',
  'nothing_to_refund',
  'refund_exceeds_purchase',
  'refund_not_applicable',
  'nothing_to_anticipate',
  'not_installments',
  'validation_failed',
  'purchase_has_refunds',
  'already_reversed',
  'not_found',
]);

describe('bills equal the ledger on random histories', () => {
  it('after every step', async () => {
    // What succeeded over all runs: the history must have reached every kind of step.
    const succeeded = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.record({ closing: fc.integer({ min: 1, max: 31 }), due: fc.integer({ min: 1, max: 31 }) }),
        fc.array(step, { minLength: 4, maxLength: 14 }),
        async (days, steps) => {
          clock.set(START);
          const { client } = await signedIn(t.app);
          const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000_000 });
          const card = await cardOf(client, { closing_day: days.closing, due_day: days.due }, 1_000_000);
          const made = { purchase: [] as string[], payment: [] as string[], refund: [] as string[] };
          let bills = await expectBillsMatchLedger(client, card.id);
          for (const one of steps as Step[]) {
            const answer = await run(one);
            if (answer) {
              if (answer.statusCode === 201) succeeded.set(one.kind, (succeeded.get(one.kind) ?? 0) + 1);
              expect(answer.statusCode, answer.body).toBeLessThan(500);
              if (answer.statusCode >= 400) expect(EXPECTED_REFUSALS, answer.body).toContain(answer.json().code);
            }
            bills = await expectBillsMatchLedger(client, card.id);
          }

          async function run(one: Step) {
            switch (one.kind) {
              case 'buy': {
                const answer = await client.post('/api/transactions', {
                  account_id: card.id,
                  type: 'expense',
                  amount_cents: one.amount,
                  description: 'Compra',
                  ...(one.installments > 1 ? { installments: one.installments } : {}),
                });
                if (answer.statusCode === 201) made.purchase.push(answer.json().transaction.id);
                return answer;
              }
              case 'pay': {
                const open = bills.find((bill) => bill.current)?.month as string;
                const answer = await client.post('/api/transfers', {
                  from_account_id: checking.id,
                  to_account_id: card.id,
                  amount_cents: one.amount,
                  ...(one.bill === undefined ? {} : { bill_id: billIdOf(card.id, shiftMonth(open, one.bill)) }),
                });
                if (answer.statusCode === 201) made.payment.push(answer.json().transaction.id);
                return answer;
              }
              case 'refund': {
                const purchase = made.purchase[one.pick % Math.max(1, made.purchase.length)];
                if (!purchase) return undefined;
                const answer = await client.post(`/api/transactions/${purchase}/refund`, {
                  scope: one.scope,
                  ...(one.scope === 'amount' ? { amount_cents: one.amount } : {}),
                });
                if (answer.statusCode === 201) made.refund.push(answer.json().transaction.id);
                return answer;
              }
              case 'anticipate': {
                const purchase = made.purchase[one.pick % Math.max(1, made.purchase.length)];
                if (!purchase) return undefined;
                const answer = await client.post(`/api/transactions/${purchase}/anticipate`, {
                  count: one.count,
                  ...(one.discount > 0 ? { discount_cents: one.discount } : {}),
                });
                if (answer.statusCode === 201 && answer.json().discount) made.refund.push(answer.json().discount.id);
                return answer;
              }
              case 'reverse': {
                const list = made[one.of];
                const id = list[one.pick % Math.max(1, list.length)];
                if (!id) return undefined;
                return client.post(`/api/transactions/${id}/reverse`, {});
              }
              case 'advance':
                clock.advance(one.days * DAY_MS);
                return undefined;
            }
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    for (const kind of ['buy', 'pay', 'refund', 'anticipate', 'reverse']) {
      expect(succeeded.get(kind) ?? 0, `${kind} in ${JSON.stringify([...succeeded])}`).toBeGreaterThan(0);
    }
  });
});
