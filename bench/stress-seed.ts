/**
 * A person's ledger history for bench/stress, written with set-based SQL and every trigger
 * and constraint on: the deferred double-entry checks, the foreign keys and the append-only
 * guards all run, batch by batch, as they do for the app's own postings. Each batch continues
 * every account's balance_after_cents chain and account_version from where the account
 * stands, and leaves the cached balance and row_version on its last entry.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/** Transactions per database transaction: bounds the deferred-trigger queue (three events a transaction). */
const SEED_BATCH_TRANSACTIONS = 50_000;
const DAY_MS = 86_400_000;
/** The opening balance: R$ 1 bilhão (the largest movement), so no seeded expense lacks funds. */
const OPENING_CENTS = 100_000_000_000;

export interface SeededPerson {
  userId: string;
  checking: string;
  savings: string;
  entries: number;
  transactions: number;
  historyStart: Date;
  historyEnd: Date;
}

async function internalAccount(pool: pg.Pool, userId: string, type: 'income' | 'expense' | 'equity'): Promise<string> {
  const found = await pool.query<{ id: string }>('SELECT id FROM accounts WHERE user_id = $1 AND type = $2', [userId, type]);
  const id = found.rows[0]?.id;
  if (!id) throw new Error(`the person has no ${type} account (provision_user)`);
  return id;
}

async function categoryIds(pool: pg.Pool, userId: string, kind: 'income' | 'expense'): Promise<string[]> {
  const found = await pool.query<{ id: string }>('SELECT id FROM categories WHERE user_id = $1 AND kind = $2 ORDER BY name', [
    userId,
    kind,
  ]);
  if (found.rows.length === 0) throw new Error(`the person has no ${kind} categories`);
  return found.rows.map((row) => row.id);
}

/**
 * One batch: transactions lo..hi (1-based positions in the history), each with two legs.
 * Position 1 is the opening of the checking account; then 7 in 10 are expenses from checking,
 * 2 in 10 income into it, 1 in 10 a transfer from checking to savings. Time grows with the
 * position, so the account_version order and the created_at order agree.
 */
async function seedBatch(
  client: pg.PoolClient,
  person: { userId: string; checking: string; savings: string; income: string; expense: string; equity: string },
  range: { lo: number; hi: number; total: number; startMs: number; spanMs: number },
  categories: { income: string[]; expense: string[] },
): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query(
      `CREATE TEMP TABLE stress_postings ON COMMIT DROP AS
       SELECT i, gen_random_uuid() AS id,
              CASE WHEN i = 1 THEN 'opening' WHEN i % 10 < 7 THEN 'expense' WHEN i % 10 < 9 THEN 'income' ELSE 'transfer' END AS kind,
              CASE WHEN i = 1 THEN $6::bigint WHEN i % 10 < 7 THEN 500 + (i * 7919) % 20000
                   WHEN i % 10 < 9 THEN 300000 + (i * 104729) % 200000 ELSE 10000 + (i * 31) % 90000 END::bigint AS amount,
              to_timestamp(($4::float8 + (i::float8 / $3) * $5::float8) / 1000) AS at
         FROM generate_series($1::bigint, $2::bigint) AS i`,
      [range.lo, range.hi, range.total, range.startMs, range.spanMs, OPENING_CENTS],
    );
    await client.query(
      `INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description, category_id,
                                 occurred_on, policy_version, created_at)
       SELECT p.id, $1, p.kind,
              $2::uuid,
              CASE p.kind WHEN 'opening' THEN $6::uuid WHEN 'expense' THEN $5::uuid WHEN 'income' THEN $4::uuid ELSE $3::uuid END,
              p.amount,
              CASE p.kind WHEN 'opening' THEN 'Saldo inicial' WHEN 'expense' THEN 'Compra ' || (p.i % 97)
                          WHEN 'income' THEN 'Salário' ELSE 'Poupança' END,
              CASE p.kind WHEN 'expense' THEN ($7::uuid[])[(1 + p.i % cardinality($7::uuid[]))::int]
                          WHEN 'income' THEN ($8::uuid[])[(1 + p.i % cardinality($8::uuid[]))::int] END,
              (p.at AT TIME ZONE 'America/Sao_Paulo')::date,
              CASE p.kind WHEN 'transfer' THEN 'transfers_v1' ELSE 'ledger_v1' END, p.at
         FROM stress_postings p ORDER BY p.i`,
      [
        person.userId,
        person.checking,
        person.savings,
        person.income,
        person.expense,
        person.equity,
        categories.expense,
        categories.income,
      ],
    );
    // The legs, signed as the policies sign them: an expense takes from checking and gives to
    // the expense account; income the reverse against the income account; a transfer moves
    // checking to savings; the opening puts money in checking against equity.
    await client.query(
      `WITH legs AS (
         SELECT p.id, p.i, p.at, $2::uuid AS account_id,
                CASE WHEN p.kind IN ('income', 'opening') THEN p.amount ELSE -p.amount END AS amount
           FROM stress_postings p
         UNION ALL
         SELECT p.id, p.i, p.at,
                CASE p.kind WHEN 'opening' THEN $6::uuid WHEN 'expense' THEN $5::uuid WHEN 'income' THEN $4::uuid ELSE $3::uuid END,
                CASE WHEN p.kind IN ('income', 'opening') THEN -p.amount ELSE p.amount END
           FROM stress_postings p
       )
       INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
       SELECT legs.id, legs.account_id, $1, legs.amount,
              a.balance_cents + sum(legs.amount) OVER running,
              a.row_version + row_number() OVER running, legs.at
         FROM legs JOIN accounts a ON a.id = legs.account_id
       WINDOW running AS (PARTITION BY legs.account_id ORDER BY legs.i)
       ORDER BY legs.i`,
      [person.userId, person.checking, person.savings, person.income, person.expense, person.equity],
    );
    await client.query(
      `UPDATE accounts a SET balance_cents = last.balance_after_cents, row_version = last.account_version
         FROM accounts mine CROSS JOIN LATERAL (
                SELECT e.balance_after_cents, e.account_version FROM ledger_entries e
                 WHERE e.account_id = mine.id ORDER BY e.account_version DESC LIMIT 1) last
        WHERE mine.user_id = $1 AND a.id = mine.id`,
      [person.userId],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/**
 * Gives a registered person (internal accounts and categories from provision_user) a
 * checking and a savings account opened at the history's start and `entries` ledger entries
 * (entries / 2 transactions) spread evenly over `historyDays` days ending yesterday.
 */
export async function seedLedgerHistory(
  pool: pg.Pool,
  options: { userId: string; entries: number; historyDays: number; now: Date },
): Promise<SeededPerson> {
  const { userId } = options;
  const transactions = Math.max(1, Math.floor(options.entries / 2));
  const historyEnd = new Date(options.now.getTime() - DAY_MS);
  const historyStart = new Date(historyEnd.getTime() - options.historyDays * DAY_MS);
  const checking = randomUUID();
  const savings = randomUUID();
  await pool.query(
    `INSERT INTO accounts (id, user_id, name, type, created_at)
     VALUES ($1, $3, 'Conta corrente', 'checking', $4), ($2, $3, 'Poupança', 'savings', $4)`,
    [checking, savings, userId, new Date(historyStart.getTime() - DAY_MS)],
  );
  const person = {
    userId,
    checking,
    savings,
    income: await internalAccount(pool, userId, 'income'),
    expense: await internalAccount(pool, userId, 'expense'),
    equity: await internalAccount(pool, userId, 'equity'),
  };
  const categories = { income: await categoryIds(pool, userId, 'income'), expense: await categoryIds(pool, userId, 'expense') };
  const client = await pool.connect();
  try {
    for (let lo = 1; lo <= transactions; lo += SEED_BATCH_TRANSACTIONS) {
      const hi = Math.min(transactions, lo + SEED_BATCH_TRANSACTIONS - 1);
      const range = {
        lo,
        hi,
        total: transactions,
        startMs: historyStart.getTime(),
        spanMs: historyEnd.getTime() - historyStart.getTime(),
      };
      await seedBatch(client, person, range, categories);
    }
  } finally {
    client.release();
  }
  return { userId, checking, savings, entries: transactions * 2, transactions, historyStart, historyEnd };
}
