import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
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
    app = await buildApp({ config: loadConfig({ DATA_DIR: '/nonexistent' }), pool, metrics, logger: loggerOptions('info', stream) });
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
      const response = await app.inject({ method: 'GET', url: '/api/accounts', headers: { authorization: 'Bearer no-such-session' } });
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
