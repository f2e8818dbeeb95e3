import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { AdvisoryLock } from '../db/locks.js';
import type { Job, JobContext } from './job.js';
import { withTestOverrides } from './test-overrides.js';

/** A job that runs one statement on the pool it is given, and a pool that records when it was asked. */
function probe() {
  const calls: number[] = [];
  const pool = { query: async () => calls.push(performance.now()), totalCount: 3 } as unknown as pg.Pool;
  const job: Job = {
    name: 'probe',
    lock: AdvisoryLock.JobPurgeSessions,
    schedule: '17 * * * *',
    run: async (context) => {
      await context.pool.query('SELECT 1');
      return context.pool.totalCount;
    },
  };
  const context = { pool, now: new Date(), clock: { now: () => new Date() } } as unknown as JobContext;
  return { job, context, calls };
}

describe('withTestOverrides', () => {
  it('leaves the jobs as they are without overrides', async () => {
    const { job } = probe();
    expect(withTestOverrides([job], {})).toEqual([job]);
  });

  it('puts every job on the override pattern', () => {
    const { job } = probe();
    const [overridden] = withTestOverrides([job, job], { jobScheduleOverride: '* * * * * *' });
    expect(overridden).toMatchObject({ name: 'probe', schedule: '* * * * * *', lock: AdvisoryLock.JobPurgeSessions });
  });

  it('makes each statement of a run wait the pause, on the same pool', async () => {
    const { job, context, calls } = probe();
    const [paused] = withTestOverrides([job], { jobTestPauseMs: 60 });
    const started = performance.now();
    // The pool's other properties come through unchanged.
    expect(await paused?.run(context)).toBe(3);
    expect(calls).toHaveLength(1);
    expect((calls[0] ?? 0) - started).toBeGreaterThanOrEqual(55);
  });
});
