import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { ACCOUNT_LOCK_NAMESPACE, accountLockKey } from '../../src/db/locks.js';
import { CONNECT_TIMEOUT_MS } from '../../src/db/pool.js';
import { createMetrics } from '../../src/http/metrics.js';
import { clientFor, signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectStatus } from '../helpers/problem.js';

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
    // Each winner's own answer carried the balances it left; the last posting on A is the final balance.
    const lastOnA = await t.pool.query<{ balance_after_cents: number }>(
      'SELECT balance_after_cents FROM ledger_entries WHERE account_id = $1 ORDER BY account_version DESC LIMIT 1',
      [a.id],
    );
    expect(lastOnA.rows[0]?.balance_after_cents).toBe(balanceA);
  });

  it('60 concurrent transfers racing an overdraft one centavo short of a 20th: exactly the 19 it allows win, the rest 422 insufficient_funds', async () => {
    const { client } = await signedIn(t.app);
    // Available: 2_999 of its own plus 2_000 of overdraft, one centavo short of 20 transfers
    // of 250, so a floor check off by one centavo lets a 20th through.
    const a = await client.account({ name: 'A', type: 'checking', overdraft_limit_cents: 2_000, initial_balance_cents: 2_999 });
    // A credit card at its limit: the transfers pay it off.
    const b = await client.account({
      name: 'B',
      type: 'credit_card',
      overdraft_limit_cents: 1_000,
      initial_balance_cents: -1_000,
    });
    const responses = await Promise.all(
      Array.from({ length: 60 }, () =>
        client.post('/api/transfers', { from_account_id: a.id, to_account_id: b.id, amount_cents: 250 }),
      ),
    );
    const refused = responses.filter((response) => response.statusCode === 422);
    expect(responses.filter((response) => response.statusCode === 201)).toHaveLength(19);
    expect(refused).toHaveLength(41);
    for (const response of refused) {
      // Every refusal came after the nineteenth winner, when 249 centavos were left.
      expect(response.json()).toMatchObject({ code: 'insufficient_funds', account_id: a.id, available_cents: 249 });
    }
    const finalA = (await client.get(`/api/accounts/${a.id}`)).json();
    const finalB = (await client.get(`/api/accounts/${b.id}`)).json();
    // A ends 249 above its floor of -2_000; B, paid off, far above its floor of -1_000.
    expect(finalA).toMatchObject({ balance_cents: 2_999 - 19 * 250, overdraft_limit_cents: 2_000 });
    expect(finalB).toMatchObject({ balance_cents: -1_000 + 19 * 250, overdraft_limit_cents: 1_000 });
    const lowest = await t.pool.query<{ account_id: string; low: number }>(
      'SELECT account_id, min(balance_after_cents)::bigint AS low FROM ledger_entries WHERE account_id = ANY($1::uuid[]) GROUP BY account_id',
      [[a.id, b.id]],
    );
    expect(Object.fromEntries(lowest.rows.map((row) => [row.account_id, row.low]))).toEqual({ [a.id]: -1_751, [b.id]: -1_000 });
  });

  it('100 concurrent transfers in both directions reach both floors: every refusal names the drained account, balances match the winners', async () => {
    const { client } = await signedIn(t.app);
    // In units of 250: A has 4 available (2 own, 2 overdraft), B has 2. 70 go A→B and 30 B→A,
    // so at least 70 - 30 - 4 = 36 must be refused, whatever the order.
    const a = await client.account({ name: 'A', type: 'checking', overdraft_limit_cents: 500, initial_balance_cents: 500 });
    const b = await client.account({ name: 'B', type: 'savings', initial_balance_cents: 500 });
    const forward = (index: number) => index % 10 < 7;
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        forward(index)
          ? client.post('/api/transfers', { from_account_id: a.id, to_account_id: b.id, amount_cents: 250 })
          : client.post('/api/transfers', { from_account_id: b.id, to_account_id: a.id, amount_cents: 250 }),
      ),
    );
    let forwardWins = 0;
    let backwardWins = 0;
    responses.forEach((response, index) => {
      if (response.statusCode === 201) {
        if (forward(index)) forwardWins += 1;
        else backwardWins += 1;
        return;
      }
      expect(response.statusCode, response.body).toBe(422);
      expect(response.json()).toMatchObject({ code: 'insufficient_funds', account_id: forward(index) ? a.id : b.id });
    });
    expect(100 - forwardWins - backwardWins).toBeGreaterThanOrEqual(36);
    const balanceA = (await client.get(`/api/accounts/${a.id}`)).json().balance_cents;
    const balanceB = (await client.get(`/api/accounts/${b.id}`)).json().balance_cents;
    expect(balanceA).toBe(500 - 250 * forwardWins + 250 * backwardWins);
    expect(balanceB).toBe(500 + 250 * forwardWins - 250 * backwardWins);
    expect(balanceA).toBeGreaterThanOrEqual(-500);
    expect(balanceB).toBeGreaterThanOrEqual(0);
    const lowest = await t.pool.query<{ account_id: string; low: number }>(
      'SELECT account_id, min(balance_after_cents)::bigint AS low FROM ledger_entries WHERE account_id = ANY($1::uuid[]) GROUP BY account_id',
      [[a.id, b.id]],
    );
    const low = Object.fromEntries(lowest.rows.map((row) => [row.account_id, row.low]));
    expect(low[a.id]).toBeGreaterThanOrEqual(-500);
    expect(low[b.id]).toBeGreaterThanOrEqual(0);
    // With 70 pushing one way, A was drained to its floor at least once.
    expect(low[a.id]).toBe(-500);
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
    const transaction = expectStatus(
      await client.post('/api/transactions', { account_id: account.id, type: 'expense', amount_cents: 1, description: 'x' }),
      201,
    ).json().transaction;
    const edits = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        client.patch(`/api/transactions/${transaction.id}`, { description: `edição ${index}`, row_version: 1 }),
      ),
    );
    expect(edits.map((response) => response.statusCode).sort()).toEqual([200, ...Array(9).fill(409)]);
    const winner = edits.find((response) => response.statusCode === 200)?.json();
    for (const loser of edits.filter((response) => response.statusCode === 409)) {
      expect(loser.json()).toMatchObject({ code: 'row_version_conflict', current: { id: transaction.id } });
    }
    // The winner's edit is what stays, at version 2.
    expect((await client.get(`/api/transactions/${transaction.id}`)).json()).toMatchObject({
      description: winner.description,
      row_version: 2,
    });
    const fresh = (await client.get(`/api/accounts/${account.id}`)).json();
    const renames = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        client.patch(`/api/accounts/${account.id}`, { name: `Conta ${index}`, row_version: fresh.row_version }),
      ),
    );
    expect(renames.map((response) => response.statusCode).sort()).toEqual([200, ...Array(9).fill(409)]);
    for (const loser of renames.filter((response) => response.statusCode === 409)) {
      expect(loser.json().code).toBe('row_version_conflict');
    }
    const renamed = renames.find((response) => response.statusCode === 200)?.json();
    expect((await client.get(`/api/accounts/${account.id}`)).json()).toMatchObject({
      name: renamed.name,
      row_version: fresh.row_version + 1,
    });
  });

  it('two reversals of one transaction racing: one 201, one 409, one reversal in the ledger', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 1_000 });
    const transaction = expectStatus(
      await client.post('/api/transactions', { account_id: account.id, type: 'expense', amount_cents: 300, description: 'x' }),
      201,
    ).json().transaction;
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => client.post(`/api/transactions/${transaction.id}/reverse`)),
    );
    expect(responses.map((response) => response.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    const reversal = responses.find((response) => response.statusCode === 201)?.json().transaction;
    for (const loser of responses.filter((response) => response.statusCode === 409)) {
      expect(loser.json()).toMatchObject({ code: 'already_reversed', reversed_by_transaction_id: reversal.id });
    }
    expect((await client.get(`/api/transactions/${transaction.id}`)).json().reversed_by_transaction_id).toBe(reversal.id);
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

  it('a storm of opposite transfers on a tiny pool answers 503 busy with Retry-After for what waited too long, never a 500', async () => {
    const { client, token } = await signedIn(t.app);
    const a = await client.account({ name: 'A', type: 'checking', initial_balance_cents: 50_000 });
    const b = await client.account({ name: 'B', type: 'savings', initial_balance_cents: 50_000 });
    // Two connections and, once both are open, a 100 ms checkout timeout: real contention,
    // no trigger raising a code.
    const tinyPool = new pg.Pool({ connectionString: t.database.url, max: 2, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    const stormMetrics = createMetrics();
    const stormApp = await buildApp({ config: t.config, pool: tinyPool, metrics: stormMetrics });
    try {
      await stormApp.ready();
      // Connect both clients first, with the usual timeout, so the storm measures waiting for a
      // free one, not connecting (a slow connect on a loaded machine is not what is tested).
      const warm = await Promise.allSettled([tinyPool.connect(), tinyPool.connect()]);
      for (const connection of warm) if (connection.status === 'fulfilled') connection.value.release();
      expect(warm.map((connection) => connection.status)).toEqual(['fulfilled', 'fulfilled']);
      // pg-pool reads the timeout at each checkout.
      tinyPool.options.connectionTimeoutMillis = 100;
      const storm = clientFor(stormApp, token);
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          index % 2 === 0
            ? storm.post('/api/transfers', { from_account_id: a.id, to_account_id: b.id, amount_cents: 100 + index })
            : storm.post('/api/transfers', { from_account_id: b.id, to_account_id: a.id, amount_cents: 100 + index }),
        ),
      );
      const busy = responses.filter((response) => response.statusCode === 503);
      expect(responses.filter((response) => ![201, 503].includes(response.statusCode)).map((response) => response.body)).toEqual(
        [],
      );
      expect(busy.length).toBeGreaterThan(0);
      expect(responses.some((response) => response.statusCode === 201)).toBe(true);
      for (const response of busy) {
        expect(response.json().code).toBe('busy');
        expect(response.headers['retry-after']).toBe('1');
      }
      expect((await stormMetrics.poolCheckoutTimeouts.get()).values[0]?.value).toBe(busy.length);
      // A 503 wrote nothing: the balances are exactly what the winners moved.
      let expectedA = 50_000;
      responses.forEach((response, index) => {
        if (response.statusCode === 201) expectedA += index % 2 === 0 ? -(100 + index) : 100 + index;
      });
      expect((await client.get(`/api/accounts/${a.id}`)).json().balance_cents).toBe(expectedA);
      expect((await client.get(`/api/accounts/${b.id}`)).json().balance_cents).toBe(100_000 - expectedA);
    } finally {
      await stormApp.close();
      await tinyPool.end();
    }
  });
});
