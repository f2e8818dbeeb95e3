import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { type AppOptions, buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { AUTH_RATE_LIMITS_DEFAULT } from '../../src/modules/auth/auth.routes.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export interface TestApp {
  app: FastifyInstance;
  pool: pg.Pool;
  database: TestDatabase;
  config: Config;
  close(): Promise<void>;
}

/** Test files register many people from one address; the limits test sets its own. */
const GENEROUS_RATE_LIMITS = {
  per_ip: { ...AUTH_RATE_LIMITS_DEFAULT.per_ip, max: 10_000 },
  per_email: { ...AUTH_RATE_LIMITS_DEFAULT.per_email, max: 10_000 },
};

/** A fresh database, migrated, and the app built on it (no listening socket). */
export async function startTestApp(
  options: Partial<Omit<AppOptions, 'pool' | 'config'>> & { env?: NodeJS.ProcessEnv } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const pool = createPool(database.url, { max: 10 });
  await migrate(pool);
  const config = loadConfig({ DATA_DIR: '/nonexistent', ...options.env });
  const app = await buildApp({ rateLimits: GENEROUS_RATE_LIMITS, ...options, config, pool });
  await app.ready();
  return {
    app,
    pool,
    database,
    config,
    async close() {
      await app.close();
      await pool.end();
      await database.drop();
    },
  };
}

let counter = 0;
export function uniqueEmail(prefix = 'pessoa'): string {
  counter += 1;
  return `${prefix}.${Date.now().toString(36)}.${counter}@example.com`;
}

export const PASSWORD = 'senha-forte-123';

export async function registerUser(
  app: FastifyInstance,
  overrides: Partial<{ email: string; password: string; name: string }> = {},
): Promise<{ token: string; user: { id: string; email: string; name: string }; cookie: string }> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email: uniqueEmail(), password: PASSWORD, name: 'Maria da Silva', ...overrides },
  });
  if (response.statusCode !== 201) throw new Error(`register failed: ${response.statusCode} ${response.body}`);
  const body = response.json();
  const setCookie = response.headers['set-cookie'];
  const cookie = (Array.isArray(setCookie) ? setCookie[0] : setCookie)?.split(';')[0] ?? '';
  return { token: body.token, user: body.user, cookie };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
