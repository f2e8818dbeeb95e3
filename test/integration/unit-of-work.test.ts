import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTransactionWith } from '../../src/db/unit-of-work.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
/** Every message a pooled client sent while recording, in order. */
const sent: Array<{ client: pg.PoolClient; text: string }> = [];
let recording = false;
const wrapped = new WeakSet<pg.PoolClient>();

beforeAll(async () => {
  t = await startTestApp();
  // Each message is one round trip: a client's query() sends one and waits for its answer.
  t.pool.on('acquire', (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...parameters: unknown[]) => unknown;
    (client as unknown as { query: (...parameters: unknown[]) => unknown }).query = (...parameters: unknown[]) => {
      const first = parameters[0] as string | { text: string };
      if (recording) sent.push({ client, text: typeof first === 'string' ? first : first.text });
      return query(...parameters);
    };
  });
});
afterAll(async () => {
  await t?.close();
});

/** The messages of the one transaction a request ran: from its BEGIN to its COMMIT, on its client. */
async function transactionMessages(request: () => Promise<{ statusCode: number }>, status: number): Promise<string[]> {
  sent.length = 0;
  recording = true;
  try {
    expect((await request()).statusCode).toBe(status);
  } finally {
    recording = false;
  }
  const begin = sent.findIndex((message) => message.text.startsWith('BEGIN'));
  expect(begin).toBeGreaterThanOrEqual(0);
  const client = sent[begin]?.client;
  const messages = sent.slice(begin).filter((message) => message.client === client);
  const commit = messages.findIndex((message) => /COMMIT$/.test(message.text));
  expect(commit).toBeGreaterThan(0);
  return messages.slice(0, commit + 1).map((message) => message.text);
}

describe('a statement riding on BEGIN', () => {
  it("hands the body what the rider read from its own statement's answer, in the same message as BEGIN", async () => {
    sent.length = 0;
    recording = true;
    const seen = await runTransactionWith(t.pool, {
      afterBegin: () => ({ sql: 'SELECT 41 + 1 AS answer', read: (result) => (result.rows[0] as { answer: number }).answer }),
      body: async (_client, begun) => ({ result: begun }),
    });
    recording = false;
    expect(seen).toBe(42);
    expect(sent.map((message) => message.text)).toEqual([
      expect.stringMatching(/^BEGIN; SET LOCAL lock_timeout = \d+; SELECT 41 \+ 1 AS answer$/),
      'COMMIT',
    ]);
  });

  it('hands the body undefined when nothing rides', async () => {
    const seen = await runTransactionWith(t.pool, { body: async (_client, begun) => ({ result: begun }) });
    expect(seen).toBeUndefined();
  });
});

describe('round trips of a write with an Idempotency-Key', () => {
  it('a transfer: BEGIN with the claim, lock and load, the posting, the completion with COMMIT', async () => {
    const { client } = await signedIn(t.app);
    const from = await client.account({ name: 'Corrente', type: 'checking', initial_balance_cents: 10_000 });
    const to = await client.account({ name: 'Poupança', type: 'savings', initial_balance_cents: 0 });
    const body = { from_account_id: from.id, to_account_id: to.id, amount_cents: 2_500, description: 'Guardar' };
    const transfer = () => client.post('/api/transfers', body, { 'idempotency-key': 'rt-transfer' });
    const messages = await transactionMessages(transfer, 201);
    expect(messages).toHaveLength(4);
    expect(messages[0]).toMatch(/^BEGIN; SET LOCAL lock_timeout = \d+; INSERT INTO idempotency_keys/);
    expect(messages[3]).toMatch(/^UPDATE idempotency_keys SET status = 'completed'[\s\S]*; COMMIT$/);
    // The replay: the claim finds the key taken, reads it, and commits nothing else.
    const replay = await transactionMessages(transfer, 201);
    expect(replay).toHaveLength(3);
    expect(replay[1]).toMatch(/FROM idempotency_keys WHERE user_id = \$1 AND key = \$2 FOR UPDATE/);
    expect(replay[2]).toBe('COMMIT');
  });

  it("a category: BEGIN with the claim, the lock of the person's creates, the count, the insert, the completion with COMMIT", async () => {
    const { client } = await signedIn(t.app);
    const create = () => client.post('/api/categories', { name: 'Feira', kind: 'expense' }, { 'idempotency-key': 'rt-category' });
    const messages = await transactionMessages(create, 201);
    expect(messages).toHaveLength(5);
    expect(messages[0]).toMatch(/INSERT INTO idempotency_keys/);
    // The count's own statement, after the lock's: it must read what a create the lock waited on wrote.
    expect(messages[1]).toMatch(/pg_advisory_xact_lock/);
    expect(messages[2]).toMatch(/SELECT count\(\*\)::int AS n FROM categories/);
    expect(messages[4]).toMatch(/; COMMIT$/);
  });
});
