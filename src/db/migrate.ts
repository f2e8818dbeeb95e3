import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { AdvisoryLock, lockSession, unlockSession } from './locks.js';
import type { Queryable } from './queryable.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const MIGRATION_NAME = /^\d{14}_[a-z0-9_]+\.sql$/;
/**
 * The first line of a migration that code older than it cannot run against (a contract step:
 * a column or table the previous release still uses is dropped or renamed, a constraint its
 * writes break is added). Every other migration is an expand step the previous release runs
 * with unharmed. The mark is recorded with the migration, so older code can read it.
 */
export const BREAKS_PREVIOUS_RELEASE_HEADER = '-- vai-de-pix: breaks-previous-release';

export interface MigrationFile {
  name: string;
  checksum: string;
  sql: string;
  /** Its first line is BREAKS_PREVIOUS_RELEASE_HEADER. */
  breaksPreviousRelease: boolean;
}

/** Whether the migration's first line is the mark (trailing blanks and a CR allowed). */
export function marksBreaking(sql: string): boolean {
  const firstLine = sql.split('\n', 1)[0] ?? '';
  return firstLine.trimEnd() === BREAKS_PREVIOUS_RELEASE_HEADER;
}

export class MigrationHistoryError extends Error {
  override name = 'MigrationHistoryError';
}

export async function readMigrationFiles(directory = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    if (!MIGRATION_NAME.test(name))
      throw new MigrationHistoryError(`migration file name ${name} is not <14-digit timestamp>_<what>.sql`);
    const sql = await readFile(`${directory}/${name}`, 'utf8');
    files.push({
      name,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
      breaksPreviousRelease: marksBreaking(sql),
    });
  }
  return files;
}

/**
 * The history table; breaks_previous_release (added by the release that introduced the mark,
 * hence the ALTER) tells code older than a migration whether it may run on it. Rows from
 * before that release are expand steps.
 */
const CREATE_HISTORY = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  );
  ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS breaks_previous_release boolean NOT NULL DEFAULT false`;

interface Applied {
  name: string;
  checksum: string;
  breaks_previous_release: boolean;
}

/**
 * Migrations applied by a newer release, which this code has no file for. Each was marked, when
 * applied, as breaking older releases or not: a marked one means this code must not run on the
 * database (it would read or write a schema it does not know); the others (expand steps) leave
 * it working, so it starts, and says so.
 */
function checkAhead(ahead: Applied[]): void {
  const breaking = ahead.find((row) => row.breaks_previous_release);
  if (breaking !== undefined) {
    throw new MigrationHistoryError(
      `the database has migration ${breaking.name}, which this release cannot run with (it breaks older releases): deploy a release at least that new`,
    );
  }
}

/**
 * The applied history must agree with the files, name by name and byte by byte: a migration
 * edited after it ran, or a file never applied that sorts before one that was (it would run
 * out of order), means this code does not describe this database, and starting anyway could
 * corrupt it. Applied migrations this code has no file for come from a newer release
 * (branches land in any order, so they may sort anywhere): allowed unless one of them breaks
 * older releases (checkAhead). Returns their names; the files not applied yet sort after every
 * applied one. Migrations are never removed or renamed once landed, so nothing else is unknown.
 */
export function checkPrefix(applied: Applied[], files: MigrationFile[]): string[] {
  const fileByName = new Map(files.map((file) => [file.name, file]));
  const appliedNames = new Set(applied.map((row) => row.name));
  let lastKnown: string | undefined;
  for (const row of applied) {
    const file = fileByName.get(row.name);
    if (file === undefined) continue;
    if (file.checksum !== row.checksum) {
      throw new MigrationHistoryError(`migration ${row.name} was changed after it was applied (checksum differs)`);
    }
    if (lastKnown === undefined || row.name > lastKnown) lastKnown = row.name;
  }
  const outOfOrder = files.find((file) => !appliedNames.has(file.name) && lastKnown !== undefined && file.name < lastKnown);
  if (outOfOrder !== undefined) {
    throw new MigrationHistoryError(
      `applied migration ${lastKnown} does not match file ${outOfOrder.name}: that file sorts before it and was never applied`,
    );
  }
  const ahead = applied.filter((row) => !fileByName.has(row.name));
  checkAhead(ahead);
  return ahead.map((row) => row.name);
}

/** The files not applied yet, in order; checkPrefix has made sure they sort after every applied one. */
function pendingFiles(applied: Applied[], files: MigrationFile[]): MigrationFile[] {
  const appliedNames = new Set(applied.map((row) => row.name));
  return files.filter((file) => !appliedNames.has(file.name));
}

/** Whether the history table exists with every column CREATE_HISTORY gives it (a read, no DDL). */
async function historyCurrent(client: Queryable): Promise<boolean> {
  const result = await client.query<{ current: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name = 'schema_migrations'
                       AND column_name = 'breaks_previous_release') AS current`,
  );
  return result.rows[0]?.current === true;
}

async function readApplied(client: Queryable): Promise<Applied[]> {
  const result = await client.query<Applied>(
    'SELECT name, checksum, breaks_previous_release FROM schema_migrations ORDER BY name',
  );
  return result.rows;
}

/**
 * Applies pending migrations under a session advisory lock, so any number of
 * processes starting at once apply each file exactly once. Each file runs in its
 * own transaction together with its history row. `ahead` names the migrations a newer
 * release applied (none of them breaking this one, or it throws): the caller warns.
 */
export async function migrate(pool: pg.Pool, directory = MIGRATIONS_DIR): Promise<{ applied: string[]; ahead: string[] }> {
  const files = await readMigrationFiles(directory);
  const client = await pool.connect();
  // After any error the connection is destroyed, not pooled: it may be lost (the
  // database restarted during boot) or still hold the migrations lock.
  let broken: Error | undefined;
  try {
    await lockSession(client, AdvisoryLock.Migrations);
    try {
      // Nothing is written when the database is current: a read-only one (a replica,
      // default_transaction_read_only, a disk-full server) refuses even IF NOT EXISTS DDL,
      // and the app must still start there and serve reads.
      if (!(await historyCurrent(client))) await client.query(CREATE_HISTORY);
      const applied = await readApplied(client);
      const ahead = checkPrefix(applied, files);
      const pending = pendingFiles(applied, files);
      for (const file of pending) {
        await client.query('BEGIN');
        try {
          await client.query(file.sql);
          await client.query('INSERT INTO schema_migrations (name, checksum, breaks_previous_release) VALUES ($1, $2, $3)', [
            file.name,
            file.checksum,
            file.breaksPreviousRelease,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          // On a lost connection ROLLBACK fails too; PostgreSQL rolled back by itself.
          await client.query('ROLLBACK').catch(() => {});
          // The cause tells a lost connection (retry at boot) from a failing migration.
          throw new MigrationHistoryError(`migration ${file.name} failed: ${(error as Error).message}`, { cause: error });
        }
      }
      return { applied: pending.map((file) => file.name), ahead };
    } finally {
      await unlockSession(client, AdvisoryLock.Migrations);
    }
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * For /api/health: true when every file is applied and the history is intact. Migrations of a
 * newer release that do not break this one (the process started with them, see migrate) do not
 * make it unready: during a rollback, or while a new release rolls out beside this one, it
 * serves as well as before.
 */
export async function migrationsCurrent(pool: pg.Pool, files: MigrationFile[]): Promise<boolean> {
  const exists = await pool.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (exists.rows[0]?.present !== true) return false;
  const applied = await readApplied(pool);
  try {
    checkPrefix(applied, files);
  } catch {
    return false;
  }
  return pendingFiles(applied, files).length === 0;
}
