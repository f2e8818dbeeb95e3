/**
 * The transfer as one PL/pgSQL call, bench_transfer(): the key's claim, the advisory locks,
 * SELECT … FOR UPDATE, the header, two balance updates, two legs and the key's completion, on the
 * app's schema with its triggers and constraints, and PostgreSQL's plans cached in the function.
 * What PostgreSQL alone spends on a transfer handed over in one round trip: bench/ceiling.ts puts
 * bare HTTP servers in front of it, bench/hot-tables.ts runs it on schema variants.
 */
import type pg from 'pg';
import { accountLockKey } from '../src/db/locks.js';
import { randomIndex, TRANSFER_AMOUNT_MAX_CENTS } from './support.js';

export const USERS = 2;
export const ACCOUNTS_PER_USER = 50;
export const PAIRS = 10_000;
/** The largest overdraft the schema allows, so no transfer lacks funds and balances can start at 0 without opening entries. */
const OVERDRAFT_LIMIT_CENTS = 100_000_000_000;

const SEED_SQL = `
  INSERT INTO users (id, email, name, password_hash)
  SELECT gen_random_uuid(), 'bench.ceiling.' || i || '@example.com', 'Bench ' || i, 'not-a-hash'
    FROM generate_series(1, ${USERS}) AS i;
  SELECT provision_user(id) FROM users;
  INSERT INTO accounts (id, user_id, name, type, overdraft_limit_cents)
  SELECT gen_random_uuid(), u.id, 'Conta ' || i, 'checking', ${OVERDRAFT_LIMIT_CENTS}
    FROM users u, generate_series(1, ${ACCOUNTS_PER_USER}) AS i;
  CREATE TABLE bench_pairs (n int PRIMARY KEY, user_id uuid, from_id uuid, to_id uuid,
                            first_id uuid, second_id uuid, first_key int, second_key int)`;

/** A string as an SQL literal. */
const sqlText = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** One transfer in one call. A repeated key does nothing, as the app would replay the stored answer. */
const functionSql = (description: string) => `
CREATE FUNCTION bench_transfer(p_n int, p_amount bigint, p_key text) RETURNS void LANGUAGE plpgsql AS $bench_transfer$
DECLARE
  pair bench_pairs;
  v_transaction_id uuid := gen_random_uuid();
BEGIN
  SELECT * INTO STRICT pair FROM bench_pairs WHERE n = p_n;
  INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, created_at, expires_at)
  VALUES (pair.user_id, p_key, 'POST', '/api/transfers', sha256(p_key::bytea), 'in_flight', now(), now() + interval '24 hours')
  ON CONFLICT (user_id, key) DO NOTHING;
  IF NOT FOUND THEN RETURN; END IF;
  PERFORM pg_advisory_xact_lock(1, pair.first_key);
  PERFORM pg_advisory_xact_lock(1, pair.second_key);
  PERFORM id FROM accounts WHERE user_id = pair.user_id AND id IN (pair.first_id, pair.second_id) ORDER BY id FOR UPDATE;
  INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
                            occurred_on, policy_version, idempotency_key, request_id, created_at)
  VALUES (v_transaction_id, pair.user_id, 'transfer', pair.from_id, pair.to_id, p_amount, ${sqlText(description)}, current_date,
          'transfers_v1', p_key, gen_random_uuid()::text, now());
  WITH moved AS (
    UPDATE accounts a SET balance_cents = a.balance_cents + leg.amount, row_version = a.row_version + 1
      FROM (VALUES (pair.from_id, -p_amount), (pair.to_id, p_amount)) AS leg (id, amount)
     WHERE a.id = leg.id AND a.user_id = pair.user_id
    RETURNING a.id, a.balance_cents, a.row_version, leg.amount)
  INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
  SELECT v_transaction_id, moved.id, pair.user_id, moved.amount, moved.balance_cents, moved.row_version, now() FROM moved;
  UPDATE idempotency_keys SET status = 'completed', response_status = 201,
         response_body = jsonb_build_object('padding', repeat('x', 600))
   WHERE user_id = pair.user_id AND key = p_key;
END;
$bench_transfer$`;

export const ONE_CALL_PGBENCH_SCRIPT = `\\set n random(1, ${PAIRS})
\\set amount random(1, ${TRANSFER_AMOUNT_MAX_CENTS})
\\set key random(1, 9000000000000000000)
SELECT bench_transfer(:n, :amount, 'k' || :key);
`;

/**
 * Two people with 50 checking accounts each, PAIRS random pairs of one person's accounts, and
 * bench_transfer(); every transfer's header carries `description`.
 */
export async function seedOneCallTransfer(pool: pg.Pool, description: string): Promise<void> {
  await pool.query(SEED_SQL);
  const accounts = await pool.query<{ user_id: string; ids: string[] }>(
    "SELECT user_id, array_agg(id ORDER BY id) AS ids FROM accounts WHERE type = 'checking' GROUP BY user_id",
  );
  // Random pairs of distinct accounts of one person; first/second in ascending id order, as the app locks them.
  const pairs = Array.from({ length: PAIRS }, (_, index) => {
    const { user_id, ids } = accounts.rows[randomIndex(accounts.rows.length)] as { user_id: string; ids: string[] };
    const from = randomIndex(ids.length);
    const to = (from + 1 + randomIndex(ids.length - 1)) % ids.length;
    const [first, second] = [ids[from], ids[to]].sort() as [string, string];
    return [index + 1, user_id, ids[from], ids[to], first, second, accountLockKey(first), accountLockKey(second)];
  });
  await pool.query(
    `INSERT INTO bench_pairs
     SELECT * FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::int[], $8::int[])`,
    [0, 1, 2, 3, 4, 5, 6, 7].map((column) => pairs.map((pair) => pair[column])),
  );
  await pool.query(functionSql(description));
}
