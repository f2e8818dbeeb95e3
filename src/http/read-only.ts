import { performance } from 'node:perf_hooks';

/** How long after the database last refused a write the app keeps saying it is read-only (ms). */
export const READ_ONLY_NOTICE_MS = 30_000;
/**
 * What a refused write is told to wait (seconds, as sent in Retry-After): the notice period,
 * after which this process lets writes reach the database again to see whether it takes them.
 */
export const READ_ONLY_RETRY_AFTER_SECONDS = String(READ_ONLY_NOTICE_MS / 1000);

/**
 * Whether writes are refused right now: always under READ_ONLY=true, and for a while after
 * the database itself refused a write (SQLSTATE 25006: a replica, default_transaction_read_only,
 * a disk-full server put in read-only). The web app reads it from GET /api/config.
 */
export interface ReadOnlyMode {
  /** READ_ONLY=true: every write is refused before it reaches the database. */
  readonly forced: boolean;
  active(): boolean;
  /** The database refused a write as read-only. */
  noticeDatabaseReadOnly(): void;
}

export function createReadOnlyMode(options: { forced: boolean; now?: () => number }): ReadOnlyMode {
  const now = options.now ?? (() => performance.now());
  let noticedAt: number | undefined;
  return {
    forced: options.forced,
    active: () => options.forced || (noticedAt !== undefined && now() - noticedAt < READ_ONLY_NOTICE_MS),
    noticeDatabaseReadOnly: () => {
      noticedAt = now();
    },
  };
}
