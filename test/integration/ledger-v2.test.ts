import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTransaction } from '../../src/db/unit-of-work.js';
import { reverse } from '../../src/modules/ledger/index.js';
import { encodeBrCode } from '../../src/modules/pix/brcode.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants, expectNoAccountBelowFloor } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

/**
 * ledger_v2: an income or expense may take an account below its floor when the request
 * says allow_negative; transfers and goal contributions never; ledger_v1 rows keep
 * verifying under ledger_v1. Every test ends with the invariants, checked from the database.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

type Client = Awaited<ReturnType<typeof signedIn>>['client'];

function expense(client: Client, accountId: string, amountCents: number, extra: Record<string, unknown> = {}, key?: string) {
  return client.post(
    '/api/transactions',
    { account_id: accountId, type: 'expense', amount_cents: amountCents, description: 'Mercado', ...extra },
    key ? { 'idempotency-key': key } : {},
  );
}

async function balanceOf(client: Client, accountId: string): Promise<number> {
  return expectStatus(await client.get(`/api/accounts/${accountId}`), 200).json().balance_cents;
}

describe('recording an expense under ledger_v2', () => {
  it('refuses R$ 900 against R$ 200 without allow_negative, with the figures the screen needs, and records it with it', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 20_000 });

    const refused = await expense(client, cash.id, 90_000);
    expectProblem(refused, 422, 'insufficient_funds');
    expect(refused.json()).toMatchObject({ account_id: cash.id, available_cents: 20_000, balance_cents: 20_000, floor_cents: 0 });
    expect(await balanceOf(client, cash.id)).toBe(20_000);

    const explicitNo = await expense(client, cash.id, 90_000, { allow_negative: false });
    expectProblem(explicitNo, 422, 'insufficient_funds');

    const recorded = expectStatus(await expense(client, cash.id, 90_000, { allow_negative: true }), 201).json();
    expect(recorded.transaction).toMatchObject({ kind: 'expense', amount_cents: 90_000, policy_version: 'ledger_v2' });
    expect(recorded.account.balance_cents).toBe(-70_000);
    expect(await balanceOf(client, cash.id)).toBe(-70_000);
    await expectLedgerInvariants(t.pool);
  });

  it('lets a card go past its limit and a checking account past its overdraft only when asked', async () => {
    const { client } = await signedIn(t.app);
    const card = await client.account({ name: 'Cartão', type: 'credit_card', overdraft_limit_cents: 100_000 });
    const checking = await client.account({
      name: 'Conta',
      type: 'checking',
      overdraft_limit_cents: 50_000,
      initial_balance_cents: 10_000,
    });

    expectStatus(await expense(client, card.id, 100_000), 201);
    const past = await expense(client, card.id, 1);
    expectProblem(past, 422, 'insufficient_funds');
    expect(past.json()).toMatchObject({ available_cents: 0, balance_cents: -100_000, floor_cents: -100_000 });
    expectStatus(await expense(client, card.id, 30_000, { allow_negative: true }), 201);
    expect(await balanceOf(client, card.id)).toBe(-130_000);

    expectProblem(await expense(client, checking.id, 60_001), 422, 'insufficient_funds');
    expectStatus(await expense(client, checking.id, 60_001, { allow_negative: true }), 201);
    expect(await balanceOf(client, checking.id)).toBe(-50_001);
    await expectLedgerInvariants(t.pool);
  });

  it('records a paid Pix below the floor only with allow_negative', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 20_000 });
    const encoded = encodeBrCode({ key: '+5511987654321', name: 'Oficina', city: 'Recife', amountCents: 90_000 });
    if (!encoded.ok) throw new Error(JSON.stringify(encoded.errors));
    const body = { account_id: cash.id, payload: encoded.payload };

    const refused = await client.post('/api/pix/payments', body);
    expectProblem(refused, 422, 'insufficient_funds');
    expect(refused.json()).toMatchObject({ available_cents: 20_000, balance_cents: 20_000 });

    const paid = expectStatus(await client.post('/api/pix/payments', { ...body, allow_negative: true }), 201).json();
    expect(paid.transaction).toMatchObject({ kind: 'expense', policy_version: 'ledger_v2', payee_name: 'Oficina' });
    expect(paid.account.balance_cents).toBe(-70_000);
    await expectLedgerInvariants(t.pool);
  });

  it('a confirmed retry is another payload: the same Idempotency-Key is 422, a fresh one records once', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 20_000 });
    expectProblem(await expense(client, cash.id, 90_000, {}, 'gasto-1'), 422, 'insufficient_funds');
    // The refusal stored nothing under the key (a 422 rolls back), so the key is free, but a
    // confirmed retry still takes a fresh one: the screen's contract (useIdempotentMutation).
    const first = await expense(client, cash.id, 90_000, { allow_negative: true }, 'gasto-2');
    expectStatus(first, 201);
    const replay = await expense(client, cash.id, 90_000, { allow_negative: true }, 'gasto-2');
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expectProblem(await expense(client, cash.id, 90_000, {}, 'gasto-2'), 422, 'idempotency_key_reused');
    expect(await balanceOf(client, cash.id)).toBe(-70_000);
    await expectLedgerInvariants(t.pool);
  });

  it('rejects a non-boolean allow_negative with a 400', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 20_000 });
    expectProblem(await expense(client, cash.id, 90_000, { allow_negative: 'true' }), 400, 'validation_failed');
    expectProblem(await expense(client, cash.id, 90_000, { allow_negative: 1 }), 400, 'validation_failed');
  });
});

describe('what keeps the floor under ledger_v2', () => {
  it('a transfer and a goal contribution out of an account are refused below its floor, and take no allow_negative', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 20_000 });
    const savings = await client.account({ name: 'Poupança', type: 'savings' });
    const transfer = { from_account_id: cash.id, to_account_id: savings.id, amount_cents: 90_000 };
    expectProblem(await client.post('/api/transfers', transfer), 422, 'insufficient_funds');
    expectProblem(await client.post('/api/transfers', { ...transfer, allow_negative: true }), 400, 'validation_failed');

    const goal = expectStatus(await client.post('/api/goals', { name: 'Reserva', target_cents: 500_000 }), 201).json();
    const contribution = { from_account_id: cash.id, amount_cents: 20_001 };
    expectProblem(await client.post(`/api/goals/${goal.id}/contributions`, contribution), 422, 'insufficient_funds');

    // Once an expense took the account negative, nothing more may leave it by transfer.
    expectStatus(await expense(client, cash.id, 90_000, { allow_negative: true }), 201);
    expectProblem(await client.post('/api/transfers', { ...transfer, amount_cents: 1 }), 422, 'insufficient_funds');
    expect(await balanceOf(client, cash.id)).toBe(-70_000);
    expect(await balanceOf(client, savings.id)).toBe(0);
    await expectLedgerInvariants(t.pool);
  });

  it('a reversal keeps the floor unless the ledger caller passes allowNegative, and then only for an income or expense', async () => {
    const { client, user } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash' });
    const income = expectStatus(
      await client.post('/api/transactions', {
        account_id: cash.id,
        type: 'income',
        amount_cents: 50_000,
        description: 'Salário',
      }),
      201,
    ).json().transaction;
    expectStatus(await expense(client, cash.id, 40_000), 201);
    expectProblem(await client.post(`/api/transactions/${income.id}/reverse`, {}), 422, 'insufficient_funds');

    const source = { userId: user.id, idempotencyKey: null, requestId: 'ledger-v2-test', postedAt: new Date() };
    const posted = await runTransaction(t.pool, (db) =>
      reverse(db, source, { originalTransactionId: income.id, description: undefined, allowNegative: true }),
    );
    expect(posted.transaction).toMatchObject({ kind: 'reversal', policy_version: 'ledger_v2' });
    expect(await balanceOf(client, cash.id)).toBe(-40_000);
    await expectLedgerInvariants(t.pool);
  });
});

/** Posts legs as the ledger would (chain, versions, cached balances) but under a given kind and version, skipping every policy. */
async function plantPosting(
  pool: pg.Pool,
  options: { userId: string; kind: string; policyVersion: string; legs: Array<{ accountId: string; amountCents: number }> },
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const id = randomUUID();
    const [first, second] = options.legs as [{ accountId: string; amountCents: number }, { accountId: string }];
    await client.query(
      `INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
         occurred_on, policy_version)
       VALUES ($1, $2, $3, $4, $5, $6, 'planted', DATE '2026-01-01', $7)`,
      [id, options.userId, options.kind, first.accountId, second.accountId, Math.abs(first.amountCents), options.policyVersion],
    );
    for (const leg of options.legs) {
      const updated = await client.query<{ balance_cents: number; row_version: number }>(
        `UPDATE accounts SET balance_cents = balance_cents + $2, row_version = row_version + 1
          WHERE id = $1 RETURNING balance_cents, row_version`,
        [leg.accountId, leg.amountCents],
      );
      const account = updated.rows[0] as { balance_cents: number; row_version: number };
      await client.query(
        `INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [id, leg.accountId, options.userId, leg.amountCents, account.balance_cents, account.row_version],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

async function internalAccount(pool: pg.Pool, userId: string, type: 'expense' | 'equity'): Promise<string> {
  const found = await pool.query<{ id: string }>('SELECT id FROM accounts WHERE user_id = $1 AND type = $2', [userId, type]);
  return (found.rows[0] as { id: string }).id;
}

describe('each entry verifies under the version it was posted under', () => {
  it('ledger_v1 entries written before still verify after ledger_v2 postings, and a v1 entry below its floor still fails', async () => {
    const database = await startTestApp();
    try {
      const { client, user } = await signedIn(database.app);
      const cash = await client.account({ name: 'Carteira', type: 'cash' });
      const equity = await internalAccount(database.pool, user.id, 'equity');
      const spent = await internalAccount(database.pool, user.id, 'expense');
      // Written as ledger_v1 wrote them: an opening and an expense that stays at the floor.
      await plantPosting(database.pool, {
        userId: user.id,
        kind: 'opening',
        policyVersion: 'ledger_v1',
        legs: [
          { accountId: cash.id, amountCents: 20_000 },
          { accountId: equity, amountCents: -20_000 },
        ],
      });
      await plantPosting(database.pool, {
        userId: user.id,
        kind: 'expense',
        policyVersion: 'ledger_v1',
        legs: [
          { accountId: cash.id, amountCents: -20_000 },
          { accountId: spent, amountCents: 20_000 },
        ],
      });
      await expectLedgerInvariants(database.pool);

      // Then ledger_v2 takes the account below zero, with the person's consent.
      const clientAfter = await expense(client, cash.id, 5_000, { allow_negative: true });
      expect(expectStatus(clientAfter, 201).json().transaction.policy_version).toBe('ledger_v2');
      await expectLedgerInvariants(database.pool);

      // The same below-floor expense, had ledger_v1 written it, breaks v1's rule.
      await plantPosting(database.pool, {
        userId: user.id,
        kind: 'expense',
        policyVersion: 'ledger_v1',
        legs: [
          { accountId: cash.id, amountCents: -1 },
          { accountId: spent, amountCents: 1 },
        ],
      });
      await expect(expectNoAccountBelowFloor(database.pool)).rejects.toThrow(`below their floor: [{"id":"${cash.id}"`);
    } finally {
      await database.close();
    }
  });

  it('a transfer written under ledger_v2 below the floor fails verification: only income and expense are waived', async () => {
    const database = await startTestApp();
    try {
      const { client, user } = await signedIn(database.app);
      const cash = await client.account({ name: 'Carteira', type: 'cash' });
      const savings = await client.account({ name: 'Poupança', type: 'savings' });
      await plantPosting(database.pool, {
        userId: user.id,
        kind: 'transfer',
        policyVersion: 'ledger_v2',
        legs: [
          { accountId: cash.id, amountCents: -1 },
          { accountId: savings.id, amountCents: 1 },
        ],
      });
      await expect(expectNoAccountBelowFloor(database.pool)).rejects.toThrow(`below their floor: [{"id":"${cash.id}"`);
    } finally {
      await database.close();
    }
  });
});
