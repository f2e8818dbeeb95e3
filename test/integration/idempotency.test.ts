import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_LOCK_NAMESPACE, accountLockKey } from '../../src/db/locks.js';
import { LOCK_WAIT_MS } from '../../src/db/unit-of-work.js';
import { fixedClock } from '../../src/lib/clock.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

const clock = fixedClock('2026-07-01T12:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
});
afterAll(async () => {
  await t?.close();
});

describe('Idempotency-Key', () => {
  it('same key and same body: the stored status and body, with Idempotent-Replayed, and one effect', async () => {
    const { client } = await signedIn(t.app);
    const a = await client.account({ name: 'A', type: 'checking', initial_balance_cents: 10_000 });
    const b = await client.account({ name: 'B', type: 'savings' });
    const body = { from_account_id: a.id, to_account_id: b.id, amount_cents: 2_500 };
    const first = await client.post('/api/transfers', body, { 'idempotency-key': 'transfer-1' });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // The same fields in another order are the same request.
    const reordered = { amount_cents: 2_500, to_account_id: b.id, from_account_id: a.id };
    const second = await client.post('/api/transfers', reordered, { 'idempotency-key': 'transfer-1' });
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    expect((await client.get(`/api/accounts/${b.id}`)).json().balance_cents).toBe(2_500);
  });

  it('same key with another body: 422 idempotency_key_reused, nothing written', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
    expectStatus(
      await client.post(
        '/api/transactions',
        { account_id: account.id, type: 'expense', amount_cents: 100, description: 'Café' },
        { 'idempotency-key': 'k' },
      ),
      201,
    );
    const reused = await client.post(
      '/api/transactions',
      { account_id: account.id, type: 'expense', amount_cents: 200, description: 'Café' },
      { 'idempotency-key': 'k' },
    );
    expect(reused.statusCode).toBe(422);
    expect(reused.json().code).toBe('idempotency_key_reused');
    const otherRoute = await client.post('/api/categories', { name: 'X', kind: 'expense' }, { 'idempotency-key': 'k' });
    expect(otherRoute.json().code).toBe('idempotency_key_reused');
    expect((await client.get(`/api/accounts/${account.id}`)).json().balance_cents).toBe(9_900);
  });

  it('a refused first attempt stores nothing: the retry runs afresh', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash' });
    const body = { account_id: cash.id, type: 'expense', amount_cents: 500, description: 'Pão' };
    expectProblem(await client.post('/api/transactions', body, { 'idempotency-key': 'retry-me' }), 422, 'insufficient_funds');
    expectStatus(
      await client.post('/api/transactions', { account_id: cash.id, type: 'income', amount_cents: 1_000, description: 'Troco' }),
      201,
    );
    const retried = await client.post('/api/transactions', body, { 'idempotency-key': 'retry-me' });
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it('keys are scoped per person: another person with the same key gets their own effect', async () => {
    const maria = await signedIn(t.app, 'Maria');
    const joao = await signedIn(t.app, 'João');
    const accountM = await maria.client.account({ name: 'M', type: 'cash' });
    const accountJ = await joao.client.account({ name: 'J', type: 'cash' });
    const m = await maria.client.post(
      '/api/transactions',
      { account_id: accountM.id, type: 'income', amount_cents: 100, description: 'x' },
      { 'idempotency-key': 'shared' },
    );
    const j = await joao.client.post(
      '/api/transactions',
      { account_id: accountJ.id, type: 'income', amount_cents: 100, description: 'x' },
      { 'idempotency-key': 'shared' },
    );
    expect(m.statusCode).toBe(201);
    expect(j.statusCode).toBe(201);
    expect(j.headers['idempotent-replayed']).toBeUndefined();
    expect(j.json().transaction.id).not.toBe(m.json().transaction.id);
    // João replaying Maria's exact request (her account) gets a 404, never her stored answer.
    const replayOfMaria = await joao.client.post(
      '/api/transactions',
      { account_id: accountM.id, type: 'income', amount_cents: 100, description: 'x' },
      { 'idempotency-key': 'maria-only' },
    );
    expectProblem(replayOfMaria, 404, 'not_found');
  });

  it('a key expires after 24 hours and can then be used again', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'cash', initial_balance_cents: 10_000 });
    const body = { account_id: account.id, type: 'expense', amount_cents: 100, description: 'Mensal' };
    const first = await client.post('/api/transactions', body, { 'idempotency-key': 'monthly' });
    const stored = await t.pool.query(
      "SELECT extract(epoch FROM expires_at - created_at)::int AS ttl FROM idempotency_keys WHERE key = 'monthly'",
    );
    expect(stored.rows[0].ttl).toBe(24 * 3600);
    clock.advance(24 * 3_600_000 - 1);
    expect((await client.post('/api/transactions', body, { 'idempotency-key': 'monthly' })).headers['idempotent-replayed']).toBe(
      'true',
    );
    clock.advance(1);
    const later = await client.post('/api/transactions', body, { 'idempotency-key': 'monthly' });
    expect(later.statusCode).toBe(201);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(later.json().transaction.id).not.toBe(first.json().transaction.id);
    expect((await client.get(`/api/accounts/${account.id}`)).json().balance_cents).toBe(9_800);
    clock.set('2026-07-01T12:00:00Z');
  });

  it("a transfer's replay takes no account lock: it answers while another transaction holds the accounts", async () => {
    const { client } = await signedIn(t.app);
    const from = await client.account({ name: 'Corrente', type: 'checking', initial_balance_cents: 10_000 });
    const to = await client.account({ name: 'Poupança', type: 'savings' });
    const body = { from_account_id: from.id, to_account_id: to.id, amount_cents: 700 };
    const first = await client.post('/api/transfers', body, { 'idempotency-key': 'replay-unlocked' });
    expect(first.statusCode).toBe(201);
    const holder = await t.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, $2)', [ACCOUNT_LOCK_NAMESPACE, accountLockKey(from.id)]);
      await holder.query('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [to.id]);
      const replay = await client.post('/api/transfers', body, { 'idempotency-key': 'replay-unlocked' });
      expect([replay.statusCode, replay.headers['idempotent-replayed']]).toEqual([201, 'true']);
      expect(replay.body).toBe(first.body);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  });

  it("a transfer's expired key is taken over: the accounts are locked then, and it posts afresh", async () => {
    const { client } = await signedIn(t.app);
    const from = await client.account({ name: 'Corrente', type: 'checking', initial_balance_cents: 10_000 });
    const to = await client.account({ name: 'Poupança', type: 'savings' });
    const body = { from_account_id: from.id, to_account_id: to.id, amount_cents: 300 };
    const first = await client.post('/api/transfers', body, { 'idempotency-key': 'transfer-monthly' });
    clock.advance(24 * 3_600_000);
    try {
      const later = await client.post('/api/transfers', body, { 'idempotency-key': 'transfer-monthly' });
      expect([later.statusCode, later.headers['idempotent-replayed']]).toEqual([201, undefined]);
      expect(later.json().transaction.id).not.toBe(first.json().transaction.id);
      expect(later.json().to_account.balance_cents).toBe(600);
    } finally {
      clock.set('2026-07-01T12:00:00Z');
    }
    expect((await client.get(`/api/accounts/${from.id}`)).json().balance_cents).toBe(9_400);
  });

  it('refuses a malformed key with 400', async () => {
    const { client } = await signedIn(t.app);
    for (const key of ['x'.repeat(256), 'tem espaço', 'ção']) {
      const response = await client.post('/api/categories', { name: 'Y', kind: 'expense' }, { 'idempotency-key': key });
      expectProblem(response, 400, 'validation_failed');
    }
    expect(
      (await client.get('/api/categories?kind=expense')).json().items.some((item: { name: string }) => item.name === 'Y'),
    ).toBe(false);
  });

  it('stores the key row in the same transaction as the effects', async () => {
    const { client, user } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'cash', initial_balance_cents: 100 });
    expectProblem(
      await client.post(
        '/api/transactions',
        { account_id: account.id, type: 'expense', amount_cents: 200, description: 'x' },
        { 'idempotency-key': 'failed-once' },
      ),
      422,
      'insufficient_funds',
    );
    const none = await t.pool.query("SELECT 1 FROM idempotency_keys WHERE user_id = $1 AND key = 'failed-once'", [user.id]);
    expect(none.rowCount).toBe(0);
    expectStatus(
      await client.post(
        '/api/transactions',
        { account_id: account.id, type: 'expense', amount_cents: 50, description: 'x' },
        { 'idempotency-key': 'done-once' },
      ),
      201,
    );
    const row = await t.pool.query(
      "SELECT status, response_status FROM idempotency_keys WHERE user_id = $1 AND key = 'done-once'",
      [user.id],
    );
    expect(row.rows).toEqual([{ status: 'completed', response_status: 201 }]);
  });

  describe(`lock waits longer than ${LOCK_WAIT_MS / 1000} s`, () => {
    const slow = { timeout: LOCK_WAIT_MS + 10_000 };

    it('a key whose first request is still in flight: 409 idempotency_key_in_use with Retry-After', slow, async () => {
      const { client, user } = await signedIn(t.app);
      const account = await client.account({ name: 'Conta', type: 'cash', initial_balance_cents: 1_000 });
      const holder = await t.pool.connect();
      try {
        // Another request claimed the key and has not committed.
        await holder.query('BEGIN');
        await holder.query(
          `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, created_at, expires_at)
           VALUES ($1, 'held-key', 'POST', '/api/transactions', '\\x00', 'in_flight', now(), now() + interval '1 day')`,
          [user.id],
        );
        const response = await client.post(
          '/api/transactions',
          { account_id: account.id, type: 'expense', amount_cents: 100, description: 'x' },
          { 'idempotency-key': 'held-key' },
        );
        expect(response.statusCode).toBe(409);
        expect(response.json().code).toBe('idempotency_key_in_use');
        expect(response.headers['retry-after']).toBe('1');
      } finally {
        await holder.query('ROLLBACK');
        holder.release();
      }
      expect((await client.get(`/api/accounts/${account.id}`)).json().balance_cents).toBe(1_000);
    });

    it('an account locked elsewhere: 503 busy, not a key conflict, and the key stays free', slow, async () => {
      const { client, user } = await signedIn(t.app);
      const account = await client.account({ name: 'Conta', type: 'cash', initial_balance_cents: 1_000 });
      const holder = await t.pool.connect();
      const body = { account_id: account.id, type: 'expense', amount_cents: 100, description: 'x' };
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT pg_advisory_xact_lock($1, $2)', [ACCOUNT_LOCK_NAMESPACE, accountLockKey(account.id)]);
        const response = await client.post('/api/transactions', body, { 'idempotency-key': 'busy-key' });
        expect(response.statusCode).toBe(503);
        expect(response.json().code).toBe('busy');
      } finally {
        await holder.query('ROLLBACK');
        holder.release();
      }
      const keys = await t.pool.query("SELECT 1 FROM idempotency_keys WHERE user_id = $1 AND key = 'busy-key'", [user.id]);
      expect(keys.rowCount).toBe(0);
      const retried = await client.post('/api/transactions', body, { 'idempotency-key': 'busy-key' });
      expect(retried.statusCode).toBe(201);
      expect(retried.json().account.balance_cents).toBe(900);
    });

    it('a transfer tells a twin in flight (409) from its accounts locked elsewhere (503), both at once', slow, async () => {
      const { client, user } = await signedIn(t.app);
      const from = await client.account({ name: 'Corrente', type: 'checking', initial_balance_cents: 1_000 });
      const to = await client.account({ name: 'Poupança', type: 'savings', initial_balance_cents: 0 });
      const body = { from_account_id: from.id, to_account_id: to.id, amount_cents: 100 };
      const keyHolder = await t.pool.connect();
      const accountHolder = await t.pool.connect();
      try {
        // One request still holds a key; another transaction holds the accounts of a second.
        await keyHolder.query('BEGIN');
        await keyHolder.query(
          `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, created_at, expires_at)
           VALUES ($1, 'held-transfer', 'POST', '/api/transfers', '\\x00', 'in_flight', now(), now() + interval '1 day')`,
          [user.id],
        );
        await accountHolder.query('BEGIN');
        await accountHolder.query('SELECT pg_advisory_xact_lock($1, $2)', [ACCOUNT_LOCK_NAMESPACE, accountLockKey(from.id)]);
        const [twin, busy] = await Promise.all([
          client.post('/api/transfers', body, { 'idempotency-key': 'held-transfer' }),
          client.post('/api/transfers', body, { 'idempotency-key': 'busy-transfer' }),
        ]);
        expect([twin.statusCode, twin.json().code, twin.headers['retry-after']]).toEqual([409, 'idempotency_key_in_use', '1']);
        expect([busy.statusCode, busy.json().code, busy.headers['retry-after']]).toEqual([503, 'busy', '1']);
      } finally {
        await keyHolder.query('ROLLBACK');
        keyHolder.release();
        await accountHolder.query('ROLLBACK');
        accountHolder.release();
      }
      const keys = await t.pool.query("SELECT key FROM idempotency_keys WHERE user_id = $1 AND key LIKE '%-transfer'", [user.id]);
      expect(keys.rows).toEqual([]);
      expect((await client.post('/api/transfers', body, { 'idempotency-key': 'busy-transfer' })).statusCode).toBe(201);
      expect((await client.get(`/api/accounts/${to.id}`)).json().balance_cents).toBe(100);
    });
  });
});
