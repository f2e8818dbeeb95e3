/**
 * bench/balance-at — GET /api/accounts/:id/balance?at= on an account with 1,000,000 entries
 * over five years: the p95 of its query (accounts.repository balanceAt, the statement the
 * endpoint runs) at several instants, before and after the balance_snapshots job has written
 * the month-end snapshots, how long that job takes, and pgbench tpcb-like on the same server
 * in the same run. See docs/PERFORMANCE.md ("Balance at an instant (issue 12)").
 *
 *   npm run bench:balance-at
 *   BENCH_ENTRIES=200000 BENCH_QUERIES=100 npm run bench:balance-at
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { writeBalanceSnapshots } from '../src/jobs/balance-snapshots.js';
import { balanceAt } from '../src/modules/accounts/accounts.repository.js';
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
} from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = `${ROOT}bench/results`;
const ENTRIES = integerEnv('BENCH_ENTRIES', 1_000_000, { min: 1_000, max: 10_000_000 });
const QUERIES = integerEnv('BENCH_QUERIES', 200, { min: 10, max: 10_000 });
/** Without snapshots a query can take a second; fewer samples keep the run short. */
const QUERIES_WITHOUT_SNAPSHOTS = integerEnv('BENCH_QUERIES_WITHOUT_SNAPSHOTS', 40, { min: 10, max: 10_000 });
const PGBENCH_S = integerEnv('BENCH_PGBENCH_S', 10, { min: 1, max: 600 });
const HISTORY_START = new Date('2021-12-01T03:00:00Z');
const HISTORY_MS = 5 * 365 * 86_400_000;
/** Where in the account's life each query asks: its first month, then ever later. */
const INSTANT_FRACTIONS = [0.01, 0.25, 0.5, 0.75, 0.999];

/**
 * One person, one checking account and ENTRIES postings against their expense account,
 * evenly spread over five years, written in one statement with triggers off (the per-row
 * balance check would dominate the load, and the data is balanced by construction).
 */
async function seed(pool: ReturnType<typeof createPool>): Promise<string> {
  const userId = randomUUID();
  const accountId = randomUUID();
  await pool.query(
    `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, 'bench@example.com', 'Bench', 'x', $2)`,
    [userId, HISTORY_START],
  );
  await pool.query('SELECT provision_user($1)', [userId]);
  await pool.query(
    `INSERT INTO accounts (id, user_id, name, type, overdraft_limit_cents, created_at)
     VALUES ($1, $2, 'Conta', 'checking', 100000000000, $3)`,
    [accountId, userId, HISTORY_START],
  );
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    // Seeding a million postings outlasts the app's statement timeout; the measured queries keep it.
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query(
      `CREATE TEMP TABLE bench_postings ON COMMIT DROP AS
       SELECT gen_random_uuid() AS id, i,
              CASE WHEN i % 3 = 0 THEN 250000 ELSE -(1000 + i % 5000) END::bigint AS amount,
              $1::timestamptz + (i::float8 / $2 * $3::float8) * interval '1 millisecond' AS at
         FROM generate_series(1, $2) AS i`,
      [HISTORY_START, ENTRIES, HISTORY_MS],
    );
    await client.query(
      `INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
                                 occurred_on, policy_version, created_at)
       SELECT p.id, $1, 'adjustment', $2, (SELECT id FROM accounts WHERE user_id = $1 AND type = 'expense'),
              abs(p.amount), 'bench', (p.at AT TIME ZONE 'America/Sao_Paulo')::date, 'ledger_v1', p.at
         FROM bench_postings p`,
      [userId, accountId],
    );
    await client.query(
      `INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
       SELECT p.id, $2, $1, p.amount, sum(p.amount) OVER (ORDER BY p.i), p.i, p.at FROM bench_postings p
       UNION ALL
       SELECT p.id, (SELECT id FROM accounts WHERE user_id = $1 AND type = 'expense'), $1, -p.amount,
              -sum(p.amount) OVER (ORDER BY p.i), p.i, p.at FROM bench_postings p`,
      [userId, accountId],
    );
    await client.query(
      `UPDATE accounts a SET balance_cents = coalesce(s.total, 0), row_version = greatest(s.n, 1)
         FROM (SELECT account_id, sum(amount_cents) AS total, count(*) AS n FROM ledger_entries GROUP BY account_id) s
        WHERE a.id = s.account_id`,
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
  const maintenance = await pool.connect();
  try {
    await maintenance.query('SET statement_timeout = 0');
    await maintenance.query('VACUUM ANALYZE');
    await maintenance.query('RESET statement_timeout');
  } finally {
    maintenance.release();
  }
  return accountId;
}

async function p95At(pool: ReturnType<typeof createPool>, accountId: string, at: Date, queries: number) {
  const samples: number[] = [];
  let result = { balance_cents: 0, entry_count: 0 };
  for (let query = 0; query < queries; query += 1) {
    const started = performance.now();
    result = await balanceAt(pool, accountId, at);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: quantile(samples, 0.5), p95: quantile(samples, 0.95), ...result };
}

runBench('bench:balance-at', async (setCleanup) => {
  const report = new Report();
  const log = report.log;
  const admin = adminUrl();
  let database: BenchDatabase | undefined;
  let pgbenchDatabase: BenchDatabase | undefined;
  let pool: ReturnType<typeof createPool> | undefined;
  setCleanup(async () => {
    await pool?.end();
    await database?.drop();
    await pgbenchDatabase?.drop();
  });

  log(
    `bench:balance-at — ${ENTRIES} entries on one account over 5 years, ${QUERIES_WITHOUT_SNAPSHOTS} queries per instant without snapshots, ${QUERIES} with`,
  );
  log(`machine: ${JSON.stringify(machineFacts())}`);
  log(`postgres: ${JSON.stringify(await serverFacts(admin))}`);
  database = await createDatabase(admin, 'bench_balance_at');
  pool = createPool(database.url, { max: 4 });
  await migrate(pool);
  let started = performance.now();
  const accountId = await seed(pool);
  log(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const instants = INSTANT_FRACTIONS.map((fraction) => new Date(HISTORY_START.getTime() + fraction * HISTORY_MS));
  const before: Awaited<ReturnType<typeof p95At>>[] = [];
  for (const at of instants) before.push(await p95At(pool, accountId, at, QUERIES_WITHOUT_SNAPSHOTS));

  const jobNow = new Date(HISTORY_START.getTime() + HISTORY_MS + 40 * 86_400_000);
  started = performance.now();
  // The job's first run on an account this old writes 24 months per batch; it runs until done.
  let written = 0;
  for (;;) {
    const batch = await writeBalanceSnapshots(pool, jobNow);
    written += batch;
    if (batch === 0) break;
  }
  const jobSeconds = (performance.now() - started) / 1000;
  await pool.query('ANALYZE account_balance_snapshots');
  log(`balance_snapshots: ${written} snapshots written in ${jobSeconds.toFixed(1)} s`);
  const after: Awaited<ReturnType<typeof p95At>>[] = [];
  for (const at of instants) after.push(await p95At(pool, accountId, at, QUERIES));

  const rows = instants.map((at, index) => {
    const without = before[index];
    const withSnapshots = after[index];
    if (!without || !withSnapshots) throw new Error('missing measurement');
    if (without.balance_cents !== withSnapshots.balance_cents || without.entry_count !== withSnapshots.entry_count) {
      throw new Error(`balance at ${at.toISOString()} differs with snapshots`);
    }
    return [
      at.toISOString().slice(0, 10),
      String(withSnapshots.entry_count),
      without.p50.toFixed(2),
      without.p95.toFixed(2),
      withSnapshots.p50.toFixed(2),
      withSnapshots.p95.toFixed(2),
    ];
  });
  log(
    formatTable(
      ['at', 'entries summed', 'p50 ms (no snapshots)', 'p95 ms (no snapshots)', 'p50 ms (snapshots)', 'p95 ms (snapshots)'],
      rows,
    ),
  );

  pgbenchDatabase = await createDatabase(admin, 'bench_balance_at_pgbench');
  await pgbenchInit(pgbenchDatabase.url, 1);
  const tpcb = await pgbenchTpcb(pgbenchDatabase.url, 1, PGBENCH_S);
  log(
    `pgbench tpcb-like, 1 client, ${PGBENCH_S} s: ${tpcb.tps.toFixed(0)} tps, latency ${tpcb.latency_average_ms.toFixed(2)} ms`,
  );
  report.write(RESULTS_DIR, 'balance-at', { entries: ENTRIES, before, after, written, jobSeconds, tpcb });
  return 0;
});
