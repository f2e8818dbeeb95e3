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

async function count(sql: string, userId: string): Promise<number> {
  return (await t.pool.query<{ n: number }>(sql, [userId])).rows[0]?.n ?? Number.NaN;
}

describe('per-person limits under concurrent creates', () => {
  it('accounts: one place left and several creates at once: exactly one is created', async () => {
    const { client, user } = await signedIn(t.app);
    const userAccounts = `SELECT count(*)::int AS n FROM accounts WHERE user_id = $1 AND type IN (${USER_ACCOUNT_TYPES.map((type) => `'${type}'`).join(', ')})`;
    const left = ACCOUNTS_PER_USER_MAX - (await count(userAccounts, user.id)) - 1;
    await t.pool.query(
      `INSERT INTO accounts (id, user_id, name, type) SELECT gen_random_uuid(), $1, 'Conta ' || n, 'cash' FROM generate_series(1, $2::int) AS n`,
      [user.id, left],
    );
    const answers = await Promise.all(
      Array.from({ length: AT_ONCE }, (_, index) => client.post('/api/accounts', { name: `Nova ${index}`, type: 'cash' })),
    );
    expect(answers.filter((answer) => answer.statusCode === 201)).toHaveLength(1);
    for (const answer of answers.filter((one) => one.statusCode !== 201)) expectProblem(answer, 422, 'limit_reached');
    expect(await count(userAccounts, user.id)).toBe(ACCOUNTS_PER_USER_MAX);
  });

  it('categories: one place left and several creates at once: exactly one is created', async () => {
    const { client, user } = await signedIn(t.app);
    const categories = 'SELECT count(*)::int AS n FROM categories WHERE user_id = $1';
    const left = CATEGORIES_PER_USER_MAX - (await count(categories, user.id)) - 1;
    await t.pool.query(
      `INSERT INTO categories (id, user_id, name, kind) SELECT gen_random_uuid(), $1, 'Categoria ' || n, 'expense' FROM generate_series(1, $2::int) AS n`,
      [user.id, left],
    );
    const answers = await Promise.all(
      Array.from({ length: AT_ONCE }, (_, index) => client.post('/api/categories', { name: `Nova ${index}`, kind: 'expense' })),
    );
    expect(answers.filter((answer) => answer.statusCode === 201)).toHaveLength(1);
    for (const answer of answers.filter((one) => one.statusCode !== 201)) expectProblem(answer, 422, 'limit_reached');
    expect(await count(categories, user.id)).toBe(CATEGORIES_PER_USER_MAX);
  });
});
