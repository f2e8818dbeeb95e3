import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { AdvisoryLock, lockSession, unlockSession } from './locks.js';
import type { Queryable } from './queryable.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const MIGRATION_NAME = /^\d{14}_[a-z0-9_]+\.sql$/;

export interface MigrationFile {
  name: string;
  checksum: string;
  sql: string;
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
    files.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return files;
}

const CREATE_HISTORY = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

interface Applied {
  name: string;
  checksum: string;
}

/**
 * The applied history must be a prefix of the files, name by name and byte by byte:
 * a migration edited after it ran, removed, or renamed means this code does not
 * describe this database, and starting anyway could corrupt it.
 */
export function checkPrefix(applied: Applied[], files: MigrationFile[]): void {
  if (applied.length > files.length) {
    const unknown = applied.slice(files.length).map((row) => row.name);
    throw new MigrationHistoryError(`database has migrations this code does not know: ${unknown.join(', ')}`);
  }
  applied.forEach((row, index) => {
    const file = files[index];
    if (file === undefined || file.name !== row.name) {
      throw new MigrationHistoryError(
        `applied migration ${row.name} does not match file ${file?.name ?? '(none)'} at position ${index + 1}`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationHistoryError(`migration ${row.name} was changed after it was applied (checksum differs)`);
    }
  });
}

async function readApplied(client: Queryable): Promise<Applied[]> {
  const result = await client.query<Applied>('SELECT name, checksum FROM schema_migrations ORDER BY name');
  return result.rows;
}

/**
 * Applies pending migrations under a session advisory lock, so any number of
 * processes starting at once apply each file exactly once. Each file runs in its
 * own transaction together with its history row.
 */
export async function migrate(pool: pg.Pool, directory = MIGRATIONS_DIR): Promise<{ applied: string[] }> {
  const files = await readMigrationFiles(directory);
  const client = await pool.connect();
  // After any error the connection is destroyed, not pooled: it may be lost (the
  // database restarted during boot) or still hold the migrations lock.
  let broken: Error | undefined;
  try {
    await lockSession(client, AdvisoryLock.Migrations);
    try {
      await client.query(CREATE_HISTORY);
      const applied = await readApplied(client);
      checkPrefix(applied, files);
      const pending = files.slice(applied.length);
      for (const file of pending) {
        await client.query('BEGIN');
        try {
          await client.query(file.sql);
          await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [file.name, file.checksum]);
          await client.query('COMMIT');
        } catch (error) {
          // On a lost connection ROLLBACK fails too; PostgreSQL rolled back by itself.
          await client.query('ROLLBACK').catch(() => {});
          // The cause tells a lost connection (retry at boot) from a failing migration.
          throw new MigrationHistoryError(`migration ${file.name} failed: ${(error as Error).message}`, { cause: error });
        }
      }
      return { applied: pending.map((file) => file.name) };
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

/** For /api/health: true when every file is applied and the history is intact. */
export async function migrationsCurrent(pool: pg.Pool, files: MigrationFile[]): Promise<boolean> {
  const exists = await pool.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (exists.rows[0]?.present !== true) return false;
  const applied = await readApplied(pool);
  try {
    checkPrefix(applied, files);
  } catch {
    return false;
  }
  return applied.length === files.length;
}
