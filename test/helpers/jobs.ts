import { AdvisoryLock } from '../../src/db/locks.js';
import type { Job } from '../../src/jobs/job.js';

/** The name of failingJob, to find its log line or error report. */
export const FAILING_JOB_NAME = 'test-failing-job';

/**
 * A job that fails every second (croner's six-field form, so a test does not wait a minute)
 * with a PostgreSQL error whose message quotes personal data, for tests that check the
 * failure is logged or reported without it.
 */
export function failingJob(secretEmail: string): Job {
  return {
    name: FAILING_JOB_NAME,
    lock: AdvisoryLock.JobExpireIdempotencyKeys,
    schedule: '* * * * * *',
    run: async ({ pool }) => {
      await pool.query(`DO $$ BEGIN RAISE EXCEPTION 'cannot notify %', '${secretEmail}'; END $$`);
      return 0;
    },
  };
}
