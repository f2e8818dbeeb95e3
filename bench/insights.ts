/**
 * bench/insights — one person with 100,000 transactions over five years: how long computing
 * a month's insights from the ledger takes (a cache miss), and how long reading them cached
 * takes (a hit), p50/p95/max of each; and pgbench tpcb-like on the same server in the same
 * run, to say how busy the machine was. The service is called directly (no HTTP).
 *
 *   npm run bench:insights
 *   BENCH_TRANSACTIONS=20000 BENCH_ROUNDS=50 npm run bench:insights
 */
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { calendarMonth, shiftMonth } from '../src/lib/calendar.js';
import { systemClock } from '../src/lib/clock.js';
import { InsightsService } from '../src/modules/insights/insights.service.js';
import { markInsightsStale } from '../src/modules/insights/staleness.js';
import {
  adminUrl,
  type BenchDatabase,
  createDatabase,
  formatTable,
  integerEnv,
  machineFacts,
  pgbenchInit,
  pgbenchTpcb,
  quantile,
  Report,
  runBench,
  serverFacts,
  waitForQuiet,
} from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = `${ROOT}bench/results`;
const TRANSACTIONS = integerEnv('BENCH_TRANSACTIONS', 100_000, { min: 1_000, max: 5_000_000 });
const ROUNDS = integerEnv('BENCH_ROUNDS', 100, { min: 5, max: 10_000 });
const PGBENCH_SECONDS = integerEnv('BENCH_PGBENCH_S', 10, { min: 1, max: 600 });
const SEED_DAYS = 5 * 365;
const GOAL_COMPUTE_P95_MS = 300;
const GOAL_CACHED_P95_MS = 10;
const DESCRIPTIONS = ['Mercado', 'Padaria', 'Uber', 'Aluguel', 'Conta de luz', 'Farmácia', 'Salário', 'Restaurante', 'Streaming'];

/**
 * The person, their accounts, and the transactions posted as the ledger posts them (a header
 * and two legs each, the running balance and version per account, the cached balances), in
 * one transaction so the deferred double-entry triggers check them all at COMMIT. One in
 * fifty expenses is reversed on a later day, as people do.
 */
async function seed(pool: pg.Pool): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const person = await client.query<{ id: string }>(
      `INSERT INTO users (id, email, name, password_hash)
       VALUES (gen_random_uuid(), 'bench.insights@example.com', 'Pessoa Bench', 'not-a-hash') RETURNING id`,
    );
    const userId = person.rows[0]?.id as string;
    await client.query('SELECT provision_user($1)', [userId]);
    await client.query(
      `INSERT INTO accounts (id, user_id, name, type, overdraft_limit_cents, created_at)
       SELECT gen_random_uuid(), $1, kind.name, kind.type, kind.limit_cents, now() - interval '${SEED_DAYS + 1} days'
         FROM (VALUES ('Conta corrente', 'checking', 100000), ('Poupança', 'savings', 0),
                      ('Cartão', 'credit_card', 500000), ('Carteira', 'cash', 0)) AS kind (name, type, limit_cents)`,
      [userId],
    );
    await client.query(
      `CREATE TEMP TABLE seed_tx ON COMMIT DROP AS
       WITH p AS (
         SELECT (SELECT array_agg(id ORDER BY id) FROM accounts WHERE user_id = $1 AND type IN ('checking', 'savings', 'credit_card', 'cash')) AS own,
                (SELECT id FROM accounts WHERE user_id = $1 AND type = 'income') AS income,
                (SELECT id FROM accounts WHERE user_id = $1 AND type = 'expense') AS expense,
                (SELECT array_agg(id ORDER BY id) FROM categories WHERE user_id = $1 AND kind = 'income') AS income_categories,
                (SELECT array_agg(id ORDER BY id) FROM categories WHERE user_id = $1 AND kind = 'expense') AS expense_categories
       ), draws AS (
         SELECT g, CASE WHEN random() < 0.35 THEN 'income' WHEN random() < 0.8 THEN 'expense' ELSE 'transfer' END AS kind,
                floor(random() * 4)::int AS a, floor(random() * 1000)::int AS c, floor(random() * 1000)::int AS d,
                100 + floor(random() * 50000)::bigint AS amount_cents,
                now() - make_interval(days => $3) + (g::double precision / $2) * make_interval(days => $3) AS at
           FROM generate_series(1, $2) AS g
       )
       SELECT gen_random_uuid() AS id, s.kind, p.own[1 + s.a] AS account_id,
              CASE s.kind WHEN 'income' THEN p.income WHEN 'expense' THEN p.expense ELSE p.own[1 + (s.a + 1) % 4] END AS counterparty_account_id,
              s.amount_cents,
              CASE s.kind WHEN 'income' THEN p.income_categories[1 + s.c % cardinality(p.income_categories)]
                          WHEN 'expense' THEN p.expense_categories[1 + s.c % cardinality(p.expense_categories)] END AS category_id,
              ($4::text[])[1 + s.d % cardinality($4::text[])] AS description,
              s.at AS created_at, (s.at AT TIME ZONE 'America/Sao_Paulo')::date AS occurred_on,
              NULL::uuid AS reverses_transaction_id
         FROM draws s CROSS JOIN p`,
      [userId, TRANSACTIONS, SEED_DAYS, DESCRIPTIONS],
    );
    await client.query(
      `INSERT INTO seed_tx
       SELECT gen_random_uuid(), 'reversal', account_id, counterparty_account_id, amount_cents, category_id, description,
              created_at + interval '1 day', ((created_at + interval '1 day') AT TIME ZONE 'America/Sao_Paulo')::date, id
         FROM seed_tx WHERE kind = 'expense' AND random() < 0.02 AND created_at < now() - interval '1 day'`,
    );
    await client.query(
      `INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
                                 category_id, occurred_on, policy_version, reverses_transaction_id, created_at)
       SELECT id, $1, kind, account_id, counterparty_account_id, amount_cents, description, category_id, occurred_on,
              CASE kind WHEN 'transfer' THEN 'transfers_v1' ELSE 'ledger_v2' END, reverses_transaction_id, created_at
         FROM seed_tx ORDER BY created_at`,
      [userId],
    );
    // A reversal's legs are its original's negated: the header keeps the original's accounts.
    await client.query(
      `CREATE TEMP TABLE seed_legs ON COMMIT DROP AS
       SELECT id AS transaction_id, account_id,
              CASE WHEN (kind = 'income') <> (kind = 'reversal') THEN amount_cents ELSE -amount_cents END AS amount_cents, created_at
         FROM seed_tx
       UNION ALL
       SELECT id, counterparty_account_id,
              CASE WHEN (kind = 'income') <> (kind = 'reversal') THEN -amount_cents ELSE amount_cents END, created_at
         FROM seed_tx`,
    );
    await client.query(
      `INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
       SELECT l.transaction_id, l.account_id, $1, l.amount_cents,
              a.balance_cents + sum(l.amount_cents) OVER running, a.row_version + row_number() OVER running, l.created_at
         FROM seed_legs l JOIN accounts a ON a.id = l.account_id
       WINDOW running AS (PARTITION BY l.account_id ORDER BY l.created_at, l.transaction_id)`,
      [userId],
    );
    await client.query(
      `UPDATE accounts SET balance_cents = balance_cents + moved.sum_cents, row_version = row_version + moved.legs
         FROM (SELECT account_id, sum(amount_cents) AS sum_cents, count(*)::int AS legs FROM seed_legs GROUP BY account_id) AS moved
        WHERE accounts.id = moved.account_id`,
    );
    await client.query('COMMIT');
    await client.query('VACUUM ANALYZE');
    return userId;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function timed(rounds: number, fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

const ms = (value: number) => value.toFixed(2);

runBench('bench/insights', async (setCleanup) => {
  const url = adminUrl();
  const databases: BenchDatabase[] = [];
  let pool: pg.Pool | undefined;
  setCleanup(async () => {
    await pool?.end();
    for (const database of databases) await database.drop();
  });
  const report = new Report();
  report.log(`bench/insights — ${TRANSACTIONS} transactions over ${SEED_DAYS} days, ${ROUNDS} rounds`);
  report.log(JSON.stringify({ machine: machineFacts(), server: await serverFacts(url) }));

  const database = await createDatabase(url, 'vdp_insights');
  databases.push(database);
  pool = createPool(database.url, { max: 4, applicationName: 'vai-de-pix-bench-insights' });
  await migrate(pool);
  const seedStarted = performance.now();
  const userId = await seed(pool);
  const counts = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM transactions WHERE user_id = $1', [userId]);
  report.log(
    `seeded ${counts.rows[0]?.n} transactions (reversals included) in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
  );

  const insights = new InsightsService({ pool, clock: systemClock, enabled: true });
  const current = calendarMonth(systemClock.now());
  const past = shiftMonth(current, -1);
  report.log(await waitForQuiet({ wait_s: 60, busy_max_percent: 25 }));
  const rows: string[][] = [];
  const figures: Record<string, number[]> = {};
  for (const month of [past, current]) {
    await insights.month(userId, month);
    // A miss: a posting in the month marked the entry stale, so the read computes it again.
    const compute = await timed(ROUNDS, async () => {
      await markInsightsStale(pool as pg.Pool, userId, month);
      await insights.month(userId, month);
    });
    const cached = await timed(ROUNDS, () => insights.month(userId, month));
    figures[`compute_${month}`] = compute;
    figures[`cached_${month}`] = cached;
    const label = month === current ? `${month} (current: + live projection)` : month;
    for (const [what, times] of [
      ['compute (miss)', compute],
      ['cached read (hit)', cached],
    ] as const) {
      rows.push([label, what, ms(quantile(times, 0.5)), ms(quantile(times, 0.95)), ms(times[times.length - 1] ?? Number.NaN)]);
    }
  }
  report.log(formatTable(['month', 'read', 'p50 ms', 'p95 ms', 'max ms'], rows));
  const computeP95 = Math.max(
    quantile(figures[`compute_${past}`] ?? [], 0.95),
    quantile(figures[`compute_${current}`] ?? [], 0.95),
  );
  const cachedP95 = Math.max(quantile(figures[`cached_${past}`] ?? [], 0.95), quantile(figures[`cached_${current}`] ?? [], 0.95));
  report.log(
    `goal compute p95 < ${GOAL_COMPUTE_P95_MS} ms: ${computeP95 < GOAL_COMPUTE_P95_MS ? 'met' : 'NOT met'} (${ms(computeP95)} ms)`,
  );
  report.log(
    `goal cached read p95 < ${GOAL_CACHED_P95_MS} ms: ${cachedP95 < GOAL_CACHED_P95_MS ? 'met' : 'NOT met'} (${ms(cachedP95)} ms)`,
  );

  const pgbenchDatabase = await createDatabase(url, 'vdp_insights_pgbench');
  databases.push(pgbenchDatabase);
  await pgbenchInit(pgbenchDatabase.url, 1);
  const tpcb = await pgbenchTpcb(pgbenchDatabase.url, 1, PGBENCH_SECONDS);
  report.log(`pgbench tpcb-like, scale 1, 1 client, ${PGBENCH_SECONDS} s, same server: ${tpcb.tps.toFixed(0)} tps`);
  report.write(RESULTS_DIR, 'insights', { figures, tpcb });
  return 0;
});
