import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createPool } from '../../src/db/pool.js';
import { createMetrics, type Metrics } from '../../src/http/metrics.js';
import { bearer, registerUser, startTestApp, type TestApp } from '../helpers/app.js';

/**
 * Two app processes (here: two app instances with their own pools) on one database, each
 * with its session cache on: a change made through one, or straight in the database,
 * must stop the other from answering from memory.
 */
let a: TestApp;
let b: FastifyInstance;
let poolB: pg.Pool;
let metricsB: Metrics;

beforeAll(async () => {
  a = await startTestApp();
  poolB = createPool(a.database.url, { max: 5 });
  metricsB = createMetrics();
  b = await buildApp({ config: a.config, pool: poolB, metrics: metricsB });
  await b.ready();
});

afterAll(async () => {
  await b?.close();
  await poolB?.end();
  await a?.close();
});

async function lookups(metrics: Metrics): Promise<{ hit: number; miss: number }> {
  const values = (await metrics.sessionCacheLookups.get()).values;
  const count = (result: string) => values.find((value) => value.labels.result === result)?.value ?? 0;
  return { hit: count('hit'), miss: count('miss') };
}

/** Polls until check() holds; the cache learns of changes asynchronously, within milliseconds. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not within ${timeoutMs} ms: ${what}`);
}

async function me(app: FastifyInstance, token: string) {
  return app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
}

/** Asks until B answers from its cache, which proves the token is held there. */
async function cachedOnB(token: string): Promise<void> {
  await eventually(async () => {
    const before = (await lookups(metricsB)).hit;
    const response = await me(b, token);
    expect(response.statusCode).toBe(200);
    return (await lookups(metricsB)).hit > before;
  }, 'B answers from its session cache');
}

describe('the session cache', () => {
  it('answers a known session from memory once it hears changes', async () => {
    const { token } = await registerUser(a.app);
    await cachedOnB(token);
    const { hit, miss } = await lookups(metricsB);
    expect(hit).toBeGreaterThan(0);
    expect(miss).toBeGreaterThan(0);
  });

  it('never answers for an unknown token', async () => {
    const response = await me(b, 'not-a-token-anybody-holds');
    expect(response.statusCode).toBe(401);
  });

  it('a logout through one process ends the session in the other', async () => {
    const { token } = await registerUser(a.app);
    await cachedOnB(token);
    const logout = await a.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(token) });
    expect(logout.statusCode).toBe(204);
    expect((await me(a.app, token)).statusCode).toBe(401);
    await eventually(async () => (await me(b, token)).statusCode === 401, 'B refuses the revoked session');
  });

  it('a logout in the same process is refused at once, not after a notification', async () => {
    const { token } = await registerUser(b);
    await cachedOnB(token);
    const logout = await b.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(token) });
    expect(logout.statusCode).toBe(204);
    expect((await me(b, token)).statusCode).toBe(401);
  });

  it('a change made straight in the database reaches the cache', async () => {
    const { token, user } = await registerUser(a.app, { name: 'Ana Antes' });
    await cachedOnB(token);
    await a.pool.query(`UPDATE users SET name = 'Ana Depois' WHERE id = $1`, [user.id]);
    await eventually(async () => (await me(b, token)).json().name === 'Ana Depois', 'B shows the new name');

    await a.pool.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1', [user.id]);
    await eventually(async () => (await me(b, token)).statusCode === 401, 'B refuses the session revoked in SQL');
  });

  it('losing the listening connection empties the cache, and it comes back on reconnecting', async () => {
    const { token } = await registerUser(a.app);
    await cachedOnB(token);
    const listeners = async () =>
      (
        await a.pool.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'vai-de-pix-listener'`,
        )
      ).rows.map((row) => row.pid);
    const before = await listeners();
    expect(before).toHaveLength(2);
    await a.pool.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);
    // Both processes reconnect on their own, with new backends.
    await eventually(async () => {
      const now = await listeners();
      return now.length === 2 && now.every((pid) => !before.includes(pid));
    }, 'both listeners reconnect');
    const afterReconnect = await lookups(metricsB);
    // The copy held before the loss is gone: the first request asks the database again.
    await eventually(async () => {
      expect((await me(b, token)).statusCode).toBe(200);
      return (await lookups(metricsB)).miss > afterReconnect.miss;
    }, 'B looks the session up again');
    await cachedOnB(token);
  });
});
