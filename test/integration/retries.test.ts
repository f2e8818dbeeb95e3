import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTransaction, TX_RETRIES_MAX } from '../../src/db/unit-of-work.js';
import { createMetrics } from '../../src/http/metrics.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';

const SERIALIZATION_FAILURE = `DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '40001'; END $$`;
const DEADLOCK = `DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '40P01'; END $$`;

const metrics = createMetrics();
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ metrics });
});
afterAll(async () => {
  // The 503 path must have written nothing: the ledger still holds every invariant.
  await expectLedgerInvariants(t.pool);
  await t?.close();
});

describe('bounded retries of serialization failures and deadlocks', () => {
  it('retries the whole transaction and counts each retry; earlier attempts leave nothing', async () => {
    await t.pool.query('CREATE TABLE retry_probe (attempt int)');
    const codes: string[] = [];
    let attempt = 0;
    const result = await runTransaction(
      t.pool,
      async (client) => {
        attempt += 1;
        await client.query('INSERT INTO retry_probe VALUES ($1)', [attempt]);
        if (attempt === 1) await client.query(SERIALIZATION_FAILURE);
        if (attempt === 2) await client.query(DEADLOCK);
        return attempt;
      },
      (code) => codes.push(code),
    );
    expect(result).toBe(3);
    expect(codes).toEqual(['40001', '40P01']);
    expect((await t.pool.query('SELECT attempt FROM retry_probe')).rows).toEqual([{ attempt: 3 }]);
  });

  it(`gives up after ${TX_RETRIES_MAX} retries and rethrows`, async () => {
    let attempts = 0;
    await expect(
      runTransaction(t.pool, async (client) => {
        attempts += 1;
        await client.query(SERIALIZATION_FAILURE);
      }),
    ).rejects.toMatchObject({ code: '40001' });
    expect(attempts).toBe(TX_RETRIES_MAX + 1);
  });

  it('a write that keeps failing answers 503 busy with Retry-After, never a 500, and writes nothing', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 1_000 });
    // A trigger that always reports a deadlock stands in for pathological contention.
    await t.pool.query(`CREATE FUNCTION always_deadlock() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '40P01'; END $$`);
    await t.pool.query(
      'CREATE TRIGGER always_deadlock BEFORE INSERT ON transactions FOR EACH ROW EXECUTE FUNCTION always_deadlock()',
    );
    try {
      const response = await client.post('/api/transactions', {
        account_id: account.id,
        type: 'expense',
        amount_cents: 1,
        description: 'x',
      });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(response.json().code).toBe('busy');
      expect(
        (await t.pool.query('SELECT count(*)::int AS n FROM transactions WHERE account_id = $1', [account.id])).rows[0].n,
      ).toBe(1);
      const retries = await metrics.ledgerRetries.get();
      expect(retries.values.find((value) => value.labels.code === '40P01')?.value).toBe(TX_RETRIES_MAX);
    } finally {
      await t.pool.query('DROP TRIGGER always_deadlock ON transactions');
    }
    expect((await client.get(`/api/accounts/${account.id}`)).json().balance_cents).toBe(1_000);
  });
});
