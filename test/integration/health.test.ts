import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { createTestDatabase } from '../helpers/db.js';
import { startThrowawayPostgres } from '../helpers/throwaway-postgres.js';

const config = loadConfig({});
/** Once the database is back, /api/health must say so within this time. */
const RECOVERY_MAX_MS = 15_000;

describe('/api/health', () => {
  it('is 200 when the database answers, 503 while it is stopped, and 200 again once it is back', async () => {
    // A throwaway server of our own: the shared one is never stopped by a test.
    const database = await startThrowawayPostgres();
    const pool = createPool(database.url);
    const app = await buildApp({ config, pool });
    try {
      await migrate(pool);
      const healthy = await app.inject({ method: 'GET', url: '/api/health' });
      expect(healthy.statusCode).toBe(200);
      expect(healthy.json()).toEqual({ status: 'ok', database: 'up', migrations: 'current' });

      await database.stop('immediate');
      const down = await app.inject({ method: 'GET', url: '/api/health' });
      expect(down.statusCode).toBe(503);
      expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(down.headers['retry-after']).toBe('5');
      expect(down.json()).toMatchObject({ code: 'database_unavailable', status: 503 });
      expect(down.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      // The process itself is still alive.
      expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });

      // The pool reconnects by itself: no restart of the app.
      await database.start();
      const deadline = Date.now() + RECOVERY_MAX_MS;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        status = (await app.inject({ method: 'GET', url: '/api/health' })).statusCode;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
    } finally {
      await app.close();
      await pool.end().catch(() => {});
      await database.destroy();
    }
  });

  it('is 503 migrations_pending on a database that is not migrated', async () => {
    const database = await createTestDatabase();
    const pool = createPool(database.url);
    const app = await buildApp({ config, pool });
    try {
      const response = await app.inject({ method: 'GET', url: '/api/health' });
      expect(response.statusCode).toBe(503);
      expect(response.json().code).toBe('migrations_pending');
      await migrate(pool);
      expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await pool.end();
      await database.drop();
    }
  });

  it('is 503 when nothing listens where the database should be', async () => {
    const pool = createPool('postgresql://postgres@127.0.0.1:1/none');
    const app = await buildApp({ config, pool });
    try {
      const response = await app.inject({ method: 'GET', url: '/api/health' });
      expect(response.statusCode).toBe(503);
      expect(response.json().code).toBe('database_unavailable');
    } finally {
      await app.close();
      await pool.end();
    }
  });
});
