import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { inject } from 'vitest';
import { type AppOptions, buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { AUTH_RATE_LIMITS_DEFAULT } from '../../src/modules/auth/auth.routes.js';
import { createTestDatabase, TEMPLATE_DATABASE_KEY, type TestDatabase } from './db.js';

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
  per_network: { ...AUTH_RATE_LIMITS_DEFAULT.per_network, max: 10_000 },
  per_email: { ...AUTH_RATE_LIMITS_DEFAULT.per_email, max: 10_000 },
  per_device: { ...AUTH_RATE_LIMITS_DEFAULT.per_device, max: 10_000 },
};

/**
 * A fresh database, migrated, and the app built on it (no listening socket). On the shared
 * test server the database is a copy of the global setup's migrated template; migrate() then
 * only checks that it is current.
 */
export async function startTestApp(
  options: Partial<Omit<AppOptions, 'pool' | 'config'>> & {
    env?: NodeJS.ProcessEnv;
    /** The server the database is created on (startOwnServer); the shared test server by default. */
    adminUrl?: string;
  } = {},
): Promise<TestApp> {
  const { adminUrl, ...appOptions } = options;
  const config = loadConfig({ DATA_DIR: '/nonexistent', ...appOptions.env });
  const template = adminUrl === undefined ? inject(TEMPLATE_DATABASE_KEY) : undefined;
  const database = await createTestDatabase(adminUrl, template === undefined ? {} : { template });
  const pool = createPool(database.url, { max: 10 });
  let app: FastifyInstance | undefined;
  try {
    await migrate(pool);
    app = await buildApp({ rateLimits: GENEROUS_RATE_LIMITS, ...appOptions, config, pool });
    await app.ready();
  } catch (error) {
    // The file's afterAll has no app to close: the database would stay behind on the shared server.
    await app?.close().catch(() => {});
    await pool.end().catch(() => {});
    await database.drop().catch(() => {});
    throw error;
  }
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

type Injected = Awaited<ReturnType<FastifyInstance['inject']>>;

/** A signed-in person's client: inject with their bearer token. */
export function clientFor(app: FastifyInstance, token: string) {
  const headers = { authorization: `Bearer ${token}` };
  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
    extra: Record<string, string> = {},
  ): Promise<Injected> =>
    app.inject({
      method,
      url,
      headers: { ...headers, ...extra },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  return {
    get: (url: string) => call('GET', url),
    post: (url: string, payload?: unknown, extra?: Record<string, string>) => call('POST', url, payload, extra),
    patch: (url: string, payload: unknown) => call('PATCH', url, payload),
    put: (url: string, payload: unknown) => call('PUT', url, payload),
    request: (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) => call(method, url, payload),
    async account(body: Record<string, unknown>) {
      const response = await call('POST', '/api/accounts', body);
      if (response.statusCode !== 201) throw new Error(`account: ${response.statusCode} ${response.body}`);
      return response.json() as { id: string; balance_cents: number; row_version: number };
    },
    async category(kind: 'income' | 'expense', systemKey: string) {
      const response = await call('GET', `/api/categories?kind=${kind}`);
      const found = (response.json().items as Array<{ id: string; system_key: string | null }>).find(
        (item) => item.system_key === systemKey,
      );
      if (!found) throw new Error(`no category ${systemKey}`);
      return found.id;
    },
  };
}

export async function signedIn(app: FastifyInstance, name = 'Maria da Silva') {
  const { token, user } = await registerUser(app, { name });
  return { token, user, client: clientFor(app, token) };
}
