import type pg from 'pg';
import { expect } from 'vitest';

/**
 * The ledger's invariants, checked from the database alone after a test:
 * entries sum to zero (in total and per transaction), every cached balance equals the
 * sum of its account's entries, each account's balance_after_cents chain is exact, and no
 * account ever went below its floor.
 */
export async function expectLedgerInvariants(pool: pg.Pool): Promise<void> {
  const total = await pool.query<{ sum: string | null }>('SELECT sum(amount_cents)::text AS sum FROM ledger_entries');
  expect(total.rows[0]?.sum ?? '0').toBe('0');

  const unbalanced = await pool.query(
    'SELECT transaction_id, sum(amount_cents) AS s, count(*) AS n FROM ledger_entries GROUP BY transaction_id HAVING sum(amount_cents) <> 0 OR count(*) < 2',
  );
  expect(unbalanced.rows).toEqual([]);

  const headersWithoutLegs = await pool.query(
    'SELECT t.id FROM transactions t WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.id)',
  );
  expect(headersWithoutLegs.rows).toEqual([]);

  const drift = await pool.query(
    `SELECT a.id, a.balance_cents, coalesce(sum(e.amount_cents), 0) AS ledger
       FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
      GROUP BY a.id HAVING a.balance_cents <> coalesce(sum(e.amount_cents), 0)`,
  );
  expect(drift.rows).toEqual([]);

  const brokenChain = await pool.query(
    `SELECT id FROM (
       SELECT id, balance_after_cents,
              sum(amount_cents) OVER (PARTITION BY account_id ORDER BY account_version) AS running
         FROM ledger_entries) chain
      WHERE balance_after_cents <> running`,
  );
  expect(brokenChain.rows).toEqual([]);

  const versions = await pool.query(
    `SELECT a.id FROM accounts a JOIN LATERAL (
       SELECT max(account_version) AS v FROM ledger_entries e WHERE e.account_id = a.id) last ON true
      WHERE last.v IS NOT NULL AND last.v > a.row_version`,
  );
  expect(versions.rows).toEqual([]);

  await expectNoAccountBelowFloor(pool);
}

/**
 * The floor rule, written out again here so the check does not trust the code it checks,
 * and applied to each leg under the policy version its transaction was posted under:
 * checking and credit card accounts may go down to minus their limit, every other account
 * the person holds (and a goal) not below zero; the counterparty accounts (income,
 * expense, equity) mirror the person's flows and have no floor. A leg that raises a
 * balance is always allowed (paying off a debt); a leg that lowers one must land at or
 * above the floor, except under ledger_v2 for an income or an expense (or the reversal of
 * one), which the person confirmed with allow_negative. Legs are held to the account's
 * current limit: a limit is never lowered below what the account uses at that moment, and
 * no test lowers one below an earlier balance.
 */
const FLOOR_SQL = `CASE WHEN a.type IN ('checking', 'credit_card') THEN -a.overdraft_limit_cents ELSE 0 END`;
const WAIVED_SQL = `(t.policy_version = 'ledger_v2' AND coalesce(o.kind, t.kind) IN ('income', 'expense'))`;

/** No leg that lowered a balance left it below that account's floor, unless its version waives it. */
export async function expectNoAccountBelowFloor(pool: pg.Pool): Promise<void> {
  const belowFloor = await pool.query(
    `SELECT a.id, a.type, e.id AS entry_id, t.kind, t.policy_version, e.amount_cents, e.balance_after_cents,
            ${FLOOR_SQL} AS floor_cents
       FROM ledger_entries e
       JOIN accounts a ON a.id = e.account_id
       JOIN transactions t ON t.id = e.transaction_id
       LEFT JOIN transactions o ON o.id = t.reverses_transaction_id
      WHERE a.type NOT IN ('income', 'expense', 'equity')
        AND e.amount_cents < 0 AND e.balance_after_cents < ${FLOOR_SQL}
        AND NOT ${WAIVED_SQL}
      ORDER BY e.id`,
  );
  expect(belowFloor.rows, `accounts below their floor: ${JSON.stringify(belowFloor.rows)}`).toEqual([]);
}

export async function expectAppendOnly(pool: pg.Pool): Promise<void> {
  await expect(pool.query('UPDATE ledger_entries SET amount_cents = amount_cents + 1')).rejects.toThrow(/append-only/);
  await expect(pool.query('DELETE FROM ledger_entries')).rejects.toThrow(/append-only/);
  await expect(pool.query('TRUNCATE ledger_entries CASCADE')).rejects.toThrow(/append-only|never removed/);
  await expect(pool.query('UPDATE transactions SET amount_cents = amount_cents + 1')).rejects.toThrow(/immutable/);
  await expect(pool.query('DELETE FROM transactions')).rejects.toThrow(/never removed/);
}
