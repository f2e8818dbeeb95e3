import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { pgCode } from '../../db/sqlstate.js';
import { libpqTarget } from './connection.js';
import { BackupError } from './errors.js';
import { describeExit, runTool, stderrSummary } from './run-tool.js';
import { requireTool, serverMajorOf, type ToolSearch } from './tools.js';

/** A backup file's checksum sits beside it, in `sha256sum` format, so `sha256sum -c` checks it too. */
export const CHECKSUM_SUFFIX = '.sha256';
/** How long the probe that reads the server's version may take to connect. */
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * How long pg_dump waits for a table lock before giving up: a migration holding one must not
 * leave a backup (and the job's lock) waiting for ever; the next scheduled run tries again.
 */
const LOCK_WAIT_TIMEOUT_MS = 120_000;
const FILE_MODE = 0o600;
/** SQLSTATE invalid_catalog_name: the URL names a database the server does not have. */
const NO_SUCH_DATABASE = '3D000';
const DIRECTORY_MODE = 0o700;

export interface ServerVersion {
  major: number;
  /** As the server reports it, e.g. "15.18". */
  text: string;
}

export interface BackupResult {
  file: string;
  bytes: number;
  sha256: string;
  serverVersion: string;
  pgDumpVersion: string;
}

/** The server's version, which decides which pg_dump may dump it. */
export async function serverVersionOf(url: string, label: string): Promise<ServerVersion> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
    const result = await client.query<{ number: string; text: string }>(
      `SELECT current_setting('server_version_num') AS number, current_setting('server_version') AS text`,
    );
    const row = result.rows[0];
    return { major: serverMajorOf(Number(row?.number)), text: String(row?.text).split(' ')[0] ?? '' };
  } catch (error) {
    if (pgCode(error) === NO_SUCH_DATABASE) throw new BackupError('target_missing', `database ${label} does not exist`);
    throw new BackupError('database_unreachable', `could not reach the database ${label}: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Flushes a file (or a directory, after a rename in it) to the disk. */
async function syncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** An empty file only its owner can read, for pg_dump to write into (it keeps the mode). */
async function createPrivateFile(file: string): Promise<void> {
  const handle = await open(file, 'wx', FILE_MODE);
  await handle.close();
}

async function writeChecksum(file: string, sha256: string): Promise<void> {
  const checksumFile = `${file}${CHECKSUM_SUFFIX}`;
  const temporary = partialNameFor(checksumFile);
  const handle = await open(temporary, 'wx', FILE_MODE);
  try {
    await handle.writeFile(`${sha256}  ${path.basename(file)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, checksumFile);
}

/** The temporary file a backup is written to before it gets its name: hidden, and never matching a backup's name. */
export function partialNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.partial`);
}

/**
 * Dumps the database at `url` into `file` in pg_dump's custom format, with a pg_dump at least as
 * new as the server. The dump goes to a hidden temporary file (mode 0600) in the same
 * directory, is read back with `pg_restore --list`, flushed, and only then renamed to `file`: a
 * crash, a full disk or a killed pg_dump never leaves a file under a backup's name. Then the
 * checksum file beside it. An existing `file` is refused rather than replaced.
 */
export async function writeBackup(options: {
  url: string;
  file: string;
  signal?: AbortSignal;
  search?: ToolSearch;
}): Promise<BackupResult> {
  const file = path.resolve(options.file);
  const target = libpqTarget(options.url);
  if (await exists(file))
    throw new BackupError('file_exists', `${file} already exists: choose another name, or move the old backup away first`);
  const server = await serverVersionOf(options.url, target.label);
  const pgDump = await requireTool('pg_dump', server.major, options.search);
  const pgRestore = await requireTool('pg_restore', pgDump.version.major, options.search);
  await mkdir(path.dirname(file), { recursive: true, mode: DIRECTORY_MODE });
  const partial = partialNameFor(file);
  try {
    await createPrivateFile(partial);
    const dumped = await runTool(
      pgDump.path,
      [
        '--format=custom',
        '--no-password',
        `--lock-wait-timeout=${LOCK_WAIT_TIMEOUT_MS}`,
        `--file=${partial}`,
        `--dbname=${target.dbname}`,
      ],
      { env: target.env, ...(options.signal ? { signal: options.signal } : {}) },
    );
    if (dumped.exitCode !== 0)
      throw new BackupError('tool_failed', `pg_dump ${describeExit(dumped)}: ${stderrSummary(dumped.stderr)}`);
    const listed = await runTool(pgRestore.path, ['--list', partial], options.signal ? { signal: options.signal } : {});
    if (listed.exitCode !== 0)
      throw new BackupError('tool_failed', `the new backup does not read back: ${stderrSummary(listed.stderr)}`);
    await syncPath(partial);
    const sha256 = await sha256OfFile(partial);
    const { size } = await stat(partial);
    await rename(partial, file);
    await writeChecksum(file, sha256);
    await syncPath(path.dirname(file));
    return { file, bytes: size, sha256, serverVersion: server.text, pgDumpVersion: pgDump.version.text };
  } finally {
    await rm(partial, { force: true });
  }
}
