import { Cron } from 'croner';
import type pg from 'pg';
import type { Logger } from 'pino';
import { type AdvisoryLock, tryLockSession, unlockSession } from '../db/locks.js';
import { type Clock, systemClock } from '../lib/clock.js';
import { LOG_SERIALIZERS } from '../observability/logging.js';

/**
 * A scheduled job. Each run happens under the job's own pg_try_advisory_lock, so with
 * any number of workers exactly one runs it at a time; the others skip that tick.
 * Jobs are idempotent (natural keys, or deletes by condition), so a skipped or
 * repeated tick does no harm.
 */
export interface Job {
  name: string;
  lock: AdvisoryLock;
  /** A cron pattern (croner syntax), in UTC. */
  schedule: string;
  /** Returns how many rows it affected, for the log. */
  run(pool: pg.Pool, now: Date): Promise<number>;
}

export type JobOutcome = { ran: true; affected: number } | { ran: false; reason: 'locked' };

/** Runs a job once if no other worker holds its lock. */
export async function runJobOnce(pool: pg.Pool, job: Job, clock: Clock = systemClock): Promise<JobOutcome> {
  const client = await pool.connect();
  // After any error this connection is destroyed, not pooled: it may have lost its
  // connection (a database restart) or still hold the job's session lock, and closing
  // it releases that lock.
  let broken: Error | undefined;
  try {
    if (!(await tryLockSession(client, job.lock))) return { ran: false, reason: 'locked' };
    try {
      return { ran: true, affected: await job.run(pool, clock.now()) };
    } finally {
      await unlockSession(client, job.lock);
    }
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

export interface Scheduler {
  jobs: readonly Job[];
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  pool: pg.Pool;
  logger: Logger;
  jobs: Job[];
  clock?: Clock;
  /** Called with every failed run, e.g. to report it to Sentry with the job's name. */
  onJobFailed?: (error: unknown, job: Job) => void;
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const { pool, jobs } = options;
  // Whatever logger is passed, a failed run's error is written through the one serializer.
  const logger = options.logger.child({}, { serializers: LOG_SERIALIZERS });
  const running = new Set<Promise<unknown>>();
  const timers = jobs.map(
    (job) =>
      new Cron(job.schedule, { timezone: 'UTC', protect: true }, () => {
        const started = Date.now();
        const tick = runJobOnce(pool, job, options.clock)
          .then((outcome) => {
            if (outcome.ran)
              logger.info({ job: job.name, affected: outcome.affected, duration_ms: Date.now() - started }, 'job ran');
            else logger.debug({ job: job.name }, 'job skipped: another worker holds its lock');
          })
          .catch((error: unknown) => {
            // The logger's err serializer keeps SQLSTATE and names, never row values.
            logger.error({ job: job.name, err: error }, 'job failed');
            try {
              options.onJobFailed?.(error, job);
            } catch (reportError) {
              // A broken reporter must not turn a failed run into an unhandled rejection.
              logger.error({ job: job.name, err: reportError }, 'could not report a failed job');
            }
          })
          .finally(() => running.delete(tick));
        running.add(tick);
      }),
  );
  logger.info({ jobs: jobs.map((job) => job.name) }, `worker started with ${jobs.length} jobs`);
  return {
    jobs,
    async stop() {
      for (const timer of timers) timer.stop();
      // Let a run in progress finish, so no job is cut in the middle of a batch.
      await Promise.allSettled([...running]);
    },
  };
}
