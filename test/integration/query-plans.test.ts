import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';

/**
 * Every list and lookup the API runs, captured from real requests and EXPLAINed on a
 * seeded, analysed database: none may read the big tables (transactions,
 * ledger_entries) with a sequential scan.
 */
const BIG_TABLES = new Set(['transactions', 'ledger_entries']);
const OTHER_PEOPLE_TRANSACTIONS = 40_000;
const OWN_TRANSACTIONS = 2_000;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

/** Inserts count transfers (header and two legs each) between two accounts in one transaction. */
async function seedTransfers(pool: pg.Pool, options: { userId: string; from: string; to: string; count: number }) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description, occurred_on, policy_version, created_at)
       SELECT gen_random_uuid(), $1, 'transfer', $2, $3, 100, 'Semente ' || g, DATE '2024-01-01' + (g % 700), 'transfers_v1', now()
         FROM generate_series(1, $4) AS g`,
      [options.userId, options.from, options.to, options.count],
    );
    await client.query(
      `INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
       SELECT t.id, leg.account_id, t.user_id, leg.amount, 0, 1000 + row_number() OVER (PARTITION BY leg.account_id ORDER BY t.id), now()
         FROM transactions t
         CROSS JOIN LATERAL (VALUES (t.account_id, -100), (t.counterparty_account_id, 100)) AS leg (account_id, amount)
        WHERE t.user_id = $1 AND t.description LIKE 'Semente %'`,
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

function seqScansOnBigTables(plan: unknown): string[] {
  const found: string[] = [];
  const walk = (node: Record<string, unknown>) => {
    if (node['Node Type'] === 'Seq Scan' && BIG_TABLES.has(String(node['Relation Name'])))
      found.push(String(node['Relation Name']));
    for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
  };
  walk(plan as Record<string, unknown>);
  return found;
}

describe('query plans', () => {
  it('use indexes for every list and lookup on a large ledger', async () => {
    const other = await signedIn(t.app, 'Outra pessoa');
    const otherA = await other.client.account({ name: 'A', type: 'checking' });
    const otherB = await other.client.account({ name: 'B', type: 'savings' });
    await seedTransfers(t.pool, { userId: other.user.id, from: otherA.id, to: otherB.id, count: OTHER_PEOPLE_TRANSACTIONS });

    const { client, user } = await signedIn(t.app);
    const a = await client.account({ name: 'A', type: 'checking' });
    const b = await client.account({ name: 'B', type: 'savings' });
    await seedTransfers(t.pool, { userId: user.id, from: a.id, to: b.id, count: OWN_TRANSACTIONS });
    const food = await client.category('expense', 'food');
    await t.pool.query('ANALYZE');

    const captured: Array<{ text: string; values: unknown[] }> = [];
    const original = t.pool.query.bind(t.pool);
    (t.pool as unknown as { query: unknown }).query = (text: string, values?: unknown[]) => {
      if (typeof text === 'string' && /^\s*SELECT|^\s*WITH/i.test(text)) captured.push({ text, values: values ?? [] });
      return original(text, values as unknown[]);
    };
    const one = (await client.get(`/api/transactions?account_id=${a.id}&limit=1`)).json().items[0];
    const urls = [
      '/api/transactions',
      `/api/transactions?account_id=${b.id}`,
      `/api/transactions?category_id=${food}`,
      '/api/transactions?from=2024-03-01&to=2024-03-31',
      '/api/transactions?q=Semente%201&limit=10',
      `/api/transactions/${one.id}`,
      `/api/transactions/${one.id}/audit`,
      `/api/accounts/${a.id}/ledger`,
      `/api/accounts/${a.id}/ledger?skip=500&limit=20`,
      `/api/accounts/${a.id}/ledger?skip=1900&limit=100`,
      `/api/accounts/${a.id}/balance?at=2030-01-01T00:00:00Z`,
      '/api/accounts',
      '/api/categories',
    ];
    for (const url of urls) expect((await client.get(url)).statusCode, url).toBe(200);
    (t.pool as unknown as { query: unknown }).query = original;

    expect(captured.length).toBeGreaterThanOrEqual(urls.length);
    for (const query of captured) {
      const result = await t.pool.query(`EXPLAIN (FORMAT JSON) ${query.text}`, query.values);
      const plan = (result.rows[0]['QUERY PLAN'] as Array<{ Plan: unknown }>)[0]?.Plan;
      expect(seqScansOnBigTables(plan), query.text).toEqual([]);
    }
  });
});
