import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createPool, isConnectionError } from '../../src/db/pool.js';
import { isDatabaseUnavailable, problemFromError } from '../../src/http/errors.js';
import { createMetrics } from '../../src/http/metrics.js';
import { loggerOptions } from '../../src/observability/logging.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** How the app answers database errors that are not outages: real driver errors, real pool. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('a protocol violation (08P01)', () => {
  it('is a bug (500), not database_unavailable', async () => {
    const error = await t.pool.query('SELECT $1::int, $2::int', [1]).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: '08P01' });
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(problemFromError(error as never)).toBeUndefined();
  });
});

describe('an exhausted pool', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  const lines: Array<{ level: number; msg: string }> = [];
  const metrics = createMetrics();

  beforeAll(async () => {
    pool = createPool(t.database.url, { max: 1 });
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    app = await buildApp({
      config: loadConfig({ DATA_DIR: '/nonexistent' }),
      pool,
      metrics,
      logger: loggerOptions('info', stream),
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await pool?.end();
  });

  it('answers 503 busy with Retry-After, logs at error level and counts it', async () => {
    const held = await pool.connect();
    try {
      // The session lookup needs a connection; the only one is held, so the checkout times out.
      const response = await app.inject({
        method: 'GET',
        url: '/api/accounts',
        headers: { authorization: 'Bearer no-such-session' },
      });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ code: 'busy' });
      expect(response.headers['retry-after']).toBe('1');
    } finally {
      held.release();
    }
    expect(lines.some((line) => line.level >= 50 && /no database connection became free/.test(line.msg))).toBe(true);
    const counted = await metrics.poolCheckoutTimeouts.get();
    expect(counted.values[0]?.value).toBe(1);
  }, 20_000);
});

describe('a connection lost under a checked-out client', () => {
  it('emits an error the pool records as a connection error, so the process may forgive it', async () => {
    const pool = createPool(t.database.url, { max: 1 });
    try {
      const client = await pool.connect();
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      const emitted = new Promise<unknown>((resolve) => client.once('error', resolve));
      const query = client.query('SELECT pg_sleep(10)').catch((caught: unknown) => caught);
      await t.pool.query('SELECT pg_terminate_backend($1)', [pid]);
      const [lost, failed] = await Promise.all([emitted, query]);
      client.release(lost as Error);
      expect(lost).toBeInstanceOf(Error);
      expect(isConnectionError(lost)).toBe(true);
      expect(isConnectionError(new Error((lost as Error).message))).toBe(false);
      // The query's own failure (57P01 from the server) is an answer to a caller who
      // awaits it, not an event: left unhandled, it is a bug like any other.
      expect(failed).toMatchObject({ code: '57P01' });
    } finally {
      await pool.end();
    }
  });
});
