import type pg from 'pg';
import { AdvisoryLock } from '../db/locks.js';
import { deleteExpiredKeys } from '../modules/idempotency/idempotency.repository.js';
import type { Job } from './job.js';

/** Rows removed per statement, so one run never holds a long lock or a huge WAL burst. */
export const EXPIRY_BATCH_MAX = 5_000;
/** Batches per run; the rest waits for the next tick. */
export const EXPIRY_BATCHES_MAX = 20;

/** Deletes Idempotency-Key rows past their 24 h expiry. Safe to run anywhere, any time. */
export async function expireIdempotencyKeys(pool: pg.Pool, now: Date): Promise<number> {
  let removed = 0;
  for (let batch = 0; batch < EXPIRY_BATCHES_MAX; batch += 1) {
    const count = await deleteExpiredKeys(pool, { now, batchMax: EXPIRY_BATCH_MAX });
    removed += count;
    if (count < EXPIRY_BATCH_MAX) break;
  }
  return removed;
}

export const expireIdempotencyKeysJob: Job = {
  name: 'expire_idempotency_keys',
  lock: AdvisoryLock.JobExpireIdempotencyKeys,
  schedule: '*/10 * * * *',
  run: ({ pool, now }) => expireIdempotencyKeys(pool, now),
};
