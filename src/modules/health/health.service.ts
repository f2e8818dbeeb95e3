import type pg from 'pg';
import { type MigrationFile, migrationsCurrent } from '../../db/migrate.js';
import { DATABASE_RETRY_AFTER_SECONDS, DomainError } from '../../lib/errors.js';

/** A health probe must answer fast even when the database hangs. */
export const HEALTH_TIMEOUT_MS = 2_000;

async function withTimeout<T>(promise: Promise<T>, timeout_ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), timeout_ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function unready(code: 'database_unavailable' | 'migrations_pending', detail: string): DomainError {
  return new DomainError(code, 503, detail, {}, { 'retry-after': DATABASE_RETRY_AFTER_SECONDS });
}

/**
 * Ready means the database answers within HEALTH_TIMEOUT_MS and every migration is applied;
 * migrations of a newer release that do not break this one (see migrate) keep it ready.
 */
export async function checkReadiness(pool: pg.Pool, migrations: readonly MigrationFile[]): Promise<void> {
  let current: boolean;
  try {
    current = await withTimeout(migrationsCurrent(pool, [...migrations]), HEALTH_TIMEOUT_MS);
  } catch {
    throw unready('database_unavailable', 'The database does not answer.');
  }
  if (!current) throw unready('migrations_pending', 'The database schema is not current.');
}
