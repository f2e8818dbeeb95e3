import type pg from 'pg';
import type { Logger } from 'pino';
import type { AdvisoryLock } from '../db/locks.js';
import type { Clock } from '../lib/clock.js';
import type { JobMetrics } from './metrics.js';

/** What a run gets: the database, the run's instant, and where to say what it found. */
export interface JobContext {
  pool: pg.Pool;
  /** The instant the run started; a job computes its window (day, week, month) from it. */
  now: Date;
  clock: Clock;
  /**
   * Aborted when the run loses its lock (the lock's connection died): another worker may now
   * run the same job. `pool` then refuses new statements and transactions by itself; a job that
   * computes long between statements checks it too (`signal.throwIfAborted()`).
   */
  signal: AbortSignal;
  /**
   * The same database without that guard, only for recording the outcome of something already
   * done outside it (an e-mail the SMTP server accepted): refusing that write would make the
   * next run do it again. Absent where a caller builds a context by hand; then `pool`.
   */
  outcomePool?: pg.Pool;
  logger: Logger;
  /**
   * Reports a problem the job found and recorded but must not fix by itself (a reconcile
   * mismatch): to Sentry when it is configured, under the job's name. Never throws.
   */
  report(error: Error, context?: Record<string, string | number>): void;
  /** The worker's metrics, for a job that counts what it finds; absent when nobody scrapes them. */
  metrics?: JobMetrics;
}

/**
 * A scheduled job. Each run happens under the job's own advisory lock (AdvisoryLock), so with
 * any number of workers exactly one runs it at a time; the others skip that tick and count it.
 * Jobs are idempotent by natural keys (UNIQUE + insert-or-ignore, or deletes by condition), so
 * a skipped, repeated or crashed run does no harm and the next run completes the work. Every
 * job works in bounded batches and is fair across people.
 */
export interface Job {
  /** snake_case; the name `npm run job -- <name>`, the metrics and job_runs use. */
  name: string;
  lock: AdvisoryLock;
  /** A cron pattern (croner syntax), in UTC. */
  schedule: string;
  /** Returns how many items it handled (rows written or removed, notifications, accounts checked). */
  run(context: JobContext): Promise<number>;
}
