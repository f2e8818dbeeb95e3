import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectStatus } from '../helpers/problem.js';

/** Search in the database ignores accents and case, treats LIKE wildcards as text, and uses its index. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

type Client = Awaited<ReturnType<typeof signedIn>>['client'];

async function expense(client: Client, accountId: string, description: string) {
  expectStatus(
    await client.post('/api/transactions', { type: 'expense', account_id: accountId, amount_cents: 100, description }),
    201,
  );
}

async function found(client: Client, q: string): Promise<string[]> {
  const response = expectStatus(await client.get(`/api/transactions?q=${encodeURIComponent(q)}`), 200);
  return response
    .json()
    .items.map((item: { description: string }) => item.description)
    .sort();
}

describe('GET /api/transactions?q=', () => {
  it('ignores accents and case both ways, and reads %, _ and \\ as themselves', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
    for (const description of [
      'Farmácia São João',
      'FARMACIA SAO JOAO centro',
      'Açougue',
      'Desconto 50%',
      'Desconto 500',
      'a_b',
      'axb',
      'c\\d',
    ])
      await expense(client, account.id, description);

    expect(await found(client, 'farmacia sao joao')).toEqual(['FARMACIA SAO JOAO centro', 'Farmácia São João']);
    expect(await found(client, 'FARMÁCIA SÃO JOÃO')).toEqual(['FARMACIA SAO JOAO centro', 'Farmácia São João']);
    expect(await found(client, 'acougue')).toEqual(['Açougue']);
    expect(await found(client, '50%')).toEqual(['Desconto 50%']);
    expect(await found(client, 'a_b')).toEqual(['a_b']);
    expect(await found(client, 'c\\d')).toEqual(['c\\d']);
    expect(await found(client, '%')).toEqual(['Desconto 50%']);
  });

  it('answers 400 problem+json to NUL and a megabyte, and reads undecodable bytes as text', async () => {
    const { client } = await signedIn(t.app);
    for (const q of ['p%00o', 'a'.repeat(1_000_000)]) {
      const response = await client.get(`/api/transactions?q=${q}`);
      expect(response.statusCode, q.slice(0, 20)).toBe(400);
      expect(String(response.headers['content-type'])).toMatch(/^application\/problem\+json/);
    }
    // A lone surrogate cannot reach a query string: its UTF-8 bytes (%ED%A0%80) are not UTF-8 and
    // decode to U+FFFD, which is searched as text and finds nothing.
    const surrogate = expectStatus(await client.get('/api/transactions?q=p%ED%A0%80o'), 200);
    expect(surrogate.json().total).toBe(0);
  });

  it('reads the trigram index on a large table, not every row', async () => {
    const other = await signedIn(t.app, 'Outra pessoa');
    const { client, user } = await signedIn(t.app);
    const [a, b] = [await client.account({ name: 'A', type: 'checking' }), await client.account({ name: 'B', type: 'savings' })];
    const [otherA, otherB] = [
      await other.client.account({ name: 'A', type: 'checking' }),
      await other.client.account({ name: 'B', type: 'savings' }),
    ];
    await seed(t.pool, { userId: other.user.id, from: otherA.id, to: otherB.id, count: 20_000 });
    await seed(t.pool, { userId: user.id, from: a.id, to: b.id, count: 10_000 });
    await t.pool.query('ANALYZE');

    const captured: Array<{ text: string; values: unknown[] }> = [];
    const original = t.pool.query.bind(t.pool);
    (t.pool as unknown as { query: unknown }).query = (text: string, values?: unknown[]) => {
      if (typeof text === 'string' && text.includes('search_fold')) captured.push({ text, values: values ?? [] });
      return original(text, values as unknown[]);
    };
    const answer = expectStatus(await client.get(`/api/transactions?q=${encodeURIComponent('farmácia 1234')}`), 200).json();
    (t.pool as unknown as { query: unknown }).query = original;
    expect(answer.total).toBeGreaterThan(0);
    expect(captured.length).toBeGreaterThan(0);
    for (const query of captured) {
      const plan = JSON.stringify((await t.pool.query(`EXPLAIN (FORMAT JSON) ${query.text}`, query.values)).rows[0]);
      expect(plan, query.text).toContain('transactions_description_search_idx');
    }
  }, 120_000);
});

/** Inserts count transfers "Farmácia <n>" (header and two legs each) between two accounts, as query-plans.test.ts does. */
async function seed(pool: pg.Pool, options: { userId: string; from: string; to: string; count: number }) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description, occurred_on, policy_version, created_at)
       SELECT gen_random_uuid(), $1, 'transfer', $2, $3, 100, 'Farmácia ' || g, DATE '2024-01-01' + (g % 700), 'transfers_v1', now()
         FROM generate_series(1, $4) AS g`,
      [options.userId, options.from, options.to, options.count],
    );
    await client.query(
      `INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
       SELECT t.id, leg.account_id, t.user_id, leg.amount, 0, 1000 + row_number() OVER (PARTITION BY leg.account_id ORDER BY t.id), now()
         FROM transactions t
         CROSS JOIN LATERAL (VALUES (t.account_id, -100), (t.counterparty_account_id, 100)) AS leg (account_id, amount)
        WHERE t.user_id = $1 AND t.description LIKE 'Farmácia %'`,
      [options.userId],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
