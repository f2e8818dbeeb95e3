import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { budgetAlertJob } from '../../src/jobs/budget-alert.js';
import type { JobContext } from '../../src/jobs/job.js';
import { runJobOnce } from '../../src/jobs/scheduler.js';
import { fixedClock } from '../../src/lib/clock.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

const START = '2026-03-20T15:00:00Z';
const clock = fixedClock(START);
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
  clock.set(START);
});
afterAll(async () => {
  await t?.close();
});

async function setup(name = 'Maria da Silva') {
  const person = await signedIn(t.app, name);
  const account = (await person.client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000_000 })).id;
  const food = await person.client.category('expense', 'food');
  const expense = async (amount: number, occurred_on: string, category_id = food) => {
    const response = await person.client.post('/api/transactions', {
      account_id: account,
      type: 'expense',
      amount_cents: amount,
      description: 'Gasto',
      occurred_on,
      category_id,
    });
    return expectStatus(response, 201).json().transaction as { id: string };
  };
  const budget = async (month: string, limit_cents: number, extra: Record<string, unknown> = {}) =>
    expectStatus(await person.client.put(`/api/budgets/${month}/${food}`, { limit_cents, ...extra }), 201).json() as {
      id: string;
      alert_thresholds: number[];
    };
  return { ...person, account, food, expense, budget };
}

/** The person's notifications and alert rows as the database holds them. */
async function sent(userId: string) {
  const notifications = await t.pool.query(
    'SELECT dedupe_key, params, link FROM notifications WHERE user_id = $1 ORDER BY dedupe_key',
    [userId],
  );
  const alerts = await t.pool.query('SELECT budget_id, threshold FROM budget_alerts WHERE user_id = $1 ORDER BY threshold', [
    userId,
  ]);
  return { notifications: notifications.rows, alerts: alerts.rows };
}

function jobContext(): JobContext {
  return {
    pool: t.pool,
    now: clock.now(),
    clock,
    logger: pino({ level: 'silent' }),
    report: () => {},
    signal: new AbortController().signal,
  };
}

describe('budget_alert job', () => {
  it('defaults to 50, 80 and 100 % and notifies each crossed threshold once under four concurrent workers', async () => {
    const { user, expense, budget } = await setup();
    const created = await budget('2026-03', 10_000);
    expect(created.alert_thresholds).toEqual([50, 80, 100]);
    await expense(4_999, '2026-03-02');
    await Promise.all([1, 2, 3, 4].map(() => runJobOnce(t.pool, budgetAlertJob, clock)));
    expect((await sent(user.id)).notifications).toEqual([]);

    // One posting takes it from 49.99 % to 85 %: two thresholds, two notifications.
    await expense(3_501, '2026-03-05');
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => runJobOnce(t.pool, budgetAlertJob, clock)));
    const ran = outcomes.filter((outcome) => outcome.ran);
    expect(ran.length).toBeGreaterThanOrEqual(1);
    expect(ran.reduce((total, outcome) => total + (outcome.ran ? outcome.affected : 0), 0)).toBe(2);
    const { notifications, alerts } = await sent(user.id);
    expect(alerts.map((row) => row.threshold)).toEqual([50, 80]);
    expect(notifications.map((row) => row.dedupe_key)).toEqual([`budget:${created.id}:50`, `budget:${created.id}:80`]);
    expect(notifications[1]).toMatchObject({
      link: '/orcamentos?mes=2026-03',
      params: { budget_id: created.id, category_system_key: 'food', month: '2026-03', threshold: 80, percent: 85 },
    });
    expect(await runJobOnce(t.pool, budgetAlertJob, clock)).toEqual({ ran: true, affected: 0 });
  });

  it('never notifies twice even when the lock is bypassed and four runs race', async () => {
    const { user, expense, budget } = await setup();
    await budget('2026-03', 10_000);
    await expense(10_000, '2026-03-03');
    const counts = await Promise.all([1, 2, 3, 4].map(() => budgetAlertJob.run(jobContext())));
    expect(counts.reduce((total, count) => total + count, 0)).toBe(3);
    const { notifications, alerts } = await sent(user.id);
    expect(notifications).toHaveLength(3);
    expect(alerts.map((row) => row.threshold)).toEqual([50, 80, 100]);
  });

  it('notifies a threshold already crossed when the budget was made, and a reversal does not un-notify', async () => {
    const { user, client, expense, budget } = await setup();
    const spent = await expense(6_000, '2026-03-10');
    await budget('2026-03', 10_000, { alert_thresholds: [50, 90] });
    await budgetAlertJob.run(jobContext());
    expect((await sent(user.id)).alerts.map((row) => row.threshold)).toEqual([50]);
    expectStatus(await client.post(`/api/transactions/${spent.id}/reverse`), 201);
    await budgetAlertJob.run(jobContext());
    await expense(6_000, '2026-03-11');
    expect(await budgetAlertJob.run(jobContext())).toBe(0);
    expect((await sent(user.id)).notifications).toHaveLength(1);
  });

  it('writes the alert row and the notification together: a failed notification leaves neither', async () => {
    const { user, expense, budget } = await setup();
    await budget('2026-03', 10_000);
    await expense(5_000, '2026-03-04');
    await t.pool.query(`
      CREATE FUNCTION refuse_notification() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'notifications are down'; END $$;
      CREATE TRIGGER refuse_notification BEFORE INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION refuse_notification();`);
    try {
      await expect(budgetAlertJob.run(jobContext())).rejects.toThrow(/notifications are down/);
      expect(await sent(user.id)).toEqual({ notifications: [], alerts: [] });
    } finally {
      await t.pool.query('DROP TRIGGER refuse_notification ON notifications; DROP FUNCTION refuse_notification();');
    }
    expect(await budgetAlertJob.run(jobContext())).toBe(1);
    expect((await sent(user.id)).alerts.map((row) => row.threshold)).toEqual([50]);
  });

  it("takes the month from São Paulo's calendar, and watches last month's budgets for the first 3 days of a month", async () => {
    clock.set('2026-04-30T15:00:00Z');
    const { user, expense, budget } = await setup();
    const april = await budget('2026-04', 10_000);
    await expense(6_000, '2026-04-30');
    // 02:59 UTC on 1 May is 23:59 on 30 April in São Paulo: April is still the month.
    clock.set('2026-05-01T02:59:00Z');
    const may = await budget('2026-05', 10_000);
    await budgetAlertJob.run(jobContext());
    expect((await sent(user.id)).alerts).toEqual([{ budget_id: april.id, threshold: 50 }]);
    // Midnight in São Paulo: May's budgets are watched, and April's still are, so an expense
    // recorded late with April's date crosses April's 80 %.
    clock.set('2026-05-01T03:00:00Z');
    await expense(3_000, '2026-04-30');
    await expense(5_000, '2026-05-01');
    await budgetAlertJob.run(jobContext());
    expect((await sent(user.id)).alerts).toEqual([
      { budget_id: april.id, threshold: 50 },
      { budget_id: may.id, threshold: 50 },
      { budget_id: april.id, threshold: 80 },
    ]);
    // Another late April expense takes April to 100 %: from 00:00 on 4 May April is no longer
    // watched, while 23:59 on 3 May was its last minute.
    await expense(1_000, '2026-04-28');
    clock.set('2026-05-04T03:00:00Z');
    await budgetAlertJob.run(jobContext());
    expect((await sent(user.id)).alerts).toHaveLength(3);
    clock.set('2026-05-04T02:59:00Z');
    await budgetAlertJob.run(jobContext());
    const { notifications, alerts } = await sent(user.id);
    expect(alerts).toContainEqual({ budget_id: april.id, threshold: 100 });
    expect(notifications.map((row) => row.link).sort()).toEqual([
      '/orcamentos?mes=2026-04',
      '/orcamentos?mes=2026-04',
      '/orcamentos?mes=2026-04',
      '/orcamentos?mes=2026-05',
    ]);
  });
});

describe('notifications API', () => {
  async function withAlerts() {
    const person = await setup();
    await person.budget('2026-03', 10_000);
    await person.expense(5_000, '2026-03-02');
    clock.set('2026-03-20T15:05:00Z');
    await budgetAlertJob.run(jobContext());
    await person.expense(3_000, '2026-03-03');
    clock.set('2026-03-20T15:10:00Z');
    await budgetAlertJob.run(jobContext());
    await person.expense(2_000, '2026-03-04');
    clock.set('2026-03-20T15:15:00Z');
    await budgetAlertJob.run(jobContext());
    return person;
  }

  it('lists unread first, then newest, with the unread count; read is idempotent; read-all too', async () => {
    const { client } = await withAlerts();
    const thresholds = (page: { items: Array<{ params: { threshold: number } }> }) =>
      page.items.map((item) => item.params.threshold);
    const first = expectStatus(await client.get('/api/notifications'), 200).json();
    expect(thresholds(first)).toEqual([100, 80, 50]);
    expect(first).toMatchObject({ total: 3, unread: 3, skip: 0, limit: 50 });
    expect(first.items[0]).toMatchObject({ kind: 'budget_alert', link: '/orcamentos?mes=2026-03', read_at: null });

    const newest = first.items[0].id;
    clock.set('2026-03-20T16:00:00Z');
    const read = expectStatus(await client.post(`/api/notifications/${newest}/read`), 200).json();
    expect(read.read_at).toBe('2026-03-20T16:00:00.000Z');
    clock.set('2026-03-20T17:00:00Z');
    expect(expectStatus(await client.post(`/api/notifications/${newest}/read`), 200).json().read_at).toBe(
      '2026-03-20T16:00:00.000Z',
    );
    const after = (await client.get('/api/notifications')).json();
    expect(thresholds(after)).toEqual([80, 50, 100]);
    expect(after.unread).toBe(2);
    expect(thresholds((await client.get('/api/notifications?skip=1&limit=1')).json())).toEqual([50]);

    expect(expectStatus(await client.post('/api/notifications/read-all'), 200).json()).toEqual({ marked: 2 });
    expect(expectStatus(await client.post('/api/notifications/read-all'), 200).json()).toEqual({ marked: 0 });
    const allRead = (await client.get('/api/notifications')).json();
    expect(allRead.unread).toBe(0);
    expect(thresholds(allRead)).toEqual([100, 80, 50]);
  });

  it("answers 404 for another person's notification and leaves it unread", async () => {
    const owner = await withAlerts();
    const someoneElse = await setup('João Souza');
    const id = (await owner.client.get('/api/notifications')).json().items[0].id;
    expectProblem(await someoneElse.client.post(`/api/notifications/${id}/read`), 404, 'not_found');
    expectProblem(
      await someoneElse.client.post('/api/notifications/00000000-0000-4000-8000-000000000000/read'),
      404,
      'not_found',
    );
    expect((await someoneElse.client.get('/api/notifications')).json()).toMatchObject({ items: [], total: 0, unread: 0 });
    expect((await someoneElse.client.post('/api/notifications/read-all')).json()).toEqual({ marked: 0 });
    expect((await owner.client.get('/api/notifications')).json().unread).toBe(3);
  });

  it('refuses bad ids and pages with problem+json, and needs a session', async () => {
    const { client } = await setup();
    expectProblem(await client.post('/api/notifications/not-a-uuid/read'), 400, 'validation_failed');
    expectProblem(await client.post('/api/notifications/%00/read'), 400, 'validation_failed');
    expectProblem(await client.get('/api/notifications?limit=100000000000000000000'), 400, 'validation_failed');
    expectProblem(await client.get('/api/notifications?skip=-1'), 400, 'validation_failed');
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/notifications' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('does not list notifications the person turned off in the app', async () => {
    const { user, client, budget, expense } = await setup();
    await t.pool.query(
      "INSERT INTO notification_preferences (user_id, kind, in_app, email) VALUES ($1, 'budget_alert', false, false)",
      [user.id],
    );
    await budget('2026-03', 10_000);
    await expense(10_000, '2026-03-02');
    expect(await budgetAlertJob.run(jobContext())).toBe(3);
    expect((await client.get('/api/notifications')).json()).toMatchObject({ items: [], total: 0, unread: 0 });

    // Back on: the three written while it was off show.
    const inApp = (on: boolean) => ({ items: [{ kind: 'budget_alert', in_app: on, email: false }] });
    expectStatus(await client.put('/api/notifications/preferences', inApp(true)), 200);
    expect((await client.get('/api/notifications')).json()).toMatchObject({ total: 3, unread: 3 });
    // Off again: hidden again.
    expectStatus(await client.put('/api/notifications/preferences', inApp(false)), 200);
    expect((await client.get('/api/notifications')).json()).toMatchObject({ items: [], total: 0, unread: 0 });
  });
});
