/**
 * docs/INCIDENT-PLAYBOOK.md, "A stuck job" and "An idempotent backfill": a job's lock held by a
 * session that stopped working, freed by `npm run ops -- unstick-job` after `npm run ops -- jobs`
 * named it; and recurring occurrences missed for months, caught up by `npm run job --
 * materialize_recurring` beside the person's own "run due" and once more, each occurrence posted once.
 */
import { addMonths, format } from 'date-fns';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_LOCK_NAMESPACE, AdvisoryLock, accountLockKey } from '../../src/db/locks.js';
import { balanceSnapshotsJob } from '../../src/jobs/balance-snapshots.js';
import { runJobOnce } from '../../src/jobs/runner.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { type CommandRun, job, ops, shown, untilSomeoneWaitsOnALock } from './runbook-support.js';

let testApp: TestApp;

beforeAll(async () => {
  testApp = await startTestApp();
});

afterAll(async () => {
  await testApp?.close();
});

/** How a frozen worker looks from the database: its lock connection idle in its transaction, a run left 'running'. */
async function freezeAWorker(): Promise<pg.Client> {
  const holder = new pg.Client({ connectionString: testApp.database.url, application_name: 'vai-de-pix-job-lock' });
  holder.on('error', () => {});
  await holder.connect();
  await holder.query('BEGIN');
  const locked = await holder.query(`SELECT pg_try_advisory_xact_lock(${Number(AdvisoryLock.JobBalanceSnapshots)}) AS locked`);
  expect(locked.rows[0].locked).toBe(true);
  await testApp.pool.query(
    `INSERT INTO job_runs (job, trigger, worker, started_at) VALUES ('balance_snapshots', 'schedule', 'worker-1:4242', now())`,
  );
  return holder;
}

async function untilSilentFor(pid: number, seconds: number): Promise<void> {
  for (let check = 0; check < 600; check += 1) {
    const silent = await testApp.pool.query(
      'SELECT extract(epoch FROM now() - state_change) > $2 AS silent FROM pg_stat_activity WHERE pid = $1',
      [pid, seconds],
    );
    if (silent.rows[0]?.silent === true) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`pid ${pid} never stayed silent for ${seconds} s`);
}

describe('a stuck job', () => {
  it('jobs names the silent holder; unstick-job leaves a live one alone, ends a silent one, and the job runs again', async () => {
    const holder = await freezeAWorker();
    const pid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    expect(await runJobOnce(testApp.pool, balanceSnapshotsJob)).toEqual({ ran: false, reason: 'locked' });

    // Within the default 60 s the holder may be a live run: left alone.
    const alone = await ops(['unstick-job', 'balance_snapshots'], testApp.database.url);
    expect(alone.code, shown(alone)).toBe(1);
    expect(alone.stdout).toContain(`left alone: balance_snapshots's lock is held by a live session, pid ${pid}`);

    await untilSilentFor(pid, 2);
    const listed = await ops(['jobs', '--silent-seconds', '1'], testApp.database.url);
    expect(listed.code, shown(listed)).toBe(1);
    const line = listed.stdout.split('\n').find((candidate) => candidate.startsWith('balance_snapshots '));
    expect(line).toMatch(/^balance_snapshots stuck last=running@\S+ last_success=- running_runs=1 \(worker-1:4242 since \S+\)/);
    expect(line).toContain(`lock=pid:${pid} app=vai-de-pix-job-lock`);

    const unstuck = await ops(['unstick-job', 'balance_snapshots', '--silent-seconds', '1'], testApp.database.url);
    expect(unstuck.code, shown(unstuck)).toBe(0);
    expect(unstuck.stdout).toContain('balance_snapshots unstuck: lock free, 1 run(s) marked died');
    await holder.end().catch(() => {});

    const ran = await job('balance_snapshots', testApp.database.url);
    expect(ran.code, shown(ran)).toBe(0);
    expect(JSON.parse(ran.stdout.trim())).toMatchObject({ job: 'balance_snapshots', ran: true });
    const runs = await testApp.pool.query(`SELECT status, trigger FROM job_runs WHERE job = 'balance_snapshots' ORDER BY id`);
    expect(runs.rows).toEqual([
      { status: 'died', trigger: 'schedule' },
      { status: 'succeeded', trigger: 'command' },
    ]);
  });
});

describe('an idempotent backfill', () => {
  it("occurrences missed for months: the job beside the person's own run, then the job again, post each occurrence once", async () => {
    const { client } = await signedIn(testApp.app);
    const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 1_000_000 });
    const startOn = `${format(addMonths(new Date(), -4), 'yyyy-MM')}-01`;
    const rule = await client.post('/api/recurring', {
      account_id: checking.id,
      type: 'expense',
      amount_cents: 10_000,
      description: 'Aluguel',
      schedule: { kind: 'monthly', day: 1 },
      start_on: startOn,
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const ruleId = rule.json().id as string;

    // The worker's catch-up and the person's own "run due" start together and meet on the same
    // days: a transaction holding the account's lock keeps both waiting until both are under way.
    const held = await testApp.pool.connect();
    let first: CommandRun;
    try {
      await held.query('BEGIN');
      await held.query('SELECT pg_advisory_xact_lock($1, $2)', [ACCOUNT_LOCK_NAMESPACE, accountLockKey(checking.id)]);
      // The job first (a process to start), then the person's run: each waits less than the
      // app's lock_timeout (10 s).
      const running = job('materialize_recurring', testApp.database.url);
      await untilSomeoneWaitsOnALock(testApp.pool, testApp.database.name, running, 1);
      const due = client.post('/api/recurring/run-due');
      await untilSomeoneWaitsOnALock(testApp.pool, testApp.database.name, Promise.race([running, due]), 2);
      await held.query('COMMIT');
      first = await running;
      const answered = await due;
      expect(answered.statusCode, answered.body).toBe(200);
    } finally {
      held.release();
    }
    expect(first.code, shown(first)).toBe(0);
    const posted = async () =>
      (
        await testApp.pool.query(
          `SELECT o.occurs_on::text AS day FROM recurring_occurrences o JOIN transactions t ON t.id = o.transaction_id
            WHERE o.rule_id = $1 AND o.status = 'posted' ORDER BY o.occurs_on`,
          [ruleId],
        )
      ).rows.map((row) => row.day as string);
    const days = await posted();
    expect(days.length).toBeGreaterThanOrEqual(4);
    expect(new Set(days).size).toBe(days.length);

    const third = await job('materialize_recurring', testApp.database.url);
    expect(third.code, shown(third)).toBe(0);
    expect(await posted()).toEqual(days);
    const expenses = await testApp.pool.query(
      `SELECT count(*)::int AS n FROM transactions WHERE account_id = $1 AND description = 'Aluguel'`,
      [checking.id],
    );
    expect(expenses.rows[0].n).toBe(days.length);
    const balance = (await client.get(`/api/accounts/${checking.id}`)).json().balance_cents;
    expect(balance).toBe(1_000_000 - 10_000 * days.length);
    await expectLedgerInvariants(testApp.pool);
  });
});
