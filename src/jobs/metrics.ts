import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Buckets in seconds, from a run with nothing to do to a long backlog. */
const JOB_DURATION_BUCKETS_SECONDS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

export interface JobMetrics {
  lockAcquired: Counter<'job'>;
  lockSkipped: Counter<'job'>;
  duration: Histogram<'job'>;
  failures: Counter<'job'>;
  items: Counter<'job'>;
  lastSuccess: Gauge<'job'>;
  /** New reconcile findings: an account whose cached balance, ledger sum and snapshot path disagree. */
  reconcileMismatches: Counter;
  /**
   * When the backup job last wrote a backup whole, Unix seconds: set by this process's runs,
   * seeded at worker start from job_runs (seedBackupLastSuccess); absent before any backup.
   */
  backupLastSuccess: Gauge;
  /** The size of the last backup this process wrote, in bytes; absent before it wrote one. */
  backupLastSize: Gauge;
}

/**
 * A gauge with no sample until it is set. prom-client exports an unlabelled gauge as 0 from
 * the start, which reads as "the last backup was in 1970": BackupTooOld would fire after every
 * worker restart and BackupNeverSucceeded (absent_over_time) never could. Reset empties it too.
 */
class GaugeAbsentUntilSet extends Gauge {
  override reset(): void {
    super.reset();
    this.remove({});
  }
}

/**
 * The job metrics in the registry. The counters of each job in jobNames start at 0: increase()
 * needs two samples of a series, and a failure counter born with the first failure would hide
 * it from the alerts. job_last_success_timestamp_seconds stays absent until a success, which
 * is what the "never succeeded" alert looks for.
 */
export function createJobMetrics(registry: Registry, jobNames: readonly string[] = []): JobMetrics {
  const metrics: JobMetrics = {
    lockAcquired: new Counter({
      name: 'job_lock_acquired_total',
      help: "Runs that took the job's advisory lock and ran",
      labelNames: ['job'],
      registers: [registry],
    }),
    lockSkipped: new Counter({
      name: 'job_lock_skipped_total',
      help: "Runs skipped because another worker held the job's advisory lock",
      labelNames: ['job'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'job_duration_seconds',
      help: 'How long a run that took the lock lasted, failed runs included',
      labelNames: ['job'],
      buckets: JOB_DURATION_BUCKETS_SECONDS,
      registers: [registry],
    }),
    failures: new Counter({
      name: 'job_failures_total',
      help: 'Runs that ended with an error',
      labelNames: ['job'],
      registers: [registry],
    }),
    items: new Counter({
      name: 'job_items_total',
      help: 'Items handled by successful runs (rows written or removed, notifications, accounts checked)',
      labelNames: ['job'],
      registers: [registry],
    }),
    lastSuccess: new Gauge({
      name: 'job_last_success_timestamp_seconds',
      help: 'Unix time at which the last successful run of the job finished, in this process',
      labelNames: ['job'],
      registers: [registry],
    }),
    reconcileMismatches: new Counter({
      name: 'ledger_reconcile_mismatches_total',
      help: 'Accounts found with a new disagreement between cached balance, ledger sum and snapshot plus later entries',
      registers: [registry],
    }),
    backupLastSuccess: new GaugeAbsentUntilSet({
      name: 'backup_last_success_timestamp_seconds',
      help: 'Unix time at which the backup job last wrote a whole backup (by any worker, as job_runs recorded it at this worker start, then by this process)',
      registers: [registry],
    }),
    backupLastSize: new GaugeAbsentUntilSet({
      name: 'backup_last_size_bytes',
      help: 'Size of the last backup the backup job wrote, in this process',
      registers: [registry],
    }),
  };
  for (const job of jobNames) {
    for (const counter of [metrics.lockAcquired, metrics.lockSkipped, metrics.failures, metrics.items]) counter.inc({ job }, 0);
  }
  return metrics;
}
