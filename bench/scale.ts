/**
 * bench/scale — POST /api/transfers throughput with 1, 2 and 3 API processes on one database,
 * straight to PostgreSQL and through PgBouncer in transaction pooling, next to pgbench
 * tpcb-like at the same client count on the same server (straight and through PgBouncer),
 * then the ledger invariants on what the run wrote. Figures go to docs/SCALING.md.
 *
 *   npm run bench:scale                                   # 15 s per step
 *   BENCH_DURATION_S=10 BENCH_SCALE_PROCESSES=1,3 npm run bench:scale
 *
 * The load is split evenly over the processes (one autocannon instance per process, each
 * with its share of the connections), as a load balancer would; every process gets a pool
 * of its share plus a few.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Instance } from 'autocannon';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { type PgBouncer, pgbouncerMissing, startPgBouncer } from '../test/helpers/pgbouncer.js';
import {
  adminUrl,
  type BenchDatabase,
  checkLedgerInvariants,
  createDatabase,
  formatTable,
  integerEnv,
  integerListEnv,
  machineFacts,
  type PgbenchResult,
  pgbenchInit,
  pgbenchRun,
  processCpuSeconds,
  Report,
  type RunningServer,
  runBench,
  serverFacts,
  startServerProcess,
  trackCpu,
  transferRequest,
  waitForQuiet,
} from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = `${ROOT}bench/results`;

const DURATION_S = integerEnv('BENCH_DURATION_S', 15, { min: 1, max: 600 });
const WARMUP_S = integerEnv('BENCH_WARMUP_S', 3, { min: 0, max: 60 });
const CONNECTIONS = integerEnv('BENCH_CONNECTIONS', 24, { min: 1, max: 96 });
const PROCESS_COUNTS = integerListEnv('BENCH_SCALE_PROCESSES', [1, 2, 3], { min: 1, max: 8 });
const PGBENCH_SCALE = integerEnv('BENCH_PGBENCH_SCALE', 10, { min: 1, max: 1000 });
/** 0 skips the PgBouncer runs. */
const WITH_PGBOUNCER = integerEnv('BENCH_SCALE_PGBOUNCER', 1, { min: 0, max: 1 }) === 1;
/** PgBouncer's server connections: what the app processes share when they go through it. */
const PGBOUNCER_POOL_SIZE = integerEnv('BENCH_PGBOUNCER_POOL_SIZE', 16, { min: 1, max: 200 });
const QUIET_WAIT_S = integerEnv('BENCH_QUIET_WAIT_S', 30, { min: 0, max: 3600 });
const QUIET_BUSY_MAX_PERCENT = 15;
const USERS = 2;
const ACCOUNTS_PER_USER = 50;
const INITIAL_BALANCE_CENTS = 100_000_000_000;
const REQUEST_TIMEOUT_S = 30;
/** Each process's pool: its share of the connections plus this many. */
const POOL_SLACK = 4;
const BENCH_PASSWORD = 'bench-password-123';

const output = new Report();
const log = output.log;

interface BenchUser {
  token: string;
  accountIds: string[];
}

interface Step {
  mode: 'direct' | 'pgbouncer';
  processes: number;
  connections: number;
  ok_count: number;
  transfers_per_s: number;
  non_2xx: number;
  errors: number;
  app_cpu_ms_per_transfer: number;
  postgres_cpu_ms_per_transfer: number;
  pgbouncer_cpu_ms_per_transfer: number;
  server_connections_max: number;
  quiet: string;
}

// ---------------------------------------------------------------- the app, built apart

/**
 * The server compiled into a temporary folder (dist/ is left as it is), with node_modules
 * linked beside it so its imports resolve.
 */
async function compileServer(): Promise<{ main: string; remove: () => void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vdp-bench-scale-'));
  const out = path.join(dir, 'server');
  const runNode = (args: string[]) =>
    new Promise<void>((resolve, reject) =>
      execFile(process.execPath, args, { cwd: ROOT }, (error, stdout) =>
        error ? reject(new Error(`${args.join(' ')} failed:\n${stdout}`)) : resolve(),
      ),
    );
  await runNode([`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}tsconfig.build.json`, '--outDir', out]);
  await runNode([`${ROOT}scripts/copy-migrations.mjs`, out]);
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return { main: path.join(out, 'main.js'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function startApi(main: string, database: Record<string, string>, poolMax: number): Promise<RunningServer> {
  return startServerProcess({
    args: [main],
    cwd: ROOT,
    env: (port) => ({
      ...process.env,
      ...database,
      HOST: '127.0.0.1',
      PORT: String(port),
      ROLE: 'api',
      LOG_LEVEL: 'info',
      DATABASE_POOL_MAX: String(poolMax),
      NODE_ENV: 'production',
      METRICS_TOKEN: '',
      SENTRY_DSN: '',
    }),
  });
}

// ---------------------------------------------------------------- seeding and load

async function call(base: string, method: string, route: string, body: unknown, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': randomUUID() };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}${route}`, { method, headers, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as any };
}

async function seedUser(base: string, index: number): Promise<BenchUser> {
  const email = `scale.${index}.${randomBytes(4).toString('hex')}@example.com`;
  const registered = await call(base, 'POST', '/api/auth/register', { email, password: BENCH_PASSWORD, name: `Escala ${index}` });
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${JSON.stringify(registered.json)}`);
  const accountIds: string[] = [];
  for (let account = 0; account < ACCOUNTS_PER_USER; account += 1) {
    const created = await call(
      base,
      'POST',
      '/api/accounts',
      { name: `Conta ${account + 1}`, type: 'checking', initial_balance_cents: INITIAL_BALANCE_CENTS },
      registered.json.token,
    );
    if (created.status !== 201) throw new Error(`account: ${created.status} ${JSON.stringify(created.json)}`);
    accountIds.push(created.json.id);
  }
  return { token: registered.json.token, accountIds };
}

const loads = new Set<Instance>();

/** The connections split over the processes, one autocannon instance each, for the same time. */
async function drive(servers: readonly RunningServer[], users: readonly BenchUser[], duration_s: number) {
  const shares = servers.map(
    (_, index) => Math.floor(CONNECTIONS / servers.length) + (index < CONNECTIONS % servers.length ? 1 : 0),
  );
  const results = await Promise.all(
    servers.map((server, index) => {
      const instance = autocannon({
        url: server.base,
        connections: shares[index] ?? 1,
        duration: duration_s,
        timeout: REQUEST_TIMEOUT_S,
        requests: [transferRequest(users)],
      });
      loads.add(instance);
      return instance.then((result) => {
        loads.delete(instance);
        return result;
      });
    }),
  );
  return {
    ok: results.reduce((sum, result) => sum + result['2xx'], 0),
    non2xx: results.reduce((sum, result) => sum + result.non2xx, 0),
    errors: results.reduce((sum, result) => sum + result.errors + result.timeouts, 0),
    duration_s: Math.max(...results.map((result) => result.duration)),
  };
}

async function measure(
  options: { mode: Step['mode']; servers: RunningServer[]; users: BenchUser[]; bouncerPid?: number },
  database: BenchDatabase,
  url: string,
): Promise<Step> {
  const quiet = await waitForQuiet({ wait_s: QUIET_WAIT_S, busy_max_percent: QUIET_BUSY_MAX_PERCENT });
  const cpu = trackCpu(url, database.name);
  await cpu.ready;
  const pids = options.servers.map((server) => server.child.pid ?? 0);
  const appBefore = pids.map(processCpuSeconds);
  const bouncerBefore = options.bouncerPid ? processCpuSeconds(options.bouncerPid) : 0;
  let connectionsMax = 0;
  const admin = createPool(url, { max: 1, applicationName: 'vai-de-pix-bench-sampler' });
  const sampler = setInterval(() => {
    admin
      .query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
        [database.name],
      )
      .then((result) => (connectionsMax = Math.max(connectionsMax, result.rows[0]?.n ?? 0)))
      .catch(() => {});
  }, 500);
  const result = await drive(options.servers, options.users, DURATION_S);
  clearInterval(sampler);
  await admin.end();
  await cpu.stop();
  const appCpu = pids.reduce((sum, pid, index) => sum + processCpuSeconds(pid) - (appBefore[index] ?? 0), 0);
  const bouncerCpu = options.bouncerPid ? processCpuSeconds(options.bouncerPid) - bouncerBefore : 0;
  const perTransfer = (seconds: number) => (1000 * seconds) / Math.max(1, result.ok);
  return {
    mode: options.mode,
    processes: options.servers.length,
    connections: CONNECTIONS,
    ok_count: result.ok,
    transfers_per_s: result.ok / result.duration_s,
    non_2xx: result.non2xx,
    errors: result.errors,
    app_cpu_ms_per_transfer: perTransfer(appCpu),
    postgres_cpu_ms_per_transfer: perTransfer(cpu.total()),
    pgbouncer_cpu_ms_per_transfer: perTransfer(bouncerCpu),
    server_connections_max: connectionsMax,
    quiet,
  };
}

function report(steps: readonly Step[], pgbench: Map<string, PgbenchResult>): string {
  const direct = pgbench.get('direct')?.tps ?? Number.NaN;
  const rows = steps.map((step) => {
    const tps = pgbench.get(step.mode)?.tps ?? direct;
    return [
      step.mode === 'direct' ? 'PostgreSQL' : 'PgBouncer',
      String(step.processes),
      step.transfers_per_s.toFixed(0),
      String(step.non_2xx + step.errors),
      tps.toFixed(0),
      (step.transfers_per_s / tps).toFixed(2),
      step.app_cpu_ms_per_transfer.toFixed(2),
      step.postgres_cpu_ms_per_transfer.toFixed(2),
      step.mode === 'direct' ? '-' : step.pgbouncer_cpu_ms_per_transfer.toFixed(2),
      String(step.server_connections_max),
    ];
  });
  return formatTable(
    [
      'via',
      'API processes',
      'transfers/s',
      'errors',
      'pgbench tps (same via)',
      'ratio',
      'app CPU ms/transfer',
      'postgres CPU ms/transfer',
      'pgbouncer CPU ms/transfer',
      'server connections',
    ],
    rows,
  );
}

// ---------------------------------------------------------------- main

async function main(setCleanup: (cleanup: () => Promise<void>) => void): Promise<number> {
  const url = adminUrl();
  const databases: BenchDatabase[] = [];
  let servers: RunningServer[] = [];
  let bouncer: PgBouncer | undefined;
  let build: { main: string; remove: () => void } | undefined;
  let pool: ReturnType<typeof createPool> | undefined;
  setCleanup(async () => {
    for (const load of loads) load.stop();
    await Promise.all(servers.map((server) => server.stop()));
    await bouncer?.stop();
    await pool?.end().catch(() => {});
    build?.remove();
    for (const database of databases) await database.drop().catch((error) => console.error(`drop ${database.name}:`, error));
  });
  const bouncerMissing = WITH_PGBOUNCER ? pgbouncerMissing() : 'BENCH_SCALE_PGBOUNCER=0';

  const machine = machineFacts();
  const facts = await serverFacts(url);
  log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);
  log(`server: ${facts.version}; max_connections=${facts.max_connections} synchronous_commit=${facts.synchronous_commit}`);
  log(
    `plan: ${CONNECTIONS} connections split over ${PROCESS_COUNTS.join('/')} API processes, ${DURATION_S} s each (warm-up ${WARMUP_S} s); ` +
      `PgBouncer ${bouncerMissing ? `skipped: ${bouncerMissing}` : `transaction pooling, default_pool_size ${PGBOUNCER_POOL_SIZE}`}; pgbench scale ${PGBENCH_SCALE}`,
  );

  const app = await createDatabase(url, 'vdp_scale');
  databases.push(app);
  const pgbenchDatabase = await createDatabase(url, `vdp_pgbench_s${PGBENCH_SCALE}`);
  databases.push(pgbenchDatabase);
  pool = createPool(app.url, { max: 2, applicationName: 'vai-de-pix-bench' });
  await migrate(pool);
  build = await compileServer();
  await pgbenchInit(pgbenchDatabase.url, PGBENCH_SCALE);
  if (!bouncerMissing) {
    bouncer = await startPgBouncer({
      databases: [
        { alias: app.name, url: app.url },
        { alias: pgbenchDatabase.name, url: pgbenchDatabase.url },
      ],
      defaultPoolSize: PGBOUNCER_POOL_SIZE,
    });
  }

  const modes: Array<{ mode: Step['mode']; env: Record<string, string> }> = [{ mode: 'direct', env: { DATABASE_URL: app.url } }];
  if (bouncer) modes.push({ mode: 'pgbouncer', env: { DATABASE_URL: bouncer.url(app.name), DATABASE_DIRECT_URL: app.url } });

  const steps: Step[] = [];
  const users: BenchUser[] = [];
  for (const { mode, env } of modes) {
    for (const count of PROCESS_COUNTS) {
      const poolMax = Math.ceil(CONNECTIONS / count) + POOL_SLACK;
      servers = await Promise.all(Array.from({ length: count }, () => startApi(build?.main ?? '', env, poolMax)));
      if (users.length === 0) {
        for (let index = 0; index < USERS; index += 1) users.push(await seedUser((servers[0] as RunningServer).base, index));
        log(`seeded ${USERS} people × ${ACCOUNTS_PER_USER} accounts`);
      }
      if (WARMUP_S > 0) await drive(servers, users, WARMUP_S);
      if (steps.length === 0) await pool.query('VACUUM ANALYZE');
      const step = await measure(
        { mode, servers, users, ...(mode === 'pgbouncer' && bouncer ? { bouncerPid: bouncer.pid } : {}) },
        app,
        url,
      );
      steps.push(step);
      log(
        `  ${mode}, ${count} API process(es): ${step.transfers_per_s.toFixed(0)} transfers/s, ${step.non_2xx + step.errors} errors, at most ${step.server_connections_max} server connections (${step.quiet})`,
      );
      await Promise.all(servers.map((server) => server.stop()));
      servers = [];
    }
  }

  const pgbench = new Map<string, PgbenchResult>();
  const quiet = await waitForQuiet({ wait_s: QUIET_WAIT_S, busy_max_percent: QUIET_BUSY_MAX_PERCENT });
  pgbench.set(
    'direct',
    await pgbenchRun(pgbenchDatabase.url, { clients: CONNECTIONS, duration_s: DURATION_S, script: ['-b', 'tpcb-like'] }),
  );
  log(`  pgbench tpcb-like, ${CONNECTIONS} clients, straight: ${pgbench.get('direct')?.tps.toFixed(0)} tps (${quiet})`);
  if (bouncer) {
    const throughBouncer = bouncer.url(pgbenchDatabase.name);
    pgbench.set(
      'pgbouncer',
      await pgbenchRun(throughBouncer, { clients: CONNECTIONS, duration_s: DURATION_S, script: ['-b', 'tpcb-like'] }),
    );
    log(`  pgbench tpcb-like, ${CONNECTIONS} clients, through PgBouncer: ${pgbench.get('pgbouncer')?.tps.toFixed(0)} tps`);
  }

  log();
  log(report(steps, pgbench));
  log();
  const okTotal = steps.reduce((sum, step) => sum + step.ok_count, 0);
  const transfers = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM transactions WHERE kind = 'transfer'");
  const keys = await pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM idempotency_keys WHERE path = '/api/transfers' AND status = 'completed'",
  );
  const bookkeeping = {
    name: 'one committed transfer and one completed key per transfer row, at least one per 201 measured',
    ok: transfers.rows[0]?.n === keys.rows[0]?.n && (transfers.rows[0]?.n ?? 0) >= okTotal,
    detail: `measured 201 answers ${okTotal} (warm-ups not counted), transfer rows ${transfers.rows[0]?.n}, completed keys ${keys.rows[0]?.n}`,
  };
  const ok = output.checks([...(await checkLedgerInvariants(pool)), bookkeeping]);
  output.write(RESULTS_DIR, 'scale', { machine, facts, steps, pgbench: Object.fromEntries(pgbench) });
  return ok ? 0 : 1;
}

runBench('stopping the API processes and PgBouncer, dropping the bench databases', main);
