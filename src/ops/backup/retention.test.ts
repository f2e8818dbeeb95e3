import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyRetention, backupFileName, backupsToKeep, instantOfBackup } from './retention.js';

const name = (instant: string) => backupFileName(new Date(instant));

describe('backup file names', () => {
  it('carry the run’s UTC instant to the second and read back to it', () => {
    expect(name('2026-12-01T03:15:00.250Z')).toBe('vai-de-pix-20261201T031500Z.dump');
    expect(instantOfBackup('vai-de-pix-20261201T031500Z.dump')?.toISOString()).toBe('2026-12-01T03:15:00.000Z');
  });

  it.each([
    'vai-de-pix-20260231T031500Z.dump',
    'vai-de-pix-20261201T031500Z.dump.sha256',
    'vai-de-pix-20261201T031500.dump',
    'outra-20261201T031500Z.dump',
    '.vai-de-pix-20261201T031500Z.dump.0123456789ab.partial',
  ])('are not read from %s', (other) => {
    expect(instantOfBackup(other)).toBeUndefined();
  });
});

describe('backupsToKeep', () => {
  /** A backup every day at 03:00 from January to 1 December 2026, and three more on 1 December. */
  const daily = Array.from({ length: 335 }, (_, day) => new Date(Date.UTC(2026, 0, 1 + day, 3)).toISOString());
  const names = [...daily, '2026-12-01T09:00:00Z', '2026-12-01T15:00:00Z', '2026-12-01T21:00:00Z'].map(name);

  it('keeps the newest of each of the last N days and the first of each of the last M months', () => {
    expect(daily.at(-1)).toBe('2026-12-01T03:00:00.000Z');
    const kept = [...backupsToKeep(names, { keepDaily: 7, keepMonthly: 12 })].sort();
    expect(kept).toEqual(
      [
        // The first of each month, January to December: twelve months.
        ...['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'].map((month) => `2026-${month}-01T03:00:00Z`),
        // The newest of each of the last seven days: 25 to 30 November, and 1 December's last.
        '2026-11-25T03:00:00Z',
        '2026-11-26T03:00:00Z',
        '2026-11-27T03:00:00Z',
        '2026-11-28T03:00:00Z',
        '2026-11-29T03:00:00Z',
        '2026-11-30T03:00:00Z',
        '2026-12-01T21:00:00Z',
      ]
        .map(name)
        .sort(),
    );
  });

  it('keeps no monthly backup when M is 0, and only the newest with N = 1', () => {
    expect([...backupsToKeep(names, { keepDaily: 1, keepMonthly: 0 })]).toEqual([name('2026-12-01T21:00:00Z')]);
  });

  it('ignores names that are not its own, in any order', () => {
    const shuffled = ['notes.txt', name('2026-03-02T00:00:00Z'), 'vai-de-pix-latest.dump', name('2026-03-01T00:00:00Z')];
    expect([...backupsToKeep(shuffled, { keepDaily: 1, keepMonthly: 1 })].sort()).toEqual(
      [name('2026-03-01T00:00:00Z'), name('2026-03-02T00:00:00Z')].sort(),
    );
  });
});

describe('applyRetention', () => {
  let directory: string | undefined;
  afterEach(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('deletes its own files the policy does not keep, with their checksums and dead temporaries, and nothing else', async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'vdp-retention-'));
    const files = [
      name('2026-10-31T03:00:00Z'),
      `${name('2026-10-31T03:00:00Z')}.sha256`,
      name('2026-11-01T03:00:00Z'),
      `${name('2026-11-01T03:00:00Z')}.sha256`,
      name('2026-11-02T03:00:00Z'),
      `${name('2026-11-02T03:00:00Z')}.sha256`,
      name('2026-11-02T15:00:00Z'),
      `${name('2026-11-03T03:00:00Z')}.sha256`,
      name('2026-11-03T03:00:00Z'),
      // A checksum whose backup is gone, a dead run's temporary, and an operator's own files.
      `${name('2026-09-01T03:00:00Z')}.sha256`,
      `.${name('2026-11-03T04:00:00Z')}.0123456789ab.partial`,
      'manual-before-upgrade.dump',
      'README',
    ];
    for (const file of files) await writeFile(path.join(directory, file), 'x');
    const deleted = await applyRetention(directory, { keepDaily: 2, keepMonthly: 1 });
    expect(deleted.sort()).toEqual(
      [
        name('2026-10-31T03:00:00Z'),
        `${name('2026-10-31T03:00:00Z')}.sha256`,
        name('2026-11-02T03:00:00Z'),
        `${name('2026-11-02T03:00:00Z')}.sha256`,
        `${name('2026-09-01T03:00:00Z')}.sha256`,
        `.${name('2026-11-03T04:00:00Z')}.0123456789ab.partial`,
      ].sort(),
    );
    expect((await readdir(directory)).sort()).toEqual(
      [
        name('2026-11-01T03:00:00Z'),
        `${name('2026-11-01T03:00:00Z')}.sha256`,
        name('2026-11-02T15:00:00Z'),
        name('2026-11-03T03:00:00Z'),
        `${name('2026-11-03T03:00:00Z')}.sha256`,
        'manual-before-upgrade.dump',
        'README',
      ].sort(),
    );
  });
});

describe('the retention around a backup just written', () => {
  let directory: string | undefined;
  afterEach(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('keeps the fresh backup with BACKUP_KEEP_DAILY=1 when a name is dated in the future, and deletes neither', async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'vdp-retention-future-'));
    const older = name('2026-11-02T03:00:00Z');
    const fresh = name('2026-11-03T03:00:00Z');
    const future = name('2027-01-05T03:00:00Z');
    for (const file of [older, `${older}.sha256`, fresh, `${fresh}.sha256`, future, `${future}.sha256`])
      await writeFile(path.join(directory, file), 'x');
    const warned: string[][] = [];
    const deleted = await applyRetention(
      directory,
      { keepDaily: 1, keepMonthly: 0 },
      // No justWritten: the rule on future names alone must keep the fresh backup.
      { now: new Date('2026-11-03T03:00:00Z'), onFuture: (names) => warned.push(names) },
    );
    expect(deleted.sort()).toEqual([older, `${older}.sha256`].sort());
    expect((await readdir(directory)).sort()).toEqual([fresh, `${fresh}.sha256`, future, `${future}.sha256`].sort());
    expect(warned).toEqual([[future]]);
  });

  it('keeps the backup just written even when the policy would not', () => {
    const fresh = name('2026-11-03T03:00:00Z');
    // A second backup of the day written a second earlier by the clock: the policy keeps the later name.
    const kept = backupsToKeep([fresh, name('2026-11-03T03:00:01Z')], { keepDaily: 1, keepMonthly: 0 }, { justWritten: fresh });
    expect(kept.has(fresh)).toBe(true);
    expect(backupsToKeep([fresh, name('2026-11-03T03:00:01Z')], { keepDaily: 1, keepMonthly: 0 }).has(fresh)).toBe(false);
  });
});
