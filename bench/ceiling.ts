/**
 * bench/ceiling — the most a transfer over HTTP could reach on this machine with today's
 * schema, next to pgbench tpcb-like measured in the same run. An UPPER BOUND, not the app:
 * the transfer's SQL (key claim, advisory locks, SELECT … FOR UPDATE, header, two balance
 * updates, two legs, key completion) runs as one PL/pgSQL call, bench_transfer(), whose
 * statements PostgreSQL plans once per connection. pgbench calls it with -M prepared
 * (PostgreSQL's own cost of a transfer in one round trip); then a bare node:http server and
 * the same server on Fastify (child processes, one route: parse the body, one prepared call,
 * answer 201) are driven by autocannon. The real app adds authentication, validation,
 * Idempotency-Key hashing, the policy check in TypeScript, logging and several round trips
 * per transfer, so it can only come in below the HTTP rows: they say how much room is left.
 *
 *   npx tsx bench/ceiling.ts
 *   BENCH_DURATION_S=10 BENCH_CONNECTIONS=1,8,32 npx tsx bench/ceiling.ts
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon, { type Instance, type RequestData } from 'autocannon';
import type pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { ACCOUNTS_PER_USER, ONE_CALL_PGBENCH_SCRIPT, PAIRS, seedOneCallTransfer, USERS } from './one-call-transfer.js';
import * as bench from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = `${ROOT}bench/results`;
/** The child server is plain JavaScript that imports pg and fastify: it must sit under the repository, outside Biome's reach. */
const SCRATCH_PARENT = `${ROOT}node_modules/.cache/vai-de-pix-bench`;

const DURATION_S = bench.integerEnv('BENCH_DURATION_S', 10, { min: 1, max: 600 });
const WARMUP_S = bench.integerEnv('BENCH_WARMUP_S', 2, { min: 1, max: 60 });
const CONNECTIONS = bench.connectionCounts([8]);
const QUIET_WAIT_S = bench.integerEnv('BENCH_QUIET_WAIT_S', 180, { min: 0, max: 3600 });
const QUIET_BUSY_MAX_PERCENT = 15;
/** tpcb-like at pgbench -i's default scale (1) and at the client count's advice (10), as bench/transfers.ts does. */
const PGBENCH_SCALES = bench.integerListEnv('BENCH_PGBENCH_SCALES', [1, 10], { min: 1, max: 1000 });
const SERVER_START_TIMEOUT_MS = 15_000;
const SERVER_STOP_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_S = 30;

/** The child server: node:http or Fastify, pg, one route, nothing else (no auth, validation or logging). */
const SERVER_SOURCE = `import { randomBytes } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';

const env = process.env;
const pool = new pg.Pool({ connectionString: env.CEILING_DATABASE_URL, max: Number(env.CEILING_POOL_MAX) });
const keyPrefix = randomBytes(8).toString('hex');
let keyCount = 0;
// One round trip per transfer: a random pair, the amount asked, a fresh key; prepared once per connection.
const transfer = (amount) => pool.query({ name: 'bench_transfer', text: 'SELECT bench_transfer($1, $2, $3)',
  values: [1 + Math.floor(Math.random() * Number(env.CEILING_PAIRS)), amount, keyPrefix + '-' + ++keyCount] });

async function listen() {
  if (process.argv[2] === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ logger: false });
    app.post('/t', async (request, reply) => {
      await transfer(request.body.amount_cents);
      return reply.code(201).send({ status: 'completed' });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return app.server.address().port;
  }
  const server = http.createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/t') return void response.writeHead(404).end();
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => new Promise((resolve) => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')).amount_cents))
      .then(transfer)
      .then(
        () => response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'completed' })),
        (error) => response.writeHead(500).end(String(error.message))));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server.address().port;
}
process.on('disconnect', () => process.exit(0));
console.log('listening ' + (await listen()));
`;

interface ChildServer {
  base: string;
  pid: number;
  stop(): Promise<void>;
}

/** One row of the report. The *_cpu_ms and machine_busy_ms are per operation; NaN where that process takes no part. */
interface Measurement {
  connections: number;
  name: string;
  ops: number;
  per_s: number;
  errors: number;
  p50_ms: number;
  p99_ms: number;
  mean_ms: number;
  server_cpu_ms: number;
  load_cpu_ms: number;
  postgres_cpu_ms: number;
  machine_busy_ms: number;
  machine_busy_percent: number;
}

const tpcbName = (scale: number) => `pgbench tpcb-like, scale ${scale}`;

const output = new bench.Report();
const log = output.log;

/** The whole machine's busy CPU since before: per operation, and as a share of all cores. */
function machineSince(before: { busy: number; total: number }, ops: number) {
  const after = bench.machineCpuSeconds();
  const busy_s = after.busy - before.busy;
  return { machine_busy_ms: (1000 * busy_s) / ops, machine_busy_percent: (100 * busy_s) / (after.total - before.total) };
}

/** Starts the child server and waits for the port it prints. */
async function startServer(framework: 'node:http' | 'fastify', file: string, databaseUrl: string, poolMax: number) {
  const child = spawn(process.execPath, [file, framework], {
    env: { ...process.env, CEILING_DATABASE_URL: databaseUrl, CEILING_POOL_MAX: String(poolMax), CEILING_PAIRS: String(PAIRS) },
    // The IPC channel closes when this process ends, however it ends; the child then exits too.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8_192);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  while (!/listening \d+/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the ${framework} server did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { base: `http://127.0.0.1:${/listening (\d+)/.exec(output)?.[1]}`, pid: child.pid ?? 0, stop } satisfies ChildServer;
}

let currentLoad: Instance | undefined;

/** autocannon from this process against the child server, a random amount per request; only 2xx answers count. */
async function runHttp(server: ChildServer, name: string, connections: number, duration_s: number, database: string) {
  const latencies: number[] = [];
  const postgres = bench.trackCpu(bench.adminUrl(), database);
  await postgres.ready;
  const serverBefore = bench.processCpuSeconds(server.pid);
  const loadBefore = process.cpuUsage();
  const machineBefore = bench.machineCpuSeconds();
  const setupRequest = (request: RequestData): RequestData => ({
    ...request,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ amount_cents: 1 + bench.randomIndex(bench.TRANSFER_AMOUNT_MAX_CENTS) }),
  });
  const instance = autocannon({
    url: server.base,
    connections,
    duration: duration_s,
    timeout: REQUEST_TIMEOUT_S,
    requests: [{ method: 'POST', path: '/t', setupRequest }],
  });
  currentLoad = instance;
  // autocannon's own histogram keeps whole milliseconds; these are exact.
  instance.on('response', (_client: unknown, status: number, _bytes: number, time_ms: number) => {
    if (status >= 200 && status < 300) latencies.push(time_ms);
  });
  const result = await instance;
  currentLoad = undefined;
  const ops = Math.max(1, result['2xx']);
  const machine = machineSince(machineBefore, ops);
  const serverCpu_s = bench.processCpuSeconds(server.pid) - serverBefore;
  const load = process.cpuUsage(loadBefore);
  await postgres.stop();
  latencies.sort((a, b) => a - b);
  return {
    connections,
    name,
    ops: result['2xx'],
    per_s: result['2xx'] / result.duration,
    errors: result.non2xx + result.errors + result.timeouts,
    p50_ms: bench.quantile(latencies, 0.5),
    p99_ms: bench.quantile(latencies, 0.99),
    mean_ms: latencies.reduce((sum, value) => sum + value, 0) / ops,
    server_cpu_ms: (1000 * serverCpu_s) / ops,
    load_cpu_ms: (load.user + load.system) / 1000 / ops,
    postgres_cpu_ms: (1000 * postgres.total()) / ops,
    ...machine,
  } satisfies Measurement;
}

/** pgbench reports the mean latency only; an error aborts its client, so a run with errors fails instead. */
async function runPgbench(name: string, url: string, connections: number, script: string[], duration_s = DURATION_S) {
  const machineBefore = bench.machineCpuSeconds();
  const result = await bench.pgbenchRun(url, { clients: connections, duration_s, script });
  return {
    connections,
    name,
    ops: result.transactions,
    per_s: result.tps,
    errors: 0,
    p50_ms: Number.NaN,
    p99_ms: Number.NaN,
    mean_ms: result.latency_average_ms,
    server_cpu_ms: Number.NaN,
    load_cpu_ms: result.client_cpu_ms_per_tx,
    postgres_cpu_ms: result.server_cpu_ms_per_tx,
    ...machineSince(machineBefore, result.transactions),
  } satisfies Measurement;
}

function report(measurements: readonly Measurement[]): string {
  const fixed = (value: number, digits: number) => (Number.isNaN(value) ? '' : value.toFixed(digits));
  const rows = measurements.map((m) => {
    const ratios = PGBENCH_SCALES.map((scale) => {
      const tpcb = measurements.find((other) => other.connections === m.connections && other.name === tpcbName(scale));
      return fixed(m.per_s / (tpcb?.per_s ?? Number.NaN), 2);
    });
    const latencies = [m.p50_ms, m.p99_ms, m.mean_ms].map((value) => fixed(value, 2));
    const cpu = [m.server_cpu_ms, m.load_cpu_ms, m.postgres_cpu_ms, m.machine_busy_ms].map((value) => fixed(value, 3));
    return [
      String(m.connections),
      m.name,
      m.per_s.toFixed(0),
      ...latencies,
      String(m.errors),
      ...cpu,
      `${m.machine_busy_percent.toFixed(0)}%`,
      ...ratios,
    ];
  });
  const header = ['connections', 'measurement', 'per s', 'p50 ms', 'p99 ms', 'mean ms', 'errors'];
  const cpu = [
    'server CPU',
    'load gen CPU',
    'postgres CPU',
    'machine busy',
    'machine %',
    ...PGBENCH_SCALES.map((scale) => `× tpcb-like scale ${scale}`),
  ];
  return [
    'CPU columns, ms per operation: the HTTP server child; the load generator (autocannon, or the pgbench client);',
    'the PostgreSQL backends; all cores busy (machine busy). machine % = share of all cores busy during the run.',
    bench.formatTable([...header, ...cpu], rows),
  ].join('\n');
}

/** The ledger must be exact after the runs, and every transfer counted must be one transaction with one completed key. */
async function checks(pool: pg.Pool, counted: number, inFlightMax: number): Promise<bench.InvariantCheck[]> {
  const counts = await pool.query<{ transfers: number; keys: number }>(
    `SELECT (SELECT count(*)::int FROM transactions) AS transfers,
            (SELECT count(*)::int FROM idempotency_keys WHERE status = 'completed') AS keys`,
  );
  const { transfers, keys } = counts.rows[0] ?? { transfers: -1, keys: -1 };
  return [
    ...(await bench.checkLedgerInvariants(pool)),
    {
      name: 'transactions = completed keys = transfers counted',
      ok: transfers === keys && transfers >= counted && transfers <= counted + inFlightMax,
      detail: `transactions ${transfers}, completed keys ${keys}, counted ${counted} (+ at most ${inFlightMax} cut off in flight)`,
    },
  ];
}

async function main(setCleanup: (cleanup: () => Promise<void>) => void): Promise<number> {
  const url = bench.adminUrl();
  const databases: bench.BenchDatabase[] = [];
  let pool: pg.Pool | undefined;
  let server: ChildServer | undefined;
  mkdirSync(SCRATCH_PARENT, { recursive: true });
  const scratch = mkdtempSync(`${SCRATCH_PARENT}/ceiling-`);
  setCleanup(async () => {
    currentLoad?.stop();
    await server?.stop();
    await pool?.end().catch(() => {});
    rmSync(scratch, { recursive: true, force: true });
    for (const database of databases) await database.drop().catch((error) => console.error(`drop ${database.name}:`, error));
  });

  const machine = bench.machineFacts();
  const facts = await bench.serverFacts(url);
  log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; ${facts.version}`);
  log(`settings: shared_buffers=${facts.shared_buffers} synchronous_commit=${facts.synchronous_commit} fsync=${facts.fsync}`);
  log(
    `plan: connections ${CONNECTIONS.join('/')}, ${DURATION_S} s each, warm-up ${WARMUP_S} s, pgbench scales ${PGBENCH_SCALES.join(', ')}`,
  );
  const appDatabase = await bench.createDatabase(url, 'vdp_ceiling');
  databases.push(appDatabase);
  const pgbenchDatabases = new Map<number, bench.BenchDatabase>();
  for (const scale of PGBENCH_SCALES) {
    const database = await bench.createDatabase(url, `vdp_ceiling_pgbench_s${scale}`);
    databases.push(database);
    pgbenchDatabases.set(scale, database);
  }
  pool = createPool(appDatabase.url, { max: 2, applicationName: 'vai-de-pix-bench' });
  await migrate(pool);
  await seedOneCallTransfer(pool, 'bench');
  for (const [scale, database] of pgbenchDatabases) await bench.pgbenchInit(database.url, scale);
  const serverFile = `${scratch}/server.mjs`;
  writeFileSync(serverFile, SERVER_SOURCE);
  const scriptFile = `${scratch}/transfer.sql`;
  writeFileSync(scriptFile, ONE_CALL_PGBENCH_SCRIPT);
  log(
    `seeded ${USERS} × ${ACCOUNTS_PER_USER} accounts and ${PAIRS} pairs in ${appDatabase.name}; pgbench in ${[...pgbenchDatabases.values()].map((database) => database.name).join(', ')}`,
  );

  const measurements: Measurement[] = [];
  const record = (measurement: Measurement, note: string) => {
    measurements.push(measurement);
    log(`  ${measurement.connections} × ${measurement.name}: ${measurement.per_s.toFixed(0)}/s (${note})`);
  };
  // Transfers counted on the app's database, and how many more may have committed unseen when a run's time ran out.
  let counted = 0;
  let inFlightMax = 0;
  const countTransfers = (measurement: Measurement) => {
    counted += measurement.ops;
    inFlightMax += measurement.connections;
    return measurement;
  };
  const quiet = () => bench.waitForQuiet({ wait_s: QUIET_WAIT_S, busy_max_percent: QUIET_BUSY_MAX_PERCENT });
  const prepared = ['-n', '-M', 'prepared', '-f', scriptFile];
  // The ledger tables start empty. A backend keeps the plans it made then (inside bench_transfer, the
  // ledger's triggers, the foreign-key checks), and against empty tables those are sequential scans,
  // which get slower with every row: the first pgbench run measured 2-3× the CPU per transfer of the
  // later ones. So: a few seconds of transfers, ANALYZE, and every measured backend plans afresh.
  countTransfers(await runPgbench('warm-up', appDatabase.url, 8, prepared, WARMUP_S));
  await pool.query('ANALYZE');
  for (const connections of CONNECTIONS) {
    let note = '';
    for (const [scale, database] of pgbenchDatabases) {
      note = await quiet();
      record(await runPgbench(tpcbName(scale), database.url, connections, ['-b', 'tpcb-like']), note);
    }
    note = await quiet();
    record(countTransfers(await runPgbench('pgbench bench_transfer()', appDatabase.url, connections, prepared)), note);
    for (const framework of ['node:http', 'fastify'] as const) {
      server = await startServer(framework, serverFile, appDatabase.url, connections + 8);
      // JIT and the pool's connections warm up first; not reported, but its transfers count for the checks.
      countTransfers(await runHttp(server, 'warm-up', connections, WARMUP_S, appDatabase.name));
      note = await quiet();
      const name = `HTTP ${framework} → bench_transfer()`;
      record(countTransfers(await runHttp(server, name, connections, DURATION_S, appDatabase.name)), note);
      await server.stop();
      server = undefined;
    }
  }
  log();
  log(report(measurements));
  log();
  const results = await checks(pool, counted, inFlightMax);
  const ok = output.checks(results);

  output.write(RESULTS_DIR, 'ceiling', {
    machine,
    facts,
    settings: { DURATION_S, WARMUP_S, CONNECTIONS, PGBENCH_SCALES },
    measurements,
    checks: results,
  });
  return ok ? 0 : 1;
}

bench.runBench('stopping the server and dropping the bench databases', main);
