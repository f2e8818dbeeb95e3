import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { materializeRecurringJob } from '../../src/jobs/materialize-recurring.js';
import { runJobOnce } from '../../src/jobs/runner.js';
import { fixedClock } from '../../src/lib/clock.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectStatus } from '../helpers/problem.js';

/**
 * A credit card's annual fee (anuidade) as a recurring rule on the card: charged once a year,
 * or in 12 monthly parts, each occurrence posted by the recurring job lands on the bill its
 * day belongs to (cards_v1), and one the limit cannot take fails like any other.
 */

const NOW = '2026-12-01T15:00:00Z';
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

interface BillItem {
  transaction_id: string;
  description: string;
  amount_cents: number;
}
interface Bill {
  month: string;
  closing_on: string;
  due_on: string;
  total_cents: number;
  items: BillItem[];
}

async function cardOwner(creditLimitCents = 500_000) {
  const person = await signedIn(t.app);
  const card = (
    await person.client.account({
      name: 'Cartão',
      type: 'credit_card',
      credit_limit_cents: creditLimitCents,
      closing_day: 3,
      due_day: 10,
    })
  ).id;
  const bills = async (): Promise<Bill[]> =>
    expectStatus(await person.client.get(`/api/accounts/${card}/bills?limit=100`), 200).json().items;
  /** Runs the recurring job at 08:00 in São Paulo of `day`; the person then reads on the first day again (sessions idle out). */
  const runOn = async (day: string) => {
    clock.set(`${day}T11:00:00Z`);
    await runJobOnce(t.pool, materializeRecurringJob, clock);
    clock.set(NOW);
  };
  return { ...person, card, bills, runOn };
}

describe("a card's annual fee as a recurring rule", () => {
  it('charged once a year on the 15th of December, it lands on the bill closing on 3 January, each year', async () => {
    const owner = await cardOwner();
    const rule = expectStatus(
      await owner.client.post('/api/recurring', {
        account_id: owner.card,
        type: 'expense',
        amount_cents: 48_000,
        description: 'Anuidade',
        schedule: { kind: 'yearly', month: 12, day: 15 },
        start_on: '2026-12-15',
      }),
      201,
    ).json();
    await owner.runOn('2026-12-15');
    await owner.runOn('2027-12-15');
    const occurrences = expectStatus(await owner.client.get(`/api/recurring/${rule.id}`), 200).json();
    expect(occurrences).toMatchObject({ account_id: owner.card, type: 'expense' });
    const withFee = (await owner.bills()).filter((bill) => bill.items.some((item) => item.description === 'Anuidade'));
    expect(withFee.map((bill) => ({ closing_on: bill.closing_on, due_on: bill.due_on, total_cents: bill.total_cents }))).toEqual([
      { closing_on: '2028-01-03', due_on: '2028-01-10', total_cents: 48_000 },
      { closing_on: '2027-01-03', due_on: '2027-01-10', total_cents: 48_000 },
    ]);
    const card = expectStatus(await owner.client.get(`/api/accounts/${owner.card}`), 200).json();
    expect(card).toMatchObject({ balance_cents: -96_000, credit_used_cents: 96_000, credit_available_cents: 404_000 });
  });

  it('charged in 12 monthly parts on the 2nd, each part is on the bill of its own month, the first across the year', async () => {
    const owner = await cardOwner();
    expectStatus(
      await owner.client.post('/api/recurring', {
        account_id: owner.card,
        type: 'expense',
        amount_cents: 4_000,
        description: 'Anuidade (parcela)',
        schedule: { kind: 'monthly', day: 2 },
        start_on: '2026-12-02',
        occurrences_max: 12,
      }),
      201,
    );
    for (let month = 0; month < 13; month += 1) {
      const day = new Date(Date.UTC(2026, 11 + month, 2)).toISOString().slice(0, 10);
      await owner.runOn(day);
    }
    const bills = (await owner.bills()).reverse();
    // On the 2nd, before the 3rd's closing: December's part is on December's bill, and so on.
    expect(bills.map((bill) => [bill.month, bill.items.length, bill.total_cents])).toEqual(
      Array.from({ length: 12 }, (_, index) => [
        new Date(Date.UTC(2026, 11 + index, 1)).toISOString().slice(0, 7),
        1,
        expect.any(Number),
      ]),
    );
    for (const bill of bills) expect(bill.items[0]).toMatchObject({ description: 'Anuidade (parcela)', amount_cents: 4_000 });
  });

  it('an occurrence the limit cannot take fails like any other, and posts nothing', async () => {
    const owner = await cardOwner(10_000);
    const rule = expectStatus(
      await owner.client.post('/api/recurring', {
        account_id: owner.card,
        type: 'expense',
        amount_cents: 48_000,
        description: 'Anuidade',
        schedule: { kind: 'yearly', month: 12, day: 15 },
        start_on: '2026-12-15',
      }),
      201,
    ).json();
    await owner.runOn('2026-12-15');
    const failed = await t.pool.query('SELECT status, failure_code FROM recurring_occurrences WHERE rule_id = $1', [rule.id]);
    expect(failed.rows).toEqual([{ status: 'failed', failure_code: 'insufficient_funds' }]);
    const card = expectStatus(await owner.client.get(`/api/accounts/${owner.card}`), 200).json();
    expect(card.balance_cents).toBe(0);
  });
});
