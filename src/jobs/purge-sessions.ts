import type pg from 'pg';
import { AdvisoryLock } from '../db/locks.js';
import { AuthRepository } from '../modules/auth/auth.repository.js';
import { deleteInBatches } from './delete-in-batches.js';
import type { Job } from './job.js';

const HOUR_MS = 3_600_000;
/** Rows removed per statement, so one run never holds many row locks or writes a WAL burst. */
export const SESSION_PURGE_BATCH_MAX = 1_000;
/**
 * A revoked session is kept this long before it is deleted, so an operator looking into a
 * "sign out everywhere" or a suspicious logout can still see when and which sessions ended.
 */
export const SESSION_REVOKED_RETENTION_MS = 30 * 24 * HOUR_MS;

/**
 * Deletes sessions no request can use any more: past their expiry, idle for longer than
 * SESSION_IDLE_HOURS, or revoked more than the retention ago. Idempotent: deleting by
 * condition twice deletes nothing the second time.
 */
export async function purgeSessions(pool: pg.Pool, now: Date, options: { sessionIdleHours: number }): Promise<number> {
  const repository = new AuthRepository(pool);
  const cutoffs = {
    expiredAt: now,
    idleSince: new Date(now.getTime() - options.sessionIdleHours * HOUR_MS),
    revokedBefore: new Date(now.getTime() - SESSION_REVOKED_RETENTION_MS),
    batchMax: SESSION_PURGE_BATCH_MAX,
  };
  // Until clean or the run budget is spent, not a fixed number of batches: sign-ups and
  // sign-ins from fresh addresses could otherwise add sessions faster than they go.
  return deleteInBatches(() => repository.purgeDeadSessions(cutoffs), { batchMax: SESSION_PURGE_BATCH_MAX });
}

export function purgeSessionsJob(options: { sessionIdleHours: number }): Job {
  return {
    name: 'purge_sessions',
    lock: AdvisoryLock.JobPurgeSessions,
    schedule: '17 * * * *',
    run: ({ pool, now }) => purgeSessions(pool, now, options),
  };
}
