import { chmod, chown, lstat, mkdir, mkdtemp, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  clusterInPlace,
  EmbeddedStartError,
  letServerTraverse,
  linkedCluster,
  openToAll,
  refuseUntrustedDataDir,
} from './embedded-placement.js';

/**
 * What root trusts about DATA_DIR, in temp directories only: a "home" is a mode-700 temp
 * directory given as a parameter, and `nobody` stands for the other local user.
 */
const NOBODY = 65534;
let scratch: string;

beforeEach(async () => {
  scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'vdp-placement-')));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const mode = async (file: string): Promise<number> => (await stat(file)).mode & 0o7777;

/** These rules are root's (a normal user's start relocates nothing) and the tests need chown: as root only. */
const asRoot = process.getuid?.() === 0;

describe.runIf(asRoot)('refuseUntrustedDataDir (as root, as CI runs: chown needs it)', () => {
  it('accepts a root-owned DATA_DIR below the sticky /tmp, existing or not', async () => {
    await expect(refuseUntrustedDataDir(path.join(scratch, 'data'))).resolves.toBeUndefined();
    await mkdir(path.join(scratch, 'data'));
    await expect(refuseUntrustedDataDir(path.join(scratch, 'data'))).resolves.toBeUndefined();
  });

  it('refuses a DATA_DIR that is a link, in one line naming it', async () => {
    const home = path.join(scratch, 'home');
    await mkdir(home, { mode: 0o700 });
    await symlink(home, path.join(scratch, 'vdp'));
    await expect(refuseUntrustedDataDir(path.join(scratch, 'vdp'))).rejects.toThrow(
      new EmbeddedStartError(
        `running as root, DATA_DIR ${path.join(scratch, 'vdp')} is a symbolic link, which root does not follow: set DATA_DIR to the directory itself, run as a normal user, or set DATABASE_URL to a PostgreSQL server`,
      ),
    );
  });

  it('refuses a DATA_DIR, or a directory on its way, that another user owns', async () => {
    const planted = path.join(scratch, 'vdp');
    await mkdir(path.join(planted, 'inner'), { recursive: true });
    await chown(planted, NOBODY, NOBODY);
    await expect(refuseUntrustedDataDir(planted)).rejects.toThrow(`${planted} is owned by uid ${NOBODY}`);
    await expect(refuseUntrustedDataDir(path.join(planted, 'inner'))).rejects.toThrow(`${planted} is owned by uid ${NOBODY}`);
    await expect(refuseUntrustedDataDir(path.join(planted, 'not yet'))).rejects.toThrow(EmbeddedStartError);
  });

  it('refuses a directory on the way that others may write, unless it is sticky', async () => {
    const open = path.join(scratch, 'open');
    await mkdir(path.join(open, 'data'), { recursive: true });
    await chmod(open, 0o777);
    await expect(refuseUntrustedDataDir(path.join(open, 'data'))).rejects.toThrow(`${open} is writable by others`);
    await chmod(open, 0o1777);
    await expect(refuseUntrustedDataDir(path.join(open, 'data'))).resolves.toBeUndefined();
  });

  it('refuses a path whose link leads through a directory another user owns', async () => {
    const theirs = path.join(scratch, 'theirs');
    await mkdir(path.join(theirs, 'data'), { recursive: true });
    await chown(theirs, NOBODY, NOBODY);
    await symlink(theirs, path.join(scratch, 'mine'));
    await expect(refuseUntrustedDataDir(path.join(scratch, 'mine', 'data'))).rejects.toThrow(`is owned by uid ${NOBODY}`);
  });
});

describe.runIf(asRoot)('clusterInPlace (as root: it hands the directory to the postgres account)', () => {
  it("hands DATA_DIR/pg to the server's account without following a link there", async () => {
    const target = path.join(scratch, 'not-the-cluster');
    await mkdir(target);
    await symlink(target, path.join(scratch, 'pg'));
    await clusterInPlace(scratch, { uid: NOBODY, gid: NOBODY });
    expect((await stat(target)).uid).toBe(0);
  });

  it("makes a new DATA_DIR/pg owned by the server's account", async () => {
    await clusterInPlace(scratch, { uid: NOBODY, gid: NOBODY });
    expect((await stat(path.join(scratch, 'pg'))).uid).toBe(NOBODY);
  });
});

describe('letServerTraverse', () => {
  it('leaves a home reached through a link as it is', async () => {
    const home = path.join(scratch, 'home');
    await mkdir(home, { mode: 0o700 });
    await chmod(home, 0o700);
    await symlink(home, path.join(scratch, 'vdp'));
    await letServerTraverse(path.join(scratch, 'vdp'), home);
    expect(await mode(home)).toBe(0o700);
  });

  it("gives the app's own DATA_DIR the others' search bit, and nothing more", async () => {
    const dataDir = path.join(scratch, 'data');
    await mkdir(dataDir);
    await chmod(dataDir, 0o700);
    await letServerTraverse(dataDir, path.join(scratch, 'home'));
    expect(await mode(dataDir)).toBe(0o701);
  });
});

describe('linkedCluster', () => {
  it('is undefined without a link', async () => {
    await mkdir(path.join(scratch, 'pg'));
    await expect(linkedCluster(scratch)).resolves.toBeUndefined();
  });

  it("refuses a link to any cluster but this DATA_DIR's relocated one (the system's PostgreSQL)", async () => {
    const systemCluster = path.join(scratch, 'postgresql', '15', 'main');
    await mkdir(systemCluster, { recursive: true });
    const dataDir = path.join(scratch, 'vdp');
    await mkdir(dataDir);
    await symlink(systemCluster, path.join(dataDir, 'pg'));
    await expect(linkedCluster(dataDir)).rejects.toThrow(
      `running as root, ${path.join(dataDir, 'pg')} links to ${systemCluster}, not to this DATA_DIR's cluster`,
    );
  });
});

describe('openToAll', () => {
  it('makes a copy kept with a restrictive umask readable by all: dirs 755, files a+r, a+x where any x', async () => {
    const copy = path.join(scratch, 'copy');
    await mkdir(path.join(copy, 'bin'), { recursive: true });
    await writeFile(path.join(copy, 'bin', 'postgres'), '#!/bin/sh\n');
    await writeFile(path.join(copy, 'share.txt'), 'data');
    await symlink('share.txt', path.join(copy, 'link'));
    await chmod(path.join(copy, 'bin', 'postgres'), 0o700);
    await chmod(path.join(copy, 'share.txt'), 0o620);
    await chmod(path.join(copy, 'bin'), 0o700);
    await chmod(copy, 0o700);
    await openToAll(copy);
    expect(await mode(copy)).toBe(0o755);
    expect(await mode(path.join(copy, 'bin'))).toBe(0o755);
    expect(await mode(path.join(copy, 'bin', 'postgres'))).toBe(0o755);
    expect(await mode(path.join(copy, 'share.txt'))).toBe(0o644);
    expect((await lstat(path.join(copy, 'link'))).isSymbolicLink()).toBe(true);
  });
});
