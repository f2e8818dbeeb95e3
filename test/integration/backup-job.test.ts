import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { AdvisoryLock } from '../../src/db/locks.js';
import { type BackupSettings, backupJob } from '../../src/jobs/backup.js';
import { createJobMetrics, type JobMetrics } from '../../src/jobs/metrics.js';
import { allJobs } from '../../src/jobs/registry.js';
import { JobStoppedError, runJobOnce } from '../../src/jobs/runner.js';
import { fixedClock } from '../../src/lib/clock.js';
import { checkArchive } from '../../src/ops/backup/restore.js';
import { backupFileName } from '../../src/ops/backup/retention.js';
import { findTool } from '../../src/ops/backup/tools.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';

/**
 * The backup job as the worker runs it (runJobOnce: its lock, job_runs, the metrics): each run
 * at a fixed instant writes a backup named by it, the retention keeps the newest N daily and
 * the first backup of each of the last M months, a second worker skips while the lock is held,
 * and a failed backup is a failed run that leaves no file under a backup's name and deletes
 * no older backup.
 */
let t: TestApp;
let work: string;

beforeAll(async () => {
  t = await startTestApp();
  work = await mkdtemp(path.join(tmpdir(), 'vdp-backup-job-'));
  const { client } = await signedIn(t.app, 'Pessoa do Backup Agendado');
  await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 123_456 });
});
afterAll(async () => {
  await t?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const gauge = async (metric: JobMetrics['backupLastSuccess']) => (await metric.get()).values[0]?.value;
const counter = async (metric: JobMetrics['failures'], job = 'backup') =>
  (await metric.get()).values.find((value) => value.labels.job === job)?.value ?? 0;
const runAt = (job: ReturnType<typeof backupJob>, instant: string, metrics: JobMetrics) =>
  runJobOnce(t.pool, job, { clock: fixedClock(instant), metrics, trigger: 'schedule' });

async function backupsIn(directory: string): Promise<string[]> {
  return (await readdir(directory)).sort();
}

describe('the backup job', () => {
  const directory = () => path.join(work, 'scheduled');
  const settings = (): BackupSettings & { cron: string } => ({
    cron: '0 3 * * *',
    dir: directory(),
    keepDaily: 2,
    keepMonthly: 1,
  });
  const metrics = createJobMetrics(new Registry());

  it('writes a whole backup per run, keeps the newest 2 daily and the first of the month, and records the metrics', async () => {
    const job = backupJob(settings());
    const instants = [
      '2026-10-31T03:00:00Z',
      '2026-11-01T03:00:00Z',
      '2026-11-02T03:00:00Z',
      '2026-11-02T15:00:00Z',
      '2026-11-03T03:00:00Z',
    ];
    for (const instant of instants) expect(await runAt(job, instant, metrics)).toMatchObject({ ran: true });
    const kept = ['2026-11-01T03:00:00Z', '2026-11-02T15:00:00Z', '2026-11-03T03:00:00Z'].map((instant) =>
      backupFileName(new Date(instant)),
    );
    expect(await backupsIn(directory())).toEqual(kept.flatMap((name) => [name, `${name}.sha256`]).sort());

    const newest = path.join(directory(), kept[2] as string);
    expect(((await stat(newest)).mode & 0o777).toString(8)).toBe('600');
    await expect(checkArchive(newest)).resolves.toMatchObject({ checksumVerified: true });
    expect(await gauge(metrics.backupLastSuccess)).toBe(Date.parse('2026-11-03T03:00:00Z') / 1000);
    expect(await gauge(metrics.backupLastSize)).toBe((await stat(newest)).size);
    const runs = await t.pool.query(`SELECT status, items FROM job_runs WHERE job = 'backup' ORDER BY started_at`);
    // Each run wrote one backup; the third (dropping 31 October's) and the fourth (dropping 2 November's
    // first) also deleted a backup and its checksum.
    expect(runs.rows).toEqual([
      { status: 'succeeded', items: 1 },
      { status: 'succeeded', items: 1 },
      { status: 'succeeded', items: 3 },
      { status: 'succeeded', items: 3 },
      { status: 'succeeded', items: 1 },
    ]);
  });

  it('skips while another worker holds its lock, writing nothing', async () => {
    const before = await backupsIn(directory());
    const holder = await t.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [AdvisoryLock.JobBackup]);
      expect(await runAt(backupJob(settings()), '2026-11-04T03:00:00Z', metrics)).toEqual({ ran: false, reason: 'locked' });
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    expect(await counter(metrics.lockSkipped)).toBe(1);
    expect(await backupsIn(directory())).toEqual(before);
  });

  it('fails the run when pg_dump is missing, saying which package to install, and deletes no older backup', async () => {
    const before = await backupsIn(directory());
    const lastSuccess = await gauge(metrics.backupLastSuccess);
    const failuresBefore = await counter(metrics.failures);
    const job = backupJob(settings(), { versionedRoot: path.join(work, 'none'), searchPath: path.join(work, 'none') });
    await expect(runAt(job, '2026-11-05T03:00:00Z', metrics)).rejects.toMatchObject({
      code: 'tool_missing',
      message: expect.stringContaining('apt-get install postgresql-client-'),
    });
    expect(await counter(metrics.failures)).toBe(failuresBefore + 1);
    expect(await gauge(metrics.backupLastSuccess)).toBe(lastSuccess);
    const failed = await t.pool.query(
      `SELECT error_summary FROM job_runs WHERE job = 'backup' AND status = 'failed' ORDER BY started_at DESC LIMIT 1`,
    );
    expect(failed.rows[0]?.error_summary).toContain('pg_dump not found');
    expect(await backupsIn(directory())).toEqual(before);
  });

  it('leaves no file under a backup’s name when pg_dump dies half-way, and keeps the older backups', async () => {
    // A pg_dump as new as the real one that writes part of a file and fails, as on a full disk.
    const real = await findTool('pg_dump');
    if (!real) throw new Error('this test needs pg_dump installed');
    const bin = path.join(work, 'dying-bin');
    await mkdir(bin, { recursive: true });
    await writeFile(
      path.join(bin, 'pg_dump'),
      `#!/bin/sh
for argument in "$@"; do
  case "$argument" in
    --version) echo "pg_dump (PostgreSQL) ${real.version.text}"; exit 0 ;;
    --file=*) printf 'PGDMP half a backup' > "\${argument#--file=}" ;;
  esac
done
echo "pg_dump: error: could not write to output file: No space left on device" >&2
exit 1
`,
    );
    await chmod(path.join(bin, 'pg_dump'), 0o755);
    const pgRestore = await findTool('pg_restore');
    if (!pgRestore) throw new Error('this test needs pg_restore installed');
    await symlink(pgRestore.path, path.join(bin, 'pg_restore'));
    const before = await backupsIn(directory());
    const job = backupJob(settings(), { versionedRoot: path.join(work, 'none'), searchPath: bin });
    await expect(runAt(job, '2026-11-06T03:00:00Z', metrics)).rejects.toMatchObject({
      code: 'tool_failed',
      message: expect.stringContaining('No space left on device'),
    });
    expect(await backupsIn(directory())).toEqual(before);
  });
});

describe('a backup under way when the worker stops', () => {
  it('lets pg_dump finish and records a plain success with a whole backup', async () => {
    // A pg_dump that says it started, waits for the test's go, then runs the real one.
    const real = await findTool('pg_dump');
    const pgRestore = await findTool('pg_restore');
    if (!real || !pgRestore) throw new Error('this test needs pg_dump and pg_restore installed');
    const bin = path.join(work, 'waiting-bin');
    const started = path.join(work, 'dump-started');
    const go = path.join(work, 'dump-go');
    await mkdir(bin, { recursive: true });
    await writeFile(
      path.join(bin, 'pg_dump'),
      `#!/bin/sh
[ "$1" = "--version" ] && exec "${real.path}" "$@"
: > "${started}"
while [ ! -e "${go}" ]; do sleep 0.05; done
exec "${real.path}" "$@"
`,
    );
    await chmod(path.join(bin, 'pg_dump'), 0o755);
    await symlink(pgRestore.path, path.join(bin, 'pg_restore'));
    const dir = path.join(work, 'stopping');
    const job = backupJob(
      { cron: '0 3 * * *', dir, keepDaily: 2, keepMonthly: 1 },
      { versionedRoot: path.join(work, 'none'), searchPath: bin },
    );
    const stopping = new AbortController();
    const run = runJobOnce(t.pool, job, {
      clock: fixedClock('2026-11-10T03:00:00Z'),
      stopping: stopping.signal,
      trigger: 'schedule',
    });
    while (!(await stat(started).catch(() => undefined))) await new Promise((resolve) => setTimeout(resolve, 20));
    stopping.abort(new JobStoppedError('the worker is stopping'));
    await writeFile(go, '');
    await expect(run).resolves.toEqual({ ran: true, affected: 1 });
    const runs = await t.pool.query(
      `SELECT status, error_summary FROM job_runs WHERE job = 'backup' AND started_at = '2026-11-10T03:00:00Z'`,
    );
    expect(runs.rows).toEqual([{ status: 'succeeded', error_summary: null }]);
    const file = path.join(dir, backupFileName(new Date('2026-11-10T03:00:00Z')));
    await expect(checkArchive(file)).resolves.toMatchObject({ checksumVerified: true });
  });
});

describe('where the backup job comes from', () => {
  it('is scheduled only when BACKUP_CRON is set, on that pattern', () => {
    expect(allJobs(loadConfig({})).map((job) => job.name)).not.toContain('backup');
    const scheduled = allJobs(loadConfig({ BACKUP_CRON: '30 2 * * *' })).find((job) => job.name === 'backup');
    expect(scheduled).toMatchObject({ schedule: '30 2 * * *', lock: AdvisoryLock.JobBackup });
  });

  it('runs once on demand with npm run job -- backup', async () => {
    const dir = path.join(work, 'on-demand');
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/job.ts', 'backup'], {
        env: { ...process.env, DATABASE_URL: t.database.url, BACKUP_CRON: '0 3 * * *', BACKUP_DIR: dir, LOG_LEVEL: 'silent' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ job: 'backup', ran: true, items: 1 });
    const files = await backupsIn(dir);
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^vai-de-pix-\d{8}T\d{6}Z\.dump$/);
    await expect(checkArchive(path.join(dir, files[0] as string))).resolves.toMatchObject({ checksumVerified: true });
  });
});
