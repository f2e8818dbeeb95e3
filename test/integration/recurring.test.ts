import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import {
  OCCURRENCES_PER_PERSON_PER_RUN_MAX,
  OCCURRENCES_PER_RULE_PER_RUN_MAX,
  ON_TIME_DAYS,
  UPCOMING_ITEMS_MAX,
} from '../../src/modules/recurring/recurring.schemas.js';
import { RecurringService } from '../../src/modules/recurring/recurring.service.js';
import type { Schedule } from '../../src/modules/recurring/schedule.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { lockWaiters } from '../helpers/lock-waits.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

const clock = fixedClock('2026-06-15T15:00:00Z');
let t: TestApp;
beforeAll(async () => {
  // Sessions outlive the months this file's clock travels.
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '8760', SESSION_IDLE_HOURS: '8760' } });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
  clock.set('2026-06-15T15:00:00Z');
});
afterAll(async () => {
  await t?.close();
});

const service = () => new RecurringService({ pool: t.pool, clock, hooks: {} });

async function setup(balance = 1_000_000) {
  const person = await signedIn(t.app);
  const checking = (await person.client.account({ name: 'Conta', type: 'checking', initial_balance_cents: balance })).id;
  const housing = await person.client.category('expense', 'housing');
  return { ...person, checking, housing };
}

let storedRules = 0;
/** A rule written straight to the table, as one created before today's input bounds would be. */
async function storeRule(rule: {
  user_id: string;
  account_id: string;
  type: 'income' | 'expense';
  category_id?: string | null;
  description: string;
  schedule: Schedule;
  start_on: string;
  amount_cents?: number;
}): Promise<string> {
  storedRules += 1;
  const id = `00000000-0000-4000-8000-${String(storedRules).padStart(12, '0')}`;
  await t.pool.query(
    `INSERT INTO recurring_rules (id, user_id, type, account_id, amount_cents, description, category_id, schedule, start_on)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      id,
      rule.user_id,
      rule.type,
      rule.account_id,
      rule.amount_cents ?? 1_000,
      rule.description,
      rule.category_id ?? null,
      JSON.stringify(rule.schedule),
      rule.start_on,
    ],
  );
  return id;
}

describe('recurring transactions', () => {
  it('a rule started in the past materialises every missed occurrence once, on the right days', async () => {
    const { client, checking, housing } = await setup();
    const rule = await client.post('/api/recurring', {
      account_id: checking,
      type: 'expense',
      amount_cents: 150_000,
      description: 'Aluguel',
      category_id: housing,
      schedule: { kind: 'monthly', day: 31 },
      start_on: '2026-01-01',
    });
    expect(rule.statusCode).toBe(201);
    // The next occurrence is the next one from today; the missed ones are due now.
    expect(rule.json()).toMatchObject({
      status: 'active',
      next_occurrence_on: '2026-06-30',
      posted_count: 0,
      failed_occurrences: [],
    });
    const run = await client.post('/api/recurring/run-due');
    expect(run.json()).toMatchObject({ until: '2026-06-15', posted: 5, failed: 0 });
    expect(run.json().occurrences.map((occurrence: { occurs_on: string }) => occurrence.occurs_on)).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
      '2026-05-31',
    ]);
    expect((await client.post('/api/recurring/run-due')).json()).toMatchObject({ posted: 0, failed: 0 });
    const listed = (await client.get(`/api/transactions?account_id=${checking}&category_id=${housing}`)).json();
    expect(listed.total).toBe(5);
    expect(listed.items[0]).toMatchObject({
      kind: 'expense',
      description: 'Aluguel',
      occurred_on: '2026-05-31',
      amount_cents: 150_000,
    });
    expect((await client.get(`/api/accounts/${checking}`)).json().balance_cents).toBe(1_000_000 - 5 * 150_000);
    expect((await client.get(`/api/recurring/${rule.json().id}`)).json()).toMatchObject({
      posted_count: 5,
      next_occurrence_on: '2026-06-30',
    });
  });

  it('a yearly rule on 29 February posts on the 28th in common years (a rule stored before start dates were bounded)', async () => {
    const { client, user, checking } = await setup();
    const salary = await client.category('income', 'salary');
    // Today a start two years back is refused; rules stored before that still run.
    await storeRule({
      user_id: user.id,
      account_id: checking,
      type: 'income',
      category_id: salary,
      description: 'Bônus',
      schedule: { kind: 'yearly', month: 2, day: 29 },
      start_on: '2024-01-01',
    });
    const run = (await client.post('/api/recurring/run-due')).json();
    expect(run.occurrences.map((occurrence: { occurs_on: string }) => occurrence.occurs_on)).toEqual([
      '2024-02-29',
      '2025-02-28',
      '2026-02-28',
    ]);
  });

  it('two concurrent materialisations post each occurrence exactly once', async () => {
    const { client, checking } = await setup();
    const savings = (await client.account({ name: 'Poupança', type: 'savings' })).id;
    const rule = await client.post('/api/recurring', {
      account_id: checking,
      type: 'transfer',
      to_account_id: savings,
      amount_cents: 10_000,
      description: 'Guardar',
      schedule: { kind: 'weekly', weekday: 1 },
      start_on: '2026-04-01',
    });
    const runs = await Promise.all([
      service().materializeDue({ until: '2026-06-15' }),
      service().materializeDue({ until: '2026-06-15' }),
      client.post('/api/recurring/run-due'),
    ]);
    // The service runs cover every person's rules (as the job will); count this rule's.
    const ruleId = rule.json().id;
    const mine = [...runs[0].occurrences, ...runs[1].occurrences, ...runs[2].json().occurrences].filter(
      (occurrence: { rule_id: string }) => occurrence.rule_id === ruleId,
    );
    const posted = mine.filter((occurrence: { status: string }) => occurrence.status === 'posted').length;
    expect(new Set(mine.map((occurrence: { occurs_on: string }) => occurrence.occurs_on)).size).toBe(mine.length);
    // Mondays from 6 April to 15 June 2026.
    expect(posted).toBe(11);
    const rows = await t.pool.query(
      "SELECT count(*)::int AS n FROM transactions WHERE description = 'Guardar' AND user_id = (SELECT user_id FROM accounts WHERE id = $1)",
      [savings],
    );
    expect(rows.rows[0].n).toBe(11);
    expect((await client.get(`/api/accounts/${savings}`)).json().balance_cents).toBe(110_000);
  });

  it('an occurrence that breaks a policy is recorded as failed once, shown, and not retried', async () => {
    const { client } = await setup();
    const cash = (await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 25_000 })).id;
    const rule = expectStatus(
      await client.post('/api/recurring', {
        account_id: cash,
        type: 'expense',
        amount_cents: 10_000,
        description: 'Academia',
        schedule: { kind: 'monthly', day: 10 },
        start_on: '2026-03-01',
      }),
      201,
    ).json();
    const first = (await client.post('/api/recurring/run-due')).json();
    expect(
      first.occurrences.map((occurrence: { occurs_on: string; status: string; failure_code: string | null }) => [
        occurrence.occurs_on,
        occurrence.status,
        occurrence.failure_code,
      ]),
    ).toEqual([
      ['2026-03-10', 'posted', null],
      ['2026-04-10', 'posted', null],
      ['2026-05-10', 'failed', 'insufficient_funds'],
      ['2026-06-10', 'failed', 'insufficient_funds'],
    ]);
    expectStatus(
      await client.post('/api/transactions', {
        account_id: cash,
        type: 'income',
        amount_cents: 100_000,
        description: 'Depósito',
      }),
      201,
    );
    expect((await client.post('/api/recurring/run-due')).json()).toMatchObject({ posted: 0, failed: 0 });
    const shown = (await client.get(`/api/recurring/${rule.id}`)).json();
    expect(shown.posted_count).toBe(2);
    expect(shown.failed_occurrences).toEqual([
      { occurs_on: '2026-06-10', failure_code: 'insufficient_funds', failure_detail: expect.any(String) },
      { occurs_on: '2026-05-10', failure_code: 'insufficient_funds', failure_detail: expect.any(String) },
    ]);
    const stored = await t.pool.query(
      "SELECT count(*)::int AS n FROM recurring_occurrences WHERE rule_id = $1 AND status = 'failed'",
      [rule.id],
    );
    expect(stored.rows[0].n).toBe(2);
  });

  it('lists the upcoming calendar; pause skips what falls due meanwhile; delete ends future occurrences only', async () => {
    const { client, checking, housing } = await setup();
    const rent = expectStatus(
      await client.post('/api/recurring', {
        account_id: checking,
        type: 'expense',
        amount_cents: 100,
        description: 'Aluguel',
        category_id: housing,
        schedule: { kind: 'monthly', day: 5 },
        start_on: '2026-06-01',
      }),
      201,
    ).json();
    const gym = expectStatus(
      await client.post('/api/recurring', {
        account_id: checking,
        type: 'expense',
        amount_cents: 50,
        description: 'Academia',
        schedule: { kind: 'every_n_days', days: 30 },
        start_on: '2026-06-20',
      }),
      201,
    ).json();
    const upcoming = (await client.get('/api/recurring/upcoming?days=60')).json();
    expect(upcoming).toMatchObject({ from: '2026-06-15', until: '2026-08-14' });
    expect(
      upcoming.items.map((item: { description: string; occurs_on: string }) => `${item.occurs_on} ${item.description}`),
    ).toEqual(['2026-06-20 Academia', '2026-07-05 Aluguel', '2026-07-20 Academia', '2026-08-05 Aluguel']);
    // The 5 June rent is due (not upcoming): run it.
    expect((await client.post('/api/recurring/run-due')).json().posted).toBe(1);

    expect((await client.post(`/api/recurring/${rent.id}/pause`)).json().status).toBe('paused');
    clock.set('2026-08-10T15:00:00Z');
    expect(
      (await client.post('/api/recurring/run-due')).json().occurrences.map((o: { rule_id: string }) => o.rule_id),
    ).not.toContain(rent.id);
    const resumed = (await client.post(`/api/recurring/${rent.id}/resume`)).json();
    expect(resumed).toMatchObject({ status: 'active', next_occurrence_on: '2026-09-05' });
    expect(
      (await client.post('/api/recurring/run-due')).json().occurrences.map((o: { rule_id: string }) => o.rule_id),
    ).not.toContain(rent.id);

    expect((await client.request('DELETE', `/api/recurring/${gym.id}`)).statusCode).toBe(204);
    expect((await client.get(`/api/recurring/${gym.id}`)).json()).toMatchObject({
      status: 'ended',
      next_occurrence_on: null,
      posted_count: 2,
    });
    expect((await client.get('/api/recurring')).json().items.map((rule: { id: string }) => rule.id)).toEqual([rent.id]);
    expect(
      (await client.get('/api/recurring/upcoming?days=90'))
        .json()
        .items.every((item: { rule_id: string }) => item.rule_id === rent.id),
    ).toBe(true);
    expect((await client.post(`/api/recurring/${gym.id}/resume`)).json().code).toBe('rule_ended');
  });

  it('edits apply to future occurrences with row_version', async () => {
    const { client, checking } = await setup();
    const rule = expectStatus(
      await client.post('/api/recurring', {
        account_id: checking,
        type: 'expense',
        amount_cents: 100,
        description: 'Internet',
        schedule: { kind: 'monthly', day: 1 },
        start_on: '2026-06-01',
      }),
      201,
    ).json();
    expectStatus(await client.post('/api/recurring/run-due'), 200);
    const edited = await client.patch(`/api/recurring/${rule.id}`, {
      amount_cents: 120,
      schedule: { kind: 'monthly', day: 10 },
      row_version: rule.row_version,
    });
    expect(edited.json()).toMatchObject({ amount_cents: 120, next_occurrence_on: '2026-07-10' });
    expect((await client.patch(`/api/recurring/${rule.id}`, { amount_cents: 1, row_version: rule.row_version })).statusCode).toBe(
      409,
    );
    clock.set('2026-07-11T15:00:00Z');
    expectStatus(await client.post('/api/recurring/run-due'), 200);
    const amounts = (await client.get(`/api/transactions?q=Internet`))
      .json()
      .items.map((item: { occurred_on: string; amount_cents: number }) => [item.occurred_on, item.amount_cents]);
    expect(amounts).toEqual([
      ['2026-07-10', 120],
      ['2026-06-01', 100],
    ]);
  });

  it('a new schedule does not post twice in the month of the last occurrence, and a plan of 4 posts 4', async () => {
    const { client, checking } = await setup();
    const plan = expectStatus(
      await client.post('/api/recurring', {
        account_id: checking,
        type: 'expense',
        amount_cents: 25_000,
        description: 'Parcela',
        schedule: { kind: 'monthly', day: 5 },
        start_on: '2026-04-05',
        occurrences_max: 4,
      }),
      201,
    ).json();
    expect((await client.post('/api/recurring/run-due')).json()).toMatchObject({ posted: 3 });
    const moved = expectStatus(
      await client.patch(`/api/recurring/${plan.id}`, { schedule: { kind: 'monthly', day: 20 }, row_version: plan.row_version }),
      200,
    ).json();
    expect(moved.next_occurrence_on).toBe('2026-07-20');
    clock.set('2026-09-25T15:00:00Z');
    expect((await client.post('/api/recurring/run-due')).json()).toMatchObject({ posted: 1 });
    const days = (await client.get('/api/transactions?q=Parcela'))
      .json()
      .items.map((item: { occurred_on: string }) => item.occurred_on);
    expect(days).toEqual(['2026-07-20', '2026-06-05', '2026-05-05', '2026-04-05']);
    expect((await client.get(`/api/recurring/${plan.id}`)).json()).toMatchObject({ posted_count: 4, next_occurrence_on: null });
  });

  it('an edit that sends the schedule unchanged keeps an occurrence due and not yet posted', async () => {
    const { client, checking } = await setup();
    const rule = expectStatus(
      await client.post('/api/recurring', {
        account_id: checking,
        type: 'expense',
        amount_cents: 100,
        description: 'Academia',
        schedule: { kind: 'monthly', day: 10 },
        start_on: '2026-06-10',
      }),
      201,
    ).json();
    // 10 June fell due while no run went (workers down); the web form sends the schedule with every edit.
    expectStatus(
      await client.patch(`/api/recurring/${rule.id}`, {
        amount_cents: 130,
        schedule: { kind: 'monthly', day: 10 },
        row_version: rule.row_version,
      }),
      200,
    );
    expect((await client.post('/api/recurring/run-due')).json()).toMatchObject({ posted: 1 });
    const posted = (await client.get('/api/transactions?q=Academia')).json().items;
    expect(posted.map((item: { occurred_on: string; amount_cents: number }) => [item.occurred_on, item.amount_cents])).toEqual([
      ['2026-06-10', 130],
    ]);
  });

  it('a schedule change waits for a posting of the rule under way and starts after it', async () => {
    const { client, user, checking } = await setup();
    const rule = expectStatus(
      await client.post('/api/recurring', {
        account_id: checking,
        type: 'expense',
        amount_cents: 100,
        description: 'Aluguel',
        schedule: { kind: 'monthly', day: 15 },
        start_on: '2026-06-15',
      }),
      201,
    ).json();
    // A posting of 15 June holds the rule as a run does (FOR SHARE) and has claimed its day.
    const posting = await t.pool.connect();
    try {
      await posting.query('BEGIN');
      await posting.query('SELECT 1 FROM recurring_rules WHERE id = $1 FOR SHARE', [rule.id]);
      await posting.query(
        `INSERT INTO recurring_occurrences (rule_id, occurs_on, user_id, status, failure_code)
         VALUES ($1, '2026-06-15', $2, 'failed', 'insufficient_funds')`,
        [rule.id, user.id],
      );
      const patch = client.patch(`/api/recurring/${rule.id}`, {
        schedule: { kind: 'monthly', day: 25 },
        row_version: rule.row_version,
      });
      await lockWaiters(t.pool);
      await posting.query('COMMIT');
      expect(expectStatus(await patch, 200).json().next_occurrence_on).toBe('2026-07-25');
    } finally {
      posting.release();
    }
  });

  it('a failed occurrence is posted on its day by a retry once the money is there, once however many tabs retry it', async () => {
    const { client, checking } = await setup();
    const wallet = (await client.account({ name: 'Carteira', type: 'cash' })).id;
    const rule = expectStatus(
      await client.post('/api/recurring', {
        account_id: wallet,
        type: 'expense',
        amount_cents: 5_000,
        description: 'Feira',
        schedule: { kind: 'every_n_days', days: 7 },
        start_on: '2026-06-15',
      }),
      201,
    ).json();
    expect((await client.post('/api/recurring/run-due')).json()).toMatchObject({ failed: 1 });
    const retryUrl = `/api/recurring/${rule.id}/occurrences/2026-06-15/retry`;

    // Still no money: the policy's answer, and the occurrence stays failed.
    expectProblem(await client.post(retryUrl, undefined, { 'idempotency-key': 'retry-1' }), 422, 'insufficient_funds');
    expect((await client.get(`/api/recurring/${rule.id}`)).json().failed_occurrences).toHaveLength(1);

    // Money moved in, two days later: the same key tries again (a refusal stored nothing) and posts it on its own day.
    clock.set('2026-06-17T15:00:00Z');
    expectStatus(
      await client.post(
        '/api/transfers',
        { from_account_id: checking, to_account_id: wallet, amount_cents: 20_000 },
        {
          'idempotency-key': 'move-money',
        },
      ),
      201,
    );
    const retried = expectStatus(await client.post(retryUrl, undefined, { 'idempotency-key': 'retry-1' }), 200);
    expect(retried.json()).toMatchObject({ posted_count: 1, failed_occurrences: [] });
    const replay = expectStatus(await client.post(retryUrl, undefined, { 'idempotency-key': 'retry-1' }), 200);
    expect(replay.body).toBe(retried.body);
    expectProblem(await client.post(retryUrl, undefined, { 'idempotency-key': 'retry-2' }), 409, 'occurrence_posted');
    const posted = (await client.get('/api/transactions?q=Feira')).json().items;
    expect(posted.map((item: { occurred_on: string; amount_cents: number }) => [item.occurred_on, item.amount_cents])).toEqual([
      ['2026-06-15', 5_000],
    ]);
    // The run posts the next one when it falls due, and never the retried one again.
    clock.set('2026-06-22T15:00:00Z');
    expect((await client.post('/api/recurring/run-due')).json()).toMatchObject({ posted: 1, failed: 0 });
    expect((await client.get('/api/transactions?q=Feira')).json().items).toHaveLength(2);
  });

  it('the scheduled run announces a bill due now that failed, once, by e-mail when asked; a backlog or a "run due" does not', async () => {
    const { client, user } = await setup();
    const wallet = (await client.account({ name: 'Carteira', type: 'cash' })).id;
    expectStatus(
      await client.put('/api/notifications/preferences', { items: [{ kind: 'recurring_failed', in_app: true, email: true }] }),
      200,
    );
    const rule = async (description: string, schedule: Schedule, start_on: string) =>
      expectStatus(
        await client.post('/api/recurring', {
          account_id: wallet,
          type: 'expense',
          amount_cents: 7_500,
          description,
          schedule,
          start_on,
        }),
        201,
      ).json();
    const due = await rule('Feira', { kind: 'every_n_days', days: 7 }, '2026-06-15');
    // The person presses "run due": they see the failure on the screen, and no notification comes.
    expect((await client.post('/api/recurring/run-due')).json()).toMatchObject({ failed: 1 });
    expect((await client.get('/api/notifications')).json().total).toBe(0);

    // A week on, a rule created with a backlog; the scheduled run (twice) fails the next Feira on
    // time and the backlog's two days, and announces only the first.
    clock.set('2026-06-22T15:00:00Z');
    const club = await rule('Clube', { kind: 'monthly', day: 1 }, '2026-05-01');
    const failedHere = [];
    for (let run = 0; run < 2; run += 1) {
      // The run serves everyone in this file's database; only this person's rules count here.
      const { occurrences } = await service().materializeDue({ until: '2026-06-22' });
      failedHere.push(occurrences.filter((item) => [due.id, club.id].includes(item.rule_id) && item.status === 'failed').length);
    }
    expect(failedHere).toEqual([3, 0]);
    const listed = (await client.get('/api/notifications')).json();
    expect(listed.items.filter((item: { kind: string }) => item.kind === 'recurring_failed')).toEqual([
      expect.objectContaining({
        kind: 'recurring_failed',
        link: '/recorrentes',
        params: {
          rule_id: due.id,
          type: 'expense',
          description: 'Feira',
          occurs_on: '2026-06-22',
          amount_cents: 7_500,
          failure_code: 'insufficient_funds',
        },
      }),
    ]);
    const mail = await t.pool.query(
      `SELECT n.kind FROM email_outbox o JOIN notifications n ON n.id = o.notification_id WHERE o.user_id = $1`,
      [user.id],
    );
    expect(mail.rows).toEqual([{ kind: 'recurring_failed' }]);
  });

  it('two tabs retrying one failed occurrence post it once; other people, other days and bad days are refused', async () => {
    const { client, checking } = await setup();
    const wallet = (await client.account({ name: 'Carteira', type: 'cash' })).id;
    const rule = expectStatus(
      await client.post('/api/recurring', {
        account_id: wallet,
        type: 'expense',
        amount_cents: 5_000,
        description: 'Padaria',
        schedule: { kind: 'monthly', day: 15 },
        start_on: '2026-06-15',
      }),
      201,
    ).json();
    expect((await client.post('/api/recurring/run-due')).json()).toMatchObject({ failed: 1 });
    expectStatus(
      await client.post(
        '/api/transfers',
        { from_account_id: checking, to_account_id: wallet, amount_cents: 20_000 },
        {
          'idempotency-key': 'fund-wallet',
        },
      ),
      201,
    );
    const retryUrl = `/api/recurring/${rule.id}/occurrences/2026-06-15/retry`;
    const answers = await Promise.all(
      ['tab-a', 'tab-b', 'tab-c'].map((key) => client.post(retryUrl, undefined, { 'idempotency-key': key })),
    );
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 409, 409]);
    expect((await client.get('/api/transactions?q=Padaria')).json().items).toHaveLength(1);

    expectProblem(await client.post(`/api/recurring/${rule.id}/occurrences/2026-07-15/retry`), 404, 'not_found');
    expectProblem(await client.post(`/api/recurring/${rule.id}/occurrences/2026-02-30/retry`), 400, 'validation_failed');
    const stranger = await setup();
    expectProblem(await stranger.client.post(retryUrl), 404, 'not_found');
  });

  it(`the calendar lists at most ${UPCOMING_ITEMS_MAX} occurrences, ending at the last whole day, and says so`, async () => {
    const { client, user, checking } = await setup();
    for (let index = 0; index < 11; index += 1) {
      await storeRule({
        user_id: user.id,
        account_id: checking,
        type: 'expense',
        description: `Diária ${index}`,
        schedule: { kind: 'every_n_days', days: 1 },
        start_on: '2026-06-15',
      });
    }
    const year = (await client.get('/api/recurring/upcoming?days=366')).json();
    // 11 a day: 181 whole days are 1,991 occurrences; the 182nd day would pass 2,000.
    expect(year).toMatchObject({ from: '2026-06-15', until: '2026-12-12', truncated: true });
    expect(year.items).toHaveLength(1_991);
    expect(year.items.at(-1).occurs_on).toBe('2026-12-12');
    const month = (await client.get('/api/recurring/upcoming?days=30')).json();
    expect(month).toMatchObject({ until: '2026-07-15', truncated: false });
    expect(month.items).toHaveLength(11 * 31);
  });

  it('a rule ended, paused or edited while a run is under way is not posted from the copy the run read', async () => {
    const { client, user, checking } = await setup();
    const rule = async (description: string) =>
      expectStatus(
        await client.post('/api/recurring', {
          account_id: checking,
          type: 'expense',
          amount_cents: 300_000,
          description,
          schedule: { kind: 'monthly', day: 15 },
          start_on: '2026-06-15',
        }),
        201,
      ).json();
    const ended = await rule('Encerrada');
    const paused = await rule('Pausada');
    const edited = await rule('Editada');
    // The run plans from the rules as they are, then waits at its first posting's transaction.
    let planned!: () => void;
    const atFirstPosting = new Promise<void>((resolve) => (planned = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gated = new Proxy(t.pool, {
      get(target, property) {
        if (property === 'connect')
          return async () => {
            planned();
            await gate;
            return target.connect();
          };
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const running = new RecurringService({ pool: gated, clock, hooks: {} }).materializeDue({ userId: user.id });
    await atFirstPosting;
    expect((await client.request('DELETE', `/api/recurring/${ended.id}`)).statusCode).toBe(204);
    expectStatus(await client.post(`/api/recurring/${paused.id}/pause`), 200);
    expectStatus(await client.patch(`/api/recurring/${edited.id}`, { amount_cents: 500, row_version: edited.row_version }), 200);
    release();
    const run = await running;
    expect(run).toMatchObject({ posted: 0, failed: 0, occurrences: [] });

    // The next run plans the edited rule afresh, at its new amount; the others stay unposted.
    expect((await client.post('/api/recurring/run-due')).json()).toMatchObject({ posted: 1 });
    const posted = (await client.get('/api/transactions?limit=100'))
      .json()
      .items.filter((item: { description: string }) => ['Encerrada', 'Pausada', 'Editada'].includes(item.description));
    expect(posted.map((item: { description: string; amount_cents: number }) => [item.description, item.amount_cents])).toEqual([
      ['Editada', 500],
    ]);
  });

  it('refuses bad input and other people', async () => {
    const { client, checking } = await setup();
    const base = {
      account_id: checking,
      type: 'expense',
      amount_cents: 100,
      description: 'x',
      schedule: { kind: 'monthly', day: 1 },
      start_on: '2026-06-01',
    };
    for (const change of [
      { schedule: { kind: 'monthly', day: 32 } },
      { schedule: { kind: 'weekly', weekday: 7 } },
      { schedule: { kind: 'every_n_days', days: 0 } },
      { schedule: { kind: 'yearly', month: 2, day: 30 } },
      { schedule: { kind: 'daily' } },
      { amount_cents: 0 },
      { start_on: '2026-02-30' },
      { end_on: '2026-05-01' },
      { type: 'transfer' },
      { to_account_id: checking },
      { occurrences_max: 0 },
    ]) {
      const response = await client.post('/api/recurring', { ...base, ...change });
      expect(response.statusCode, JSON.stringify(change)).toBe(400);
    }
    expectProblem(await client.get('/api/recurring/upcoming?days=400'), 400, 'validation_failed');
    const other = await signedIn(t.app, 'Outra');
    expectProblem(await other.client.post('/api/recurring', base), 404, 'not_found');
    const mine = expectStatus(await client.post('/api/recurring', base), 201).json();
    for (const response of await Promise.all([
      other.client.get(`/api/recurring/${mine.id}`),
      other.client.patch(`/api/recurring/${mine.id}`, { amount_cents: 1, row_version: 1 }),
      other.client.post(`/api/recurring/${mine.id}/pause`),
      other.client.request('DELETE', `/api/recurring/${mine.id}`),
    ])) {
      expectProblem(response, 404, 'not_found');
    }
    expect((await other.client.post('/api/recurring/run-due')).json().posted).toBe(0);
    expect((await client.get(`/api/recurring/${mine.id}`)).json()).toMatchObject({ status: 'active', posted_count: 0 });
  });

  it('start_on is at most one year back and five years ahead of today, with its own error codes', async () => {
    const { client, checking } = await setup();
    const base = {
      account_id: checking,
      type: 'expense',
      amount_cents: 100,
      description: 'Conta',
      schedule: { kind: 'every_n_days', days: 1 },
    };
    // Today is 2026-06-15 in São Paulo.
    const past = await client.post('/api/recurring', { ...base, start_on: '2025-06-14' });
    expect(past.statusCode).toBe(400);
    expect(past.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'body/start_on', code: 'too_far_in_past', message: 'must be on or after 2025-06-15' }],
    });
    const ancient = await client.post('/api/recurring', { ...base, start_on: '2000-01-01' });
    expect(ancient.json().errors[0].code).toBe('too_far_in_past');
    const future = await client.post('/api/recurring', { ...base, start_on: '2031-06-16' });
    expect(future.statusCode).toBe(400);
    expect(future.json().errors).toEqual([
      { field: 'body/start_on', code: 'too_far_in_future', message: 'must be on or before 2031-06-15' },
    ]);
    expect((await client.post('/api/recurring', { ...base, start_on: '2031-06-15' })).statusCode).toBe(201);
    const oldest = await client.post('/api/recurring', { ...base, start_on: '2025-06-15' });
    expect(oldest.statusCode).toBe(201);
    // start_on cannot be moved by an edit, so an edit cannot open a backlog either.
    const moved = await client.patch(`/api/recurring/${oldest.json().id}`, { start_on: '2000-01-01', row_version: 1 });
    expectProblem(moved, 400, 'validation_failed');
    expect((await t.pool.query('SELECT start_on FROM recurring_rules WHERE id = $1', [oldest.json().id])).rows[0].start_on).toBe(
      '2025-06-15',
    );
  });

  it("one person's long backlogs cannot starve another's bill due today; bounds hold and the next run continues", async () => {
    const many = await setup(100_000_000);
    const ruleCount = 20;
    for (let index = 0; index < ruleCount; index += 1) {
      const created = await many.client.post('/api/recurring', {
        account_id: many.checking,
        type: 'expense',
        amount_cents: 1,
        description: `Backlog ${index}`,
        schedule: { kind: 'every_n_days', days: 1 },
        start_on: '2025-06-15',
      });
      expect(created.statusCode).toBe(201);
    }
    const single = await setup();
    const singleRule = expectStatus(
      await single.client.post('/api/recurring', {
        account_id: single.checking,
        type: 'expense',
        amount_cents: 1,
        description: 'Diária',
        schedule: { kind: 'every_n_days', days: 1 },
        start_on: '2025-06-15',
      }),
      201,
    ).json();
    const bill = await setup();
    const billRule = expectStatus(
      await bill.client.post('/api/recurring', {
        account_id: bill.checking,
        type: 'expense',
        amount_cents: 12_345,
        description: 'Luz',
        schedule: { kind: 'monthly', day: 15 },
        start_on: '2026-06-15',
      }),
      201,
    ).json();

    const first = await service().materializeDue({ until: '2026-06-15' });
    const postedBy = (userId: string) => first.occurrences.filter((o) => ownerOf.get(o.rule_id) === userId);
    const ownerOf = new Map<string, string>(
      (await t.pool.query<{ id: string; user_id: string }>('SELECT id, user_id FROM recurring_rules')).rows.map((row) => [
        row.id,
        row.user_id,
      ]),
    );
    // The bill due today is posted by the first run.
    expect(postedBy(bill.user.id)).toEqual([
      { rule_id: billRule.id, occurs_on: '2026-06-15', status: 'posted', transaction_id: expect.any(String), failure_code: null },
    ]);
    // The person with 20 rules gets their share: the on-time days of their 20 rules first
    // (ON_TIME_DAYS before today and today), then their most overdue days.
    const manyPosted = postedBy(many.user.id);
    expect(manyPosted).toHaveLength(OCCURRENCES_PER_PERSON_PER_RUN_MAX);
    expect(new Set(manyPosted.map((o) => o.occurs_on))).toEqual(
      new Set(['2026-06-13', '2026-06-14', '2026-06-15', '2025-06-15', '2025-06-16']),
    );
    // One rule posts its on-time days and at most its backlog bound: the first month of its year-long backlog.
    const singlePosted = postedBy(single.user.id).map((o) => o.occurs_on);
    expect(singlePosted).toHaveLength(ON_TIME_DAYS + 1 + OCCURRENCES_PER_RULE_PER_RUN_MAX);
    expect(singlePosted.slice(0, ON_TIME_DAYS + 1)).toEqual(['2026-06-13', '2026-06-14', '2026-06-15']);
    expect(singlePosted[ON_TIME_DAYS + 1]).toBe('2025-06-15');
    expect(singlePosted.at(-1)).toBe('2025-07-15');
    const cursor = await t.pool.query('SELECT materialised_through FROM recurring_rules WHERE id = $1', [singleRule.id]);
    expect(cursor.rows[0].materialised_through).toBe('2025-07-15');

    const second = await service().materializeDue({ until: '2026-06-15' });
    const secondSingle = second.occurrences.filter((o) => o.rule_id === singleRule.id).map((o) => o.occurs_on);
    expect(secondSingle[0]).toBe('2025-07-16');
    expect(secondSingle).toHaveLength(OCCURRENCES_PER_RULE_PER_RUN_MAX);
    expect(second.occurrences.filter((o) => ownerOf.get(o.rule_id) === many.user.id)).toHaveLength(
      OCCURRENCES_PER_PERSON_PER_RUN_MAX,
    );
    expect(second.occurrences.filter((o) => o.rule_id === billRule.id)).toEqual([]);
    // Nothing was posted twice: one transaction per claimed (rule, day).
    const counts = await t.pool.query(
      `SELECT (SELECT count(*)::int FROM recurring_occurrences WHERE user_id = ANY($1::uuid[])) AS claimed,
              (SELECT count(*)::int FROM transactions WHERE user_id = ANY($1::uuid[]) AND kind = 'expense') AS posted`,
      [[many.user.id, single.user.id, bill.user.id]],
    );
    const claimed = 2 * (100 + 31) + (ON_TIME_DAYS + 1) + 1;
    expect(counts.rows[0]).toEqual({ claimed, posted: claimed });
    // The person's own run-due obeys the same bounds and continues the backlog.
    const own = (await single.client.post('/api/recurring/run-due')).json();
    expect(own.posted).toBe(OCCURRENCES_PER_RULE_PER_RUN_MAX);
    expect(own.occurrences[0].occurs_on).toBe('2025-08-16');
  });

  it('a rule stored with a start in 2000 lists, shows the calendar and materialises from its oldest day', async () => {
    const { client, user, checking } = await setup(100_000_000);
    const ruleId = await storeRule({
      user_id: user.id,
      account_id: checking,
      type: 'expense',
      description: 'Antiga',
      schedule: { kind: 'every_n_days', days: 1 },
      start_on: '2000-01-01',
      amount_cents: 1,
    });
    const shown = await client.get(`/api/recurring/${ruleId}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ next_occurrence_on: '2026-06-15', posted_count: 0 });
    const upcoming = (await client.get('/api/recurring/upcoming?days=3')).json();
    expect(upcoming.items.map((item: { occurs_on: string }) => item.occurs_on)).toEqual([
      '2026-06-15',
      '2026-06-16',
      '2026-06-17',
      '2026-06-18',
    ]);
    const run = (await client.post('/api/recurring/run-due')).json();
    // Today's occurrence and the ON_TIME_DAYS before it first, then the oldest month.
    expect(run.posted).toBe(ON_TIME_DAYS + 1 + OCCURRENCES_PER_RULE_PER_RUN_MAX);
    expect(run.occurrences[ON_TIME_DAYS + 1].occurs_on).toBe('2000-01-01');
    expect((await client.get('/api/recurring')).json().items[0]).toMatchObject({ id: ruleId, posted_count: run.posted });
  });

  it('create, edit, pause and resume answer from inside their transaction: nothing is read after COMMIT', async () => {
    const { user, checking, housing } = await setup();
    // A pool whose own queries fail stands in for a connection lost between COMMIT and a
    // later read; transactions check out their own client, which still works.
    const lost = new Proxy(t.pool, {
      get(target, property) {
        if (property === 'query') return () => Promise.reject(new Error('Connection terminated unexpectedly'));
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const writes = new RecurringService({ pool: lost, clock, hooks: {} });
    const context = { userId: user.id, requestId: 'test', idempotency: undefined };
    const created = await writes.create(context, {
      type: 'expense',
      account_id: checking,
      category_id: housing,
      amount_cents: 5_000,
      description: 'Aluguel',
      schedule: { kind: 'monthly', day: 20 },
      start_on: '2026-06-20',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ description: 'Aluguel', next_occurrence_on: '2026-06-20', posted_count: 0 });
    const edited = await writes.patch(context, created.body.id, { amount_cents: 6_000, row_version: created.body.row_version });
    expect(edited.body).toMatchObject({ amount_cents: 6_000, row_version: created.body.row_version + 1 });
    expect((await writes.setState(context, created.body.id, 'pause')).body.status).toBe('paused');
    expect((await writes.setState(context, created.body.id, 'resume')).body.status).toBe('active');
    const stored = await t.pool.query('SELECT count(*)::int AS n FROM recurring_rules WHERE user_id = $1', [user.id]);
    expect(stored.rows[0].n).toBe(1);
  });

  it('the run over everybody starts after the person the last full run served last, and wraps around', async () => {
    const people = [await setup(), await setup()].sort((a, b) => (a.user.id < b.user.id ? -1 : 1));
    const ruleIds: string[] = [];
    for (const person of people) {
      ruleIds.push(
        await storeRule({
          user_id: person.user.id,
          account_id: person.checking,
          type: 'expense',
          description: 'Conta do dia',
          schedule: { kind: 'monthly', day: 15 },
          start_on: '2026-06-15',
        }),
      );
    }
    // As if the last full run had stopped at the first of the two (the lower id).
    await t.pool.query(
      `INSERT INTO recurring_rotation (singleton, last_served_user_id) VALUES (true, $1)
       ON CONFLICT (singleton) DO UPDATE SET last_served_user_id = excluded.last_served_user_id`,
      [people[0]?.user.id],
    );
    const run = await service().materializeDue({ until: '2026-06-15' });
    const mine = run.occurrences.filter((occurrence) => ruleIds.includes(occurrence.rule_id)).map((o) => o.rule_id);
    // The person after the cursor first; the one at the cursor is reached when the run wraps.
    expect(mine).toEqual([ruleIds[1], ruleIds[0]]);
  });
});
