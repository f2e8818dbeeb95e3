import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJobOnce } from '../../src/jobs/runner.js';
import { weeklySummaryJob } from '../../src/jobs/weekly-summary.js';
import { fixedClock } from '../../src/lib/clock.js';
import { PASSWORD, signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectStatus } from '../helpers/problem.js';

// Monday 4 January 2027, 09:00 in São Paulo: the week that ended is 2026-W53 (28 Dec – 3 Jan).
const MONDAY_MORNING = '2027-01-04T12:00:00Z';
const clock = fixedClock(MONDAY_MORNING);
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterAll(async () => {
  await t?.close();
});

/** Someone who joined before the summarised week (the app dates the account with its own clock, today). */
async function personWithWeek() {
  const person = await signedIn(t.app);
  await t.pool.query(`UPDATE users SET created_at = '2026-12-01T12:00:00Z' WHERE id = $1`, [person.user.id]);
  const { client } = person;
  const account = (await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000_000 })).id;
  const food = await client.category('expense', 'food');
  const salary = await client.category('income', 'salary');
  const post = async (type: 'expense' | 'income', amount_cents: number, occurred_on: string) =>
    expectStatus(
      await client.post('/api/transactions', {
        account_id: account,
        type,
        amount_cents,
        description: 'Movimento',
        occurred_on,
        category_id: type === 'expense' ? food : salary,
      }),
      201,
    );
  await post('expense', 99_999, '2026-12-27'); // the Sunday before: another week
  await post('expense', 10_000, '2026-12-28'); // Monday, first day of 2026-W53
  await post('income', 300_000, '2026-12-31');
  await post('expense', 5_000, '2027-01-03'); // Sunday, last day, in the new year
  await post('expense', 77_777, '2027-01-04'); // today: the next week
  expectStatus(await client.put(`/api/budgets/2027-01/${food}`, { limit_cents: 10_000 }), 201);
  expectStatus(
    await client.post('/api/recurring', {
      account_id: account,
      type: 'expense',
      amount_cents: 150_000,
      description: 'Aluguel',
      category_id: food,
      schedule: { kind: 'weekly', weekday: 3 },
      start_on: '2027-01-01',
    }),
    201,
  );
  return person;
}

async function summariesOf(userId: string) {
  const rows = await t.pool.query<{ dedupe_key: string; params: Record<string, unknown>; link: string }>(
    `SELECT dedupe_key, params, link FROM notifications WHERE user_id = $1 AND kind = 'weekly_summary' ORDER BY created_at, dedupe_key`,
    [userId],
  );
  return rows.rows;
}

const silent = pino({ level: 'silent' });
const context = () => ({
  pool: t.pool,
  now: clock.now(),
  clock,
  logger: silent,
  report: () => {},
  signal: new AbortController().signal,
});

describe('weekly_summary', () => {
  it('waits for 08:00 on Monday in São Paulo, then summarises the ISO week across New Year, once per person', async () => {
    const people = await Promise.all([personWithWeek(), personWithWeek(), personWithWeek()]);
    // The first asked for the summary by e-mail too (e-mail is opt-in).
    await t.pool.query(`INSERT INTO notification_preferences (user_id, kind, email) VALUES ($1, 'weekly_summary', true)`, [
      people[0]?.user.id,
    ]);
    const newcomer = await signedIn(t.app);
    clock.set('2027-01-04T10:59:00Z'); // 07:59 in São Paulo
    expect(await runJobOnce(t.pool, weeklySummaryJob, clock)).toEqual({ ran: true, affected: 0 });
    expect(await summariesOf(people[0].user.id)).toEqual([]);

    clock.set(MONDAY_MORNING);
    // Four runners under the lock and three runs that bypass it, all at once.
    const outcomes = await Promise.all([
      ...Array.from({ length: 4 }, () => runJobOnce(t.pool, weeklySummaryJob, clock)),
      ...Array.from({ length: 3 }, () => weeklySummaryJob.run(context())),
    ]);
    const written = outcomes.reduce<number>(
      (sum, outcome) => sum + (typeof outcome === 'number' ? outcome : outcome.ran ? outcome.affected : 0),
      0,
    );
    expect(written).toBe(3);
    expect(await runJobOnce(t.pool, weeklySummaryJob, clock)).toEqual({ ran: true, affected: 0 });

    for (const person of people) {
      expect(await summariesOf(person.user.id)).toEqual([
        {
          dedupe_key: 'week:2026-W53',
          link: '/lancamentos',
          params: {
            week: '2026-W53',
            from_day: '2026-12-28',
            to_day: '2027-01-03',
            month: '2027-01',
            spent_cents: 15_000,
            income_cents: 300_000,
            budgets_count: 1,
            budgets_over_count: 1,
            budgets_spent_cents: 82_777,
            budgets_limit_cents: 10_000,
            bills_count: 1,
            bills_total_cents: 150_000,
            next_bill_description: 'Aluguel',
            next_bill_on: '2027-01-06',
            next_bill_cents: 150_000,
          },
        },
      ]);
    }
    // Someone who joined this Monday has no week to summarise yet.
    expect(await summariesOf(newcomer.user.id)).toEqual([]);
    // The e-mail is queued with it, once.
    const outbox = await t.pool.query('SELECT count(*)::int AS n FROM email_outbox WHERE user_id = $1', [people[0].user.id]);
    expect(outbox.rows[0]).toEqual({ n: 1 });
  });

  it("counts a budget over by the budgets screen's rule: what rollover made available, not the bare limit", async () => {
    const person = await personWithWeek();
    const food = (await person.client.get('/api/budgets?month=2027-01')).json().items[0].category_id as string;
    // December left R$ 1.000,01 of R$ 2.100,00 unspent; January carries it: 110_001 available.
    expectStatus(await person.client.put(`/api/budgets/2026-12/${food}`, { limit_cents: 210_000 }), 201);
    expectStatus(await person.client.put(`/api/budgets/2027-01/${food}`, { limit_cents: 10_000, rollover: true }), 200);
    const screen = (await person.client.get('/api/budgets?month=2027-01')).json().items[0];
    expect({ spent: screen.spent_cents, available: screen.available_cents }).toEqual({ spent: 82_777, available: 110_001 });
    clock.set(MONDAY_MORNING);
    await weeklySummaryJob.run(context());
    expect((await summariesOf(person.user.id))[0]?.params).toMatchObject({ budgets_count: 1, budgets_over_count: 0 });
  });

  it('a deleted person gets no summary: the run passes them by and writes nothing of theirs', async () => {
    const { user, client } = await personWithWeek();
    expectStatus(await client.post('/api/privacy/delete-account', { password: PASSWORD }), 204);
    const outcome = await runJobOnce(t.pool, weeklySummaryJob, { clock, logger: pino({ level: 'silent' }) });
    expect(outcome.ran).toBe(true);
    const written = await t.pool.query('SELECT count(*)::int AS n FROM notifications WHERE user_id = $1', [user.id]);
    expect(written.rows[0].n).toBe(0);
  });

  it('runs later in the week still summarise the week that ended; the next Monday brings the next week', async () => {
    const person = await personWithWeek();
    clock.set('2027-01-08T15:00:00Z'); // Friday
    await runJobOnce(t.pool, weeklySummaryJob, clock);
    clock.set('2027-01-11T11:00:00Z'); // the next Monday, 08:00 in São Paulo
    await runJobOnce(t.pool, weeklySummaryJob, clock);
    clock.set(MONDAY_MORNING);
    const summaries = await summariesOf(person.user.id);
    expect(summaries.map((summary) => summary.dedupe_key)).toEqual(['week:2026-W53', 'week:2027-W01']);
    expect(summaries[1]?.params).toMatchObject({
      from_day: '2027-01-04',
      to_day: '2027-01-10',
      spent_cents: 77_777,
      income_cents: 0,
    });
  });
});
