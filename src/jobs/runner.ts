import { hostname } from 'node:os';
import type pg from 'pg';
import pino, { type Logger } from 'pino';
import { tryLockTransaction } from '../db/locks.js';
import { type Clock, systemClock } from '../lib/clock.js';
import { serializeError } from '../observability/errors.js';
import type { Job, JobContext } from './job.js';
import type { JobMetrics } from './metrics.js';

export type JobOutcome = { ran: true; affected: number } | { ran: false; reason: 'locked' };

export type JobTrigger = 'schedule' | 'command';

export interface RunOptions {
  clock?: Clock;
  logger?: Logger;
  metrics?: JobMetrics;
  /** Where a job's findings go (Sentry when configured); see JobContext.report. */
  report?: (error: Error, context: Record<string, string | number>) => void;
  trigger?: JobTrigger;
}

/** This process, as job_runs and the admin page name it. */
export const WORKER_NAME = `${hostname()}:${process.pid}`.slice(0, 200);
const ERROR_SUMMARY_LENGTH_MAX = 500;
/** Runs older than this are deleted by the next run of the same job. */
const JOB_RUNS_RETENTION_DAYS = 30;
const JOB_RUNS_PURGE_BATCH_MAX = 1_000;
/** job_runs.items is an int4. */
const ITEMS_RECORDED_MAX = 2_147_483_647;
const silentLogger = pino({ level: 'silent' });

/** What a failed run records: the error's class, SQLSTATE and scrubbed message, never row values. */
export function errorSummary(error: unknown): string {
  const described = serializeError(error);
  const code = described.code ? ` (${described.code})` : '';
  return `${described.type}${code}: ${described.message}`.slice(0, ERROR_SUMMARY_LENGTH_MAX);
}

/**
 * Runs a job once if no other worker holds its lock.
 *
 * The lock is a transaction-level advisory lock (pg_try_advisory_xact_lock) held by a
 * transaction of its own on a dedicated connection for the whole run, while the job does its
 * work in its own short transactions on other connections. That works behind PgBouncer in
 * transaction pooling (the open transaction keeps its server connection), and the lock goes
 * with the connection: a worker killed mid-run releases it, and the next run finishes the work.
 * The lock transaction takes no snapshot between statements and writes nothing, so it holds
 * back neither VACUUM nor anyone else.
 */
export async function runJobOnce(
  pool: pg.Pool,
  job: Job,
  clockOrOptions: Clock | RunOptions = {},
  maybeOptions: RunOptions = {},
): Promise<JobOutcome> {
  const options: RunOptions = 'now' in clockOrOptions ? { ...maybeOptions, clock: clockOrOptions } : clockOrOptions;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const holder = await pool.connect();
  // After any error on it, the holder is destroyed, not pooled: closing it releases the lock.
  let broken: Error | undefined;
  try {
    await holder.query('BEGIN');
    // The lock transaction sits idle while the job works; a server-wide idle timeout must not end it.
    await holder.query('SET LOCAL idle_in_transaction_session_timeout = 0');
    if (!(await tryLockTransaction(holder, job.lock))) {
      await holder.query('ROLLBACK');
      options.metrics?.lockSkipped.inc({ job: job.name });
      return { ran: false, reason: 'locked' };
    }
    options.metrics?.lockAcquired.inc({ job: job.name });
    const affected = await runHoldingLock(pool, job, { ...options, clock, logger });
    await holder.query('COMMIT');
    return { ran: true, affected };
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    holder.release(broken);
  }
}

async function runHoldingLock(pool: pg.Pool, job: Job, options: RunOptions & { clock: Clock; logger: Logger }): Promise<number> {
  const { clock, logger, metrics } = options;
  const now = clock.now();
  // Holding the lock proves no run of this job is alive: one still 'running' died mid-way.
  const died = await pool.query(
    `UPDATE job_runs SET status = 'died', finished_at = $2,
            error_summary = 'the process running it stopped before it finished'
      WHERE job = $1 AND status = 'running'`,
    [job.name, now],
  );
  if ((died.rowCount ?? 0) > 0) logger.warn({ job: job.name, runs: died.rowCount }, 'found runs of this job that died');
  const inserted = await pool.query<{ id: string }>(
    `INSERT INTO job_runs (job, trigger, worker, started_at) VALUES ($1, $2, $3, $4) RETURNING id`,
    [job.name, options.trigger ?? 'schedule', WORKER_NAME, now],
  );
  const runId = inserted.rows[0]?.id;
  const context: JobContext = {
    pool,
    now,
    clock,
    logger: logger.child({ job: job.name }),
    report: (error, extra = {}) => {
      try {
        options.report?.(error, { job: job.name, ...extra });
      } catch (reportError) {
        logger.error({ job: job.name, err: reportError }, 'could not report a finding');
      }
    },
    ...(metrics ? { metrics } : {}),
  };
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    const items = await job.run(context);
    metrics?.duration.observe({ job: job.name }, seconds());
    metrics?.items.inc({ job: job.name }, items);
    await finishRun(pool, runId, {
      status: 'succeeded',
      items: Math.min(items, ITEMS_RECORDED_MAX),
      finishedAt: clock.now(),
      error: null,
    });
    metrics?.lastSuccess.set({ job: job.name }, Date.now() / 1000);
    return items;
  } catch (error) {
    metrics?.duration.observe({ job: job.name }, seconds());
    metrics?.failures.inc({ job: job.name });
    await finishRun(pool, runId, { status: 'failed', items: 0, finishedAt: clock.now(), error: errorSummary(error) }).catch(
      (finishError: unknown) => logger.error({ job: job.name, err: finishError }, 'could not record a failed run'),
    );
    throw error;
  } finally {
    await pool
      .query(
        `DELETE FROM job_runs WHERE id IN (
           SELECT id FROM job_runs WHERE job = $1 AND started_at < $2::timestamptz - make_interval(days => $3) LIMIT $4)`,
        [job.name, now, JOB_RUNS_RETENTION_DAYS, JOB_RUNS_PURGE_BATCH_MAX],
      )
      .catch((purgeError: unknown) => logger.warn({ job: job.name, err: purgeError }, 'could not purge old job runs'));
  }
}

async function finishRun(
  pool: pg.Pool,
  runId: string | undefined,
  outcome: { status: 'succeeded' | 'failed'; items: number; finishedAt: Date; error: string | null },
): Promise<void> {
  await pool.query(`UPDATE job_runs SET status = $2, items = $3, finished_at = $4, error_summary = $5 WHERE id = $1`, [
    runId,
    outcome.status,
    outcome.items,
    outcome.finishedAt,
    outcome.error,
  ]);
}
