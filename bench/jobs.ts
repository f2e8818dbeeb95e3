/**
 * `npm run bench:jobs`: every registered job run once, under its lock (runJobOnce), on a
 * database seeded with BENCH_JOBS_PEOPLE people (default 10,000), each with a checking
 * account, a budget, a recurring rule with occurrences due, an expired session, an expired
 * Idempotency-Key and an expired rate-limit counter, inserted with set-based SQL. Prints
 * each job's time, items and the process's peak RSS and heap during the run (sampled), then
 * pgbench tpcb-like on the same server in the same run, so the figures can be compared
 * across machines. Jobs added to src/jobs/registry.ts are measured without changes here.
 */
import type pg from 'pg';
import { loadConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { allJobs } from '../src/jobs/registry.js';
import { runJobOnce } from '../src/jobs/runner.js';
import { addDays, calendarDay } from '../src/lib/calendar.js';
import {
  adminUrl,
  type BenchDatabase,
  checkLedgerInvariants,
  createDatabase,
  formatTable,
  integerEnv,
  machineFacts,
  pgbenchInit,
  pgbenchTpcb,
  Report,
  runBench,
  serverFacts,
  waitForQuiet,
} from './support.js';

const PEOPLE = integerEnv('BENCH_JOBS_PEOPLE', 10_000, { min: 1, max: 1_000_000 });
/** Days of occurrences due per rule: today's and the on-time ones before it. */
const RULE_DAYS_DUE = 3;
const PGBENCH_CLIENTS = integerEnv('BENCH_PGBENCH_CLIENTS', 2, { min: 1, max: 64 });
const PGBENCH_DURATION_S = integerEnv('BENCH_PGBENCH_DURATION_S', 10, { min: 1, max: 600 });
const MEMORY_SAMPLE_MS = 10;
const RESULTS_DIR = 'bench/results';
const MB = 1024 * 1024;

/** The people and what the jobs work on, in a few statements rather than one request each. */
async function seed(pool: pg.Pool, people: number): Promise<void> {
  const today = calendarDay(new Date());
  await pool.query(
    `INSERT INTO users (id, email, name, password_hash)
     SELECT gen_random_uuid(), 'bench-' || n || '@example.com', 'Pessoa ' || n, 'not-a-hash' FROM generate_series(1, $1) n`,
    [people],
  );
  await pool.query('SELECT provision_user(id) FROM users');
  await pool.query(
    `INSERT INTO accounts (id, user_id, name, type, overdraft_limit_cents)
     SELECT gen_random_uuid(), id, 'Conta', 'checking', 100000 FROM users`,
  );
  await pool.query(
    `INSERT INTO budgets (id, user_id, category_id, month, limit_cents)
     SELECT gen_random_uuid(), c.user_id, c.id, date_trunc('month', $1::date)::date, 50000
       FROM categories c WHERE c.system_key = 'food'`,
    [today],
  );
  await pool.query(
    `INSERT INTO recurring_rules (id, user_id, type, account_id, amount_cents, description, category_id, schedule, start_on)
     SELECT gen_random_uuid(), a.user_id, 'income', a.id, 250000, 'Salário', c.id, '{"kind":"every_n_days","days":1}', $1::date
       FROM accounts a JOIN categories c ON c.user_id = a.user_id AND c.system_key = 'salary'
      WHERE a.type = 'checking'`,
    [addDays(today, -(RULE_DAYS_DUE - 1))],
  );
  await pool.query(
    `INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at)
     SELECT gen_random_uuid(), id, sha256(convert_to(id::text, 'UTF8')), now() - interval '40 days', now() - interval '10 days', now() - interval '12 days'
       FROM users`,
  );
  await pool.query(
    `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, expires_at, created_at)
     SELECT id, 'bench', 'POST', '/api/transactions', '\\x00', 'in_flight', now() - interval '1 day', now() - interval '2 days' FROM users`,
  );
  await pool.query(
    `INSERT INTO rate_limits (key, hits, window_ends_at)
     SELECT sha256(convert_to('bench-' || n, 'UTF8')), 1, now() - interval '1 minute' FROM generate_series(1, $1) n`,
    [people],
  );
  await pool.query('ANALYZE');
}

interface Peak {
  rss: number;
  heapUsed: number;
}

/** The highest RSS and heap seen while `work` runs, sampled every MEMORY_SAMPLE_MS. */
async function measurePeak<T>(work: () => Promise<T>): Promise<{ result: T; peak: Peak }> {
  const peak: Peak = { rss: 0, heapUsed: 0 };
  const sample = () => {
    const usage = process.memoryUsage();
    peak.rss = Math.max(peak.rss, usage.rss);
    peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed);
  };
  sample();
  const timer = setInterval(sample, MEMORY_SAMPLE_MS);
  try {
    const result = await work();
    sample();
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}

interface JobFigure {
  job: string;
  ran: boolean;
  items: number;
  ms: number;
  peak_rss_mb: number;
  peak_heap_mb: number;
  error?: string;
}

async function main(setCleanup: (cleanup: () => Promise<void>) => void): Promise<number> {
  const output = new Report();
  const { log } = output;
  const url = adminUrl();
  const machine = machineFacts();
  const facts = await serverFacts(url);
  log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`);
  log(`server: ${facts.version}`);
  log(
    `plan: ${PEOPLE} people, every job in src/jobs/registry.ts once; pgbench tpcb-like ${PGBENCH_CLIENTS} clients ${PGBENCH_DURATION_S} s`,
  );
  log(await waitForQuiet({ wait_s: 30, busy_max_percent: 30 }));

  const databases: BenchDatabase[] = [];
  let pool: pg.Pool | undefined;
  setCleanup(async () => {
    await pool?.end();
    for (const database of databases) await database.drop();
  });
  const appDatabase = await createDatabase(url, 'vdp_bench_jobs');
  databases.push(appDatabase);
  pool = createPool(appDatabase.url, { max: 10 });
  await migrate(pool);
  const seeding = Date.now();
  await seed(pool, PEOPLE);
  log(`seeded ${PEOPLE} people in ${((Date.now() - seeding) / 1000).toFixed(1)} s`);

  const config = loadConfig({ ...process.env, DATABASE_URL: appDatabase.url });
  const figures: JobFigure[] = [];
  for (const job of allJobs(config)) {
    global.gc?.();
    const started = performance.now();
    const { result, peak } = await measurePeak(() =>
      runJobOnce(pool as pg.Pool, job, { trigger: 'command' }).then(
        (outcome) => ({ outcome, error: undefined }),
        (error: unknown) => ({ outcome: undefined, error: error instanceof Error ? error.message : String(error) }),
      ),
    );
    figures.push({
      job: job.name,
      ran: result.outcome?.ran ?? true,
      items: result.outcome?.ran ? result.outcome.affected : 0,
      ms: performance.now() - started,
      peak_rss_mb: peak.rss / MB,
      peak_heap_mb: peak.heapUsed / MB,
      ...(result.error ? { error: result.error } : {}),
    });
  }
  log(
    formatTable(
      ['job', 'items', 'ms', 'peak RSS MB', 'peak heap MB', 'outcome'],
      figures.map((figure) => [
        figure.job,
        String(figure.items),
        figure.ms.toFixed(0),
        figure.peak_rss_mb.toFixed(0),
        figure.peak_heap_mb.toFixed(0),
        figure.error ? `failed: ${figure.error}` : figure.ran ? 'ran' : 'skipped (locked)',
      ]),
    ),
  );
  const invariantsOk = output.checks(await checkLedgerInvariants(pool));

  const pgbenchDatabase = await createDatabase(url, 'vdp_pgbench_jobs');
  databases.push(pgbenchDatabase);
  await pgbenchInit(pgbenchDatabase.url, 1);
  const tpcb = await pgbenchTpcb(pgbenchDatabase.url, PGBENCH_CLIENTS, PGBENCH_DURATION_S);
  log(`pgbench tpcb-like, scale 1, ${PGBENCH_CLIENTS} clients, ${PGBENCH_DURATION_S} s: ${tpcb.tps.toFixed(0)} tps`);

  output.write(RESULTS_DIR, 'jobs', { machine, facts, people: PEOPLE, figures, pgbench: tpcb });
  return invariantsOk && figures.every((figure) => !figure.error) ? 0 : 1;
}

runBench('dropping the bench databases', main);
