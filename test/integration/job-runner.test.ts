import { spawn } from 'node:child_process';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryLock } from '../../src/db/locks.js';
import type { Job } from '../../src/jobs/job.js';
import { createJobMetrics } from '../../src/jobs/metrics.js';
import { runJobOnce } from '../../src/jobs/runner.js';
import { startScheduler } from '../../src/jobs/scheduler.js';
import { startWorkerHttp } from '../../src/jobs/worker-http.js';
import { fixedClock } from '../../src/lib/clock.js';
import { PASSWORD, signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

const clock = fixedClock('2026-08-01T12:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock, env: { ADMIN_EMAILS: ' Operadora@Example.com ,outra@example.com' } });
});
afterAll(async () => {
  await t?.close();
});

function job(name: string, run: Job['run']): Job {
  return { name, lock: AdvisoryLock.JobBudgetAlert, schedule: '0 * * * *', run };
}

async function runsOf(name: string) {
  const result = await t.pool.query(
    'SELECT status, items, trigger, error_summary, finished_at FROM job_runs WHERE job = $1 ORDER BY id',
    [name],
  );
  return result.rows;
}

async function metricValue(registry: Registry, name: string, jobName: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
  const value = metric?.values.find((entry) => entry.labels.job === jobName && !('le' in entry.labels));
  return Number(value?.value ?? 0);
}

describe('the job runner', () => {
  it('records each run, counts the one that found the lock taken, and never runs two at once', async () => {
    const registry = new Registry();
    const metrics = createJobMetrics(registry);
    let inside = 0;
    let most = 0;
    const slow = job('test_slow', async () => {
      inside += 1;
      most = Math.max(most, inside);
      await new Promise((resolve) => setTimeout(resolve, 200));
      inside -= 1;
      return 3;
    });
    const outcomes = await Promise.all([1, 2, 3].map(() => runJobOnce(t.pool, slow, { clock, metrics })));
    expect(most).toBe(1);
    expect(outcomes.filter((outcome) => outcome.ran)).toHaveLength(1);
    expect(outcomes.filter((outcome) => !outcome.ran)).toHaveLength(2);
    expect(await runsOf('test_slow')).toEqual([
      { status: 'succeeded', items: 3, trigger: 'schedule', error_summary: null, finished_at: expect.any(Date) },
    ]);
    expect(await metricValue(registry, 'job_lock_acquired_total', 'test_slow')).toBe(1);
    expect(await metricValue(registry, 'job_lock_skipped_total', 'test_slow')).toBe(2);
    expect(await metricValue(registry, 'job_items_total', 'test_slow')).toBe(3);
    expect(await metricValue(registry, 'job_last_success_timestamp_seconds', 'test_slow')).toBeGreaterThan(0);
  });

  it('the scheduler fires no tick of a job while its run in this process is still going, and counts it skipped', async () => {
    const registry = new Registry();
    const metrics = createJobMetrics(registry);
    const lines: Array<{ msg: string; job?: string }> = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const heldTicks = () => lines.filter((line) => line.msg === 'tick skipped: this worker is still running the job');
    // The run lasts until the test lets it end, after the scheduler has stopped.
    let started = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const slow = {
      ...job('test_scheduled_slow', async () => {
        started += 1;
        await finished;
        return 1;
      }),
      schedule: '* * * * * *',
    };
    const scheduler = startScheduler({ pool: t.pool, logger, jobs: [slow], clock, metrics });
    try {
      const deadline = Date.now() + 60_000;
      while (started === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(started).toBe(1);
      // Two ticks held back, however slowly this machine fires them.
      while (heldTicks().length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      const stopped = scheduler.stop();
      finish();
      await stopped;
    }
    const held = heldTicks();
    expect(held.length).toBeGreaterThanOrEqual(2);
    expect(held.every((line) => line.job === 'test_scheduled_slow')).toBe(true);
    // Every skip is a tick held back here: none opened a connection and found the lock taken.
    expect(await metricValue(registry, 'job_lock_skipped_total', 'test_scheduled_slow')).toBe(held.length);
    expect(await metricValue(registry, 'job_lock_acquired_total', 'test_scheduled_slow')).toBe(1);
    expect(started).toBe(1);
  });

  it('a failed run is recorded with its SQLSTATE and no values, counted, and rethrown', async () => {
    const registry = new Registry();
    const metrics = createJobMetrics(registry);
    const failing = job('test_failing', async ({ pool }) => {
      await pool.query(`DO $$ BEGIN RAISE EXCEPTION 'segredo %', 'ana@example.com'; END $$`);
      return 0;
    });
    await expect(runJobOnce(t.pool, failing, { clock, metrics })).rejects.toThrow();
    const [run] = await runsOf('test_failing');
    expect(run).toMatchObject({ status: 'failed', items: 0 });
    expect(run.error_summary).toContain('P0001');
    expect(run.error_summary).not.toContain('ana@example.com');
    expect(await metricValue(registry, 'job_failures_total', 'test_failing')).toBe(1);
    // The lock went with the failed run: the next one takes it.
    expect(
      (
        await runJobOnce(
          t.pool,
          job('test_failing', async () => 0),
          { clock },
        )
      ).ran,
    ).toBe(true);
  });

  it('a run whose connection died is marked "died" by the next run, which then does the work', async () => {
    // A worker that took the lock and recorded its run, then lost its connection (SIGKILL).
    const victim = await t.pool.connect();
    const { pid } = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number };
    victim.on('error', () => undefined);
    await victim.query('BEGIN');
    await victim.query('SELECT pg_advisory_xact_lock($1)', [AdvisoryLock.JobBudgetAlert]);
    await t.pool.query(
      `INSERT INTO job_runs (job, trigger, worker, started_at) VALUES ('test_crash', 'schedule', 'gone:1', $1)`,
      [clock.now()],
    );
    expect(
      (
        await runJobOnce(
          t.pool,
          job('test_crash', async () => 1),
          { clock },
        )
      ).ran,
    ).toBe(false);
    // The connection goes as a killed process's does; the server ends its transaction and lock.
    await t.pool.query('SELECT pg_terminate_backend($1, 5000)', [pid]);
    victim.release(new Error('killed'));
    expect(
      await runJobOnce(
        t.pool,
        job('test_crash', async () => 1),
        { clock },
      ),
    ).toEqual({ ran: true, affected: 1 });
    expect((await runsOf('test_crash')).map((run) => run.status)).toEqual(['died', 'succeeded']);
  });

  it("the idle lock transaction holds no snapshot (VACUUM is not held back) and needs none of the pool's connections", async () => {
    const { createPool } = await import('../../src/db/pool.js');
    const tiny = createPool(t.database.url, { max: 1 });
    try {
      let holderXmin: unknown = 'not read';
      const outcome = await runJobOnce(
        tiny,
        job('test_snapshot', async ({ pool }) => {
          // The pool's one connection is free for the job: the lock has a connection of its own.
          const found = await pool.query<{ xmin: string | null }>(
            `SELECT backend_xmin::text AS xmin FROM pg_stat_activity WHERE application_name = 'vai-de-pix-job-lock'
               AND datname = current_database()`,
          );
          holderXmin = found.rows.map((row) => row.xmin);
          return 1;
        }),
        { clock },
      );
      expect(outcome).toEqual({ ran: true, affected: 1 });
      expect(holderXmin).toEqual([null]);
    } finally {
      await tiny.end();
    }
  });

  it('losing the connection that holds the lock fails the run, not the process', async () => {
    let release: () => void = () => undefined;
    const waiting = new Promise<void>((resolve) => {
      release = resolve;
    });
    let queriedAfterLoss = false;
    const run = runJobOnce(
      t.pool,
      job('test_lost_lock', async ({ pool }) => {
        await waiting;
        // Its pool refuses new statements once the lock is gone: the job stops here.
        await pool.query('SELECT 1');
        queriedAfterLoss = true;
        return 0;
      }),
      { clock },
    );
    // The holder is the backend idle in a transaction holding this job's advisory lock, in
    // this file's database: other test files run the real budget_alert job under that id.
    let holderPid: number | undefined;
    for (let attempt = 0; attempt < 100 && holderPid === undefined; attempt += 1) {
      const found = await t.pool.query<{ pid: number }>(
        `SELECT pid FROM pg_locks
          WHERE locktype = 'advisory' AND objid = $1::bigint % 4294967296 AND granted
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [AdvisoryLock.JobBudgetAlert],
      );
      holderPid = found.rows[0]?.pid;
      if (holderPid === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(holderPid).toBeDefined();
    await t.pool.query('SELECT pg_terminate_backend($1, 5000)', [holderPid]);
    // The lock went with the connection: another worker takes it, and marks the first run as not finished.
    expect(
      (
        await runJobOnce(
          t.pool,
          job('test_lost_lock', async () => 0),
          { clock },
        )
      ).ran,
    ).toBe(true);
    release();
    await expect(run).rejects.toThrow(/lost the connection holding the lock/);
    expect(queriedAfterLoss).toBe(false);
    // The first run, ending after that, does not overwrite what the second recorded about it.
    expect((await runsOf('test_lost_lock')).map((row) => row.status)).toEqual(['died', 'succeeded']);
  });
});

describe('GET /api/admin/jobs', () => {
  it('is for operators only: the first person registered and ADMIN_EMAILS; everyone else gets 403', async () => {
    // The first person registered in this database is an operator.
    const first = await signedIn(t.app, 'Primeira Pessoa');
    clock.advance(1_000);
    const other = await signedIn(t.app, 'Outra Pessoa');
    expect((await first.client.get('/api/me')).json().is_operator).toBe(true);
    expect((await other.client.get('/api/me')).json().is_operator).toBe(false);
    expectProblem(await other.client.get('/api/admin/jobs'), 403, 'forbidden');
    expectProblem(await t.app.inject({ method: 'GET', url: '/api/admin/jobs' }), 401, 'unauthenticated');

    await runJobOnce(t.pool, (await import('../../src/jobs/expire-idempotency-keys.js')).expireIdempotencyKeysJob, { clock });
    const response = await first.client.get('/api/admin/jobs?runs=2');
    expectStatus(response, 200);
    const jobs = response.json().jobs as Array<{ name: string; next_run_at: string; last_runs: Array<{ status: string }> }>;
    const expiry = jobs.find((candidate) => candidate.name === 'expire_idempotency_keys');
    expect(expiry?.last_runs[0]?.status).toBe('succeeded');
    // */10 * * * * after 12:00:00 UTC.
    expect(expiry?.next_run_at).toBe('2026-08-01T12:10:00.000Z');
    expectProblem(await first.client.get('/api/admin/jobs?runs=51'), 400, 'validation_failed');
  });

  it('nobody becomes an operator by changing their e-mail to a listed address (e-mails are not verified)', async () => {
    const someone = await signedIn(t.app, 'Alguém');
    const response = await someone.client.put('/api/me/email', { email: 'OUTRA@example.com', password: PASSWORD });
    expectProblem(response, 403, 'email_reserved');
    expectProblem(await someone.client.get('/api/admin/jobs'), 403, 'forbidden');
  });

  it('an e-mail in ADMIN_EMAILS is an operator whatever its case', async () => {
    const { registerUser, clientFor } = await import('../helpers/app.js');
    const { token } = await registerUser(t.app, { name: 'Operadora', email: 'operadora@example.com' });
    expectStatus(await clientFor(t.app, token).get('/api/admin/jobs'), 200);
  });
});

describe('the worker on METRICS_PORT', () => {
  it('serves /metrics (behind the token when set) and /health, nothing else', async () => {
    const registry = new Registry();
    createJobMetrics(registry);
    const http = await startWorkerHttp({ port: 0, host: '127.0.0.1', registry, token: 'token-de-metricas-1234' });
    try {
      const base = `http://127.0.0.1:${http.port}`;
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      const metrics = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer token-de-metricas-1234' } });
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('job_lock_skipped_total');
      expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', role: 'worker' });
      expect((await fetch(`${base}/api/me`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await http.close();
    }
  });
});

describe('npm run job -- <name>', () => {
  const runCommand = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/job.ts', ...args], {
        env: { ...process.env, DATABASE_URL: t.database.url, LOG_LEVEL: 'silent' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  it('runs one job once and prints one line of JSON; skipped when another worker holds the lock; 64 for an unknown job', async () => {
    const ran = await runCommand(['expire_idempotency_keys']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ job: 'expire_idempotency_keys', ran: true, items: 0, ms: expect.any(Number) });
    expect(ran.stdout.trim().split('\n')).toHaveLength(1);

    const holder = await t.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [AdvisoryLock.JobExpireIdempotencyKeys]);
      const skipped = await runCommand(['expire_idempotency_keys']);
      expect(skipped.code).toBe(0);
      expect(JSON.parse(skipped.stdout)).toMatchObject({ job: 'expire_idempotency_keys', ran: false, items: 0 });
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    const commandRuns = await t.pool.query(`SELECT count(*)::int AS n FROM job_runs WHERE trigger = 'command'`);
    expect(commandRuns.rows[0].n).toBe(1);

    const unknown = await runCommand(['no_such_job']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('materialize_recurring');
  }, 180_000);
});
