import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectStatus } from '../helpers/problem.js';

/**
 * SQL injection. Every query takes the client's values as bind parameters, except the
 * idempotency claim and completion, which travel as text with BEGIN and COMMIT (one round
 * trip each) and quote every value with the driver's escapeLiteral; the search escapes LIKE's
 * wildcards. Text built to break out of a literal, a LIKE pattern or a statement is stored
 * and answered byte for byte, and finds only itself.
 */

let t: TestApp;
let person: Awaited<ReturnType<typeof signedIn>>;
let accountId: string;

/** Text that would end a quoted literal, an E'' string, a dollar quote or a statement. */
const HOSTILE = [
  "Robert'); DROP TABLE users; --",
  "x' OR '1'='1",
  "E'\\\\' || pg_sleep(5) || '",
  'fim $$; DELETE FROM ledger_entries; $$',
  "\\x41\\\\ \\' barra",
  "'::jsonb; UPDATE accounts SET balance_cents = 0; --",
];

/** Idempotency keys are visible ASCII (no spaces): quotes, backslashes and comments included. */
const HOSTILE_KEYS = ["chave');DELETE/**/FROM/**/idempotency_keys;--", "a\\'b", "'||'"];

beforeAll(async () => {
  t = await startTestApp();
  person = await signedIn(t.app);
  accountId = (await person.client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 })).id;
});
afterAll(async () => {
  await t?.close();
});

async function tableCounts() {
  const { rows } = await t.pool.query(
    `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM accounts)::int AS accounts,
            (SELECT count(*) FROM ledger_entries)::int AS entries, (SELECT sum(balance_cents) FROM accounts)::text AS balances`,
  );
  return rows[0];
}

describe('SQL injection', () => {
  it('hostile text in a body, under a hostile Idempotency-Key, is stored and replayed byte for byte', async () => {
    for (const [index, text] of HOSTILE.entries()) {
      const key = HOSTILE_KEYS[index % HOSTILE_KEYS.length] + String(index);
      const body = { account_id: accountId, type: 'expense', amount_cents: 1, description: text, notes: text };
      const first = expectStatus(await person.client.post('/api/transactions', body, { 'idempotency-key': key }), 201);
      const before = await tableCounts();
      const replay = expectStatus(await person.client.post('/api/transactions', body, { 'idempotency-key': key }), 201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toBe(first.body);
      const id = first.json().transaction.id;
      expect(expectStatus(await person.client.get(`/api/transactions/${id}`), 200).json()).toMatchObject({
        description: text,
        notes: text,
      });
      const stored = await t.pool.query('SELECT key FROM idempotency_keys WHERE user_id = $1 AND key = $2', [
        person.user.id,
        key,
      ]);
      expect(stored.rowCount).toBe(1);
      expect(await tableCounts()).toEqual(before);
    }
  });

  it('names of accounts and categories keep every quote, and the rest of the table is untouched', async () => {
    for (const text of HOSTILE) {
      const name = text.slice(0, 100);
      const account = expectStatus(await person.client.post('/api/accounts', { name, type: 'cash' }), 201).json();
      expect(account.name).toBe(name);
      const category = expectStatus(await person.client.post('/api/categories', { name, kind: 'expense' }), 201).json();
      expect(category.name).toBe(name);
    }
    const accounts = (await person.client.get('/api/accounts?limit=100')).json().items as Array<{ name: string }>;
    expect(accounts.map((account) => account.name)).toEqual(expect.arrayContaining(HOSTILE.map((text) => text.slice(0, 100))));
    expect(accounts.find((account) => account.name === 'Conta')).toBeDefined();
  });

  it('the search takes % and _ and quotes as the text they are, never as a pattern or SQL', async () => {
    for (const description of ['desconto 100%', 'desconto 1000', 'a_b', 'axb']) {
      expectStatus(
        await person.client.post('/api/transactions', { account_id: accountId, type: 'expense', amount_cents: 1, description }),
        201,
      );
    }
    const search = async (q: string) =>
      (
        (await person.client.get(`/api/transactions?q=${encodeURIComponent(q)}&limit=100`)).json().items as Array<{
          description: string;
        }>
      )
        .map((item) => item.description)
        .sort();
    expect(await search('100%')).toEqual(['desconto 100%']);
    expect(await search('a_b')).toEqual(['a_b']);
    expect(await search("x' OR '1'='1")).toEqual(["x' OR '1'='1"]);
    expect(await search("' OR 1=1 --")).toEqual([]);
  });
});
