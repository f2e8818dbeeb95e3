import type pg from 'pg';
import type { Logger } from 'pino';

/**
 * The worker's scheduler. Jobs (recurring transactions, budget alerts, snapshots …)
 * register here as their issues land; each will run under its own
 * pg_try_advisory_lock so any number of workers run it exactly once.
 */
export interface Job {
  name: string;
  run(pool: pg.Pool): Promise<void>;
}

export interface Scheduler {
  jobs: readonly Job[];
  stop(): Promise<void>;
}

export function startScheduler(options: { pool: pg.Pool; logger: Logger; jobs?: Job[] }): Scheduler {
  const jobs = options.jobs ?? [];
  options.logger.info({ jobs: jobs.map((job) => job.name) }, `worker started with ${jobs.length} jobs`);
  return {
    jobs,
    async stop() {},
  };
}
