import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_LOCK_NAMESPACE, accountLockKey } from '../../src/db/locks.js';
import { createMetrics } from '../../src/http/metrics.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';

const metrics = createMetrics();
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ metrics });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
});
afterAll(async () => {
  await t?.close();
});

describe('concurrency', () => {
  it('100 concurrent transfers in both directions end with exact balances and no error but policy 422s', async () => {
    const { client } = await signedIn(t.app);
    const a = await client.account({ name: 'A', type: 'checking', initial_balance_cents: 5_000 });
    const b = await client.account({ name: 'B', type: 'savings', initial_balance_cents: 5_000 });
    const amounts = Array.from({ length: 100 }, (_, index) => 100 + index * 7);
    const responses = await Promise.all(
      amounts.map((amount, index) =>
        index % 2 === 0
          ? client.post('/api/transfers', { from_account_id: a.id, to_account_id: b.id, amount_cents: amount })
          : client.post('/api/transfers', { from_account_id: b.id, to_account_id: a.id, amount_cents: amount }),
      ),
    );
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.every((status) => status === 201 || status === 422)).toBe(true);
    for (const refused of responses.filter((response) => response.statusCode === 422))
      expect(refused.json().code).toBe('insufficient_funds');
    let expectedA = 5_000;
    responses.forEach((response, index) => {
      if (response.statusCode !== 201) return;
      const amount = amounts[index] as number;
      expectedA += index % 2 === 0 ? -amount : amount;
    });
    const balanceA = (await client.get(`/api/accounts/${a.id}`)).json().balance_cents;
    const balanceB = (await client.get(`/api/accounts/${b.id}`)).json().balance_cents;
    expect(balanceA).toBe(expectedA);
    expect(balanceA + balanceB).toBe(10_000);
    expect(balanceB).toBeGreaterThanOrEqual(0);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThan(50);
  });

  it('50 concurrent withdrawals racing for cash that covers 10: exactly 10 succeed, never below zero', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 10_000 });
    const savings = await client.account({ name: 'Poupança', type: 'savings' });
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        index % 2 === 0
          ? client.post('/api/transactions', {
              account_id: cash.id,
              type: 'expense',
              amount_cents: 1_000,
              description: `saque ${index}`,
            })
          : client.post('/api/transfers', { from_account_id: cash.id, to_account_id: savings.id, amount_cents: 1_000 }),
      ),
    );
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(statuses.filter((status) => status === 422)).toHaveLength(40);
    expect((await client.get(`/api/accounts/${cash.id}`)).json().balance_cents).toBe(0);
    const lowest = await t.pool.query(
      'SELECT min(balance_after_cents)::bigint AS low FROM ledger_entries WHERE account_id = $1',
      [cash.id],
    );
    expect(lowest.rows[0].low).toBe(0);
  });

  it('20 parallel POSTs with one Idempotency-Key have exactly one effect, and all answer the same', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
    const replaysBefore = (await metrics.idempotencyReplays.get()).values[0]?.value ?? 0;
    const body = { account_id: account.id, type: 'expense', amount_cents: 999, description: 'Clique duplo' };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => client.post('/api/transactions', body, { 'idempotency-key': 'same-key-20' })),
    );
    const statuses = responses.map((response) => response.statusCode);
    // Each either ran, replayed the stored answer, or was told the key is in flight; never a second effect.
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    const created = responses.filter((response) => response.statusCode === 201);
    const ids = new Set(created.map((response) => response.json().transaction.id));
    expect(ids.size).toBe(1);
    expect(created.filter((response) => response.headers['idempotent-replayed'] === 'true')).toHaveLength(created.length - 1);
    const count = await t.pool.query("SELECT count(*)::int AS n FROM transactions WHERE description = 'Clique duplo'");
    expect(count.rows[0].n).toBe(1);
    expect((await client.get(`/api/accounts/${account.id}`)).json().balance_cents).toBe(100_000 - 999);
    const replaysAfter = (await metrics.idempotencyReplays.get()).values[0]?.value ?? 0;
    expect(replaysAfter - replaysBefore).toBe(created.length - 1);
  });

  it('concurrent PATCHes with the same row_version: one 200, the rest 409', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 1_000 });
    const transaction = (
      await client.post('/api/transactions', { account_id: account.id, type: 'expense', amount_cents: 1, description: 'x' })
    ).json().transaction;
    const edits = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        client.patch(`/api/transactions/${transaction.id}`, { description: `edição ${index}`, row_version: 1 }),
      ),
    );
    expect(edits.map((response) => response.statusCode).sort()).toEqual([200, ...Array(9).fill(409)]);
    const fresh = (await client.get(`/api/accounts/${account.id}`)).json();
    const renames = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        client.patch(`/api/accounts/${account.id}`, { name: `Conta ${index}`, row_version: fresh.row_version }),
      ),
    );
    expect(renames.map((response) => response.statusCode).sort()).toEqual([200, ...Array(9).fill(409)]);
  });

  it('two reversals of one transaction racing: one 201, one 409, one reversal in the ledger', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 1_000 });
    const transaction = (
      await client.post('/api/transactions', { account_id: account.id, type: 'expense', amount_cents: 300, description: 'x' })
    ).json().transaction;
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => client.post(`/api/transactions/${transaction.id}/reverse`)),
    );
    expect(responses.map((response) => response.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    expect((await client.get(`/api/accounts/${account.id}`)).json().balance_cents).toBe(1_000);
  });

  it('a write takes the advisory locks before it locks any account row', async () => {
    const { client } = await signedIn(t.app);
    const a = await client.account({ name: 'A', type: 'checking', initial_balance_cents: 5_000 });
    const b = await client.account({ name: 'B', type: 'checking', initial_balance_cents: 5_000 });
    const [first, second] = [a.id, b.id].sort() as [string, string];
    const holder = await t.pool.connect();
    const prober = await t.pool.connect();
    try {
      // Another transaction holds the advisory lock of the second account only.
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, $2)', [ACCOUNT_LOCK_NAMESPACE, accountLockKey(second)]);
      const transfer = client.post('/api/transfers', { from_account_id: a.id, to_account_id: b.id, amount_cents: 100 });
      // The transfer now waits for that lock, holding the first account's advisory lock...
      await expect
        .poll(
          async () =>
            (
              await prober.query<{ waiting: number }>(
                `SELECT count(*)::int AS waiting FROM pg_locks
                  WHERE locktype = 'advisory' AND NOT granted AND objid = $1::oid`,
                [accountLockKey(second) >>> 0],
              )
            ).rows[0]?.waiting,
          { timeout: 5_000 },
        )
        .toBe(1);
      // ...but no row lock yet: both rows can still be locked by someone else.
      await prober.query('BEGIN');
      const rows = await prober.query(`SELECT id FROM accounts WHERE id = ANY($1::uuid[]) FOR UPDATE NOWAIT`, [[first, second]]);
      expect(rows.rowCount).toBe(2);
      await prober.query('ROLLBACK');
      await holder.query('COMMIT');
      expect((await transfer).statusCode).toBe(201);
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await prober.query('ROLLBACK').catch(() => {});
      holder.release();
      prober.release();
    }
  });
});
