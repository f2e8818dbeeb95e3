/**
 * bench/stress — the app under stress, checked against its SLOs (docs/OBSERVABILITY.md):
 * 1,000 sequential transactions, 100 concurrent transfers, 50 concurrent job runs, people with
 * 10,000 and 1,000,000 ledger entries, one hot account under 32 clients, a spike from 0 to 64
 * clients and a soak at a steady rate; pgbench tpcb-like on the same server before and after as
 * the yardstick; then one PASS/FAIL line per SLO and the ledger invariants. Exits 1 when one
 * fails. See bench/README.md and docs/PERFORMANCE.md ("Stress (bench:stress)").
 *
 *   npm run bench:stress                                  # everything, a 10-minute soak
 *   npm run bench:stress -- --soak-seconds 60
 *   npm run bench:stress -- --only hot,spike
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { balanceSnapshotsJob } from '../src/jobs/balance-snapshots.js';
import { budgetAlertJob } from '../src/jobs/budget-alert.js';
import type { Job } from '../src/jobs/job.js';
import { materializeRecurringJob } from '../src/jobs/materialize-recurring.js';
import { type JobOutcome, runJobOnce } from '../src/jobs/runner.js';
import { addDays, calendarDay, calendarMonth, shiftMonth } from '../src/lib/calendar.js';
import { PRIVACY_POLICY_VERSION, TERMS_VERSION } from '../src/modules/privacy/consents.js';
import { type CallOptions, HttpClient, outcomeCounts, type RequestRecord, routeFigures } from './stress-http.js';
import { seedLedgerHistory } from './stress-seed.js';
import {
  adminUrl,
  type BenchDatabase,
  checkLedgerInvariants,
  createDatabase,
  formatTable,
  type InvariantCheck,
  integerEnv,
  machineCpuSeconds,
  machineFacts,
  type PgbenchResult,
  pgbenchInit,
  pgbenchTpcb,
  processCpuSeconds,
  Report,
  type RunningServer,
  runBench,
  serverFacts,
  startServerProcess,
  waitForQuiet,
} from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = `${ROOT}bench/results`;
/** A private build, apart from dist/ and from the other benchmarks' (they may run at the same time). */
const SERVER_BUILD_ROOT = `${ROOT}node_modules/.cache/vai-de-pix-bench/stress-${process.pid}`;
/** The server reads ../package.json from its code (its version for /metrics): a copy sits beside it. */
const SERVER_BUILD_DIR = `${SERVER_BUILD_ROOT}/server`;

const SCENARIOS = ['sequential', 'concurrent', 'jobs', 'ledger-10k', 'ledger-1m', 'hot', 'spike', 'soak'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

const SEQUENTIAL_TRANSACTIONS = 1_000;
const CONCURRENT_TRANSFERS = 100;
const CONCURRENT_ROUNDS = integerEnv('BENCH_CONCURRENT_ROUNDS', 10, { min: 1, max: 100 });
const JOB_CALLERS = 50;
const HOT_CLIENTS = 32;
const SPIKE_CLIENTS = 64;
const CLOSED_LOOP_S = integerEnv('BENCH_CLOSED_LOOP_S', 30, { min: 5, max: 600 });
const SOAK_RATE_PER_S = integerEnv('BENCH_SOAK_RATE', 20, { min: 1, max: 1_000 });
/** An open loop does not wait for answers; past this many in flight it counts the send as dropped. */
const SOAK_IN_FLIGHT_MAX = 256;
const READ_SAMPLES = integerEnv('BENCH_READ_SAMPLES', 60, { min: 5, max: 1_000 });
/** The export is limited to 10 an hour per person (EXPORT_RATE_LIMIT). */
const EXPORT_SAMPLES = 3;
const INSIGHT_MONTHS = 3;
const PGBENCH_S = integerEnv('BENCH_PGBENCH_S', 15, { min: 1, max: 600 });
const PGBENCH_SCALE = 10;
const PGBENCH_CLIENTS = 8;
const QUIET_WAIT_S = integerEnv('BENCH_QUIET_WAIT_S', 60, { min: 0, max: 3600 });
const LEDGER_HISTORY_DAYS = 3 * 365;
/** R$ 1 bilhão, the largest opening balance: the transfer scenarios never run out of money. */
const RICH_CENTS = 100_000_000_000;
/** The hot account starts with R$ 500,00, so transfers out of it are refused now and then. */
const HOT_OPENING_CENTS = 50_000;
const PASSWORD = 'stress-password-123';
/** The app's pool as production's default (DATABASE_POOL_MAX). */
const APP_POOL_MAX = 20;

// ---------------------------------------------------------------- options

interface Options {
  soak_s: number;
  only: Set<ScenarioName>;
}

function parseOptions(argv: readonly string[]): Options {
  let soak_s = 600;
  let only = new Set<ScenarioName>(SCENARIOS);
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    const value = argv[index + 1] ?? '';
    if (flag === '--soak-seconds') {
      soak_s = Number(value);
      if (!Number.isInteger(soak_s) || soak_s < 1 || soak_s > 3_600) throw new Error('--soak-seconds takes 1..3600');
      index += 1;
    } else if (flag === '--only') {
      const names = value.split(',').map((name) => name.trim());
      const unknown = names.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
      if (unknown.length > 0 || names.length === 0) throw new Error(`--only takes a list of ${SCENARIOS.join(', ')}`);
      only = new Set(names as ScenarioName[]);
      index += 1;
    } else {
      throw new Error(`unknown option ${flag}; use --soak-seconds N and --only ${SCENARIOS.join(',')}`);
    }
  }
  return { soak_s, only };
}

// ---------------------------------------------------------------- the app

async function compileServer(): Promise<string> {
  rmSync(SERVER_BUILD_ROOT, { recursive: true, force: true });
  mkdirSync(SERVER_BUILD_ROOT, { recursive: true });
  copyFileSync(`${ROOT}package.json`, `${SERVER_BUILD_ROOT}/package.json`);
  const tsc = `${ROOT}node_modules/typescript/bin/tsc`;
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [tsc, '-p', `${ROOT}tsconfig.build.json`, '--outDir', SERVER_BUILD_DIR],
      { cwd: ROOT },
      (error, stdout) => (error ? reject(new Error(`server build failed:\n${stdout}`)) : resolve()),
    );
  });
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [`${ROOT}scripts/copy-migrations.mjs`, SERVER_BUILD_DIR], { cwd: ROOT }, (error) =>
      error ? reject(error) : resolve(),
    );
  });
  return `${SERVER_BUILD_DIR}/main.js`;
}

async function startApp(databaseUrl: string): Promise<RunningServer> {
  const main = await compileServer();
  return startServerProcess({
    args: [main],
    cwd: ROOT,
    env: (port) => ({
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      ROLE: 'api',
      LOG_LEVEL: 'info',
      DATABASE_POOL_MAX: String(APP_POOL_MAX),
      NODE_ENV: 'production',
      METRICS_TOKEN: '',
      SENTRY_DSN: '',
    }),
  });
}

function rssMegabytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kilobytes = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return kilobytes / 1024;
  } catch {
    return Number.NaN;
  }
}

// ---------------------------------------------------------------- people

interface Person {
  token: string;
  userId: string;
}

async function register(client: HttpClient, label: string): Promise<Person> {
  const registered = await client.ok({
    method: 'POST',
    path: '/api/auth/register',
    body: {
      email: `stress.${label}.${randomBytes(4).toString('hex')}@example.com`,
      password: PASSWORD,
      name: `Stress ${label}`,
      accepted_terms_version: TERMS_VERSION,
      accepted_privacy_version: PRIVACY_POLICY_VERSION,
    },
  });
  return { token: registered.token, userId: registered.user.id };
}

async function openAccounts(
  client: HttpClient,
  person: Person,
  count: number,
  options: { type?: string; opening_cents?: number; name?: string } = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const body: Record<string, unknown> = {
      name: `${options.name ?? 'Conta'} ${index + 1}`,
      type: options.type ?? 'checking',
      initial_balance_cents: options.opening_cents ?? RICH_CENTS,
    };
    const created = await client.ok({ method: 'POST', path: '/api/accounts', token: person.token, key: randomUUID(), body });
    ids.push(created.id);
  }
  return ids;
}

async function firstCategory(client: HttpClient, person: Person, kind: 'income' | 'expense', skip = 0): Promise<string> {
  const listed = await client.ok({ method: 'GET', path: `/api/categories?kind=${kind}`, token: person.token });
  const category = listed.items[skip];
  if (!category) throw new Error(`no ${kind} category at ${skip}`);
  return category.id;
}

function randomInt(max_exclusive: number): number {
  return Math.floor(Math.random() * max_exclusive);
}

function transferBetween(person: Person, accounts: readonly string[], amount_max_cents = 10_000): CallOptions {
  const from = randomInt(accounts.length);
  const to = (from + 1 + randomInt(accounts.length - 1)) % accounts.length;
  return {
    method: 'POST',
    path: '/api/transfers',
    token: person.token,
    key: randomUUID(),
    body: {
      from_account_id: accounts[from],
      to_account_id: accounts[to],
      amount_cents: 1 + randomInt(amount_max_cents),
      description: 'stress',
    },
  };
}

// ---------------------------------------------------------------- load shapes

/** `clients` loops, each sending one request after the other until the time is up. */
async function closedLoop(clients: number, duration_s: number, next: (client: number) => Promise<unknown>): Promise<void> {
  const deadline = performance.now() + duration_s * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < deadline) await next(client);
    }),
  );
}

/**
 * Sends at a steady rate whatever the answers do (an open loop, as real traffic arrives), so
 * a slow answer shows as latency instead of lowering the rate. Returns the sends dropped
 * because SOAK_IN_FLIGHT_MAX were already waiting.
 */
async function openLoop(rate_per_s: number, duration_s: number, next: (sequence: number) => Promise<unknown>): Promise<number> {
  const interval_ms = 1000 / rate_per_s;
  const started = performance.now();
  const total = Math.floor(rate_per_s * duration_s);
  const inFlight = new Set<Promise<unknown>>();
  let dropped = 0;
  for (let sequence = 0; sequence < total; sequence += 1) {
    const due = started + sequence * interval_ms;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight.size >= SOAK_IN_FLIGHT_MAX) {
      dropped += 1;
      continue;
    }
    const request = next(sequence).finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  return dropped;
}

// ---------------------------------------------------------------- scenarios

interface ScenarioContext {
  client: HttpClient;
  pool: pg.Pool;
  server: RunningServer;
  log: (line?: string) => void;
  options: Options;
}

interface ScenarioOutcome {
  notes: string[];
  checks: InvariantCheck[];
}

async function sequentialScenario({ client }: ScenarioContext): Promise<ScenarioOutcome> {
  const person = await register(client, 'sequential');
  const [account] = await openAccounts(client, person, 1);
  const category = await firstCategory(client, person, 'expense');
  client.scenario = 'sequential';
  const started = performance.now();
  for (let index = 0; index < SEQUENTIAL_TRANSACTIONS; index += 1) {
    await client.call({
      method: 'POST',
      path: '/api/transactions',
      token: person.token,
      key: randomUUID(),
      body: {
        account_id: account,
        type: 'expense',
        amount_cents: 100 + index,
        description: `Sequencial ${index}`,
        category_id: category,
      },
    });
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    notes: [`${SEQUENTIAL_TRANSACTIONS} expenses one after the other: ${(SEQUENTIAL_TRANSACTIONS / seconds).toFixed(0)}/s`],
    checks: [],
  };
}

async function concurrentScenario({ client }: ScenarioContext): Promise<ScenarioOutcome> {
  const person = await register(client, 'concurrent');
  const accounts = await openAccounts(client, person, 20);
  client.scenario = 'concurrent';
  const started = performance.now();
  for (let round = 0; round < CONCURRENT_ROUNDS; round += 1) {
    await Promise.all(Array.from({ length: CONCURRENT_TRANSFERS }, () => client.call(transferBetween(person, accounts))));
  }
  const seconds = (performance.now() - started) / 1000;
  const total = CONCURRENT_ROUNDS * CONCURRENT_TRANSFERS;
  return {
    notes: [
      `${CONCURRENT_ROUNDS} rounds of ${CONCURRENT_TRANSFERS} transfers sent at once (20 accounts): ${(total / seconds).toFixed(0)}/s`,
    ],
    checks: [],
  };
}

// ---------------------------------------------------------------- jobs

const RULES = 20;
const RULE_DAYS = 10;
const RULE_PREFIX = 'Regra do stress';
const BUDGETS = 5;
const BUDGET_THRESHOLDS = [20, 40, 60, 80, 100];
const BUDGET_LIMIT_CENTS = 10_000;
const JOB_HISTORY_ENTRIES = 4_000;
const DRAIN_RUNS_MAX = 100;

async function seedJobWork(ctx: ScenarioContext): Promise<Person> {
  const { client, pool } = ctx;
  const person = await register(client, 'jobs');
  const [account] = await openAccounts(client, person, 1);
  const housing = await firstCategory(client, person, 'expense');
  const today = calendarDay(new Date());
  for (let index = 0; index < RULES; index += 1) {
    await client.ok({
      method: 'POST',
      path: '/api/recurring',
      token: person.token,
      key: randomUUID(),
      body: {
        account_id: account,
        type: 'expense',
        amount_cents: 100 + index,
        description: `${RULE_PREFIX} ${index}`,
        category_id: housing,
        schedule: { kind: 'every_n_days', days: 1 },
        start_on: addDays(today, -(RULE_DAYS - 1)),
      },
    });
  }
  for (let index = 1; index <= BUDGETS; index += 1) {
    const category = await firstCategory(client, person, 'expense', index);
    await client.ok({
      method: 'PUT',
      path: `/api/budgets/${calendarMonth(new Date())}/${category}`,
      token: person.token,
      body: { limit_cents: BUDGET_LIMIT_CENTS, alert_thresholds: BUDGET_THRESHOLDS },
    });
    await client.ok({
      method: 'POST',
      path: '/api/transactions',
      token: person.token,
      key: randomUUID(),
      body: {
        account_id: account,
        type: 'expense',
        amount_cents: BUDGET_LIMIT_CENTS,
        description: 'Orçamento',
        category_id: category,
      },
    });
  }
  // A year of history on two more accounts, so the snapshot job owes month ends.
  await seedLedgerHistory(pool, { userId: person.userId, entries: JOB_HISTORY_ENTRIES, historyDays: 365, now: new Date() });
  return person;
}

async function count(pool: pg.Pool, sql: string, values: unknown[] = []): Promise<number> {
  const result = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM (${sql}) counted`, values);
  return Number(result.rows[0]?.n);
}

/** Whether the work each job had to do was done, once. */
async function jobWorkChecks(pool: pg.Pool, userId: string): Promise<InvariantCheck[]> {
  const occurrences = await count(
    pool,
    `SELECT 1 FROM recurring_occurrences o JOIN recurring_rules r ON r.id = o.rule_id
      WHERE r.description LIKE $1 || ' %' AND o.status = 'posted'`,
    [RULE_PREFIX],
  );
  const occurrenceTransactions = await count(pool, `SELECT 1 FROM transactions WHERE description LIKE $1 || ' %'`, [RULE_PREFIX]);
  const alerts = await count(pool, 'SELECT DISTINCT budget_id, threshold FROM budget_alerts WHERE user_id = $1', [userId]);
  const alertRows = await count(pool, 'SELECT 1 FROM budget_alerts WHERE user_id = $1', [userId]);
  const notified = await count(pool, `SELECT 1 FROM notifications WHERE user_id = $1 AND kind = 'budget_alert'`, [userId]);
  const snapshots = await count(pool, 'SELECT 1 FROM account_balance_snapshots WHERE user_id = $1', [userId]);
  const wrongSnapshots = await count(
    pool,
    `SELECT 1 FROM account_balance_snapshots s
       JOIN LATERAL (SELECT coalesce(sum(e.amount_cents), 0) AS balance_cents, count(*) AS entry_count FROM ledger_entries e
                      WHERE e.account_id = s.account_id AND e.created_at <= s.as_of) ledger ON true
      WHERE s.user_id = $1 AND (s.balance_cents, s.entry_count) IS DISTINCT FROM (ledger.balance_cents, ledger.entry_count)`,
    [userId],
  );
  const expectedOccurrences = RULES * RULE_DAYS;
  const expectedAlerts = BUDGETS * BUDGET_THRESHOLDS.length;
  return [
    {
      name: 'materialize_recurring: each due occurrence posted once',
      ok: occurrences === expectedOccurrences && occurrenceTransactions === expectedOccurrences,
      detail: `${occurrences} occurrences posted, ${occurrenceTransactions} transactions, ${expectedOccurrences} due`,
    },
    {
      name: 'budget_alert: each crossing recorded and notified once',
      ok: alerts === expectedAlerts && alertRows === expectedAlerts && notified === expectedAlerts,
      detail: `${alertRows} alert rows (${alerts} distinct), ${notified} notifications, ${expectedAlerts} crossings`,
    },
    {
      name: 'balance_snapshots: month ends written, each equal to the ledger',
      ok: snapshots > 0 && wrongSnapshots === 0,
      detail: `${snapshots} snapshots, ${wrongSnapshots} differ from the ledger`,
    },
  ];
}

/** Runs of one job that overlapped in time: there must be none (one lock, one run at a time). */
async function overlappingRuns(pool: pg.Pool, job: string, since: Date): Promise<number> {
  return count(
    pool,
    `SELECT 1 FROM job_runs a JOIN job_runs b ON a.job = b.job AND a.id < b.id
      WHERE a.job = $1 AND a.started_at >= $2 AND b.started_at >= $2
        AND a.started_at < coalesce(b.finished_at, 'infinity') AND b.started_at < coalesce(a.finished_at, 'infinity')`,
    [job, since],
  );
}

/** Runs the job alone until a run finds nothing left (at most DRAIN_RUNS_MAX runs). */
async function drainJob(pool: pg.Pool, job: Job): Promise<{ runs: number; items: number }> {
  let items = 0;
  for (let runs = 1; runs <= DRAIN_RUNS_MAX; runs += 1) {
    const outcome = await runJobOnce(pool, job, { trigger: 'command' });
    if (!outcome.ran) throw new Error(`${job.name} was locked by someone else`);
    items += outcome.affected;
    if (outcome.affected === 0) return { runs, items };
  }
  throw new Error(`${job.name} still had work after ${DRAIN_RUNS_MAX} runs`);
}

async function jobsScenario(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { pool } = ctx;
  const person = await seedJobWork(ctx);
  const jobs: Job[] = [materializeRecurringJob, budgetAlertJob, balanceSnapshotsJob];
  const notes: string[] = [];
  const checks: InvariantCheck[] = [];
  const since = new Date(Date.now() - 1000);
  for (const job of jobs) {
    const started = performance.now();
    // The callers start together, as 50 workers whose schedules fire in the same second.
    const outcomes: Array<JobOutcome | { failed: string }> = await Promise.all(
      Array.from({ length: JOB_CALLERS }, () =>
        runJobOnce(pool, job, { trigger: 'command' }).catch((error: Error) => ({ failed: error.message })),
      ),
    );
    const failures = outcomes.flatMap((outcome) => ('failed' in outcome ? [outcome.failed] : []));
    const runs = outcomes.flatMap((outcome) => ('ran' in outcome && outcome.ran ? [outcome] : []));
    const skips = outcomes.length - runs.length - failures.length;
    const items = runs.reduce((sum, outcome) => sum + outcome.affected, 0);
    const seconds = (performance.now() - started) / 1000;
    // A job works in bounded batches: what one round left, later runs finish (as the next ticks would).
    const drain = await drainJob(pool, job);
    const overlaps = await overlappingRuns(pool, job.name, since);
    notes.push(
      `${job.name}: ${JOB_CALLERS} concurrent callers → ${runs.length} ran, ${skips} skipped (lock held), ${items} items, ${seconds.toFixed(2)} s; then ${drain.runs} runs one after another handled the ${drain.items} left`,
    );
    checks.push({
      name: `${job.name}: ${JOB_CALLERS} callers, no two runs at once`,
      ok: runs.length >= 1 && failures.length === 0 && overlaps === 0,
      detail: `${runs.length} runs + ${skips} skips, ${failures.length} failed${failures[0] ? ` (${failures[0]})` : ''}, ${overlaps} overlapping pairs of runs in job_runs`,
    });
  }
  checks.push(...(await jobWorkChecks(pool, person.userId)));
  return { notes, checks };
}

// ---------------------------------------------------------------- a person with a long ledger

interface ReadPlan {
  label: string;
  route: string;
  path: string;
  samples: number;
  headersOnly?: boolean;
}

async function runSnapshotsToCompletion(pool: pg.Pool): Promise<{ items: number; seconds: number }> {
  const started = performance.now();
  const { items } = await drainJob(pool, balanceSnapshotsJob);
  return { items, seconds: (performance.now() - started) / 1000 };
}

function readPlans(seeded: { checking: string; historyEnd: Date; historyStart: Date }): ReadPlan[] {
  const account = seeded.checking;
  const span = seeded.historyEnd.getTime() - seeded.historyStart.getTime();
  const instant = (fraction: number) => new Date(seeded.historyStart.getTime() + fraction * span).toISOString();
  const lastMonth = calendarMonth(seeded.historyEnd);
  return [
    { label: 'account list', route: '/api/accounts', path: '/api/accounts', samples: READ_SAMPLES },
    { label: 'account (balance)', route: '/api/accounts/:id', path: `/api/accounts/${account}`, samples: READ_SAMPLES },
    {
      label: 'ledger page 1',
      route: '/api/accounts/:id/ledger',
      path: `/api/accounts/${account}/ledger?limit=50`,
      samples: READ_SAMPLES,
    },
    {
      label: 'ledger page at skip 5000',
      route: '/api/accounts/:id/ledger',
      path: `/api/accounts/${account}/ledger?limit=50&skip=5000`,
      samples: READ_SAMPLES,
    },
    { label: 'transactions page 1', route: '/api/transactions', path: '/api/transactions?limit=50', samples: READ_SAMPLES },
    ...[0.1, 0.5, 0.99].map((fraction) => ({
      label: `balance at ${(fraction * 100).toFixed(0)} % of the history`,
      route: '/api/accounts/:id/balance',
      path: `/api/accounts/${account}/balance?at=${encodeURIComponent(instant(fraction))}`,
      samples: READ_SAMPLES,
    })),
    ...Array.from({ length: INSIGHT_MONTHS }, (_, back) => ({
      label: `insights ${shiftMonth(lastMonth, -back)} (first read computes, then cached)`,
      route: '/api/insights',
      path: `/api/insights?month=${shiftMonth(lastMonth, -back)}`,
      samples: Math.max(5, Math.floor(READ_SAMPLES / 3)),
    })),
    {
      label: 'export start (JSON)',
      route: '/api/privacy/export',
      path: '/api/privacy/export',
      samples: EXPORT_SAMPLES,
      headersOnly: true,
    },
  ];
}

async function ledgerScenario(ctx: ScenarioContext, name: ScenarioName, entries: number): Promise<ScenarioOutcome> {
  const { client, pool, log } = ctx;
  const person = await register(client, name);
  let started = performance.now();
  const seeded = await seedLedgerHistory(pool, {
    userId: person.userId,
    entries,
    historyDays: LEDGER_HISTORY_DAYS,
    now: new Date(),
  });
  const seedSeconds = (performance.now() - started) / 1000;
  log(
    `  ${name}: seeded ${seeded.entries} entries (${seeded.transactions} transactions) in ${seedSeconds.toFixed(1)} s, triggers on`,
  );
  const snapshots = await runSnapshotsToCompletion(pool);
  started = performance.now();
  await pool.query('ANALYZE');
  log(
    `  ${name}: balance_snapshots wrote ${snapshots.items} in ${snapshots.seconds.toFixed(1)} s; ANALYZE ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  client.scenario = name;
  const rows: string[][] = [];
  for (const plan of readPlans(seeded)) {
    const samples: number[] = [];
    const outcomes = new Map<string, number>();
    for (let index = 0; index < plan.samples; index += 1) {
      const answer = await client.call({
        method: 'GET',
        path: plan.path,
        route: plan.route,
        token: person.token,
        headersOnly: plan.headersOnly,
      });
      samples.push(answer.ms);
      outcomes.set(answer.outcome, (outcomes.get(answer.outcome) ?? 0) + 1);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN).toFixed(1);
    rows.push([
      plan.label,
      String(plan.samples),
      (samples[0] ?? Number.NaN).toFixed(1),
      at(0.5),
      at(0.95),
      at(0.99),
      [...outcomes].map(([outcome, n]) => `${outcome}×${n}`).join(' '),
    ]);
  }
  log(formatTable(['read', 'n', 'first ms', 'p50 ms', 'p95 ms', 'p99 ms', 'answers'], rows));
  return {
    notes: [
      `${seeded.entries} entries seeded in ${seedSeconds.toFixed(1)} s with triggers on; snapshots ${snapshots.seconds.toFixed(1)} s`,
    ],
    checks: [],
  };
}

// ---------------------------------------------------------------- contention, spike, soak

async function hotScenario(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { client } = ctx;
  const person = await register(client, 'hot');
  const [hot] = await openAccounts(client, person, 1, { type: 'savings', opening_cents: HOT_OPENING_CENTS, name: 'Quente' });
  const others = await openAccounts(client, person, HOT_CLIENTS - 1);
  if (!hot) throw new Error('no hot account');
  client.scenario = 'hot';
  let renames = 0;
  await closedLoop(HOT_CLIENTS, CLOSED_LOOP_S, async (index) => {
    const other = others[index % others.length] as string;
    // One client in eight renames the hot account with the row_version it just read: under
    // this contention the version is often stale by the time it arrives (409).
    if (index % 8 === 7) {
      const read = await client.call({
        method: 'GET',
        path: `/api/accounts/${hot}`,
        route: '/api/accounts/:id',
        token: person.token,
      });
      if (read.outcome_class !== 'ok') return;
      renames += 1;
      return client.call({
        method: 'PATCH',
        path: `/api/accounts/${hot}`,
        route: '/api/accounts/:id',
        token: person.token,
        body: { name: `Quente ${renames}`, row_version: read.json.row_version },
      });
    }
    const outward = index % 2 === 0;
    return client.call({
      method: 'POST',
      path: '/api/transfers',
      token: person.token,
      key: randomUUID(),
      body: {
        from_account_id: outward ? hot : other,
        to_account_id: outward ? other : hot,
        amount_cents: 1 + randomInt(5_000),
        description: 'quente',
      },
    });
  });
  return {
    notes: [
      `${HOT_CLIENTS} clients for ${CLOSED_LOOP_S} s on one savings account (R$ 500,00 at the start): half send out of it, half into it; 4 of them rename it with the row_version they read`,
    ],
    checks: [],
  };
}

async function spikeScenario(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { client } = ctx;
  const person = await register(client, 'spike');
  const accounts = await openAccounts(client, person, 50);
  client.scenario = 'spike';
  await closedLoop(SPIKE_CLIENTS, CLOSED_LOOP_S, () => client.call(transferBetween(person, accounts)));
  return { notes: [`from idle to ${SPIKE_CLIENTS} clients at once, for ${CLOSED_LOOP_S} s (50 accounts)`], checks: [] };
}

async function soakScenario(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { client, server, options } = ctx;
  const person = await register(client, 'soak');
  const accounts = await openAccounts(client, person, 20);
  const category = await firstCategory(client, person, 'expense');
  client.scenario = 'soak';
  const rssBefore = rssMegabytes(server.child.pid ?? 0);
  const dropped = await openLoop(SOAK_RATE_PER_S, options.soak_s, (sequence) => {
    const slot = sequence % 10;
    const account = accounts[sequence % accounts.length] as string;
    if (slot < 5) return client.call(transferBetween(person, accounts));
    if (slot === 5) {
      return client.call({
        method: 'POST',
        path: '/api/transactions',
        token: person.token,
        key: randomUUID(),
        body: {
          account_id: account,
          type: 'expense',
          amount_cents: 1 + randomInt(5_000),
          description: 'soak',
          category_id: category,
        },
      });
    }
    if (slot < 8) return client.call({ method: 'GET', path: '/api/accounts', token: person.token });
    if (slot === 8) {
      return client.call({
        method: 'GET',
        path: `/api/accounts/${account}/ledger?limit=50`,
        route: '/api/accounts/:id/ledger',
        token: person.token,
      });
    }
    return client.call({ method: 'GET', path: '/api/transactions?limit=50', route: '/api/transactions', token: person.token });
  });
  const rssAfter = rssMegabytes(server.child.pid ?? 0);
  return {
    notes: [
      `${SOAK_RATE_PER_S} requests/s for ${options.soak_s} s, open loop (5 in 10 transfers, 1 expense, 2 account lists, 1 ledger page, 1 transactions page); ${dropped} sends dropped (over ${SOAK_IN_FLIGHT_MAX} in flight)`,
      `app RSS ${rssBefore.toFixed(0)} MB before, ${rssAfter.toFixed(0)} MB after`,
    ],
    checks: [{ name: 'soak: the open loop kept its rate', ok: dropped === 0, detail: `${dropped} sends dropped` }],
  };
}

/** The transfers' p99 per minute of the soak, to show whether latency drifts. */
function soakDrift(records: readonly RequestRecord[]): string {
  const soak = records.filter((record) => record.scenario === 'soak' && record.route === 'POST /api/transfers');
  if (soak.length === 0) return '';
  const first = Math.min(...soak.map((record) => record.sent_at_ms));
  const byMinute = new Map<number, number[]>();
  for (const record of soak) {
    const minute = Math.floor((record.sent_at_ms - first) / 60_000);
    byMinute.set(minute, [...(byMinute.get(minute) ?? []), record.ms]);
  }
  return [...byMinute]
    .sort(([a], [b]) => a - b)
    .map(([minute, latencies]) => {
      latencies.sort((a, b) => a - b);
      return `${minute + 1}: ${(latencies[Math.ceil(0.99 * latencies.length) - 1] ?? 0).toFixed(0)}`;
    })
    .join(', ');
}

// ---------------------------------------------------------------- SLOs

const TRANSFER_ROUTE = 'POST /api/transfers';
/**
 * Scenarios whose load stays below what the machine serves: one client at a time, or an open
 * loop at a steady rate. The others (a burst of 100, 32 clients on one account, 64 at once)
 * saturate two cores on purpose: there a request waits for the ones ahead of it, so its
 * latency is about clients ÷ throughput (Little's law) whatever the code does. The latency
 * SLOs describe production, which runs below saturation, so they are judged on these; errors,
 * availability and the invariants are judged on every scenario.
 */
const STEADY_SCENARIOS: ReadonlySet<string> = new Set(['sequential', 'ledger-10k', 'ledger-1m', 'soak']);
/** Closed-loop clients of the saturating scenarios, for the queueing estimate. */
const SCENARIO_CLIENTS: Readonly<Record<string, number>> = {
  concurrent: CONCURRENT_TRANSFERS,
  hot: HOT_CLIENTS,
  spike: SPIKE_CLIENTS,
};
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface SloLine {
  name: string;
  target: string;
  value: string;
  /** Undefined when the requests judged hold none the SLO is about. */
  ok: boolean | undefined;
}

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'n/a ' : ok ? 'PASS' : 'FAIL';
}

function percentage(part: number, whole: number): string {
  return whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(3)} %`;
}

/**
 * The SLOs of docs/OBSERVABILITY.md that a load test can judge. Errors and availability are
 * judged on every request (`all`); latency on `steady`, the requests of scenarios whose load
 * stays below what the machine serves (see STEADY_SCENARIOS).
 */
function sloLines(all: readonly RequestRecord[], steady: readonly RequestRecord[] = all): SloLine[] {
  const api = all.filter((record) => record.route.includes(' /api/'));
  const steadyApi = steady.filter((record) => record.route.includes(' /api/'));
  const transfers = api.filter((record) => record.route === TRANSFER_ROUTE);
  const steadyTransfers = steadyApi.filter((record) => record.route === TRANSFER_ROUTE);
  const fastTransfers = steadyTransfers.filter((record) => record.status !== 0 && record.ms <= 200).length;
  const failedTransfers = transfers.filter((record) => record.outcome_class === 'error').length;
  const apiErrors = api.filter((record) => record.outcome_class === 'error').length;
  const unexpected = api.filter((record) => record.outcome_class === 'unexpected').length;
  const writes = routeFigures(
    steadyApi.filter((record) => WRITE_METHODS.has(record.method) && !record.route.includes('/api/imports')),
  );
  const slowestWrite = writes.reduce<{ route: string; p99_ms: number }>(
    (worst, route) => (route.p99_ms > worst.p99_ms ? route : worst),
    {
      route: 'none',
      p99_ms: 0,
    },
  );
  return [
    {
      name: 'Transfers are fast',
      target: '≥ 99.9 % within 200 ms',
      value: `${percentage(fastTransfers, steadyTransfers.length)} of ${steadyTransfers.length}`,
      ok: steadyTransfers.length === 0 ? undefined : fastTransfers / steadyTransfers.length >= 0.999,
    },
    {
      name: 'Transfers do not fail',
      target: '< 0.1 % 5xx (or no answer)',
      value: `${percentage(failedTransfers, transfers.length)} (${failedTransfers})`,
      ok: transfers.length === 0 ? undefined : failedTransfers / transfers.length < 0.001,
    },
    {
      name: 'The API is available',
      target: '≥ 99.9 % of /api answers not 5xx',
      value: `${percentage(api.length - apiErrors, api.length)} (${apiErrors} errors of ${api.length})`,
      ok: api.length === 0 ? undefined : (api.length - apiErrors) / api.length >= 0.999,
    },
    {
      name: 'Writes are fast',
      target: 'p99 ≤ 500 ms on every write route',
      value: `worst ${slowestWrite.route} p99 ${slowestWrite.p99_ms.toFixed(0)} ms`,
      ok: writes.length === 0 ? undefined : writes.every((route) => route.p99_ms <= 500),
    },
    {
      name: 'No unexpected answers',
      target: 'every 4xx is an expected refusal',
      value: `${unexpected} unexpected`,
      ok: unexpected === 0,
    },
  ];
}

// ---------------------------------------------------------------- report

function scenarioReport(name: string, records: readonly RequestRecord[], seconds: number): string {
  const mine = records.filter((record) => record.scenario === name);
  const figures = routeFigures(mine);
  const outcomes = outcomeCounts(mine);
  const ok = mine.filter((record) => record.outcome_class === 'ok').length;
  return [
    `  ${mine.length} requests in ${seconds.toFixed(1)} s, ${(ok / seconds).toFixed(0)} 2xx/s`,
    formatTable(
      ['route', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      figures.map((route) => [
        route.route,
        String(route.count),
        route.p50_ms.toFixed(1),
        route.p95_ms.toFixed(1),
        route.p99_ms.toFixed(1),
        route.max_ms.toFixed(0),
      ]),
    ),
    `  answers: ${outcomes.map((outcome) => `${outcome.outcome} ×${outcome.count}${outcome.outcome_class === 'ok' ? '' : ` (${outcome.outcome_class})`}`).join(', ')}`,
  ].join('\n');
}

// ---------------------------------------------------------------- main

async function pgbenchYardstick(url: string): Promise<PgbenchResult> {
  const quiet = await waitForQuiet({ wait_s: QUIET_WAIT_S, busy_max_percent: 15 });
  const result = await pgbenchTpcb(url, PGBENCH_CLIENTS, PGBENCH_S);
  process.stdout.write(`  (${quiet})\n`);
  return result;
}

async function main(setCleanup: (cleanup: () => Promise<void>) => void): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const output = new Report();
  const log = output.log;
  const url = adminUrl();
  const databases: BenchDatabase[] = [];
  let server: RunningServer | undefined;
  let pool: pg.Pool | undefined;
  let client: HttpClient | undefined;
  setCleanup(async () => {
    client?.close();
    await server?.stop();
    await pool?.end().catch(() => {});
    for (const database of databases) await database.drop().catch((error) => console.error(`drop ${database.name}:`, error));
    rmSync(SERVER_BUILD_ROOT, { recursive: true, force: true });
  });

  const machine = machineFacts();
  const facts = await serverFacts(url);
  log(
    `bench:stress — scenarios ${[...options.only].join(', ')}; soak ${options.soak_s} s at ${SOAK_RATE_PER_S}/s; closed loops ${CLOSED_LOOP_S} s`,
  );
  log(
    `machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node} (shared with other work: see the pgbench yardstick)`,
  );
  log(
    `server: ${facts.version}; shared_buffers=${facts.shared_buffers} synchronous_commit=${facts.synchronous_commit} fsync=${facts.fsync}`,
  );

  const appDatabase = await createDatabase(url, 'vdp_stress');
  databases.push(appDatabase);
  const pgbenchDatabase = await createDatabase(url, `vdp_pgbench_s${PGBENCH_SCALE}`);
  databases.push(pgbenchDatabase);
  pool = createPool(appDatabase.url, { max: 8, applicationName: 'vai-de-pix-stress' });
  await migrate(pool);
  server = await startApp(appDatabase.url);
  client = new HttpClient(server.base, SPIKE_CLIENTS + CONCURRENT_TRANSFERS);
  log(`app: ${server.base} (pid ${server.child.pid}, ROLE=api, pool ${APP_POOL_MAX}), database ${appDatabase.name}`);
  await pgbenchInit(pgbenchDatabase.url, PGBENCH_SCALE);
  const pgbenchBefore = await pgbenchYardstick(pgbenchDatabase.url);
  log(
    `pgbench tpcb-like scale ${PGBENCH_SCALE}, ${PGBENCH_CLIENTS} clients, ${PGBENCH_S} s, before: ${pgbenchBefore.tps.toFixed(0)} tps`,
  );

  const context: ScenarioContext = { client, pool, server, log, options };
  const runners: Record<ScenarioName, () => Promise<ScenarioOutcome>> = {
    sequential: () => sequentialScenario(context),
    concurrent: () => concurrentScenario(context),
    jobs: () => jobsScenario(context),
    'ledger-10k': () => ledgerScenario(context, 'ledger-10k', 10_000),
    'ledger-1m': () => ledgerScenario(context, 'ledger-1m', 1_000_000),
    hot: () => hotScenario(context),
    spike: () => spikeScenario(context),
    soak: () => soakScenario(context),
  };
  const checks: InvariantCheck[] = [];
  const scenarioSummaries: string[][] = [];
  for (const name of SCENARIOS) {
    if (!options.only.has(name)) continue;
    log();
    log(`## ${name}`);
    const quiet = await waitForQuiet({ wait_s: QUIET_WAIT_S, busy_max_percent: 15 });
    const machineBefore = machineCpuSeconds();
    const appCpuBefore = processCpuSeconds(server.child.pid ?? 0);
    const started = performance.now();
    const outcome = await runners[name]();
    const seconds = (performance.now() - started) / 1000;
    const machineAfter = machineCpuSeconds();
    const busy = (100 * (machineAfter.busy - machineBefore.busy)) / Math.max(1e-9, machineAfter.total - machineBefore.total);
    const appCpu = processCpuSeconds(server.child.pid ?? 0) - appCpuBefore;
    client.scenario = 'between';
    for (const note of outcome.notes) log(`  ${note}`);
    log(
      `  ${seconds.toFixed(0)} s with setup; ${quiet}; machine ${busy.toFixed(0)} % busy during it, the app used ${appCpu.toFixed(1)} CPU s`,
    );
    const measured = client.records.filter((record) => record.scenario === name);
    if (measured.length > 0) {
      const firstSent = Math.min(...measured.map((record) => record.sent_at_ms));
      const lastDone = Math.max(...measured.map((record) => record.sent_at_ms + record.ms));
      log(scenarioReport(name, client.records, (lastDone - firstSent) / 1000));
      const slo = sloLines(measured);
      const answered = measured.filter((record) => record.outcome_class !== 'error').length;
      const clients = SCENARIO_CLIENTS[name];
      if (clients !== undefined) {
        const throughput = answered / ((lastDone - firstSent) / 1000);
        // A burst sent at once waits on average for half of itself; a closed loop for all the other clients.
        const ahead = name === 'concurrent' ? clients / 2 : clients;
        log(
          `  queueing alone: ${ahead} requests ahead ÷ ${throughput.toFixed(0)} answers/s ≈ ${((1000 * ahead) / throughput).toFixed(0)} ms a request`,
        );
      }
      scenarioSummaries.push([
        name,
        STEADY_SCENARIOS.has(name) ? 'steady' : 'saturating',
        ...slo.map((line) => (line.ok === undefined ? 'n/a' : `${line.ok ? '' : '✗ '}${line.value}`)),
      ]);
    }
    if (name === 'soak') log(`  transfers p99 ms by minute: ${soakDrift(client.records)}`);
    checks.push(...outcome.checks);
  }

  const pgbenchAfter = await pgbenchYardstick(pgbenchDatabase.url);
  log();
  log(
    `pgbench tpcb-like scale ${PGBENCH_SCALE}, ${PGBENCH_CLIENTS} clients, ${PGBENCH_S} s: ${pgbenchBefore.tps.toFixed(0)} tps before, ${pgbenchAfter.tps.toFixed(0)} tps after`,
  );
  const measuredRecords = client.records.filter((record) => (SCENARIOS as readonly string[]).includes(record.scenario));
  const steadyRecords = measuredRecords.filter((record) => STEADY_SCENARIOS.has(record.scenario));
  const slo = sloLines(measuredRecords, steadyRecords);
  log();
  log(
    'SLOs per scenario, each judged on its own requests (✗: missed there). The PASS/FAIL lines below judge errors and availability on every request, latency on the steady scenarios (sequential, ledger-*, soak):',
  );
  log(formatTable(['scenario', 'load', ...slo.map((line) => line.name)], scenarioSummaries));
  log();
  log(
    `whole run: ${measuredRecords.length} requests; answers: ${outcomeCounts(measuredRecords)
      .map((outcome) => `${outcome.outcome} ×${outcome.count}`)
      .join(', ')}`,
  );
  for (const line of slo) log(`${verdict(line.ok)}  SLO ${line.name} (${line.target}): ${line.value}`);
  const sloOk = slo.every((line) => line.ok !== false);
  log(
    'Not judged here: "Jobs keep up" and "Backups are recent" need a worker running for hours; "The ledger reconciles" is the invariants below.',
  );
  for (const check of checks) log(`${check.ok ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`);
  const checksOk = checks.every((check) => check.ok);
  // Over a million entries the checks outlast the app pool's statement timeout: a pool without one.
  const checkPool = new pg.Pool({ connectionString: appDatabase.url, max: 2, application_name: 'vai-de-pix-stress-checks' });
  const invariants = await checkLedgerInvariants(checkPool).finally(() => checkPool.end());
  const invariantsOk = output.checks(invariants);
  output.write(RESULTS_DIR, 'stress', {
    machine,
    facts,
    options: { ...options, only: [...options.only] },
    pgbench: { before: pgbenchBefore, after: pgbenchAfter },
    slo,
    checks,
    invariants,
    routes: routeFigures(measuredRecords),
  });
  const ok = sloOk && checksOk && invariantsOk;
  log(`bench:stress: ${ok ? 'PASS' : 'FAIL'}`);
  return ok ? 0 : 1;
}

runBench('stopping the app and dropping the stress databases', main);
