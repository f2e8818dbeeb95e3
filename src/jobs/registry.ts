import type { Config } from '../config.js';
import { jobEnabled } from '../features.js';
import { balanceSnapshotsJob } from './balance-snapshots.js';
import { budgetAlertJob } from './budget-alert.js';
import { expireIdempotencyKeysJob } from './expire-idempotency-keys.js';
import { expireRateLimitsJob } from './expire-rate-limits.js';
import { insightsJob } from './insights.js';
import type { Job } from './job.js';
import { materializeRecurringJob } from './materialize-recurring.js';
import { purgeAccessLogJob } from './purge-access-log.js';
import { purgeSessionsJob } from './purge-sessions.js';
import { reconcileJob } from './reconcile.js';
import { sendEmailsJob } from './send-emails.js';
import { weeklySummaryJob } from './weekly-summary.js';

/**
 * Every job this server runs: a worker schedules them, `npm run job -- <name>` runs one,
 * and the operators' page lists them. A job of a turned-off feature (src/features.ts) is
 * left out of all three.
 */
export function allJobs(config: Pick<Config, 'sessionIdleHours' | 'mail' | 'features'>): Job[] {
  return registeredJobs(config).filter((job) => jobEnabled(job.name, config.features));
}

/** Every job the code knows, whichever features are on. */
export function registeredJobs(config: Pick<Config, 'sessionIdleHours' | 'mail' | 'features'>): Job[] {
  return [
    expireIdempotencyKeysJob,
    materializeRecurringJob,
    purgeSessionsJob({ sessionIdleHours: config.sessionIdleHours }),
    expireRateLimitsJob,
    weeklySummaryJob,
    sendEmailsJob({ mail: config.mail }),
    insightsJob(config),
    balanceSnapshotsJob,
    reconcileJob,
    budgetAlertJob,
    purgeAccessLogJob,
  ];
}
