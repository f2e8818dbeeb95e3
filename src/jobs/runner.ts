import { hostname } from 'node:os';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import type { AdvisoryLock } from '../db/locks.js';
import { type Clock, systemClock } from '../lib/clock.js';
import { serializeError } from '../observability/errors.js';
import type { Job, JobContext } from './job.js';
import type { JobMetrics } from './metrics.js';

export type JobOutcome = { ran: true; affected: number } | { ran: false; reason: 'locked' | 'stopping' };

export type JobTrigger = 'schedule' | 'command';

export interface RunOptions {
  clock?: Clock;
  logger?: Logger;
  metrics?: JobMetrics;
  /** Where a job's findings go (Sentry when configured); see JobContext.report. */
  report?: (error: Error, context: Record<string, string | number>) => void;
  trigger?: JobTrigger;
  /** How often the lock's connection is checked while the job runs; see runJobOnce. */
  heartbeatMs?: number;
  /** Called once the lock is taken, before the run is recorded and the job starts. */
  onLocked?: () => void;
  /**
   * Aborted when the process is stopping (SIGTERM): the run finishes the statement or
   * transaction under way, then its pool refuses the next one, as when the lock is lost; the
   * run is recorded as stopped early and its next run continues the work. A run not yet
   * started does not start.
   */
  stopping?: AbortSignal;
}

/** This process, as job_runs and the admin page name it. */
export const WORKER_NAME = `${hostname()}:${process.pid}`.slice(0, 200);
const ERROR_SUMMARY_LENGTH_MAX = 500;
/** Runs older than this are deleted by the next run of the same job. */
const JOB_RUNS_RETENTION_DAYS = 30;
const JOB_RUNS_PURGE_BATCH_MAX = 1_000;
/** job_runs.items is an int4. */
const ITEMS_RECORDED_MAX = 2_147_483_647;
const HEARTBEAT_MS_DEFAULT = 5_000;
const DIED_SUMMARY = 'did not record its end: its process stopped, or lost the database, before it finished';
/**
 * What a run stopped by a shutdown records. Its status stays 'succeeded' (what it did is
 * whole and correct, and the next run continues), with this note; its items count nothing,
 * as a killed run's do not: a stop is a normal event, not a failure to alert on.
 */
export const STOPPED_SUMMARY = 'stopped early: its process was shutting down; it finished its batch, the next run continues';
const silentLogger = pino({ level: 'silent' });

/** The run lost the connection that held its lock: another worker may now run the same job. */
export class JobLockLostError extends Error {
  override name = 'JobLockLostError';
}

/** The process is stopping: the run stopped after its current batch (see RunOptions.stopping). */
export class JobStoppedError extends Error {
  override name = 'JobStoppedError';
}

/** How deep isStop follows an error's causes: a cycle of causes must not loop for ever. */
const CAUSE_DEPTH_MAX = 10;

/** Whether the error is the stop's own refusal, as the job's pool gave it (maybe wrapped as a cause). */
function isStop(error: unknown, stopping: AbortSignal | undefined): boolean {
  if (stopping === undefined || !stopping.aborted) return false;
  for (let cause = error, depth = 0; cause !== undefined && depth < CAUSE_DEPTH_MAX; depth += 1) {
    if (cause === stopping.reason) return true;
    cause = (cause as { cause?: unknown } | null)?.cause;
  }
  return false;
}

/**
 * The pool a job works on: once the run has lost its lock, it refuses to start another
 * statement or transaction, so every job stops at its next one without checking anything
 * itself (a transaction already under way finishes: nothing is cut in the middle).
 */
function poolStoppingWhen(pool: pg.Pool, signal: AbortSignal): pg.Pool {
  return new Proxy(pool, {
    get(target, property) {
      if (property === 'connect' || property === 'query') {
        const method = Reflect.get(target, property, target) as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => (signal.aborted ? Promise.reject(signal.reason) : method.apply(target, args));
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** What a failed run records: the error's class, SQLSTATE and scrubbed message, never row values. */
export function errorSummary(error: unknown): string {
  const described = serializeError(error);
  const code = described.code ? ` (${described.code})` : '';
  return `${described.type}${code}: ${described.message}`.slice(0, ERROR_SUMMARY_LENGTH_MAX);
}

/**
 * The lock's own connection: a client of its own, not one of the pool's, so a small pool never
 * leaves a job waiting for the connection that would hold its lock, and the jobs never take
 * the API's connections for it.
 */
async function connectLockHolder(pool: pg.Pool, onLost: (error: Error) => void): Promise<pg.Client> {
  const { connectionString, host, port, user, password, database, ssl } = pool.options;
  const client = new pg.Client({
    connectionString,
    host,
    port,
    user,
    password,
    database,
    ssl,
    application_name: 'vai-de-pix-job-lock',
  });
  client.on('error', onLost);
  client.on('end', () => onLost(new JobLockLostError("the connection holding the job's lock closed")));
  await client.connect();
  return client;
}

/**
 * Takes the job's lock for the holder's transaction. The statement has no parameters, so it goes
 * by the simple query protocol and leaves no portal (and no snapshot) behind: the idle lock
 * transaction then holds back neither VACUUM nor anyone else. The lock id is an enum number.
 */
async function tryLock(holder: pg.Client, lock: AdvisoryLock): Promise<boolean> {
  const result = await holder.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${Number(lock)}) AS locked`);
  return result.rows[0]?.locked === true;
}

/**
 * Runs a job once if no other worker holds its lock.
 *
 * The lock is a transaction-level advisory lock (pg_try_advisory_xact_lock) held by an open
 * READ COMMITTED transaction on a connection of its own for the whole run, while the job works
 * in its own short transactions on the pool's connections. That works behind PgBouncer in
 * transaction pooling (an open transaction keeps its server connection; a session lock would
 * not), and the lock goes with the connection: a worker killed mid-run releases it, and the
 * next run finishes the work. The connection is checked every `heartbeatMs`; if it is lost, the
 * lock is gone, so `context.signal` aborts and the job's pool refuses its next statement or
 * transaction (what it wrote is keyed by natural keys, so a run that overlapped another
 * duplicates nothing).
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
  if (options.stopping?.aborted) return { ran: false, reason: 'stopping' };
  const lost = new AbortController();
  const holder = await connectLockHolder(pool, (error) => {
    if (!lost.signal.aborted) lost.abort(new JobLockLostError(`lost the connection holding the lock: ${errorSummary(error)}`));
  });
  let heartbeat: NodeJS.Timeout | undefined;
  try {
    await holder.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    // The lock transaction sits idle while the job works; a server-wide idle timeout must not end it.
    await holder.query('SET LOCAL idle_in_transaction_session_timeout = 0');
    if (!(await tryLock(holder, job.lock))) {
      options.metrics?.lockSkipped.inc({ job: job.name });
      return { ran: false, reason: 'locked' };
    }
    options.metrics?.lockAcquired.inc({ job: job.name });
    options.onLocked?.();
    heartbeat = setInterval(() => {
      holder.query('SELECT 1').catch((error: unknown) => {
        if (!lost.signal.aborted)
          lost.abort(new JobLockLostError(`the lock's connection stopped answering: ${errorSummary(error)}`));
      });
    }, options.heartbeatMs ?? HEARTBEAT_MS_DEFAULT);
    heartbeat.unref();
    const affected = await runHoldingLock(pool, job, lost.signal, { ...options, clock, logger });
    return { ran: true, affected };
  } finally {
    clearInterval(heartbeat);
    // The rollback releases the lock before this returns: behind PgBouncer a closed client's
    // transaction ends only when the pooler gets round to it, so the next run could still find
    // the lock taken. Ending the connection releases it anyway, whatever happened.
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end().catch(() => undefined);
  }
}

async function runHoldingLock(
  pool: pg.Pool,
  job: Job,
  lost: AbortSignal,
  options: RunOptions & { clock: Clock; logger: Logger },
): Promise<number> {
  const { clock, logger, metrics, stopping } = options;
  // The job's pool refuses its next statement once the lock is lost or the process stops.
  const signal = stopping ? AbortSignal.any([lost, stopping]) : lost;
  const now = clock.now();
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  let runId: string | undefined;
  try {
    // Holding the lock proves no run of this job is alive: one still 'running' did not finish.
    const died = await pool.query(
      `UPDATE job_runs SET status = 'died', finished_at = $2, error_summary = $3 WHERE job = $1 AND status = 'running'`,
      [job.name, now, DIED_SUMMARY],
    );
    if ((died.rowCount ?? 0) > 0)
      logger.warn({ job: job.name, runs: died.rowCount }, 'found runs of this job that did not finish');
    const inserted = await pool.query<{ id: string }>(
      `INSERT INTO job_runs (job, trigger, worker, started_at) VALUES ($1, $2, $3, $4) RETURNING id`,
      [job.name, options.trigger ?? 'schedule', WORKER_NAME, now],
    );
    runId = inserted.rows[0]?.id;
    const context: JobContext = {
      pool: poolStoppingWhen(pool, signal),
      outcomePool: pool,
      now,
      clock,
      signal,
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
    const returned = await job.run(context);
    // The work may be done, but without the lock another run may have overlapped it: say so.
    lost.throwIfAborted();
    const items = Number.isSafeInteger(returned) && returned > 0 ? Math.min(returned, ITEMS_RECORDED_MAX) : 0;
    await finishRun(pool, runId, { status: 'succeeded', items, finishedAt: clock.now(), error: null });
    metrics?.duration.observe({ job: job.name }, seconds());
    metrics?.items.inc({ job: job.name }, items);
    metrics?.lastSuccess.set({ job: job.name }, Date.now() / 1000);
    return items;
  } catch (error) {
    metrics?.duration.observe({ job: job.name }, seconds());
    if (!lost.aborted && isStop(error, stopping)) {
      await finishRun(pool, runId, { status: 'succeeded', items: 0, finishedAt: clock.now(), error: STOPPED_SUMMARY });
      throw new JobStoppedError(`${job.name} stopped early: the process is shutting down`, { cause: error });
    }
    metrics?.failures.inc({ job: job.name });
    if (runId !== undefined) {
      await finishRun(pool, runId, { status: 'failed', items: 0, finishedAt: clock.now(), error: errorSummary(error) }).catch(
        (finishError: unknown) => logger.error({ job: job.name, err: finishError }, 'could not record a failed run'),
      );
    }
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

/** Only a run still 'running' is finished: a later run may already have marked it. */
async function finishRun(
  pool: pg.Pool,
  runId: string | undefined,
  outcome: { status: 'succeeded' | 'failed'; items: number; finishedAt: Date; error: string | null },
): Promise<void> {
  await pool.query(
    `UPDATE job_runs SET status = $2, items = $3, finished_at = $4, error_summary = $5 WHERE id = $1 AND status = 'running'`,
    [runId, outcome.status, outcome.items, outcome.finishedAt, outcome.error],
  );
}
