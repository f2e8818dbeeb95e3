import { spawn } from 'node:child_process';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  createJobWorld,
  JOB_CASES,
  type JobWorld,
  KILL_CASES,
  mondayCases,
  nextMondayMorning,
  WORKERS_APP_URL,
} from '../helpers/job-cases.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { ownServerForFile } from '../helpers/own-server.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import {
  expectStoppedCleanly,
  MAIN,
  requireBuild,
  scrapeCounter,
  scrapeTotal,
  startWorkerProcess,
  stopWorkerProcess,
  type WorkerProcess,
  waitFor,
} from '../helpers/worker-processes.js';

/**
 * Real worker processes (node dist/main.js, ROLE=worker) against one database, every job
 * firing every second on each (JOB_SCHEDULE_OVERRIDE): the advisory lock lets one run at a
 * time, the others skip, and every job's work is done exactly once; a worker killed in the
 * middle of a run leaves nothing half done that the next run does not finish.
 */
const WORKERS = 4;
/** Many ticks: every job fires this many seconds on each worker. */
const TICKING_MS = 8_000;
const DONE_TIMEOUT_MS = 60_000;
/**
 * A hang guard, not a timer: starting the workers, the ticks, the wait for the work and the checks
 * took 129 s and 171 s in a CI run on a starved two-core machine (2 December), where 180 s left no
 * margin; 19 s and 13 s on a quiet one.
 */
const TEST_TIMEOUT_MS = 480_000;
/** A short pause makes every run last a while, so the workers' ticks meet at the lock. */
const TICKING_PAUSE_MS = '20';

beforeAll(() => requireBuild());
/** Four workers with a pool each, and the test's app: 84 connections at the peak (test/helpers/own-server.ts). */
const adminUrl = ownServerForFile();

/** Pairs of runs of the same job whose [started_at, finished_at] intervals overlap. */
async function overlappingRuns(pool: pg.Pool) {
  const result = await pool.query(
    `SELECT a.job, a.id AS first, b.id AS second
       FROM job_runs a JOIN job_runs b ON a.job = b.job AND a.id < b.id
      WHERE a.started_at < coalesce(b.finished_at, 'infinity') AND b.started_at < coalesce(a.finished_at, 'infinity')`,
  );
  return result.rows;
}

async function runsByStatus(pool: pg.Pool, job: string): Promise<Record<string, number>> {
  const result = await pool.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM job_runs WHERE job = $1 GROUP BY status',
    [job],
  );
  return Object.fromEntries(result.rows.map((row) => [row.status, row.n]));
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

describe('the test-only job settings', () => {
  it.each(['JOB_SCHEDULE_OVERRIDE', 'JOB_TEST_PAUSE_MS'])('stop a real process outside NODE_ENV=test (%s)', async (name) => {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        ROLE: 'worker',
        DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none',
        [name]: name === 'JOB_TEST_PAUSE_MS' ? '100' : '* * * * * *',
      },
    });
    let output = '';
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(output).toContain(`${name}: only allowed when NODE_ENV=test`);
  });
});

describe(`${WORKERS} worker processes on one database`, () => {
  let t: TestApp;
  let world: JobWorld;
  let smtp: TestSmtpServer;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({ adminUrl: adminUrl() });
    world = { ...(await createJobWorld(t.app, t.pool)), smtp };
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => stopWorkerProcess(worker)));
    await t?.close();
    await smtp?.close();
  });

  it(
    'run each job one at a time, count the skipped ticks, and do every job’s work exactly once',
    async () => {
      for (const jobCase of JOB_CASES) await jobCase.seed(world);
      for (let index = 0; index < WORKERS; index += 1)
        workers.push(
          await startWorkerProcess(t.database.url, {
            JOB_TEST_PAUSE_MS: TICKING_PAUSE_MS,
            SMTP_URL: smtp.url,
            APP_URL: WORKERS_APP_URL,
          }),
        );
      const output = () => workers.map((worker) => worker.output()).join('\n');
      const ticking = new Promise((resolve) => setTimeout(resolve, TICKING_MS));
      for (const jobCase of JOB_CASES)
        await waitFor(`${jobCase.job} to finish`, () => jobCase.done(world), DONE_TIMEOUT_MS, output);
      await ticking;

      const skipped = await Promise.all(workers.map((worker) => scrapeCounter(worker, 'job_lock_skipped_total')));
      const acquired = await Promise.all(workers.map((worker) => scrapeCounter(worker, 'job_lock_acquired_total')));
      const health = await Promise.all(workers.map((worker) => fetch(`${worker.metricsUrl}/health`)));
      const mismatches = await Promise.all(workers.map((worker) => scrapeTotal(worker, 'ledger_reconcile_mismatches_total')));
      await expectStoppedCleanly(workers);
      expect(await overlappingRuns(t.pool)).toEqual([]);
      expect(health.map((response) => response.status)).toEqual(workers.map(() => 200));

      expect(sum(skipped.flatMap((byJob) => [...byJob.values()]))).toBeGreaterThan(0);
      // The one planted mismatch, counted by the one worker that recorded it.
      expect(sum(mismatches)).toBe(1);
      for (const jobCase of JOB_CASES) {
        const runs = await runsByStatus(t.pool, jobCase.job);
        // Every run that took the lock left a row, and every one succeeded (runs may have
        // started between the scrape and the stop, which waits for them).
        expect(Object.keys(runs), jobCase.job).toEqual(['succeeded']);
        expect(runs.succeeded, jobCase.job).toBeGreaterThanOrEqual(sum(acquired.map((byJob) => byJob.get(jobCase.job) ?? 0)));
        expect(runs.succeeded, jobCase.job).toBeGreaterThanOrEqual(TICKING_MS / 1_000 / 2);
        await jobCase.expectDoneOnce(world);
      }
      await expectLedgerInvariants(t.pool);
    },
    TEST_TIMEOUT_MS,
  );
});

describe(`${WORKERS} worker processes whose clock starts on a Monday morning`, () => {
  const monday = nextMondayMorning();
  const cases = mondayCases(monday);
  /** Enough ticks for every job to run a few times after its work is done. */
  const MONDAY_TICKING_MS = 4_000;
  let t: TestApp;
  let world: JobWorld;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    t = await startTestApp({ adminUrl: adminUrl() });
    world = await createJobWorld(t.app, t.pool);
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => stopWorkerProcess(worker)));
    await t?.close();
  });

  it(
    `send one weekly summary per person and recompute each person's insights once (clock at ${monday})`,
    async () => {
      for (const jobCase of cases) await jobCase.seed(world);
      for (let index = 0; index < WORKERS; index += 1)
        workers.push(
          await startWorkerProcess(t.database.url, {
            JOB_TEST_PAUSE_MS: TICKING_PAUSE_MS,
            TEST_CLOCK_START: monday,
            ENABLE_INSIGHTS: 'true',
          }),
        );
      const output = () => workers.map((worker) => worker.output()).join('\n');
      const ticking = new Promise((resolve) => setTimeout(resolve, MONDAY_TICKING_MS));
      for (const jobCase of cases) await waitFor(`${jobCase.job} to finish`, () => jobCase.done(world), DONE_TIMEOUT_MS, output);
      await ticking;
      await expectStoppedCleanly(workers);
      // No overlap check here: each worker's clock starts at TEST_CLOCK_START when its process
      // starts, so the workers' run times are offset from each other (the first describe checks it).
      for (const jobCase of cases) {
        const runs = await runsByStatus(t.pool, jobCase.job);
        expect(Object.keys(runs), jobCase.job).toEqual(['succeeded']);
        expect(runs.succeeded, jobCase.job).toBeGreaterThanOrEqual(2);
        await jobCase.expectDoneOnce(world);
      }
    },
    TEST_TIMEOUT_MS,
  );
});

describe.each(KILL_CASES)('a worker killed with SIGKILL in the middle of a $job run', (killCase) => {
  /** Long enough that the run is still going when it is killed, short enough for one tick. */
  const SLOW_PAUSE_MS = '150';
  /** Units done before the kill, so the run is caught between its transactions. */
  const DONE_BEFORE_KILL = 3;
  const { job } = killCase;
  let t: TestApp;
  let world: JobWorld;
  let smtp: TestSmtpServer;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({ adminUrl: adminUrl() });
    world = { ...(await createJobWorld(t.app, t.pool)), smtp };
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => stopWorkerProcess(worker)));
    await t?.close();
    await smtp?.close();
  });

  /** Sessions on the test database beyond the test pool's (the app's listener, workers). */
  async function otherSessions(): Promise<number> {
    const result = await t.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`,
    );
    return (result.rows[0]?.n ?? 0) - t.pool.totalCount;
  }

  /** Whether some session holds the job's lock: the test tries to take it in a transaction of its own. */
  async function lockHeld(): Promise<boolean> {
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [killCase.lock]);
      return result.rows[0]?.locked !== true;
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  it(
    'releases the lock with its connection; the next worker marks the run died and finishes the work once',
    async () => {
      const total = await killCase.seed(world);
      const ownSessions = await otherSessions();
      const slow = await startWorkerProcess(t.database.url, {
        JOB_TEST_PAUSE_MS: SLOW_PAUSE_MS,
        ...killCase.workerEnv?.(world, 'killed'),
      });
      workers.push(slow);
      const midRun = killCase.midRun ?? (async () => (await killCase.progress(world)) >= DONE_BEFORE_KILL);
      await waitFor(
        'a run in the middle of its work',
        async () => (await runsByStatus(t.pool, job)).running === 1 && (await midRun(world)),
        DONE_TIMEOUT_MS,
        slow.output,
      );
      expect(await lockHeld()).toBe(true);
      slow.child.kill('SIGKILL');
      await slow.exited;
      // The server ends the dead client's sessions, and the lock transaction's lock with them.
      await waitFor('the lock to be released', async () => !(await lockHeld()), 10_000);
      await waitFor('the dead worker’s sessions to end', async () => (await otherSessions()) === ownSessions, 10_000);
      const doneWhenKilled = await killCase.progress(world);
      if (killCase.midRun === undefined) expect(doneWhenKilled).toBeLessThan(total);
      expect(await runsByStatus(t.pool, job)).toMatchObject({ running: 1 });

      const next = await startWorkerProcess(t.database.url, killCase.workerEnv?.(world, 'next'));
      workers.push(next);
      await waitFor(
        'the work to be finished',
        async () => (await killCase.progress(world)) === total && ((await runsByStatus(t.pool, job)).succeeded ?? 0) >= 1,
        DONE_TIMEOUT_MS,
        next.output,
      );
      await expectStoppedCleanly([next]);

      const runs = await t.pool.query<{ status: string; error_summary: string | null }>(
        'SELECT status, error_summary FROM job_runs WHERE job = $1 ORDER BY started_at',
        [job],
      );
      expect(runs.rows[0]).toMatchObject({
        status: 'died',
        error_summary: expect.stringMatching(/its process stopped, or lost the database, before it finished/),
      });
      expect(runs.rows.slice(1).every((run) => run.status === 'succeeded')).toBe(true);
      expect(next.output()).toContain('found runs of this job that did not finish');
      await killCase.expectDoneOnce(world, total, doneWhenKilled);
      expect(await overlappingRuns(t.pool)).toEqual([]);
      await expectLedgerInvariants(t.pool);
    },
    TEST_TIMEOUT_MS,
  );
});
