import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createPool } from '../../src/db/pool.js';
import { createMetrics, type Metrics } from '../../src/http/metrics.js';
import { purgeSessions } from '../../src/jobs/purge-sessions.js';
import { fixedClock } from '../../src/lib/clock.js';
import { hashToken } from '../../src/lib/ids.js';
import { SESSION_TOUCH_INTERVAL_MS } from '../../src/modules/auth/auth.service.js';
import { AUTH_CHANGE_CHANNEL } from '../../src/modules/auth/auth-change-listener.js';
import { bearer, PASSWORD, registerUser, startTestApp, type TestApp, uniqueEmail } from '../helpers/app.js';
import { expectProblem } from '../helpers/problem.js';

/**
 * Two app processes (here: two app instances with their own pools) on one database, each
 * with its session cache on: a change made through one, or straight in the database,
 * must stop the other from answering from memory.
 */
let a: TestApp;
let b: FastifyInstance;
let poolB: pg.Pool;
let metricsB: Metrics;
/** A's clock, moved forward to make A touch a session; B keeps the system clock. */
const clockA = fixedClock(new Date());

beforeAll(async () => {
  a = await startTestApp({ clock: clockA });
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
    expectProblem(response, 401, 'unauthenticated');
  });

  it('a logout through one process ends the session in the other', async () => {
    const { token } = await registerUser(a.app);
    await cachedOnB(token);
    const logout = await a.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(token) });
    expect(logout.statusCode).toBe(204);
    expectProblem(await me(a.app, token), 401, 'unauthenticated');
    await eventually(async () => (await me(b, token)).statusCode === 401, 'B refuses the revoked session');
  });

  it('a logout in the same process is refused at once, not after a notification', async () => {
    const { token } = await registerUser(b);
    await cachedOnB(token);
    const logout = await b.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(token) });
    expect(logout.statusCode).toBe(204);
    expectProblem(await me(b, token), 401, 'unauthenticated');
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

  it('sign out everywhere through one process ends the sessions the other holds in memory', async () => {
    const email = uniqueEmail();
    const first = await registerUser(a.app, { email });
    const login = await b.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD } });
    const second = login.json().token as string;
    await cachedOnB(second);
    const response = await a.app.inject({ method: 'POST', url: '/api/auth/logout-all', headers: bearer(first.token) });
    expect(response.statusCode).toBe(204);
    expectProblem(await me(a.app, first.token), 401, 'unauthenticated');
    expectProblem(await me(a.app, second), 401, 'unauthenticated');
    await eventually(async () => (await me(b, second)).statusCode === 401, 'B refuses the other session');
  });
});

describe('what the database announces', () => {
  /** Collects every payload on the auth-change channel until stopped. */
  async function listen(): Promise<{ payloads: string[]; stop: () => Promise<void> }> {
    const client = new pg.Client({ connectionString: a.database.url });
    const payloads: string[] = [];
    client.on('notification', (message) => payloads.push(message.payload ?? ''));
    await client.connect();
    await client.query(`LISTEN ${AUTH_CHANGE_CHANNEL}`);
    return { payloads, stop: () => client.end() };
  }

  async function sessionIdOf(token: string): Promise<string> {
    const result = await a.pool.query<{ id: string }>('SELECT id FROM sessions WHERE token_hash = $1', [hashToken(token)]);
    const id = result.rows[0]?.id;
    if (!id) throw new Error('no such session');
    return id;
  }

  /**
   * Ends a fresh session, which is announced, and waits for that announcement: the
   * database delivers notifications in commit order, so anything announced before it has
   * arrived by then.
   */
  async function marker(channel: { payloads: string[] }): Promise<void> {
    const { token } = await registerUser(a.app);
    const id = await sessionIdOf(token);
    await a.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(token) });
    await eventually(async () => channel.payloads.includes(`session:${id}`), 'the marker is announced');
  }

  it('a touch of last_seen_at is not announced, so no process drops its copy of the session', async () => {
    const channel = await listen();
    try {
      const { token } = await registerUser(a.app);
      const id = await sessionIdOf(token);
      await cachedOnB(token);
      clockA.advance(SESSION_TOUCH_INTERVAL_MS + 1_000);
      // A's copy is stale under its clock, so A asks the database, which records the use.
      expect((await me(a.app, token)).statusCode).toBe(200);
      const seen = await a.pool.query('SELECT last_seen_at FROM sessions WHERE id = $1', [id]);
      expect(seen.rows[0].last_seen_at.toISOString()).toBe(clockA.now().toISOString());
      await marker(channel);
      expect(channel.payloads).not.toContain(`session:${id}`);
    } finally {
      await channel.stop();
    }
  });

  it('deleting a revoked or expired session is not announced; deleting a live one is', async () => {
    const channel = await listen();
    try {
      const revoked = await registerUser(a.app);
      const expired = await registerUser(a.app);
      const live = await registerUser(a.app);
      const [revokedId, expiredId, liveId] = await Promise.all([revoked, expired, live].map((s) => sessionIdOf(s.token)));
      await a.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(revoked.token) });
      await a.pool.query(
        `UPDATE sessions SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour' WHERE id = $1`,
        [expiredId],
      );
      await marker(channel);
      const before = channel.payloads.length;
      await a.pool.query('DELETE FROM sessions WHERE id = ANY ($1::uuid[])', [[revokedId, expiredId, liveId]]);
      await eventually(async () => channel.payloads.includes(`session:${liveId}`), 'the live session deletion is announced');
      expect(channel.payloads.slice(before)).toEqual([`session:${liveId}`]);
    } finally {
      await channel.stop();
    }
  });
  it('the purge of idle sessions is not announced, and announcing resumes after it', async () => {
    const channel = await listen();
    // One connection, so the delete after the purge runs where the purge set its mark.
    const single = createPool(a.database.url, { max: 1 });
    try {
      const idle = await registerUser(a.app);
      const live = await registerUser(a.app);
      const [idleId, liveId] = await Promise.all([idle, live].map((s) => sessionIdOf(s.token)));
      const idleHours = 72;
      // Only last_seen_at changes, which is not announced either.
      await a.pool.query(`UPDATE sessions SET last_seen_at = now() - make_interval(hours => $2) WHERE id = $1`, [
        idleId,
        idleHours + 1,
      ]);
      const countSessions = async () => (await a.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions')).rows[0]?.n;
      const before = await countSessions();
      const purged = await purgeSessions(single, new Date(), { sessionIdleHours: idleHours });
      // The count it reports is exactly what it removed, and the idle session is among them.
      expect(purged).toBe((before as number) - ((await countSessions()) as number));
      expect(purged).toBeGreaterThan(0);
      const left = await a.pool.query('SELECT id FROM sessions WHERE id = ANY ($1::uuid[])', [[idleId, liveId]]);
      expect(left.rows.map((row) => row.id)).toEqual([liveId]);
      await single.query('DELETE FROM sessions WHERE id = $1', [liveId]);
      await eventually(async () => channel.payloads.includes(`session:${liveId}`), 'the live session deletion is announced');
      await marker(channel);
      expect(channel.payloads).not.toContain(`session:${idleId}`);
    } finally {
      await single.end();
      await channel.stop();
    }
  });
});
