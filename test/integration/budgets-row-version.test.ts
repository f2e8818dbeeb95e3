import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import { fixedClock } from '../../src/lib/clock.js';
import { clientFor, signedIn, startTestApp, type TestApp } from '../helpers/app.js';

const clock = fixedClock('2026-03-15T12:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterAll(async () => {
  await t?.close();
});

describe('a budget PUT with row_version', () => {
  it('for a budget that does not exist: 409 with current null, and nothing is created', async () => {
    const { client } = await signedIn(t.app);
    const food = await client.category('expense', 'food');
    const response = await client.put(`/api/budgets/2026-03/${food}`, { limit_cents: 1_000, row_version: 1 });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'row_version_conflict', current: null });
    expect((await client.get('/api/budgets?month=2026-03')).json().items).toEqual([]);
  });

  it('two edits from the same version: one wins, the other gets 409 with the winner as current', async () => {
    const { client } = await signedIn(t.app);
    const food = await client.category('expense', 'food');
    const created = await client.put(`/api/budgets/2026-03/${food}`, { limit_cents: 1_000 });
    expect(created.statusCode).toBe(201);
    expect(created.json().row_version).toBe(1);
    const answers = await Promise.all(
      [2_000, 3_000].map((limit_cents) => client.put(`/api/budgets/2026-03/${food}`, { limit_cents, row_version: 1 })),
    );
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 409]);
    const winner = answers.find((answer) => answer.statusCode === 200)?.json();
    const loser = answers.find((answer) => answer.statusCode === 409)?.json();
    expect(winner).toMatchObject({ row_version: 2 });
    expect(loser).toMatchObject({ code: 'row_version_conflict', current: { limit_cents: winner.limit_cents, row_version: 2 } });
    const line = (await client.get('/api/budgets?month=2026-03')).json().items[0];
    expect(line).toMatchObject({ limit_cents: winner.limit_cents, row_version: 2 });
  });

  it('on a process with one database connection, a stale edit is still 409 with the current line, not 503 busy', async () => {
    const { client, token } = await signedIn(t.app);
    const food = await client.category('expense', 'food');
    expect((await client.put(`/api/budgets/2026-03/${food}`, { limit_cents: 1_000 })).statusCode).toBe(201);
    // The answer's current line is read after the write's transaction gave its connection back:
    // read while holding it, it would wait on a pool that as many stale edits as connections empty.
    const pool = createPool(t.database.url, { max: 1 });
    const app = await buildApp({ config: loadConfig({ DATA_DIR: '/nonexistent' }), pool, clock });
    try {
      await app.ready();
      const stale = await clientFor(app, token).put(`/api/budgets/2026-03/${food}`, { limit_cents: 2_000, row_version: 7 });
      expect(stale.statusCode).toBe(409);
      expect(stale.json()).toMatchObject({ code: 'row_version_conflict', current: { limit_cents: 1_000, row_version: 1 } });
    } finally {
      await app.close();
      await pool.end();
    }
  });

  it("another person's category answers 404 not_found", async () => {
    const owner = await signedIn(t.app);
    const food = await owner.client.category('expense', 'food');
    const other = await signedIn(t.app, 'Outra');
    const response = await other.client.put(`/api/budgets/2026-03/${food}`, { limit_cents: 1, row_version: 1 });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'not_found', detail: 'No such category.' });
  });
});
