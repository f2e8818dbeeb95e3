import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS_PER_USER_MAX, CATEGORIES_PER_USER_MAX } from '../../src/lib/bounds.js';
import { USER_ACCOUNT_TYPES } from '../../src/policies/ledger_v1.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectProblem } from '../helpers/problem.js';

// The per-person limits hold when creates race: each counts under a lock of the person's creates.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const AT_ONCE = 16;

const LIMITS = [
  {
    what: 'accounts',
    max: ACCOUNTS_PER_USER_MAX,
    count: `SELECT count(*)::int AS n FROM accounts WHERE user_id = $1 AND type IN (${USER_ACCOUNT_TYPES.map((type) => `'${type}'`).join(', ')})`,
    fill: `INSERT INTO accounts (id, user_id, name, type) SELECT gen_random_uuid(), $1, 'Conta ' || n, 'cash' FROM generate_series(1, $2::int) AS n`,
    path: '/api/accounts',
    body: (index: number) => ({ name: `Nova ${index}`, type: 'cash' }),
  },
  {
    what: 'categories',
    max: CATEGORIES_PER_USER_MAX,
    count: 'SELECT count(*)::int AS n FROM categories WHERE user_id = $1',
    fill: `INSERT INTO categories (id, user_id, name, kind) SELECT gen_random_uuid(), $1, 'Categoria ' || n, 'expense' FROM generate_series(1, $2::int) AS n`,
    path: '/api/categories',
    body: (index: number) => ({ name: `Nova ${index}`, kind: 'expense' }),
  },
];

describe('per-person limits under concurrent creates', () => {
  it.each(LIMITS)('$what: one place left and several creates at once: exactly one is created', async (limit) => {
    const { client, user } = await signedIn(t.app);
    const count = async () => (await t.pool.query<{ n: number }>(limit.count, [user.id])).rows[0]?.n ?? Number.NaN;
    await t.pool.query(limit.fill, [user.id, limit.max - (await count()) - 1]);
    const answers = await Promise.all(Array.from({ length: AT_ONCE }, (_, index) => client.post(limit.path, limit.body(index))));
    expect(answers.filter((answer) => answer.statusCode === 201)).toHaveLength(1);
    for (const answer of answers.filter((one) => one.statusCode !== 201)) expectProblem(answer, 422, 'limit_reached');
    expect(await count()).toBe(limit.max);
  });
});
