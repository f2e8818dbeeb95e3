import type pg from 'pg';
import type { Config } from '../config.js';
import type { Job } from './job.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The pool a paused job works on: each statement and each transaction it opens waits
 * `pauseMs` first, so one run spans many seconds and a test can kill its worker mid-run,
 * between two of the job's own transactions, as a crash would.
 */
function pausingPool(pool: pg.Pool, pauseMs: number): pg.Pool {
  return new Proxy(pool, {
    get(target, property) {
      if (property === 'connect')
        return async () => {
          await sleep(pauseMs);
          return target.connect();
        };
      if (property === 'query')
        return async (...args: Parameters<pg.Pool['query']>) => {
          await sleep(pauseMs);
          return (target.query as (...query: unknown[]) => Promise<unknown>)(...args);
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The jobs as a worker schedules them. Outside tests, unchanged (loadConfig refuses both
 * settings unless NODE_ENV=test); under test, JOB_SCHEDULE_OVERRIDE puts every job on one
 * fast pattern and JOB_TEST_PAUSE_MS slows every run down.
 */
export function withTestOverrides(jobs: Job[], config: Pick<Config, 'jobScheduleOverride' | 'jobTestPauseMs'>): Job[] {
  const { jobScheduleOverride: schedule, jobTestPauseMs: pauseMs } = config;
  return jobs.map((job) => ({
    ...job,
    ...(schedule === undefined ? {} : { schedule }),
    ...(pauseMs === undefined ? {} : { run: (context) => job.run({ ...context, pool: pausingPool(context.pool, pauseMs) }) }),
  }));
}
