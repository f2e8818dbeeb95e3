import type pg from 'pg';
import { AdvisoryLock } from '../db/locks.js';
import { RateLimitRepository } from '../http/rate-limit.repository.js';
import { DevicesRepository } from '../modules/auth/devices.repository.js';
import { deleteInBatches } from './delete-in-batches.js';
import type { Job } from './job.js';

/** Rows removed per statement, so one statement never holds a long lock or a huge WAL burst. */
export const RATE_LIMIT_EXPIRY_BATCH_MAX = 5_000;

export interface ExpireRateLimitsOptions {
  /** Milliseconds since the run started (see deleteInBatches); by default each table has its own budget. */
  elapsedMs?: () => number;
}

/**
 * Deletes rate-limit counters whose window has ended and device tokens past their
 * expiry, each table until it is clean or its run budget (CLEANUP_RUN_MS_MAX) is spent.
 * A deleted counter and a missing one mean the same (no attempts in a live window), so
 * this is safe to run anywhere, any time.
 */
export async function expireRateLimits(pool: pg.Pool, now: Date, options: ExpireRateLimitsOptions = {}): Promise<number> {
  const counters = new RateLimitRepository(pool);
  const devices = new DevicesRepository(pool);
  const batches = { batchMax: RATE_LIMIT_EXPIRY_BATCH_MAX, elapsedMs: options.elapsedMs };
  const removedCounters = await deleteInBatches(() => counters.deleteExpired(now, RATE_LIMIT_EXPIRY_BATCH_MAX), batches);
  const removedDevices = await deleteInBatches(() => devices.deleteExpired(now, RATE_LIMIT_EXPIRY_BATCH_MAX), batches);
  return removedCounters + removedDevices;
}

export const expireRateLimitsJob: Job = {
  name: 'expire_rate_limits',
  lock: AdvisoryLock.JobExpireRateLimits,
  schedule: '*/5 * * * *',
  run: ({ pool, now }) => expireRateLimits(pool, now),
};
