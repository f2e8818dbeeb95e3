/**
 * bench/transfers — POST /api/transfers throughput and latency at 1, 8 and 32 connections,
 * next to pgbench tpcb-like at the same client counts on the same PostgreSQL server, then
 * the ledger invariants on what the run wrote. See bench/README.md for how to read it.
 *
 *   npm run bench:transfers                       # 15 s per step
 *   BENCH_DURATION_S=10 npm run bench:transfers
 *
 * The app runs as a child process (`node <compiled main.js>`, as in production) so that
 * its event loop does not share a thread with autocannon; both still share the machine's
 * cores with PostgreSQL, just as pgbench's client threads do.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon, { type Instance } from 'autocannon';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import {
  adminUrl,
  type BenchDatabase,
  type BenchUser,
  checkLedgerInvariants,
  connectionCounts,
  createDatabase,
  formatTable,
  integerEnv,
  integerListEnv,
  machineCpuSeconds,
  machineFacts,
  type PgbenchResult,
  pgbenchInit,
  pgbenchTpcb,
  processCpuSeconds,
  quantile,
  Report,
  type RunningServer,
  runBench,
  seedBenchUser,
  serverFacts,
  startServerProcess,
  trackCpu,
  transferRequest,
  waitForQuiet,
} from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Reports land here as .txt (git ignores the folder; Biome does not read .txt files). */
const RESULTS_DIR = `${ROOT}bench/results`;
/** Compiled JavaScript must sit under the repository to resolve node_modules, and outside Biome's reach. */
const SERVER_BUILD_DIR = `${ROOT}node_modules/.cache/vai-de-pix-bench/server`;

const DURATION_S = integerEnv('BENCH_DURATION_S', 15, { min: 1, max: 600 });
const WARMUP_S = integerEnv('BENCH_WARMUP_S', 3, { min: 0, max: 60 });
const USERS = integerEnv('BENCH_USERS', 2, { min: 1, max: 10 });
/** ACCOUNTS_PER_USER_MAX in accounts.schemas.ts is 200. */
const ACCOUNTS_PER_USER = integerEnv('BENCH_ACCOUNTS', 50, { min: 2, max: 200 });
/**
 * pgbench databases to compare with, by scale factor. Scale 1 is what a plain `pgbench -i`
 * creates: its one branch row makes 8 clients queue on one row lock. pgbench's manual
 * advises a scale of at least the client count (10 for 8), so both are measured and
 * every ratio is printed against each.
 */
const PGBENCH_SCALES = integerListEnv('BENCH_PGBENCH_SCALES', [1, 10], { min: 1, max: 1000 });
const CONNECTIONS = connectionCounts([1, 8, 32]);
const SERVER_MODE = process.env.BENCH_SERVER === 'tsx' ? 'tsx' : 'build';
/** Extra node flags for the app, e.g. "--cpu-prof --cpu-prof-dir=/tmp/vdp-prof" to profile it. */
const SERVER_NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** Production logs one JSON line per request at info; the lines go to /dev/null here. */
const SERVER_LOG_LEVEL = process.env.BENCH_LOG_LEVEL || 'info';

const GOAL_CONNECTIONS = 8;
const GOAL_RATIO = 0.5;
const REQUEST_TIMEOUT_S = 30;
/** Before each measurement, wait (at most this long) for other work on the machine to pause. */
const QUIET_WAIT_S = integerEnv('BENCH_QUIET_WAIT_S', 180, { min: 0, max: 3600 });
const QUIET_BUSY_MAX_PERCENT = 15;

interface LoadResult {
  connections: number;
  duration_s: number;
  ok_count: number;
  transfers_per_s: number;
  p50_ms: number;
  p99_ms: number;
  mean_ms: number;
  non_2xx: number;
  status_counts: Record<string, number>;
  socket_errors: number;
  timeouts: number;
  retries: number;
  app_cpu_percent: number;
  app_cpu_ms_per_transfer: number;
  postgres_cpu_ms_per_transfer: number;
  autocannon_cpu_ms_per_transfer: number;
  machine_cpu_percent: number;
}

// ---------------------------------------------------------------- the app under test

async function compileServer(): Promise<string[]> {
  if (SERVER_MODE === 'tsx') return ['--import', 'tsx', `${ROOT}src/main.ts`];
  // A private build (not dist/), so the benchmark never overwrites what someone else built;
  // emptied first, so a renamed migration cannot leave a stale file behind.
  rmSync(SERVER_BUILD_DIR, { recursive: true, force: true });
  const tsc = `${ROOT}node_modules/typescript/bin/tsc`;
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [tsc, '-p', `${ROOT}tsconfig.build.json`, '--outDir', SERVER_BUILD_DIR],
      { cwd: ROOT },
      (error, stdout) => (error ? reject(new Error(`server build failed:\n${stdout}`)) : resolve()),
    );
  });
  // The files the server reads beside its code (migrations, the common-password list), as npm run build copies them.
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [`${ROOT}scripts/copy-migrations.mjs`, SERVER_BUILD_DIR], { cwd: ROOT }, (error) =>
      error ? reject(error) : resolve(),
    );
  });
  // The server reads ../package.json from its code (its version for /metrics), as dist/ finds it at the root.
  copyFileSync(`${ROOT}package.json`, `${SERVER_BUILD_DIR}/../package.json`);
  return [`${SERVER_BUILD_DIR}/main.js`];
}

async function startServer(databaseUrl: string, poolMax: number): Promise<RunningServer> {
  const args = await compileServer();
  return startServerProcess({
    args: [...SERVER_NODE_ARGS, ...args],
    cwd: ROOT,
    env: (port) => ({
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      ROLE: 'api',
      LOG_LEVEL: SERVER_LOG_LEVEL,
      DATABASE_POOL_MAX: String(poolMax),
      NODE_ENV: 'production',
      METRICS_TOKEN: '',
      SENTRY_DSN: '',
    }),
  });
}

// ---------------------------------------------------------------- seeding through the API

// ---------------------------------------------------------------- load

/** The sum of a Prometheus counter's series, read from GET /metrics. */
async function counterTotal(base: string, name: string): Promise<number> {
  const response = await fetch(`${base}/metrics`);
  const text = await response.text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

let currentLoad: Instance | undefined;

const output = new Report();
const log = output.log;

async function runLoad(
  server: RunningServer,
  users: readonly BenchUser[],
  options: { connections: number; duration_s: number; adminUrl: string; database: string },
) {
  const { connections, duration_s } = options;
  const latencies: number[] = [];
  const retriesBefore = await counterTotal(server.base, 'ledger_tx_retries_total');
  const serverCpu = trackCpu(options.adminUrl, options.database);
  await serverCpu.ready;
  const appCpuBefore = processCpuSeconds(server.child.pid ?? 0);
  const loadCpuBefore = process.cpuUsage();
  const machineBefore = machineCpuSeconds();
  const instance = autocannon({
    url: server.base,
    connections,
    duration: duration_s,
    timeout: REQUEST_TIMEOUT_S,
    requests: [transferRequest(users)],
  });
  currentLoad = instance;
  // autocannon's own histogram keeps whole milliseconds; these are exact.
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await instance;
  currentLoad = undefined;
  const appCpu = processCpuSeconds(server.child.pid ?? 0) - appCpuBefore;
  const loadCpu = process.cpuUsage(loadCpuBefore);
  const machineAfter = machineCpuSeconds();
  await serverCpu.stop();
  latencies.sort((a, b) => a - b);
  const statusCounts = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count]));
  const okCount = result['2xx'];
  return {
    connections,
    duration_s: result.duration,
    ok_count: okCount,
    transfers_per_s: okCount / result.duration,
    p50_ms: quantile(latencies, 0.5),
    p99_ms: quantile(latencies, 0.99),
    mean_ms: latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length),
    non_2xx: result.non2xx,
    status_counts: statusCounts,
    socket_errors: result.errors,
    timeouts: result.timeouts,
    retries: (await counterTotal(server.base, 'ledger_tx_retries_total')) - retriesBefore,
    app_cpu_percent: (100 * appCpu) / result.duration,
    app_cpu_ms_per_transfer: (1000 * appCpu) / Math.max(1, okCount),
    postgres_cpu_ms_per_transfer: (1000 * serverCpu.total()) / Math.max(1, okCount),
    autocannon_cpu_ms_per_transfer: (loadCpu.user + loadCpu.system) / 1000 / Math.max(1, okCount),
    machine_cpu_percent: (100 * (machineAfter.busy - machineBefore.busy)) / (machineAfter.total - machineBefore.total),
  } satisfies LoadResult;
}

// ---------------------------------------------------------------- report

/** pgbench results by client count, then by scale. */
type PgbenchRuns = Map<number, Map<number, PgbenchResult>>;

function report(loads: readonly LoadResult[], pgbenchRuns: PgbenchRuns): string {
  const throughput = loads.map((load) => [
    String(load.connections),
    load.transfers_per_s.toFixed(0),
    load.p50_ms.toFixed(2),
    load.p99_ms.toFixed(2),
    String(load.non_2xx + load.socket_errors),
    String(load.retries),
    ...PGBENCH_SCALES.flatMap((scale) => {
      const tps = pgbenchRuns.get(load.connections)?.get(scale)?.tps ?? Number.NaN;
      return [tps.toFixed(0), (load.transfers_per_s / tps).toFixed(2)];
    }),
  ]);
  const reference = PGBENCH_SCALES[PGBENCH_SCALES.length - 1] as number;
  const pgbench = new Map([...pgbenchRuns].map(([connections, byScale]) => [connections, byScale.get(reference)]));
  // CPU per operation hardly moves with background load, so it explains the ratio even on a busy machine.
  const cpu = loads.map((load) => {
    const tpcb = pgbench.get(load.connections);
    const transferTotal = load.app_cpu_ms_per_transfer + load.postgres_cpu_ms_per_transfer + load.autocannon_cpu_ms_per_transfer;
    const tpcbTotal = (tpcb?.server_cpu_ms_per_tx ?? Number.NaN) + (tpcb?.client_cpu_ms_per_tx ?? Number.NaN);
    return [
      String(load.connections),
      load.app_cpu_ms_per_transfer.toFixed(2),
      load.postgres_cpu_ms_per_transfer.toFixed(2),
      load.autocannon_cpu_ms_per_transfer.toFixed(2),
      transferTotal.toFixed(2),
      (tpcb?.server_cpu_ms_per_tx ?? Number.NaN).toFixed(2),
      (tpcb?.client_cpu_ms_per_tx ?? Number.NaN).toFixed(2),
      tpcbTotal.toFixed(2),
      `${load.machine_cpu_percent.toFixed(0)}%`,
    ];
  });
  return [
    formatTable(
      [
        'connections',
        'transfers/s',
        'p50 ms',
        'p99 ms',
        'errors',
        'retries',
        ...PGBENCH_SCALES.flatMap((scale) => [`pgbench tps (scale ${scale})`, `ratio (scale ${scale})`]),
      ],
      throughput,
    ),
    '',
    `CPU per operation, ms (transfer: app process, its PostgreSQL backends, autocannon; pgbench at scale ${reference}: backends, client):`,
    formatTable(
      [
        'connections',
        'app',
        'postgres',
        'autocannon',
        'transfer total',
        'pgbench postgres',
        'pgbench client',
        'pgbench total',
        'machine busy (transfers)',
      ],
      cpu,
    ),
  ].join('\n');
}

/**
 * Every 201 is one committed transfer with one completed key. autocannon stops counting
 * when its time is up, so requests in flight at that moment may commit unseen: at most one
 * per connection per run.
 */
async function transferBookkeeping(pool: ReturnType<typeof createPool>, okCount: number, inFlightMax: number) {
  const transfers = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM transactions WHERE kind = 'transfer'");
  const keys = await pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM idempotency_keys WHERE path = '/api/transfers' AND status = 'completed'",
  );
  const transferCount = transfers.rows[0]?.n ?? -1;
  const keyCount = keys.rows[0]?.n ?? -1;
  return {
    name: 'one committed transfer and one completed key per 201',
    ok: transferCount === keyCount && transferCount >= okCount && transferCount <= okCount + inFlightMax,
    detail: `201 answers ${okCount} (+ at most ${inFlightMax} cut off in flight), transfer rows ${transferCount}, completed keys ${keyCount}`,
  };
}

// ---------------------------------------------------------------- main

async function main(setCleanup: (cleanup: () => Promise<void>) => void): Promise<number> {
  const url = adminUrl();
  const databases: BenchDatabase[] = [];
  let server: RunningServer | undefined;
  let pool: ReturnType<typeof createPool> | undefined;
  setCleanup(async () => {
    currentLoad?.stop();
    await server?.stop();
    await pool?.end().catch(() => {});
    for (const database of databases) await database.drop().catch((error) => console.error(`drop ${database.name}:`, error));
  });

  const machine = machineFacts();
  const facts = await serverFacts(url);
  log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);
  log(`server: ${facts.version}`);
  log(
    `settings: shared_buffers=${facts.shared_buffers} synchronous_commit=${facts.synchronous_commit} fsync=${facts.fsync} max_connections=${facts.max_connections}`,
  );
  log(
    `plan: ${USERS} users × ${ACCOUNTS_PER_USER} checking accounts, connections ${CONNECTIONS.join('/')}, ${DURATION_S} s each (warm-up ${WARMUP_S} s), pgbench scales ${PGBENCH_SCALES.join(', ')}, app from ${SERVER_MODE}, log level ${SERVER_LOG_LEVEL}`,
  );

  const appDatabase = await createDatabase(url, 'vdp_bench');
  databases.push(appDatabase);
  const pgbenchDatabases = new Map<number, BenchDatabase>();
  for (const scale of PGBENCH_SCALES) {
    const database = await createDatabase(url, `vdp_pgbench_s${scale}`);
    databases.push(database);
    pgbenchDatabases.set(scale, database);
  }

  pool = createPool(appDatabase.url, { max: 4, applicationName: 'vai-de-pix-bench' });
  await migrate(pool);
  const poolMax = Math.max(...CONNECTIONS) + 8;
  server = await startServer(appDatabase.url, poolMax);
  log(`app: ${server.base} (pid ${server.child.pid}, pool ${poolMax}), database ${appDatabase.name}`);

  const users: BenchUser[] = [];
  for (let index = 0; index < USERS; index += 1) users.push(await seedBenchUser(server.base, index, ACCOUNTS_PER_USER));
  log(`seeded ${users.length} users, ${users.length * ACCOUNTS_PER_USER} accounts`);
  for (const [scale, database] of pgbenchDatabases) {
    await pgbenchInit(database.url, scale);
    log(`pgbench: initialised ${database.name} at scale ${scale}`);
  }

  const target = { adminUrl: url, database: appDatabase.name };
  let okTotal = 0;
  let inFlightMax = 0;
  if (WARMUP_S > 0) {
    const warmup = await runLoad(server, users, { ...target, connections: GOAL_CONNECTIONS, duration_s: WARMUP_S });
    okTotal += warmup.ok_count;
    inFlightMax += GOAL_CONNECTIONS;
    log(`warm-up: ${warmup.transfers_per_s.toFixed(0)} transfers/s at ${GOAL_CONNECTIONS} connections (not reported)`);
  }
  // As pgbench -i ends with VACUUM ANALYZE of its tables: statistics from a ledger with
  // rows in it. Without them (autovacuum is off on some servers) every connection keeps
  // the plans it made on near-empty tables, sequential scans in the foreign-key checks
  // and the deferred balance triggers, and a transfer costs more the longer the run.
  await pool.query('VACUUM ANALYZE');
  log('VACUUM ANALYZE of the app database done');

  // Each client count runs the app and then pgbench back to back, so a ratio compares
  // two measurements taken under the same background load.
  const loads: LoadResult[] = [];
  const pgbench: PgbenchRuns = new Map();
  const quiet = () => waitForQuiet({ wait_s: QUIET_WAIT_S, busy_max_percent: QUIET_BUSY_MAX_PERCENT });
  for (const connections of CONNECTIONS) {
    const quietBeforeLoad = await quiet();
    const load = await runLoad(server, users, { ...target, connections, duration_s: DURATION_S });
    okTotal += load.ok_count;
    inFlightMax += connections;
    loads.push(load);
    const byScale = new Map<number, PgbenchResult>();
    pgbench.set(connections, byScale);
    const pgbenchNotes: string[] = [];
    for (const [scale, database] of pgbenchDatabases) {
      const quietBeforePgbench = await quiet();
      const tpcb = await pgbenchTpcb(database.url, connections, DURATION_S);
      byScale.set(scale, tpcb);
      pgbenchNotes.push(`scale ${scale}: ${tpcb.tps.toFixed(0)} tps (${quietBeforePgbench})`);
    }
    log(
      `  ${connections} connections: ${load.transfers_per_s.toFixed(0)} transfers/s (statuses ${JSON.stringify(load.status_counts)}; ${quietBeforeLoad}), pgbench ${pgbenchNotes.join(', ')}`,
    );
  }

  log();
  log(report(loads, pgbench));
  log();

  const checks = [...(await checkLedgerInvariants(pool)), await transferBookkeeping(pool, okTotal, inFlightMax)];
  const invariantsOk = output.checks(checks);

  const refused = loads.reduce((sum, load) => sum + (load.status_counts['422'] ?? 0), 0);
  if (refused > 0) log(`WARNING: ${refused} answers were 422 (expected none)`);
  const goal = loads.find((load) => load.connections === GOAL_CONNECTIONS);
  for (const scale of PGBENCH_SCALES) {
    const goalTps = pgbench.get(GOAL_CONNECTIONS)?.get(scale)?.tps;
    if (!goal || !goalTps) continue;
    const ratio = goal.transfers_per_s / goalTps;
    log(
      `goal (≥ ${GOAL_RATIO}× pgbench tpcb-like at ${GOAL_CONNECTIONS} connections), pgbench scale ${scale}: ${ratio.toFixed(2)}× — ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'}`,
    );
  }

  const settings = {
    DURATION_S,
    WARMUP_S,
    USERS,
    ACCOUNTS_PER_USER,
    PGBENCH_SCALES,
    CONNECTIONS,
    SERVER_MODE,
    SERVER_LOG_LEVEL,
  };
  output.write(RESULTS_DIR, 'transfers', {
    machine,
    facts,
    settings,
    loads,
    pgbench: [...pgbench].map(([connections, byScale]) => ({ connections, byScale: Object.fromEntries(byScale) })),
    checks,
  });
  return invariantsOk ? 0 : 1;
}

runBench('stopping the app and dropping the bench databases', main);
