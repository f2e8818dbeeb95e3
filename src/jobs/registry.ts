import type { Config } from '../config.js';
import { budgetAlertJob } from './budget-alert.js';
import { expireIdempotencyKeysJob } from './expire-idempotency-keys.js';
import { expireRateLimitsJob } from './expire-rate-limits.js';
import type { Job } from './job.js';
import { materializeRecurringJob } from './materialize-recurring.js';
import { purgeSessionsJob } from './purge-sessions.js';

/** Every job a worker schedules and `npm run job -- <name>` can run, by name. */
export function allJobs(config: Pick<Config, 'sessionIdleHours'>): Job[] {
  return [
    expireIdempotencyKeysJob,
    materializeRecurringJob,
    purgeSessionsJob({ sessionIdleHours: config.sessionIdleHours }),
    expireRateLimitsJob,
    budgetAlertJob,
  ];
}
