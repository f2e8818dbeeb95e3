import path from 'node:path';
import type pg from 'pg';
import type { Config } from '../config.js';
import { AdvisoryLock } from '../db/locks.js';
import { urlOfPool } from '../ops/backup/connection.js';
import { writeBackup } from '../ops/backup/dump.js';
import { applyRetention, backupFileName } from '../ops/backup/retention.js';
import type { ToolSearch } from '../ops/backup/tools.js';
import type { Job } from './job.js';
import type { JobMetrics } from './metrics.js';
import { JobStoppedError } from './runner.js';

export type BackupSettings = Config['backup'];

/**
 * The automatic backup: a pg_dump of the worker's database into BACKUP_DIR, named by the run's
 * instant (UTC), written whole or not at all (see writeBackup), then the directory's retention.
 * Scheduled only when BACKUP_CRON is set. A backup that fails throws, so the runner counts it
 * as a failed run (job_failures_total, the log line, Sentry); the retention runs only after a
 * backup succeeded, so a failing dump never deletes the older backups it would have replaced.
 */
/**
 * The run's signal without the process's stop. A backup cut short is no backup, so a stopping
 * worker lets pg_dump finish (the drain's SHUTDOWN_GRACE_SECONDS bounds the wait; past it the
 * process exits 1 and the run is a died one) instead of killing it and recording a success.
 * Losing the lock still kills it: another worker may be writing the same backup.
 */
function abortedOnlyWhenLockLost(signal: AbortSignal): AbortSignal {
  const lockLost = new AbortController();
  const follow = () => {
    if (!(signal.reason instanceof JobStoppedError)) lockLost.abort(signal.reason);
  };
  if (signal.aborted) follow();
  else signal.addEventListener('abort', follow, { once: true });
  return lockLost.signal;
}

export function backupJob(settings: BackupSettings & { cron: string }, search: ToolSearch = {}): Job {
  const directory = path.resolve(settings.dir);
  return {
    name: 'backup',
    lock: AdvisoryLock.JobBackup,
    schedule: settings.cron,
    async run(context) {
      const backup = await writeBackup({
        url: urlOfPool(context.pool),
        file: path.join(directory, backupFileName(context.now)),
        signal: abortedOnlyWhenLockLost(context.signal),
        search,
      });
      const deleted = await applyRetention(directory, settings, {
        now: context.now,
        justWritten: path.basename(backup.file),
        onFuture: (names) =>
          context.logger.warn(
            { files: names.slice(0, 10), count: names.length },
            'backups named later than now are kept and take no retention slot: check the clock and BACKUP_DIR',
          ),
      });
      context.metrics?.backupLastSuccess.set(context.clock.now().getTime() / 1000);
      context.metrics?.backupLastSize.set(backup.bytes);
      context.logger.info(
        { file: path.basename(backup.file), bytes: backup.bytes, deleted: deleted.length, pg_dump: backup.pgDumpVersion },
        'backup written',
      );
      return 1 + deleted.length;
    },
  };
}

/**
 * Seeds backup_last_success_timestamp_seconds at worker start from the last backup run that
 * wrote its backup (a stopped run, with its note, wrote none), so a restart neither forgets an
 * old backup (BackupTooOld) nor makes one up. With none, the series stays absent and
 * BackupNeverSucceeded is the alert that fires. Returns the instant seeded, if any.
 */
export async function seedBackupLastSuccess(pool: pg.Pool, metrics: Pick<JobMetrics, 'backupLastSuccess'>): Promise<Date | null> {
  const result = await pool.query<{ finished_at: Date | null }>(
    `SELECT max(finished_at) AS finished_at FROM job_runs
      WHERE job = 'backup' AND status = 'succeeded' AND error_summary IS NULL`,
  );
  const finishedAt = result.rows[0]?.finished_at ?? null;
  if (finishedAt) metrics.backupLastSuccess.set(finishedAt.getTime() / 1000);
  return finishedAt;
}
