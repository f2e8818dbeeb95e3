import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { MigrationFile } from '../../db/migrate.js';
import { problems } from '../../http/schemas.js';
import { checkReadiness } from './health.service.js';

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
      await checkReadiness(options.pool, options.migrations);
      return { status: 'ok' as const, database: 'up' as const, migrations: 'current' as const };
    },
  );
}
