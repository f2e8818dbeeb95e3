import type pg from 'pg';
import { AdvisoryLock } from '../db/locks.js';
import { RateLimitRepository } from '../http/rate-limit.repository.js';
import { DevicesRepository } from '../modules/auth/devices.repository.js';
import type { Job } from './scheduler.js';

/** Rows removed per statement, so one run never holds a long lock or a huge WAL burst. */
export const RATE_LIMIT_EXPIRY_BATCH_MAX = 5_000;
/** Batches per table per run; the rest waits for the next tick. */
export const RATE_LIMIT_EXPIRY_BATCHES_MAX = 20;

async function inBatches(deleteBatch: () => Promise<number>): Promise<number> {
  let removed = 0;
  for (let batch = 0; batch < RATE_LIMIT_EXPIRY_BATCHES_MAX; batch += 1) {
    const count = await deleteBatch();
    removed += count;
    if (count < RATE_LIMIT_EXPIRY_BATCH_MAX) break;
  }
  return removed;
}

/**
 * Deletes rate-limit counters whose window has ended and device tokens past their
 * expiry. A deleted counter and a missing one mean the same (no attempts in a live
 * window), so this is safe to run anywhere, any time.
 */
export async function expireRateLimits(pool: pg.Pool, now: Date): Promise<number> {
  const counters = new RateLimitRepository(pool);
  const devices = new DevicesRepository(pool);
  const removedCounters = await inBatches(() => counters.deleteExpired(now, RATE_LIMIT_EXPIRY_BATCH_MAX));
  const removedDevices = await inBatches(() => devices.deleteExpired(now, RATE_LIMIT_EXPIRY_BATCH_MAX));
  return removedCounters + removedDevices;
}

export const expireRateLimitsJob: Job = {
  name: 'expire_rate_limits',
  lock: AdvisoryLock.JobExpireRateLimits,
  schedule: '*/5 * * * *',
  run: (pool, now) => expireRateLimits(pool, now),
};
