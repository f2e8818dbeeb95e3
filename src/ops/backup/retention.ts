import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { CHECKSUM_SUFFIX } from './dump.js';

/**
 * The automatic backups' names: `vai-de-pix-20261201T031500Z.dump`, the UTC instant of the run,
 * so names sort in time order and retention reads the date from the name, not from the file
 * system's times (which a copy or a restore of the directory changes). Retention touches
 * only files named so (and their .sha256 and unfinished temporaries), never anything else an
 * operator keeps in the directory.
 */
const BACKUP_NAME_PATTERN = /^vai-de-pix-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.dump$/;
/** What writeBackup leaves of a run that died: `.vai-de-pix-…dump.<hex>.partial` and its checksum's temporary. */
const PARTIAL_NAME_PATTERN = /^\.vai-de-pix-\d{8}T\d{6}Z\.dump(\.sha256)?\.[0-9a-f]{12}\.partial$/;
/** How many files of the directory are looked at; a directory with more is not the backups' own. */
export const BACKUP_DIRECTORY_ENTRIES_MAX = 100_000;

export interface RetentionPolicy {
  /** The newest backup of each of the latest N days that have one. */
  keepDaily: number;
  /** The first backup of each of the latest M months that have one. */
  keepMonthly: number;
}

/** What a run tells the retention about itself; without it, every name counts as past. */
export interface RetentionRun {
  /** The run's instant: a name later than it (a wrong clock, a copied file) is never deleted. */
  now?: Date;
  /** The backup the run has just written (its name): kept whatever the policy says. */
  justWritten?: string;
}

export function backupFileName(at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll('-', '')
    .replaceAll(':', '');
  return `vai-de-pix-${stamp}.dump`;
}

/** The instant in a backup's name, or undefined for any other name. */
export function instantOfBackup(name: string): Date | undefined {
  const match = BACKUP_NAME_PATTERN.exec(name);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const instant = new Date(Date.UTC(year as number, (month as number) - 1, day, hour, minute, second));
  // A name such as …20260231… is not one this job wrote.
  return backupFileName(instant) === name ? instant : undefined;
}

/** The names dated later than the run's instant, which the retention neither counts nor deletes. */
export function futureBackups(names: readonly string[], now: Date | undefined): string[] {
  if (now === undefined) return [];
  return names.filter((name) => (instantOfBackup(name)?.getTime() ?? Number.NEGATIVE_INFINITY) > now.getTime());
}

/**
 * Which backups to keep (pure, so the rule is tested on its own): the newest of each UTC day,
 * for the latest `keepDaily` days that have a backup, and the first of each UTC month, for the
 * latest `keepMonthly` months that have one. A backup can count as both. A name later than the
 * run's instant takes no slot (else, with BACKUP_KEEP_DAILY=1, it would push out the backup just
 * written) and is kept; the backup just written is kept in any case.
 */
export function backupsToKeep(names: readonly string[], policy: RetentionPolicy, run: RetentionRun = {}): Set<string> {
  const future = new Set(futureBackups(names, run.now));
  const dated = names
    .filter((name) => !future.has(name))
    .map((name) => ({ name, at: instantOfBackup(name) }))
    .filter((backup): backup is { name: string; at: Date } => backup.at !== undefined)
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const newestOfDay = new Map<string, string>();
  const firstOfMonth = new Map<string, string>();
  for (const backup of dated) {
    const day = backup.at.toISOString().slice(0, 10);
    newestOfDay.set(day, backup.name);
    const month = day.slice(0, 7);
    if (!firstOfMonth.has(month)) firstOfMonth.set(month, backup.name);
  }
  const latest = <T>(values: Iterable<T>, count: number) => (count === 0 ? [] : [...values].slice(-count));
  return new Set([
    ...latest(newestOfDay.values(), policy.keepDaily),
    ...latest(firstOfMonth.values(), policy.keepMonthly),
    ...future,
    ...(run.justWritten !== undefined && instantOfBackup(run.justWritten) !== undefined ? [run.justWritten] : []),
  ]);
}

/**
 * Deletes the backups the policy does not keep, with their checksum files, plus checksum files
 * whose backup is gone and temporaries of runs that died. Called under the backup job's lock,
 * so no other run of this installation is writing a temporary at the same time. Names later
 * than the run's instant are handed to `onFuture` (the job logs a warning). Returns the names
 * deleted.
 */
export async function applyRetention(
  directory: string,
  policy: RetentionPolicy,
  run: RetentionRun & { onFuture?: (names: string[]) => void } = {},
): Promise<string[]> {
  const names = (await readdir(directory)).slice(0, BACKUP_DIRECTORY_ENTRIES_MAX);
  const future = futureBackups(names, run.now);
  if (future.length > 0) run.onFuture?.(future);
  const keep = backupsToKeep(names, policy, run);
  const present = new Set(names);
  const doomed = names.filter((name) => {
    if (instantOfBackup(name) !== undefined) return !keep.has(name);
    if (PARTIAL_NAME_PATTERN.test(name)) return true;
    if (name.endsWith(CHECKSUM_SUFFIX)) {
      const backup = name.slice(0, -CHECKSUM_SUFFIX.length);
      return instantOfBackup(backup) !== undefined && (!keep.has(backup) || !present.has(backup));
    }
    return false;
  });
  for (const name of doomed) await rm(path.join(directory, name), { force: true });
  return doomed;
}
