/**
 * bench/transfer-cpu — CPU per POST /api/transfers of the current checkout side by side with
 * a baseline commit (issue 17: ee8cdcf), in one run on one PostgreSQL server: both built
 * servers run at once, each on its own fresh database, and measured in alternating rounds at
 * 8 connections, with pgbench tpcb-like on the same server in each round for scale. Every
 * process's CPU counts: the app, every process of the PostgreSQL server (backends of each
 * database, including those that exit, and the server's own background processes), and the
 * load generator. Then the ledger invariants on both databases. See bench/README.md.
 *
 *   npm run bench:transfer-cpu
 *   BENCH_PRELOAD_ENTRIES=1000000 npm run bench:transfer-cpu    # also with 1,000,000 entries loaded
 *   BENCH_GROWTH_ENTRIES=10000000 npm run bench:transfer-cpu    # the current checkout on an empty ledger
 *                                                               # against itself on 10,000,000 entries
 *
 * In the growth mode both servers run the current build, the second on a database preloaded
 * before any measurement, so the rounds of the empty and the full ledger alternate as the two
 * versions' do: the machine's drift between them is a round's, not a leg's.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon, { type Instance } from 'autocannon';
import pg from 'pg';
import { pgCode, SqlState } from '../src/db/sqlstate.js';
import {
  adminUrl,
  type BenchDatabase,
  type BenchUser,
  checkLedgerInvariants,
  createDatabase,
  formatTable,
  type InvariantCheck,
  integerEnv,
  integerListEnv,
  machineCpuSeconds,
  machineFacts,
  type PostgresCpu,
  pgbenchConnectionArgs,
  pgbenchInit,
  pgbenchPath,
  postmasterPid,
  processCpuSeconds,
  processCpuWithChildren,
  quantile,
  Report,
  type RunningServer,
  runBench,
  seedBenchUser,
  serverFacts,
  startServerProcess,
  trackPostgresServer,
  transferRequest,
  waitForQuiet,
} from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = `${ROOT}bench/results`;

const BASELINE_REF = process.env.BENCH_BASELINE || 'ee8cdcf';
/** Growth mode: the baseline is the current build itself on a database of this many entries. */
const GROWTH_ENTRIES = integerEnv('BENCH_GROWTH_ENTRIES', 0, { min: 0, max: 50_000_000 });
const ROUNDS = integerEnv('BENCH_ROUNDS', 4, { min: 1, max: 20 });
const DURATION_S = integerEnv('BENCH_DURATION_S', 10, { min: 1, max: 600 });
const CONNECTIONS = integerEnv('BENCH_CONNECTIONS', 8, { min: 1, max: 64 });
const WARMUP_S = integerEnv('BENCH_WARMUP_S', 3, { min: 0, max: 60 });
/** Unmeasured load right before each measured one (0: none). */
const PRIME_S = integerEnv('BENCH_PRIME_S', 1, { min: 0, max: 60 });
const USERS = integerEnv('BENCH_USERS', 2, { min: 1, max: 10 });
const ACCOUNTS_PER_USER = integerEnv('BENCH_ACCOUNTS', 50, { min: 2, max: 200 });
const PGBENCH_SCALE = integerEnv('BENCH_PGBENCH_SCALE', 10, { min: 1, max: 1000 });
/** Ledger entries in each database for the later legs; the first leg always runs on an empty ledger. */
const PRELOAD_ENTRIES = integerListEnv('BENCH_PRELOAD_ENTRIES', [0], { min: 0, max: 50_000_000 }).filter((n) => n > 0);
const QUIET_WAIT_S = integerEnv('BENCH_QUIET_WAIT_S', 180, { min: 0, max: 3600 });
const QUIET_BUSY_MAX_PERCENT = 15;
const SERVER_LOG_LEVEL = process.env.BENCH_LOG_LEVEL || 'info';
/** Extra node flags for both apps, e.g. "--cpu-prof --cpu-prof-dir=/tmp/vdp-prof". */
const SERVER_NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

const REQUEST_TIMEOUT_S = 30;
const GOAL_CPU_RATIO = 0.5;
const GOAL_P99_MS = 25;
const GOAL_DATA_GROWTH = 0.1;
/** Preloaded history: people of this many entries each, written this many people per transaction. */
const PRELOAD_ENTRIES_PER_PERSON = 10_000;
const PRELOAD_PEOPLE_PER_BATCH = 20;
const COMMAND_TIMEOUT_MS = 20 * 60_000;

interface Version {
  label: 'current' | 'baseline';
  commit: string;
  main: string;
  cwd: string;
  database: BenchDatabase;
  server?: RunningServer;
  users: BenchUser[];
  okTotal: number;
  inFlightMax: number;
  /** Entries preloaded so far. */
  preloaded: number;
}

/** CPU seconds of one measurement, by process. */
interface Cpu {
  app: number;
  postgresBackends: number;
  postgresOther: number;
  otherDatabases: number;
  loadGenerator: number;
  meter: number;
  machineBusy: number;
  machinePercent: number;
}

interface Measurement {
  leg: number;
  round: number;
  what: 'current' | 'baseline' | 'tpcb-like';
  operations: number;
  duration_s: number;
  latencies: number[];
  errors: number;
  statuses: Record<string, number>;
  retries: number;
  backendsSeen: number;
  backendsExited: number;
  cpu: Cpu;
}

/** What the report calls the two servers: two commits, or one build on an empty and a full ledger. */
const NAMES: Record<'current' | 'baseline', string> =
  GROWTH_ENTRIES > 0 ? { current: 'empty', baseline: `${GROWTH_ENTRIES} entries` } : { current: 'current', baseline: 'baseline' };
const nameOf = (what: Measurement['what']) => (what === 'tpcb-like' ? what : NAMES[what]);

// ---------------------------------------------------------------- commands

function command(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { cwd, env, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** `git archive <commit>` unpacked into dir. */
function unpackCommit(commit: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn('git', ['archive', '--format=tar', commit], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'inherit', 'inherit'] });
    archive.stdout.pipe(tar.stdin);
    const exited = (child: ChildProcess) => new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    Promise.all([exited(archive), exited(tar)]).then(([archiveCode, tarCode]) =>
      archiveCode === 0 && tarCode === 0
        ? resolve()
        : reject(new Error(`git archive ${commit} | tar failed (${archiveCode}, ${tarCode})`)),
    );
  });
}

/**
 * The baseline's built server: the commit unpacked into a scratch directory (kept and reused
 * by later runs of the same commit), its dependencies (main's node_modules when the lock file
 * is the same, else `npm ci`), and `npm run build:server`. Returns the path of its main.js.
 */
async function buildBaseline(commit: string, log: (line: string) => void): Promise<{ dir: string; main: string }> {
  const dir = process.env.BENCH_BASELINE_DIR || `${tmpdir()}/vdp-bench-baseline-${commit.slice(0, 12)}`;
  const marker = `${dir}/.vdp-bench-built`;
  const main = `${dir}/dist/main.js`;
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === commit && existsSync(main)) {
    log(`baseline: ${commit.slice(0, 12)} already built in ${dir}`);
    return { dir, main };
  }
  const started = performance.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await unpackCommit(commit, dir);
  const sameLock = readFileSync(`${ROOT}package-lock.json`, 'utf8') === readFileSync(`${dir}/package-lock.json`, 'utf8');
  if (sameLock) {
    symlinkSync(realpathSync(`${ROOT}node_modules`), `${dir}/node_modules`);
  } else {
    // Scripts off: the server needs none (native modules come as prebuilt packages), and
    // some would download browsers or binaries.
    await command('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], dir);
  }
  await command('npm', ['run', 'build:server'], dir);
  writeFileSync(marker, `${commit}\n`);
  log(
    `baseline: ${commit.slice(0, 12)} unpacked and built in ${dir} (${sameLock ? "main's node_modules" : 'npm ci'}), ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return { dir, main };
}

/**
 * The current checkout compiled into a private folder under node_modules (dist/ is left
 * alone), laid out as the repository is: dist/ with package.json beside it (the server reads
 * its version from there).
 */
async function buildCurrent(folder: string): Promise<string> {
  rmSync(folder, { recursive: true, force: true });
  const outDir = `${folder}/dist`;
  const tsc = `${ROOT}node_modules/typescript/bin/tsc`;
  await command(process.execPath, [tsc, '-p', `${ROOT}tsconfig.build.json`, '--outDir', outDir], ROOT);
  await command(process.execPath, [`${ROOT}scripts/copy-migrations.mjs`, outDir], ROOT);
  copyFileSync(`${ROOT}package.json`, `${folder}/package.json`);
  return `${outDir}/main.js`;
}

function startVersion(version: Version): Promise<RunningServer> {
  return startServerProcess({
    args: [...SERVER_NODE_ARGS, version.main],
    cwd: version.cwd,
    env: (port) => ({
      ...process.env,
      DATABASE_URL: version.database.url,
      HOST: '127.0.0.1',
      PORT: String(port),
      ROLE: 'api',
      LOG_LEVEL: SERVER_LOG_LEVEL,
      DATABASE_POOL_MAX: String(CONNECTIONS + 8),
      NODE_ENV: 'production',
      METRICS_TOKEN: '',
      SENTRY_DSN: '',
    }),
  });
}

// ---------------------------------------------------------------- seeding

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'vai-de-pix-bench' });
  await client.connect();
  try {
    await client.query('SET statement_timeout = 0');
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * History the transfers never touch: people of PRELOAD_ENTRIES_PER_PERSON entries each (a
 * checking account paying expenses and receiving income over five years), written with SQL
 * and triggers off, balanced and with exact balance_after chains by construction, using only
 * columns both versions' schemas have.
 */
async function preload(url: string, entries: number): Promise<void> {
  const people = Math.ceil(entries / PRELOAD_ENTRIES_PER_PERSON);
  const perPerson = PRELOAD_ENTRIES_PER_PERSON / 2;
  await withClient(url, async (client) => {
    for (let first = 0; first < people; first += PRELOAD_PEOPLE_PER_BATCH) {
      const count = Math.min(PRELOAD_PEOPLE_PER_BATCH, people - first);
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      await client.query(
        `CREATE TEMP TABLE history_people ON COMMIT DROP AS
         SELECT gen_random_uuid() AS user_id, gen_random_uuid() AS checking_id, n FROM generate_series(1, $1) AS n`,
        [count],
      );
      await client.query(
        `INSERT INTO users (id, email, name, password_hash, created_at)
         SELECT user_id, 'history.' || replace(user_id::text, '-', '') || '@example.com', 'History', 'x', '2021-12-01T03:00:00Z'
           FROM history_people`,
      );
      await client.query('SELECT provision_user(user_id) FROM history_people');
      await client.query(
        `INSERT INTO accounts (id, user_id, name, type, overdraft_limit_cents, created_at)
         SELECT checking_id, user_id, 'Conta', 'checking', 100000000000, '2021-12-01T03:00:00Z' FROM history_people`,
      );
      // Every third posting is income (income → checking), the rest expenses (checking → expense).
      await client.query(
        `CREATE TEMP TABLE history_postings ON COMMIT DROP AS
         SELECT gen_random_uuid() AS id, p.user_id, p.checking_id, i,
                CASE WHEN i % 3 = 0 THEN 'income' ELSE 'expense' END AS kind,
                CASE WHEN i % 3 = 0 THEN income.id ELSE expense.id END AS other_id,
                CASE WHEN i % 3 = 0 THEN 250000 ELSE 1000 + (i * 7919) % 50000 END::bigint AS amount,
                timestamptz '2021-12-01T03:00:00Z' + (i::float8 / $1) * interval '1825 days' AS at
           FROM history_people p
           JOIN accounts income ON income.user_id = p.user_id AND income.type = 'income'
           JOIN accounts expense ON expense.user_id = p.user_id AND expense.type = 'expense'
          CROSS JOIN generate_series(1, $1) AS i`,
        [perPerson],
      );
      await client.query(
        `INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
                                   occurred_on, policy_version, created_at)
         SELECT id, user_id, kind, checking_id, other_id, amount, 'history',
                (at AT TIME ZONE 'America/Sao_Paulo')::date, 'ledger_v1', at
           FROM history_postings`,
      );
      await client.query(
        `INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
         SELECT id, account_id, user_id, delta, sum(delta) OVER w, row_number() OVER w, at
           FROM (SELECT id, checking_id AS account_id, user_id, i, at,
                        CASE WHEN kind = 'income' THEN amount ELSE -amount END AS delta
                   FROM history_postings
                 UNION ALL
                 SELECT id, other_id, user_id, i, at, CASE WHEN kind = 'income' THEN -amount ELSE amount END
                   FROM history_postings) legs
         WINDOW w AS (PARTITION BY account_id ORDER BY i)`,
      );
      await client.query(
        `UPDATE accounts a SET balance_cents = s.total, row_version = s.n
           FROM (SELECT e.account_id, sum(e.amount_cents) AS total, count(*)::int AS n
                   FROM ledger_entries e JOIN history_people p ON p.user_id = e.user_id
                  GROUP BY e.account_id) s
          WHERE a.id = s.account_id`,
      );
      await client.query('COMMIT');
    }
  });
}

/** Statistics of a ledger with rows in it, as pgbench -i leaves its own tables. */
function vacuumAnalyze(url: string): Promise<void> {
  return withClient(url, async (client) => {
    await client.query('VACUUM ANALYZE');
  });
}

/**
 * A checkpoint of the whole server, so that what a preload and the warm-ups left dirty is
 * written before the rounds rather than by backends needing buffers during them. It needs a
 * superuser or pg_checkpoint; without either the run goes on and says so.
 */
async function checkpoint(url: string): Promise<string> {
  try {
    await withClient(url, (client) => client.query('CHECKPOINT'));
    return 'checkpoint done';
  } catch (error) {
    if (pgCode(error) !== SqlState.insufficientPrivilege) throw error;
    return 'checkpoint skipped: this role may not run CHECKPOINT';
  }
}

// ---------------------------------------------------------------- measuring

async function counterTotal(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Starts counting every process's CPU; the returned function stops and gives the figures. */
function startCounting(postmaster: number, database: string, appPid: number | undefined) {
  const machineBefore = machineCpuSeconds();
  const appBefore = appPid === undefined ? 0 : processCpuSeconds(appPid);
  const selfBefore = process.cpuUsage();
  const childrenBefore = processCpuWithChildren('self').children;
  // Started after this process's counter and stopped before it: all its polls fall inside.
  const tracker = trackPostgresServer(postmaster, [database]);
  return (): { cpu: Cpu; postgres: PostgresCpu } => {
    const postgres = tracker.stop();
    const childrenAfter = processCpuWithChildren('self').children;
    const self = process.cpuUsage(selfBefore);
    const app = appPid === undefined ? 0 : processCpuSeconds(appPid) - appBefore;
    const machineAfter = machineCpuSeconds();
    const selfSeconds = (self.user + self.system) / 1e6;
    return {
      postgres,
      cpu: {
        app,
        postgresBackends: postgres.byDatabase[database] ?? 0,
        postgresOther: postgres.background,
        otherDatabases: postgres.otherDatabases,
        // autocannon runs in this process, which also polls /proc: that part is left out.
        // pgbench is a child: its time arrives in this process's reaped-children counter.
        loadGenerator: appPid === undefined ? childrenAfter - childrenBefore : selfSeconds - postgres.meter,
        meter: postgres.meter,
        machineBusy: machineAfter.busy - machineBefore.busy,
        machinePercent: (100 * (machineAfter.busy - machineBefore.busy)) / (machineAfter.total - machineBefore.total),
      },
    };
  };
}

let currentLoad: Instance | undefined;

async function measureTransfers(version: Version, postmaster: number, duration_s: number) {
  const server = version.server as RunningServer;
  const retriesBefore = await counterTotal(server.base, 'ledger_tx_retries_total');
  const latencies: number[] = [];
  const stop = startCounting(postmaster, version.database.name, server.child.pid);
  const instance = autocannon({
    url: server.base,
    connections: CONNECTIONS,
    duration: duration_s,
    timeout: REQUEST_TIMEOUT_S,
    requests: [transferRequest(version.users)],
  });
  currentLoad = instance;
  // autocannon's own histogram keeps whole milliseconds; these are exact.
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await instance;
  const { cpu, postgres } = stop();
  currentLoad = undefined;
  version.okTotal += result['2xx'];
  version.inFlightMax += CONNECTIONS;
  latencies.sort((a, b) => a - b);
  return {
    operations: result['2xx'],
    duration_s: result.duration,
    latencies,
    errors: result.non2xx + result.errors + result.timeouts,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count])),
    retries: (await counterTotal(server.base, 'ledger_tx_retries_total')) - retriesBefore,
    backendsSeen: postgres.backendsSeen,
    backendsExited: postgres.backendsExited,
    cpu,
  };
}

async function measureTpcb(database: BenchDatabase, postmaster: number) {
  const threads = Math.min(CONNECTIONS, 2);
  const args = ['-b', 'tpcb-like', '-c', String(CONNECTIONS), '-j', String(threads), '-T', String(DURATION_S)];
  const stop = startCounting(postmaster, database.name, undefined);
  const stdout = await command(pgbenchPath(), [...args, ...pgbenchConnectionArgs(database.url)], ROOT);
  const { cpu, postgres } = stop();
  const processed = /number of transactions actually processed: (\d+)/.exec(stdout)?.[1];
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
  const latency = /latency average = ([\d.]+) ms/.exec(stdout)?.[1];
  if (processed === undefined || tps === undefined) throw new Error(`could not read pgbench's output:\n${stdout}`);
  const operations = Number(processed);
  return {
    operations,
    // pgbench's own rate excludes connecting; its transactions over that rate is its measured time.
    duration_s: operations / Number(tps),
    latencies: [Number(latency)],
    errors: 0,
    statuses: {},
    retries: 0,
    backendsSeen: postgres.backendsSeen,
    backendsExited: postgres.backendsExited,
    cpu,
  };
}

// ---------------------------------------------------------------- report

const ms = (seconds: number, operations: number) => (1000 * seconds) / Math.max(1, operations);

function cpuColumns(cpu: Cpu, operations: number): string[] {
  const total = cpu.app + cpu.postgresBackends + cpu.postgresOther + cpu.loadGenerator;
  return [
    cpu.app > 0 ? ms(cpu.app, operations).toFixed(2) : '',
    ms(cpu.postgresBackends, operations).toFixed(2),
    ms(cpu.postgresOther, operations).toFixed(2),
    ms(cpu.loadGenerator, operations).toFixed(2),
    ms(total, operations).toFixed(2),
    ms(cpu.machineBusy, operations).toFixed(2),
  ];
}

const CPU_HEADER = ['app', 'pg backends', 'pg other', 'load gen', 'total', 'machine busy'];

function roundsTable(measurements: readonly Measurement[]): string {
  return formatTable(
    ['round', 'what', 'per s', 'p50 ms', 'p99 ms', 'errors', ...CPU_HEADER.map((title) => `${title} ms`), 'busy %', 'backends'],
    measurements.map((m) => {
      const tpcb = m.what === 'tpcb-like';
      return [
        String(m.round),
        nameOf(m.what),
        (m.operations / m.duration_s).toFixed(0),
        tpcb ? `${(m.latencies[0] ?? Number.NaN).toFixed(2)} avg` : quantile(m.latencies, 0.5).toFixed(2),
        tpcb ? '' : quantile(m.latencies, 0.99).toFixed(2),
        tpcb ? '' : String(m.errors),
        ...cpuColumns(m.cpu, m.operations),
        m.cpu.machinePercent.toFixed(0),
        `${m.backendsSeen}${m.backendsExited ? ` (${m.backendsExited} exited)` : ''}`,
      ];
    }),
  );
}

/** Total CPU ms per operation of one measurement: app, PostgreSQL and load generator. */
const roundTotalMs = (m: Pick<Measurement, 'cpu' | 'operations'>) =>
  ms(m.cpu.app + m.cpu.postgresBackends + m.cpu.postgresOther + m.cpu.loadGenerator, m.operations);

interface Pooled {
  operations: number;
  duration_s: number;
  latencies: number[];
  errors: number;
  retries: number;
  cpu: Cpu;
  /** Lowest and highest total CPU ms per operation among the rounds. */
  totalRange: [number, number];
}

function pooled(measurements: readonly Measurement[]): Pooled {
  const sum = (pick: (m: Measurement) => number) => measurements.reduce((total, m) => total + pick(m), 0);
  const totals = measurements.map(roundTotalMs);
  return {
    operations: sum((m) => m.operations),
    duration_s: sum((m) => m.duration_s),
    latencies: measurements.flatMap((m) => m.latencies).sort((a, b) => a - b),
    errors: sum((m) => m.errors),
    retries: sum((m) => m.retries),
    cpu: {
      app: sum((m) => m.cpu.app),
      postgresBackends: sum((m) => m.cpu.postgresBackends),
      postgresOther: sum((m) => m.cpu.postgresOther),
      otherDatabases: sum((m) => m.cpu.otherDatabases),
      loadGenerator: sum((m) => m.cpu.loadGenerator),
      meter: sum((m) => m.cpu.meter),
      machineBusy: sum((m) => m.cpu.machineBusy),
      machinePercent: sum((m) => m.cpu.machinePercent) / Math.max(1, measurements.length),
    },
    totalRange: [Math.min(...totals), Math.max(...totals)],
  };
}

const totalMs = (p: Pooled) => ms(p.cpu.app + p.cpu.postgresBackends + p.cpu.postgresOther + p.cpu.loadGenerator, p.operations);

function summaryTable(current: Pooled, baseline: Pooled, tpcb: Pooled): string {
  const row = (label: string, p: Pooled, latency: boolean) => [
    label,
    (p.operations / p.duration_s).toFixed(0),
    latency ? quantile(p.latencies, 0.5).toFixed(2) : '',
    latency ? quantile(p.latencies, 0.95).toFixed(2) : '',
    latency ? quantile(p.latencies, 0.99).toFixed(2) : '',
    latency ? String(p.errors) : '',
    ...cpuColumns(p.cpu, p.operations),
    `${p.totalRange[0].toFixed(2)}–${p.totalRange[1].toFixed(2)}`,
    (totalMs(p) / totalMs(tpcb)).toFixed(2),
  ];
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '–');
  const perOp = (p: Pooled, pick: (cpu: Cpu) => number) => ms(pick(p.cpu), p.operations);
  // Growth mode reads the full ledger over the empty one, so more CPU shows above 1 in both modes.
  const [over, under] = GROWTH_ENTRIES > 0 ? [baseline, current] : [current, baseline];
  const ratioRow = [
    GROWTH_ENTRIES > 0 ? `${NAMES.baseline} ÷ ${NAMES.current}` : 'current ÷ baseline',
    ratio(over.operations / over.duration_s, under.operations / under.duration_s),
    ...[0.5, 0.95, 0.99].map((q) => ratio(quantile(over.latencies, q), quantile(under.latencies, q))),
    '',
    ...[(c: Cpu) => c.app, (c: Cpu) => c.postgresBackends, (c: Cpu) => c.postgresOther, (c: Cpu) => c.loadGenerator].map((pick) =>
      ratio(perOp(over, pick), perOp(under, pick)),
    ),
    ratio(totalMs(over), totalMs(under)),
    ratio(
      perOp(over, (c) => c.machineBusy),
      perOp(under, (c) => c.machineBusy),
    ),
    '',
    '',
  ];
  return formatTable(
    [
      'version',
      'per s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'errors',
      ...CPU_HEADER.map((title) => `${title} ms`),
      'total range',
      '× tpcb-like',
    ],
    [row(NAMES.current, current, true), row(NAMES.baseline, baseline, true), ratioRow, row('tpcb-like', tpcb, false)],
  );
}

/** Every 201 is one committed transfer with one completed key (those cut off in flight may commit unseen). */
async function bookkeeping(pool: pg.Pool, version: Version): Promise<InvariantCheck> {
  const count = async (sql: string) => (await pool.query<{ n: number }>(sql)).rows[0]?.n ?? -1;
  const transfers = await count("SELECT count(*)::int AS n FROM transactions WHERE kind = 'transfer'");
  const keys = await count(
    "SELECT count(*)::int AS n FROM idempotency_keys WHERE path = '/api/transfers' AND status = 'completed'",
  );
  return {
    name: 'one committed transfer and one completed key per 201',
    ok: transfers === keys && transfers >= version.okTotal && transfers <= version.okTotal + version.inFlightMax,
    detail: `201 answers ${version.okTotal} (+ at most ${version.inFlightMax} cut off in flight), transfer rows ${transfers}, completed keys ${keys}`,
  };
}

// ---------------------------------------------------------------- main

runBench('stopping both apps and dropping the bench databases', async (setCleanup) => {
  const report = new Report();
  const log = report.log;
  const url = adminUrl();
  const databases: BenchDatabase[] = [];
  const versions: Version[] = [];
  const currentBuildDir = `${ROOT}node_modules/.cache/vai-de-pix-bench/transfer-cpu-${process.pid}`;
  setCleanup(async () => {
    currentLoad?.stop();
    for (const version of versions) await version.server?.stop();
    for (const database of databases) await database.drop().catch((error) => console.error(`drop ${database.name}:`, error));
    rmSync(currentBuildDir, { recursive: true, force: true });
  });

  const machine = machineFacts();
  const facts = await serverFacts(url);
  const head = (await command('git', ['rev-parse', 'HEAD'], ROOT)).trim();
  const dirty = (await command('git', ['status', '--porcelain', '--untracked-files=no'], ROOT)).trim() !== '';
  for (const entries of [GROWTH_ENTRIES, ...PRELOAD_ENTRIES]) {
    if (entries % PRELOAD_ENTRIES_PER_PERSON !== 0) {
      throw new Error(`ledger sizes are whole people of ${PRELOAD_ENTRIES_PER_PERSON} entries; ${entries} is not`);
    }
  }
  if (GROWTH_ENTRIES > 0 && (process.env.BENCH_BASELINE || PRELOAD_ENTRIES.length > 0)) {
    throw new Error(
      'BENCH_GROWTH_ENTRIES measures the current checkout against itself: leave BENCH_BASELINE and BENCH_PRELOAD_ENTRIES unset',
    );
  }
  const baselineCommit =
    GROWTH_ENTRIES > 0 ? head : (await command('git', ['rev-parse', '--verify', `${BASELINE_REF}^{commit}`], ROOT)).trim();
  log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);
  log(`server: ${facts.version}`);
  log(
    `settings: shared_buffers=${facts.shared_buffers} synchronous_commit=${facts.synchronous_commit} fsync=${facts.fsync} jit=${facts.jit}`,
  );
  const against =
    GROWTH_ENTRIES > 0
      ? `itself with ${GROWTH_ENTRIES} entries preloaded (growth mode)`
      : `baseline ${baselineCommit.slice(0, 12)}`;
  log(
    `plan: current ${head.slice(0, 12)}${dirty ? ' + uncommitted changes' : ''} vs ${against}; ${ROUNDS} rounds × ${DURATION_S} s at ${CONNECTIONS} connections per version, tpcb-like scale ${PGBENCH_SCALE} each round; ${USERS} people × ${ACCOUNTS_PER_USER} accounts; warm-up ${WARMUP_S} s before and after each leg's vacuum; ${GROWTH_ENTRIES > 0 ? 'one leg' : `ledger legs: empty${PRELOAD_ENTRIES.map((n) => `, ${n} entries`).join('')}`}; log level ${SERVER_LOG_LEVEL}`,
  );

  let started = performance.now();
  const currentMain = await buildCurrent(currentBuildDir);
  log(`current: built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  const baseline = GROWTH_ENTRIES > 0 ? { main: currentMain, dir: ROOT } : await buildBaseline(baselineCommit, log);

  for (const [label, commit, main, cwd] of [
    ['current', head, currentMain, ROOT],
    ['baseline', baselineCommit, baseline.main, baseline.dir],
  ] as const) {
    const database = await createDatabase(url, `vdp_cpu_${label === 'current' ? 'cur' : 'base'}`);
    databases.push(database);
    versions.push({ label, commit, main, cwd, database, users: [], okTotal: 0, inFlightMax: 0, preloaded: 0 });
  }
  const tpcbDatabase = await createDatabase(url, 'vdp_cpu_pgbench');
  databases.push(tpcbDatabase);
  for (const version of versions) {
    // Each server migrates its fresh database as it starts.
    version.server = await startVersion(version);
    for (let index = 0; index < USERS; index += 1)
      version.users.push(await seedBenchUser(version.server.base, index, ACCOUNTS_PER_USER));
    log(
      `${NAMES[version.label]}: ${version.server.base} (pid ${version.server.child.pid}), database ${version.database.name}, seeded`,
    );
  }
  await pgbenchInit(tpcbDatabase.url, PGBENCH_SCALE);
  const postmaster = await postmasterPid(url);
  log(`pgbench: ${tpcbDatabase.name} at scale ${PGBENCH_SCALE}; postmaster pid ${postmaster}`);

  const quiet = () => waitForQuiet({ wait_s: QUIET_WAIT_S, busy_max_percent: QUIET_BUSY_MAX_PERCENT });
  const measurements: Measurement[] = [];
  const legs = [0, ...PRELOAD_ENTRIES];
  const summaries: { entries: number; current: Pooled; baseline: Pooled; tpcb: Pooled }[] = [];
  for (const [leg, entries] of legs.entries()) {
    log();
    const legName =
      GROWTH_ENTRIES > 0
        ? `an empty ledger and ${GROWTH_ENTRIES} entries side by side`
        : entries === 0
          ? 'empty ledger'
          : `${entries} preloaded ledger entries`;
    log(`== leg ${leg + 1}: ${legName} ==`);
    for (const version of versions) {
      const target = version.label === 'baseline' ? Math.max(entries, GROWTH_ENTRIES) : entries;
      if (target > version.preloaded) {
        started = performance.now();
        await preload(version.database.url, target - version.preloaded);
        version.preloaded = target;
        log(`${NAMES[version.label]}: preloaded to ${target} entries in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      }
    }
    const warmUp = async (version: Version, when: string) => {
      if (WARMUP_S === 0) return;
      const warm = await measureTransfers(version, postmaster, WARMUP_S);
      log(
        `${NAMES[version.label]}: warm-up ${when} ${(warm.operations / warm.duration_s).toFixed(0)} transfers/s (not reported)`,
      );
    };
    for (const version of versions) {
      await warmUp(version, 'before the vacuum');
      await vacuumAnalyze(version.database.url);
    }
    log(await checkpoint(url));
    // Plans made before the statistics, caches the vacuum disturbed: warm again, after all of it.
    for (const version of versions) await warmUp(version, 'after the vacuum');
    const legMeasurements: Measurement[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      // The two servers take turns going first (current, baseline; baseline, current; …):
      // whatever the first or the second measurement of a round meets falls on both alike.
      const order = round % 2 === 0 ? (['baseline', 'current'] as const) : (['current', 'baseline'] as const);
      for (const what of [...order, 'tpcb-like'] as const) {
        const waited = await quiet();
        const version = versions.find((candidate) => candidate.label === what);
        // The app's pool closes connections idle for 30 s, as long as the other measurements
        // of a round last: a short burst first, so each measurement starts with a full pool
        // of warm backends, as in steady traffic.
        if (version && PRIME_S > 0) await measureTransfers(version, postmaster, PRIME_S);
        const measured = version
          ? await measureTransfers(version, postmaster, DURATION_S)
          : await measureTpcb(tpcbDatabase, postmaster);
        const measurement: Measurement = { leg: leg + 1, round, what, ...measured };
        legMeasurements.push(measurement);
        log(
          `  round ${round} ${nameOf(what)}: ${(measured.operations / measured.duration_s).toFixed(0)}/s, ${roundTotalMs(measured).toFixed(2)} ms CPU each${Object.keys(measured.statuses).length ? `, statuses ${JSON.stringify(measured.statuses)}` : ''} (${waited})`,
        );
      }
    }
    measurements.push(...legMeasurements);
    const of = (what: Measurement['what']) => pooled(legMeasurements.filter((m) => m.what === what));
    const summary = { entries, current: of('current'), baseline: of('baseline'), tpcb: of('tpcb-like') };
    summaries.push(summary);
    log();
    log(`Rounds (CPU in ms per transfer or tpcb-like transaction):`);
    log(roundsTable(legMeasurements));
    log();
    log(`Per version, all rounds pooled (CPU ms per operation):`);
    log(summaryTable(summary.current, summary.baseline, summary.tpcb));
    const other = ms(
      summary.current.cpu.otherDatabases + summary.baseline.cpu.otherDatabases,
      summary.current.operations + summary.baseline.operations,
    );
    const meter = ms(
      summary.current.cpu.meter + summary.baseline.cpu.meter,
      summary.current.operations + summary.baseline.operations,
    );
    log(
      `not in the totals: backends of other databases ${other.toFixed(3)} ms per transfer; this process polling /proc ${meter.toFixed(3)} ms per transfer; retries ${summary.current.retries} ${NAMES.current}, ${summary.baseline.retries} ${NAMES.baseline}`,
    );
  }

  log();
  const first = summaries[0];
  if (GROWTH_ENTRIES > 0 && first) {
    // Each round's full ledger against that round's empty one, and each pair of rounds pooled
    // (in a pair each ledger went first once, so where a measurement fell in its round cancels).
    const growthOf = (rounds: readonly number[]) => {
      const of = (what: Measurement['what']) => pooled(measurements.filter((m) => rounds.includes(m.round) && m.what === what));
      return totalMs(of('baseline')) / totalMs(of('current')) - 1;
    };
    const rounds = Array.from({ length: ROUNDS }, (_, index) => index + 1);
    const pairs = rounds.filter((round) => round % 2 === 0).map((round) => [round - 1, round]);
    const growth = growthOf(rounds);
    const signed = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} %`;
    log(
      `goal, data: CPU per transfer with ${GROWTH_ENTRIES} entries vs empty ${signed(growth)} (within ${100 * GOAL_DATA_GROWTH} %: ${Math.abs(growth) <= GOAL_DATA_GROWTH ? 'yes' : 'NO'})`,
    );
    log(`  round by round ${rounds.map((round) => signed(growthOf([round]))).join(', ')}`);
    if (pairs.length > 0)
      log(`  pairs of rounds ${pairs.map((pair) => `${pair.join('+')} ${signed(growthOf(pair))}`).join(', ')}`);
    if (ROUNDS % 2 === 1) log(`  (an odd number of rounds: the empty ledger went first once more than the full one)`);
    for (const [label, p] of [
      [NAMES.current, first.current],
      [NAMES.baseline, first.baseline],
    ] as const) {
      const p99 = quantile(p.latencies, 0.99);
      log(`p99, ${label}: ${p99.toFixed(1)} ms (< ${GOAL_P99_MS}: ${p99 < GOAL_P99_MS ? 'met' : 'NOT met'})`);
    }
  }
  for (const summary of GROWTH_ENTRIES > 0 ? [] : summaries) {
    const cpuRatio = totalMs(summary.current) / totalMs(summary.baseline);
    const p99 = quantile(summary.current.latencies, 0.99);
    const label = summary.entries === 0 ? 'empty ledger' : `${summary.entries} entries`;
    log(
      `goal, ${label}: CPU per transfer current ÷ baseline ${cpuRatio.toFixed(2)} (≤ ${GOAL_CPU_RATIO}: ${cpuRatio <= GOAL_CPU_RATIO ? 'met' : 'NOT met'}); current p99 ${p99.toFixed(1)} ms (< ${GOAL_P99_MS}: ${p99 < GOAL_P99_MS ? 'met' : 'NOT met'})`,
    );
    if (first && summary !== first) {
      for (const which of ['current', 'baseline'] as const) {
        const growth = totalMs(summary[which]) / totalMs(first[which]) - 1;
        log(
          `  ${which}: CPU per transfer with ${summary.entries} entries vs empty ${growth >= 0 ? '+' : ''}${(100 * growth).toFixed(1)} % (within ${100 * GOAL_DATA_GROWTH} %: ${Math.abs(growth) <= GOAL_DATA_GROWTH ? 'yes' : 'NO'})`,
        );
      }
    }
  }

  log();
  let allOk = true;
  const checks: Record<string, InvariantCheck[]> = {};
  for (const version of versions) {
    const checkPool = new pg.Pool({ connectionString: version.database.url, max: 2, options: '-c statement_timeout=0' });
    try {
      checks[version.label] = [...(await checkLedgerInvariants(checkPool)), await bookkeeping(checkPool, version)];
    } finally {
      await checkPool.end();
    }
    log(`${NAMES[version.label]} (${version.database.name}):`);
    allOk = report.checks(checks[version.label] ?? []) && allOk;
  }
  const errors = measurements.reduce((sum, m) => sum + m.errors, 0);
  if (errors > 0) log(`WARNING: ${errors} answers were not 2xx or failed (expected none)`);

  report.write(RESULTS_DIR, 'transfer-cpu', {
    machine,
    facts,
    head,
    dirty,
    baselineCommit,
    names: NAMES,
    settings: {
      ROUNDS,
      DURATION_S,
      CONNECTIONS,
      WARMUP_S,
      USERS,
      ACCOUNTS_PER_USER,
      PGBENCH_SCALE,
      PRELOAD_ENTRIES,
      GROWTH_ENTRIES,
      SERVER_LOG_LEVEL,
    },
    measurements: measurements.map(({ latencies, ...rest }) => ({
      ...rest,
      p50_ms: quantile(latencies, 0.5),
      p95_ms: quantile(latencies, 0.95),
      p99_ms: quantile(latencies, 0.99),
    })),
    checks,
  });
  return allOk ? 0 : 1;
});
