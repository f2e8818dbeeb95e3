import { Cron } from 'croner';
import type pg from 'pg';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../lib/clock.js';
import { LOG_SERIALIZERS } from '../observability/logging.js';
import type { Job } from './job.js';
import type { JobMetrics } from './metrics.js';
import { JobStoppedError, runJobOnce } from './runner.js';

export type { Job, JobContext } from './job.js';
export { type JobOutcome, runJobOnce } from './runner.js';

export interface Scheduler {
  jobs: readonly Job[];
  /**
   * Starts no new run, tells the runs under way to stop after their current batch (their
   * next run continues the work), and resolves once they have.
   */
  stop(): Promise<void>;
  /** The names of the jobs running now, for the shutdown's log when its grace runs out. */
  runningJobs(): string[];
}

export interface SchedulerOptions {
  pool: pg.Pool;
  logger: Logger;
  jobs: Job[];
  clock?: Clock;
  metrics?: JobMetrics;
  /** Called with every failed run, e.g. to report it to Sentry with the job's name. */
  onJobFailed?: (error: unknown, job: Job) => void;
  /** Where a job's findings go (a reconcile mismatch); see JobContext.report. */
  onFinding?: (error: Error, context: Record<string, string | number>) => void;
}

/** When the job's schedule next fires after `from` (UTC), or null if never. */
export function nextRunOf(job: Pick<Job, 'schedule'>, from: Date): Date | null {
  return new Cron(job.schedule, { timezone: 'UTC', paused: true }).nextRun(from);
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const { pool, jobs } = options;
  const clock = options.clock ?? systemClock;
  // Whatever logger is passed, a failed run's error is written through the one serializer.
  const logger = options.logger.child({}, { serializers: LOG_SERIALIZERS });
  const running = new Map<Promise<unknown>, string>();
  const stopping = new AbortController();
  const timers = jobs.map(
    (job) =>
      // The callback hands croner the run, so `protect` fires no tick of this job while this
      // process's run of it is still going (such a tick would open a connection only to find
      // the lock held by its own worker, and a shutdown would wait for every one of them).
      new Cron(
        job.schedule,
        {
          timezone: 'UTC',
          protect: () => {
            // Counted with the ticks that found the lock taken: the lock is held, by this worker's run.
            options.metrics?.lockSkipped.inc({ job: job.name });
            logger.debug({ job: job.name }, 'tick skipped: this worker is still running the job');
          },
        },
        () => {
          if (stopping.signal.aborted) return;
          const started = Date.now();
          const tick = runJobOnce(pool, job, {
            clock,
            logger,
            trigger: 'schedule',
            stopping: stopping.signal,
            ...(options.metrics ? { metrics: options.metrics } : {}),
            ...(options.onFinding ? { report: options.onFinding } : {}),
          })
            .then((outcome) => {
              if (outcome.ran)
                logger.info({ job: job.name, affected: outcome.affected, duration_ms: Date.now() - started }, 'job ran');
              else if (outcome.reason === 'locked') logger.debug({ job: job.name }, 'job skipped: another worker holds its lock');
            })
            .catch((error: unknown) => {
              if (error instanceof JobStoppedError) {
                logger.info(
                  { job: job.name },
                  'job stopped early for the shutdown, after its current batch; its next run continues',
                );
                return;
              }
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
          running.set(tick, job.name);
          return tick;
        },
      ),
  );
  logger.info({ jobs: jobs.map((job) => job.name) }, `worker started with ${jobs.length} jobs`);
  return {
    jobs,
    async stop() {
      for (const timer of timers) timer.stop();
      // A run in progress finishes the batch under way (nothing is cut in the middle), then stops.
      if (!stopping.signal.aborted) stopping.abort(new JobStoppedError('the worker is stopping'));
      await Promise.allSettled([...running.keys()]);
    },
    runningJobs: () => [...running.values()],
  };
}
