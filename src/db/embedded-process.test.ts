import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stopOrphanedServer } from './embedded-process.js';

/**
 * The next start stops a server left running on its cluster, and nothing else: stand-ins for
 * PostgreSQL are copies of sleep named `postgres` (so the kernel calls them postgres), working
 * in a chosen directory as PostgreSQL works in its data directory.
 */
let scratch: string;
let clusterDir: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'vdp-orphan-')));
  clusterDir = path.join(scratch, 'pg');
  await mkdir(clusterDir);
  await mkdir(path.join(scratch, 'elsewhere'));
  await copyFile('/bin/sleep', path.join(scratch, 'postgres'));
  await copyFile('/bin/sleep', path.join(scratch, 'sleep'));
});

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await rm(scratch, { recursive: true, force: true });
});

function standIn(program: 'postgres' | 'sleep', workingDir: string): ChildProcess {
  const child = spawn(path.join(scratch, program), ['600'], { cwd: workingDir, stdio: 'ignore' });
  children.push(child);
  return child;
}

async function pidFile(pid: number | undefined, recordedDir: string): Promise<void> {
  // postmaster.pid: pid, data directory, start time, port, …
  await writeFile(path.join(clusterDir, 'postmaster.pid'), `${pid}\n${recordedDir}\n1764547200\n54321\n`);
}

async function running(child: ChildProcess): Promise<boolean> {
  const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/\) [ZX] /.test(stat);
}

describe('stopOrphanedServer', () => {
  it('stops a postgres process that serves this cluster, and says so', async () => {
    const orphan = standIn('postgres', clusterDir);
    const signalled = new Promise((resolve) => orphan.once('exit', (_code, signal) => resolve(signal)));
    await pidFile(orphan.pid, clusterDir);
    const notices: string[] = [];
    await stopOrphanedServer(clusterDir, (message) => notices.push(message));
    expect(await running(orphan)).toBe(false);
    expect(await signalled).toBe('SIGINT');
    expect(notices.join('\n')).toContain(`stopping the embedded PostgreSQL (pid ${orphan.pid})`);
  });

  it('stops it too when the cluster is named through a link (DATA_DIR on another disk)', async () => {
    const orphan = standIn('postgres', clusterDir);
    const signalled = new Promise((resolve) => orphan.once('exit', (_code, signal) => resolve(signal)));
    const linked = path.join(scratch, 'data');
    await symlink(scratch, linked);
    await pidFile(orphan.pid, path.join(linked, 'pg'));
    await stopOrphanedServer(path.join(linked, 'pg'), () => {});
    expect(await running(orphan)).toBe(false);
    expect(await signalled).toBe('SIGINT');
  });

  it('never signals a postgres process that works in another directory (a reused pid)', async () => {
    const other = standIn('postgres', path.join(scratch, 'elsewhere'));
    await pidFile(other.pid, clusterDir);
    await stopOrphanedServer(clusterDir, () => {});
    expect(await running(other)).toBe(true);
  });

  it('never signals a process that is not postgres, even in the cluster directory', async () => {
    const other = standIn('sleep', clusterDir);
    await pidFile(other.pid, clusterDir);
    await stopOrphanedServer(clusterDir, () => {});
    expect(await running(other)).toBe(true);
  });

  it('never signals a postgres process whose pid file names another data directory', async () => {
    const other = standIn('postgres', clusterDir);
    await pidFile(other.pid, path.join(scratch, 'elsewhere'));
    await stopOrphanedServer(clusterDir, () => {});
    expect(await running(other)).toBe(true);
  });

  it('does nothing without a pid file, or with one naming a process that is gone', async () => {
    await expect(stopOrphanedServer(clusterDir, () => {})).resolves.toBeUndefined();
    await pidFile(2 ** 22 + 7, clusterDir);
    await expect(stopOrphanedServer(clusterDir, () => {})).resolves.toBeUndefined();
  });
});
