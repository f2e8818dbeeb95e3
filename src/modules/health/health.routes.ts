import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { type MigrationFile, migrationsCurrent } from '../../db/migrate.js';
import { DATABASE_RETRY_AFTER_SECONDS } from '../../http/errors.js';
import { problems } from '../../http/schemas.js';
import { DomainError } from '../../lib/errors.js';

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

export async function healthRoutes(app: FastifyInstance, options: { pool: pg.Pool; migrations: MigrationFile[] }) {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'The process is alive (does not touch the database)',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
      config: { skipLog: true },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/api/health',
    {
      schema: {
        tags: ['health'],
        summary: 'The database answers and every migration is applied',
        response: {
          200: Type.Object({ status: Type.Literal('ok'), database: Type.Literal('up'), migrations: Type.Literal('current') }),
          ...problems(503),
        },
      },
    },
    async () => {
      let current: boolean;
      try {
        current = await withTimeout(migrationsCurrent(options.pool, options.migrations), HEALTH_TIMEOUT_MS);
      } catch {
        throw new DomainError(
          'database_unavailable',
          503,
          'The database does not answer.',
          {},
          { 'retry-after': DATABASE_RETRY_AFTER_SECONDS },
        );
      }
      if (!current) {
        throw new DomainError(
          'migrations_pending',
          503,
          'The database schema is not current.',
          {},
          { 'retry-after': DATABASE_RETRY_AFTER_SECONDS },
        );
      }
      return { status: 'ok' as const, database: 'up' as const, migrations: 'current' as const };
    },
  );
}
