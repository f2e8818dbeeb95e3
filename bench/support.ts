/**
 * What the benchmarks share: the admin connection, throwaway databases, pgbench, the
 * ledger invariants (the same SQL as test/helpers/ledger.ts, without Vitest), and CPU
 * accounting read from /proc. Nothing here sends traffic anywhere but the loopback.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import pg from 'pg';
import { freePort } from '../src/db/embedded.js';

export const ADMIN_URL_DEFAULT = 'postgresql://postgres@127.0.0.1:5432/postgres';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const PGBENCH_CANDIDATES = ['/usr/bin/pgbench', '/usr/lib/postgresql/15/bin/pgbench'];
/** pgbench gets this long beyond its -T before it is killed as hung. */
const PGBENCH_SLACK_MS = 120_000;
const CLOCK_TICKS_PER_SECOND = 100;

export function adminUrl(): string {
  const url = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || ADMIN_URL_DEFAULT;
  const host = new URL(url).hostname;
  // The benchmark loads the server hard; it is meant for a local server, never a shared one.
  if (!LOOPBACK_HOSTS.has(host)) throw new Error(`the benchmark only runs against a loopback PostgreSQL, not ${host}`);
  return url;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export function integerEnv(name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new Error(`${name} must be an integer from ${range.min} to ${range.max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A comma-separated list of integers in range, e.g. BENCH_PGBENCH_SCALES=1,10. */
export function integerListEnv(name: string, fallback: readonly number[], range: { min: number; max: number }): number[] {
  const raw = process.env[name];
  if (!raw) return [...fallback];
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((value) => !Number.isInteger(value) || value < range.min || value > range.max)) {
    throw new Error(`${name} must be a comma-separated list of integers from ${range.min} to ${range.max}, got ${raw}`);
  }
  return values;
}

export function connectionCounts(fallback: readonly number[]): number[] {
  const raw = process.env.BENCH_CONNECTIONS;
  if (!raw) return [...fallback];
  const counts = raw.split(',').map((part) => Number(part.trim()));
  if (counts.some((count) => !Number.isInteger(count) || count < 1 || count > 64)) {
    throw new Error(`BENCH_CONNECTIONS must be a comma-separated list of integers from 1 to 64, got ${raw}`);
  }
  return counts;
}

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new empty database named <prefix>_<random>; drop() removes it even with sessions open. */
export async function createDatabase(url: string, prefix: string): Promise<BenchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await admin(url, (client) => client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`));
  return {
    name,
    url: withDatabase(url, name),
    drop: () => admin(url, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export async function serverFacts(url: string): Promise<Record<string, string>> {
  return admin(url, async (client) => {
    const facts: Record<string, string> = {};
    const version = await client.query<{ v: string }>('SELECT version() AS v');
    facts.version = version.rows[0]?.v ?? '?';
    for (const name of ['shared_buffers', 'synchronous_commit', 'fsync', 'wal_level', 'max_connections', 'jit']) {
      const setting = await client.query<{ value: string }>(`SELECT current_setting($1) AS value`, [name]);
      facts[name] = setting.rows[0]?.value ?? '?';
    }
    return facts;
  });
}

export function machineFacts(): { cpu: string; cores: number; node: string } {
  const all = cpus();
  return { cpu: all[0]?.model ?? '?', cores: all.length, node: process.version };
}

export function pgbenchPath(): string {
  const found = [process.env.PGBENCH, ...PGBENCH_CANDIDATES].find((candidate) => candidate && existsSync(candidate));
  if (!found) throw new Error('pgbench not found; set PGBENCH to its path');
  return found;
}

function run(
  file: string,
  args: string[],
  timeout_ms: number,
  onSpawn: (pid: number) => void = () => {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: timeout_ms, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
    if (child.pid !== undefined) onSpawn(child.pid);
  });
}

/** pgbench takes the connection as flags; it connects over TCP like the app does. */
function pgbenchConnection(url: string): string[] {
  const parsed = new URL(url);
  const args = ['-h', parsed.hostname.replace(/^\[|\]$/g, ''), '-p', parsed.port || '5432'];
  if (parsed.username) args.push('-U', decodeURIComponent(parsed.username));
  args.push(parsed.pathname.slice(1));
  return args;
}

export async function pgbenchInit(url: string, scale: number): Promise<void> {
  await run(pgbenchPath(), ['-i', '-q', '-s', String(scale), ...pgbenchConnection(url)], 10 * 60_000);
}

export interface PgbenchResult {
  clients: number;
  threads: number;
  tps: number;
  latency_average_ms: number;
  transactions: number;
  /** CPU of the PostgreSQL backends serving pgbench, per transaction. */
  server_cpu_ms_per_tx: number;
  /** CPU of the pgbench client process, per transaction. */
  client_cpu_ms_per_tx: number;
}

/** The built-in TPC-B-like script (BEGIN, five statements, END: seven round trips, simple protocol). */
export function pgbenchTpcb(url: string, clients: number, duration_s: number): Promise<PgbenchResult> {
  return pgbenchRun(url, { clients, duration_s, script: ['-b', 'tpcb-like'] });
}

/** pgbench with a script (-b builtin or -f file, plus options such as -n) at a client count for a fixed time. */
export async function pgbenchRun(
  url: string,
  options: { clients: number; duration_s: number; script: string[] },
): Promise<PgbenchResult> {
  const { clients, duration_s } = options;
  const threads = Math.min(clients, 2);
  const args = [...options.script, '-c', String(clients), '-j', String(threads), '-T', String(duration_s)];
  let clientPid = 0;
  const tracker = trackCpu(url, new URL(url).pathname.slice(1), () => (clientPid ? [clientPid] : []));
  let stdout: string;
  try {
    await tracker.ready;
    ({ stdout } = await run(pgbenchPath(), [...args, ...pgbenchConnection(url)], duration_s * 1000 + PGBENCH_SLACK_MS, (pid) => {
      clientPid = pid;
    }));
  } finally {
    await tracker.stop();
  }
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
  const latency = /latency average = ([\d.]+) ms/.exec(stdout)?.[1];
  const processed = /number of transactions actually processed: (\d+)/.exec(stdout)?.[1];
  if (tps === undefined) throw new Error(`could not read tps from pgbench:\n${stdout}`);
  const transactions = Math.max(1, Number(processed ?? 1));
  const clientCpu = tracker.cpuOf(clientPid);
  return {
    clients,
    threads,
    tps: Number(tps),
    latency_average_ms: Number(latency ?? Number.NaN),
    transactions,
    server_cpu_ms_per_tx: (1000 * (tracker.total() - clientCpu)) / transactions,
    client_cpu_ms_per_tx: (1000 * clientCpu) / transactions,
  };
}

const CPU_POLL_INTERVAL_MS = 200;

export interface CpuTracker {
  /** Resolves after the first poll: start the measured work after it. */
  ready: Promise<void>;
  stop(): Promise<void>;
  /** CPU seconds used since tracking began by every process seen. */
  total(): number;
  cpuOf(pid: number): number;
}

/**
 * Adds up the CPU time of the PostgreSQL backends connected to one database (and of any
 * extra processes) while a measurement runs, by polling pg_stat_activity and
 * /proc/<pid>/stat. Unlike throughput, CPU per transaction barely moves when other work
 * shares the machine, so it is what explains where the time goes. Backends already
 * connected at the start count from then; backends that appear later count from zero.
 * Background processes (WAL writer, checkpointer) are not included.
 */
export function trackCpu(adminUrlOrDatabaseUrl: string, database: string, extraPids: () => number[] = () => []): CpuTracker {
  const client = new pg.Client({ connectionString: adminUrlOrDatabaseUrl, application_name: 'vai-de-pix-bench-cpu' });
  const baseline = new Map<number, number>();
  const latest = new Map<number, number>();
  let firstPoll = true;
  let running = true;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const poll = async () => {
    const result = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
      [database],
    );
    for (const pid of [...result.rows.map((row) => row.pid), ...extraPids()]) {
      const cpu = processCpuSeconds(pid);
      if (Number.isNaN(cpu)) continue;
      if (!baseline.has(pid)) baseline.set(pid, firstPoll ? cpu : 0);
      latest.set(pid, cpu);
    }
    firstPoll = false;
    markReady();
  };
  const loop = (async () => {
    await client.connect();
    while (running) {
      await poll();
      await new Promise((resolve) => setTimeout(resolve, CPU_POLL_INTERVAL_MS));
    }
    await poll();
    await client.end();
  })();
  const used = (pid: number) => (latest.get(pid) ?? 0) - (baseline.get(pid) ?? 0);
  return {
    ready,
    async stop() {
      running = false;
      await loop;
    },
    total: () => [...latest.keys()].reduce((sum, pid) => sum + used(pid), 0),
    cpuOf: used,
  };
}

export interface InvariantCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** The ledger invariants of test/helpers/ledger.ts, answered from the database alone. */
export async function checkLedgerInvariants(pool: pg.Pool): Promise<InvariantCheck[]> {
  const rowsOf = async (sql: string) => (await pool.query(sql)).rows;
  const none = (name: string, rows: unknown[]): InvariantCheck => ({
    name,
    ok: rows.length === 0,
    detail: rows.length === 0 ? 'none' : `${rows.length} offending, first ${JSON.stringify(rows[0])}`,
  });
  const total = await pool.query<{ sum: string | null }>('SELECT sum(amount_cents)::text AS sum FROM ledger_entries');
  const sum = total.rows[0]?.sum ?? '0';
  return [
    { name: 'sum of all entries is 0', ok: sum === '0', detail: `sum = ${sum}` },
    none(
      'every transaction has ≥ 2 legs summing to 0',
      await rowsOf(
        `SELECT transaction_id, sum(amount_cents) AS s, count(*) AS n FROM ledger_entries
          GROUP BY transaction_id HAVING sum(amount_cents) <> 0 OR count(*) < 2`,
      ),
    ),
    none(
      'no header without legs',
      await rowsOf(
        'SELECT t.id FROM transactions t WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.id)',
      ),
    ),
    none(
      'balance_cents = sum of the account entries',
      await rowsOf(
        `SELECT a.id, a.balance_cents, coalesce(sum(e.amount_cents), 0) AS ledger
           FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
          GROUP BY a.id HAVING a.balance_cents <> coalesce(sum(e.amount_cents), 0)`,
      ),
    ),
    none(
      'balance_after_cents chain exact',
      await rowsOf(
        `SELECT id FROM (
           SELECT id, balance_after_cents,
                  sum(amount_cents) OVER (PARTITION BY account_id ORDER BY account_version) AS running
             FROM ledger_entries) chain
          WHERE balance_after_cents <> running`,
      ),
    ),
    none(
      'account row_version ≥ its last entry version',
      await rowsOf(
        `SELECT a.id FROM accounts a JOIN LATERAL (
           SELECT max(account_version) AS v FROM ledger_entries e WHERE e.account_id = a.id) last ON true
          WHERE last.v IS NOT NULL AND last.v > a.row_version`,
      ),
    ),
  ];
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state: utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Busy and total CPU seconds of the whole machine so far, from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((sum, value) => sum + value, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: (total - idle) / CLOCK_TICKS_PER_SECOND, total: total / CLOCK_TICKS_PER_SECOND };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

/** The q-quantile (0..1) of already sorted values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padStart(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => `${'-'.repeat(width + 1)}:`).join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * The machine is shared (test suites, builds): waits until it has been nearly idle for a
 * few seconds before a measurement, at most wait_s, and says how long it waited.
 */
export async function waitForQuiet(options: { wait_s: number; busy_max_percent: number }): Promise<string> {
  const windowMs = 1_000;
  const quietWindowsNeeded = 3;
  const started = Date.now();
  let quietWindows = 0;
  let last = machineCpuSeconds();
  let busyPercent = Number.NaN;
  while (Date.now() - started < options.wait_s * 1000) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = machineCpuSeconds();
    busyPercent = (100 * (now.busy - last.busy)) / Math.max(1e-9, now.total - last.total);
    last = now;
    quietWindows = busyPercent <= options.busy_max_percent ? quietWindows + 1 : 0;
    if (quietWindows >= quietWindowsNeeded) {
      const waited_s = Math.round((Date.now() - started) / 1000);
      return waited_s > quietWindowsNeeded + 1 ? `waited ${waited_s} s for a quiet machine` : 'machine quiet';
    }
  }
  return `machine still ${busyPercent.toFixed(0)}% busy after ${options.wait_s} s; measuring anyway`;
}

/** What a benchmark prints, kept so that it can be written to its results file. */
export class Report {
  private readonly lines: string[] = [];

  readonly log = (line = ''): void => {
    this.lines.push(line);
    console.log(line);
  };

  /** Prints each check as PASS/FAIL and the verdict; true when all passed. */
  checks(checks: readonly InvariantCheck[]): boolean {
    for (const check of checks) this.log(`${check.ok ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`);
    const ok = checks.every((check) => check.ok);
    this.log(`ledger invariants: ${ok ? 'PASS' : 'FAIL'}`);
    return ok;
  }

  /** Writes what was printed and the raw figures to <dir>/<name>-<timestamp>.txt. */
  write(dir: string, name: string, raw: unknown): void {
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`;
    this.log(`results: ${file}`);
    writeFileSync(file, `${this.lines.join('\n')}\n\nraw: ${JSON.stringify(raw)}\n`);
  }
}

/**
 * Runs a benchmark's main and exits with its code. The cleanup main hands over (stop the
 * load and the servers, drop the databases) runs once: when main returns or throws, or on
 * Ctrl-C or SIGTERM, which then exit 130. The signal handlers stay registered until the
 * cleanup ends: tsx relays a Ctrl-C a second time and exits at once if none is left.
 */
export function runBench(
  interrupted: string,
  main: (setCleanup: (cleanup: () => Promise<void>) => void) => Promise<number>,
): void {
  let cleanup: () => Promise<void> = async () => {};
  let cleaning: Promise<void> | undefined;
  const cleanOnce = () => {
    cleaning ??= cleanup();
    return cleaning;
  };
  const onSignal = () => {
    if (cleaning) return;
    console.error(`\ninterrupted: ${interrupted}`);
    void cleanOnce().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  main((fn) => {
    cleanup = fn;
  })
    .catch((error: unknown) => {
      console.error(error);
      return 1;
    })
    .then(async (code) => {
      await cleanOnce();
      process.exit(code);
    });
}

// ---------------------------------------------------------------- the app as a child process

const SERVER_START_TIMEOUT_MS = 60_000;
const SERVER_STOP_TIMEOUT_MS = 15_000;
const STDERR_KEPT_BYTES = 8_192;

export interface RunningServer {
  base: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function waitHealthy(base: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}:\n${stderr()}`);
    try {
      const response = await fetch(`${base}/api/health`);
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the app did not become healthy within ${SERVER_START_TIMEOUT_MS} ms:\n${stderr()}`);
}

/**
 * Starts the app as a child process on a free loopback port (`env` gets the port) and waits
 * until GET /api/health answers; `stop` ends it with SIGTERM, then SIGKILL after a grace.
 */
export async function startServerProcess(options: {
  args: readonly string[];
  cwd: string;
  env: (port: number) => NodeJS.ProcessEnv;
}): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [...options.args], {
    cwd: options.cwd,
    env: options.env(port),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_KEPT_BYTES);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(base, child, () => stderrTail);
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, child, stop };
}
