import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { libpqTarget } from './connection.js';
import { CHECKSUM_SUFFIX, serverVersionOf, sha256OfFile } from './dump.js';
import { BackupError } from './errors.js';
import { describeExit, runTool, stderrSummary } from './run-tool.js';
import { findTool, type PostgresTool, parseToolVersion, requireTool, type ToolSearch } from './tools.js';

const CONNECT_TIMEOUT_MS = 10_000;
/** Where the full read of an archive writes the SQL it would run: nowhere. */
const NULL_DEVICE = '/dev/null';
/** The oldest PostgreSQL the app runs on, so the least a missing pg_restore is asked to be. */
const POSTGRES_MAJOR_MIN = 15;
const SHA256_PATTERN = /^([0-9a-f]{64})\b/;

export interface RestoreResult {
  file: string;
  target: string;
  /** Whether a checksum file was beside the backup and matched it. */
  checksumVerified: boolean;
  /** Tables in the target's public schema after the restore. */
  tables: number;
  dumpedFrom: string | undefined;
  dumpedBy: string | undefined;
}

export interface ArchiveCheck {
  checksumVerified: boolean;
  dumpedFrom: string | undefined;
  dumpedBy: string | undefined;
  pgRestore: PostgresTool;
}

async function expectReadableFile(file: string): Promise<void> {
  const found = await stat(file).catch(() => undefined);
  if (found === undefined) throw new BackupError('file_unreadable', `${file} does not exist`);
  if (!found.isFile()) throw new BackupError('file_unreadable', `${file} is not a file`);
  if (found.size === 0) throw new BackupError('archive_invalid', `${file} is empty: not a backup`);
}

/** Checks the file against the checksum file beside it, when there is one; a copy made without it is checked by pg_restore alone. */
async function verifyChecksum(file: string): Promise<boolean> {
  const recorded = await readFile(`${file}${CHECKSUM_SUFFIX}`, 'utf8').catch(() => undefined);
  if (recorded === undefined) return false;
  const expected = SHA256_PATTERN.exec(recorded.trim().toLowerCase())?.[1];
  if (expected === undefined)
    throw new BackupError('checksum_mismatch', `${file}${CHECKSUM_SUFFIX} does not hold a SHA-256: refusing to trust ${file}`);
  if ((await sha256OfFile(file)) !== expected)
    throw new BackupError(
      'checksum_mismatch',
      `${file} does not match its checksum (${path.basename(file)}${CHECKSUM_SUFFIX}): the file is truncated or corrupted; nothing was restored`,
    );
  return true;
}

function headerField(listing: string, name: string): string | undefined {
  const line = listing.split('\n').find((candidate) => candidate.startsWith(`;     ${name}:`));
  return line?.slice(line.indexOf(':') + 1).trim();
}

/**
 * Proves the file is a whole, readable custom-format archive before anything touches the
 * target: its checksum (when the checksum file is beside it), its table of contents
 * (`pg_restore --list`), which pg_dump wrote it (pg_restore must be as new), and then every
 * data block, read and decompressed to nowhere (`pg_restore --file=/dev/null`): a truncated
 * or corrupted file fails here.
 */
export async function checkArchive(file: string, search: ToolSearch = {}): Promise<ArchiveCheck> {
  await expectReadableFile(file);
  const checksumVerified = await verifyChecksum(file);
  const newest = (await findTool('pg_restore', search)) ?? (await requireTool('pg_restore', POSTGRES_MAJOR_MIN, search));
  const listed = await runTool(newest.path, ['--list', file], { keepStdout: true });
  if (listed.exitCode !== 0) {
    const summary = stderrSummary(listed.stderr);
    if (/unsupported version/.test(summary))
      throw new BackupError(
        'tool_too_old',
        `pg_restore ${newest.version.text} cannot read ${file}, written by a newer pg_dump (${summary}): install the client tools of that PostgreSQL version, e.g. \`apt-get install postgresql-client-NN\``,
      );
    throw new BackupError('archive_invalid', `${file} is not a readable pg_dump custom-format archive: ${summary}`);
  }
  const dumpedBy = headerField(listed.stdout, 'Dumped by pg_dump version');
  const dumpedFrom = headerField(listed.stdout, 'Dumped from database version');
  const pgRestore = await requireTool('pg_restore', parseToolVersion(`(PostgreSQL) ${dumpedBy ?? '0'}`)?.major ?? 0, search);
  const read = await runTool(pgRestore.path, [`--file=${NULL_DEVICE}`, file]);
  if (read.exitCode !== 0)
    throw new BackupError(
      'archive_invalid',
      `${file} is truncated or corrupted (pg_restore ${describeExit(read)} reading it: ${stderrSummary(read.stderr)}); nothing was restored`,
    );
  return { checksumVerified, dumpedFrom, dumpedBy, pgRestore };
}

/** Tables in the target's public schema: any one means the database is in use. */
export async function publicTableCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
    const result = await client.query<{ tables: number }>(
      `SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public'`,
    );
    return result.rows[0]?.tables ?? 0;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The migrations the archive's schema_migrations holds, read from its COPY lines (the name
 * column; a migration's name has no tab, backslash or newline, so COPY's text escapes do not
 * arise). An archive without the table yields none.
 */
export async function archiveMigrations(pgRestore: PostgresTool, file: string): Promise<string[]> {
  const listed = await runTool(pgRestore.path, ['--data-only', '--table=schema_migrations', '--file=-', file], {
    keepStdout: true,
  });
  if (listed.exitCode !== 0)
    throw new BackupError(
      'archive_invalid',
      `pg_restore ${describeExit(listed)} reading ${file}: ${stderrSummary(listed.stderr)}`,
    );
  const lines = listed.stdout.split('\n');
  const copy = lines.findIndex((line) => /^COPY \S*schema_migrations \(/.test(line));
  if (copy === -1) return [];
  const columns = (/\(([^)]*)\)/.exec(lines[copy] as string)?.[1] ?? '').split(',').map((column) => column.trim());
  const nameColumn = columns.indexOf('name');
  if (nameColumn === -1) return [];
  const names: string[] = [];
  for (const line of lines.slice(copy + 1)) {
    if (line === '\\.') break;
    const name = line.split('\t')[nameColumn];
    if (name !== undefined && name !== '') names.push(name);
  }
  return names;
}

/** The migrations applied to the target, or none when it has no schema_migrations. */
async function targetMigrations(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
    const present = await client.query<{ present: boolean }>(
      `SELECT to_regclass('public.schema_migrations') IS NOT NULL AS present`,
    );
    if (!present.rows[0]?.present) return [];
    return (await client.query<{ name: string }>('SELECT name FROM public.schema_migrations ORDER BY name')).rows.map(
      (row) => row.name,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Refuses --force over a database newer than the backup. --clean drops only the archive's
 * objects: the tables of the target's newer migrations would stay while the restored
 * schema_migrations forgets them, so the next start re-runs those migrations, their CREATE
 * TABLE fails and the app cannot start, on a restore that had committed.
 */
async function refuseTargetNewerThanArchive(pgRestore: PostgresTool, file: string, url: string, label: string): Promise<void> {
  const inArchive = new Set(await archiveMigrations(pgRestore, file));
  const newer = (await targetMigrations(url)).filter((name) => !inArchive.has(name));
  if (newer.length === 0) return;
  const shown = newer.slice(0, 5).join(', ') + (newer.length > 5 ? `, … (${newer.length} in all)` : '');
  throw new BackupError(
    'target_newer_than_backup',
    `the database ${label} has migrations the backup lacks (${shown}): --force would leave their tables behind and the app unable to start; restore into a new empty database instead; nothing was restored`,
  );
}

/**
 * Restores a backup made by writeBackup (or any pg_dump custom-format archive) into the
 * database at `url`. The archive is checked whole first (checkArchive); a target with any table
 * in its public schema is refused unless `force`, which then drops the archive's objects
 * before re-creating them. pg_restore runs in one transaction and stops at the first error, so
 * a restore that fails, for whatever reason, leaves the target as it was. Owners and
 * privileges are not restored: the objects belong to the user that restores them, so a backup
 * moves between servers with different roles.
 */
export async function restoreBackup(options: {
  file: string;
  url: string;
  force?: boolean;
  search?: ToolSearch;
}): Promise<RestoreResult> {
  const file = path.resolve(options.file);
  const target = libpqTarget(options.url);
  const archive = await checkArchive(file, options.search);
  await serverVersionOf(options.url, target.label);
  const tablesBefore = await publicTableCount(options.url);
  if (tablesBefore > 0 && !options.force)
    throw new BackupError(
      'target_not_empty',
      `the database ${target.label} already has ${tablesBefore} tables: restore into an empty database, or add --force to replace what the backup holds`,
    );
  if (tablesBefore > 0) await refuseTargetNewerThanArchive(archive.pgRestore, file, options.url, target.label);
  const restored = await runTool(
    archive.pgRestore.path,
    [
      '--single-transaction',
      '--exit-on-error',
      '--no-owner',
      '--no-privileges',
      '--no-password',
      ...(options.force ? ['--clean', '--if-exists'] : []),
      `--dbname=${target.dbname}`,
      file,
    ],
    { env: target.env },
  );
  if (restored.exitCode !== 0)
    throw new BackupError(
      'restore_failed',
      `pg_restore ${describeExit(restored)} and rolled back; ${target.label} is as it was: ${stderrSummary(restored.stderr)}`,
    );
  return {
    file,
    target: target.label,
    checksumVerified: archive.checksumVerified,
    tables: await publicTableCount(options.url),
    dumpedFrom: archive.dumpedFrom,
    dumpedBy: archive.dumpedBy,
  };
}
