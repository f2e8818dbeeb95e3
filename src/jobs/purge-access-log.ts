import type pg from 'pg';
import { AdvisoryLock } from '../db/locks.js';
import { purgeAccessLog } from '../modules/privacy/privacy.repository.js';
import { deleteInBatches } from './delete-in-batches.js';
import type { Job } from './job.js';

/** Rows removed per statement, so one run never holds many row locks or writes a WAL burst. */
export const ACCESS_LOG_PURGE_BATCH_MAX = 5_000;
/**
 * How long a sign-in's record (who, address, when) is kept: the six months Marco Civil da
 * Internet (Lei 12.965/2014, art. 15) requires of an application, and no longer.
 */
export const ACCESS_LOG_RETENTION_MONTHS = 6;

/**
 * The instant six calendar months (UTC) before now: rows older than this go. The day is clamped
 * to the target month's last day (31 August → 28 February), never rolled over into the next
 * month (3 March), which would delete records younger than six months.
 */
export function accessLogCutoff(now: Date): Date {
  const firstOfTarget = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - ACCESS_LOG_RETENTION_MONTHS, 1));
  const lastDay = new Date(Date.UTC(firstOfTarget.getUTCFullYear(), firstOfTarget.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      firstOfTarget.getUTCFullYear(),
      firstOfTarget.getUTCMonth(),
      Math.min(now.getUTCDate(), lastDay),
      now.getUTCHours(),
      now.getUTCMinutes(),
      now.getUTCSeconds(),
      now.getUTCMilliseconds(),
    ),
  );
}

/** Deletes access-log rows past the retention, in bounded batches until clean or the run budget is spent. */
export async function purgeOldAccessLog(pool: pg.Pool, now: Date): Promise<number> {
  const before = accessLogCutoff(now);
  return deleteInBatches(() => purgeAccessLog(pool, { before, batchMax: ACCESS_LOG_PURGE_BATCH_MAX }), {
    batchMax: ACCESS_LOG_PURGE_BATCH_MAX,
  });
}

export const purgeAccessLogJob: Job = {
  name: 'purge_access_log',
  lock: AdvisoryLock.JobPurgeAccessLog,
  schedule: '41 3 * * *',
  run: ({ pool, now }) => purgeOldAccessLog(pool, now),
};
