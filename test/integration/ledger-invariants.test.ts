import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants, expectNoAccountBelowFloor } from '../helpers/ledger.js';

/**
 * The invariant helper must be able to fail: each test here writes, with plain SQL that
 * skips the policy, a ledger that is balanced and chained exactly but breaks the floor,
 * and the helper must reject it. Each test uses a database of its own, so the broken rows
 * never reach another file.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

/** Posts legs as the ledger would (chain, versions, cached balances) but without any policy check. */
async function plantPosting(
  pool: pg.Pool,
  options: { userId: string; legs: Array<{ accountId: string; amountCents: number }> },
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const id = randomUUID();
    const [first, second] = options.legs as [{ accountId: string; amountCents: number }, { accountId: string }];
    await client.query(
      `INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
         occurred_on, policy_version)
       VALUES ($1, $2, 'adjustment', $3, $4, $5, 'planted', DATE '2026-01-01', 'ledger_v1')`,
      [id, options.userId, first.accountId, second.accountId, Math.abs(first.amountCents)],
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

async function equityOf(pool: pg.Pool, userId: string): Promise<string> {
  const found = await pool.query<{ id: string }>(`SELECT id FROM accounts WHERE user_id = $1 AND type = 'equity'`, [userId]);
  return (found.rows[0] as { id: string }).id;
}

describe('expectLedgerInvariants holds the floor', () => {
  it('passes on a ledger that reached its floors exactly through the API', async () => {
    const { client } = await signedIn(t.app);
    const checking = await client.account({
      name: 'Conta',
      type: 'checking',
      overdraft_limit_cents: 1_000,
      initial_balance_cents: -1_000,
    });
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 500 });
    const spent = await client.post('/api/transactions', {
      account_id: cash.id,
      type: 'expense',
      amount_cents: 500,
      description: 'tudo',
    });
    expect(spent.statusCode, spent.body).toBe(201);
    expect(checking.balance_cents).toBe(-1_000);
    await expectLedgerInvariants(t.pool);
  });

  it('fails when a checking account went one centavo past its overdraft, even if it came back since', async () => {
    const database = await startTestApp();
    try {
      const { client, user } = await signedIn(database.app);
      const checking = await client.account({ name: 'Conta', type: 'checking', overdraft_limit_cents: 1_000 });
      const equity = await equityOf(database.pool, user.id);
      await plantPosting(database.pool, {
        userId: user.id,
        legs: [
          { accountId: checking.id, amountCents: -1_001 },
          { accountId: equity, amountCents: 1_001 },
        ],
      });
      await plantPosting(database.pool, {
        userId: user.id,
        legs: [
          { accountId: checking.id, amountCents: 1_001 },
          { accountId: equity, amountCents: -1_001 },
        ],
      });
      // Everything else holds: sums, chains, cached balances; only the history broke the floor.
      expect((await client.get(`/api/accounts/${checking.id}`)).json().balance_cents).toBe(0);
      await expect(expectNoAccountBelowFloor(database.pool)).rejects.toThrow(`below their floor: [{"id":"${checking.id}"`);
      await expect(expectLedgerInvariants(database.pool)).rejects.toThrow(`below their floor: [{"id":"${checking.id}"`);
    } finally {
      await database.close();
    }
  });

  it('fails when a savings account sits one centavo below zero', async () => {
    const database = await startTestApp();
    try {
      const { client, user } = await signedIn(database.app);
      const savings = await client.account({ name: 'Poupança', type: 'savings' });
      await plantPosting(database.pool, {
        userId: user.id,
        legs: [
          { accountId: savings.id, amountCents: -1 },
          { accountId: await equityOf(database.pool, user.id), amountCents: 1 },
        ],
      });
      await expect(expectLedgerInvariants(database.pool)).rejects.toThrow(`below their floor: [{"id":"${savings.id}"`);
    } finally {
      await database.close();
    }
  });

  it('leaves the counterparty accounts (equity, income, expense) without a floor', async () => {
    const database = await startTestApp();
    try {
      const { client, user } = await signedIn(database.app);
      const savings = await client.account({ name: 'Poupança', type: 'savings' });
      await plantPosting(database.pool, {
        userId: user.id,
        legs: [
          { accountId: savings.id, amountCents: 5_000 },
          { accountId: await equityOf(database.pool, user.id), amountCents: -5_000 },
        ],
      });
      await expectLedgerInvariants(database.pool);
    } finally {
      await database.close();
    }
  });
});
