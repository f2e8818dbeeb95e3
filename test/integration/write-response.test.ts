import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { currentUser } from '../../src/http/auth.js';
import { IdempotencyHeaders, IsoDate, Nullable } from '../../src/http/common-schemas.js';
import { requestContext } from '../../src/http/context.js';
import { problems } from '../../src/http/schemas.js';
import { sendWrite } from '../../src/http/send-write.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runIdempotentWrite } from '../../src/modules/idempotency/idempotency.service.js';
import { signedIn } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { expectProblem } from '../helpers/problem.js';

/**
 * A write whose answer cannot be serialised by its route's schema (here a date past year
 * 9999, as a goal's projection once was) must roll back: 500 and nothing written, rather
 * than a committed write that answers 500. The route below exists only in this test.
 */
const clock = fixedClock('2026-09-15T15:00:00Z');
let database: TestDatabase;
let pool: pg.Pool;
let app: FastifyInstance;

function testOnlyRoute(instance: FastifyInstance) {
  instance.post<{ Body: { day: string } }>(
    '/api/test-only/writes',
    {
      schema: {
        headers: IdempotencyHeaders,
        body: Type.Object({ day: Type.String() }),
        response: { 201: Type.Object({ day: Nullable(IsoDate) }, { additionalProperties: false }), ...problems(400, 401) },
      },
      preHandler: instance.authenticate,
    },
    async (request, reply) => {
      const context = requestContext(request, reply);
      const written = await runIdempotentWrite({
        pool,
        clock,
        userId: currentUser(request).id,
        idempotency: context.idempotency,
        respond: context.respond,
        work: async (client) => {
          await client.query('INSERT INTO test_only_writes (user_id, day) VALUES ($1, $2)', [context.userId, request.body.day]);
          return { status: 201, body: { day: request.body.day } };
        },
      });
      return sendWrite(reply, written);
    },
  );
}

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPool(database.url, { max: 5 });
  await migrate(pool);
  await pool.query('CREATE TABLE test_only_writes (user_id uuid NOT NULL, day text NOT NULL)');
  app = await buildApp({ config: loadConfig({ DATA_DIR: '/nonexistent' }), pool, clock });
  testOnlyRoute(app);
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await pool?.end();
  await database?.drop();
});

describe('a write answers only what it can send, before it commits', () => {
  it('an unserialisable answer rolls the write back: 500, no row, no stored key; a good one commits and replays', async () => {
    const { client, user } = await signedIn(app);
    const rows = async () =>
      (await pool.query<{ day: string }>('SELECT day FROM test_only_writes WHERE user_id = $1 ORDER BY day', [user.id])).rows.map(
        (row) => row.day,
      );
    const keys = async () =>
      (await pool.query<{ key: string }>('SELECT key FROM idempotency_keys WHERE user_id = $1', [user.id])).rows.map(
        (row) => row.key,
      );

    const bad = await client.post('/api/test-only/writes', { day: '8333335859-01-01' }, { 'idempotency-key': 'k-1' });
    expect(bad.statusCode).toBe(500);
    expect(bad.json()).toMatchObject({ code: 'internal_error' });
    expect(await rows()).toEqual([]);
    expect(await keys()).toEqual([]);
    const withoutKey = await client.post('/api/test-only/writes', { day: '2026-13-45' });
    expectProblem(withoutKey, 500, 'internal_error');
    expect(await rows()).toEqual([]);

    // The key was rolled back with the write, so it is free for the corrected request.
    const good = await client.post('/api/test-only/writes', { day: '2026-09-15' }, { 'idempotency-key': 'k-1' });
    expect(good.statusCode).toBe(201);
    expect(good.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(good.json()).toEqual({ day: '2026-09-15' });
    const replay = await client.post('/api/test-only/writes', { day: '2026-09-15' }, { 'idempotency-key': 'k-1' });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(good.body);
    expect(await rows()).toEqual(['2026-09-15']);
    expect(await keys()).toEqual(['k-1']);
  });
});
