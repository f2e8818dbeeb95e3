/**
 * What the benchmarks share: the admin connection, throwaway databases, pgbench, the
 * ledger invariants (the same SQL as test/helpers/ledger.ts, without Vitest), and CPU
 * accounting read from /proc. Nothing here sends traffic anywhere but the loopback.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { RequestData } from 'autocannon';
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

/** The median: the middle value, or the mean of the two middle ones. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
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
  if (options.wait_s === 0) return 'not waited for a quiet machine';
  const started = Date.now();
  let quietWindows = 0;
  let last = machineCpuSeconds();
  let busyPercent = Number.NaN;
  while (Date.now() - started < options.wait_s * 1000) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = machineCpuSeconds();
    busyPercent = (100 * (now.busy - last.busy)) / Math.max(1e-9, now.total - last.total);
    if (Number.isNaN(busyPercent)) return 'machine load unreadable (/proc/stat); not waited';
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

// ---------------------------------------------------------------- every PostgreSQL process, from /proc

/** The pgbench connection flags (-h, -p, -U, database) for a database URL. */
export function pgbenchConnectionArgs(url: string): string[] {
  return pgbenchConnection(url);
}

/** utime + stime and cutime + cstime (children already reaped) of a process, in seconds; NaN when gone. */
export function processCpuWithChildren(pid: number | 'self'): { own: number; children: number; startTicks: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = (index: number) => Number(fields[index]);
    return {
      own: (ticks(11) + ticks(12)) / CLOCK_TICKS_PER_SECOND,
      children: (ticks(13) + ticks(14)) / CLOCK_TICKS_PER_SECOND,
      startTicks: ticks(19),
    };
  } catch {
    return { own: Number.NaN, children: Number.NaN, startTicks: Number.NaN };
  }
}

/** The postmaster's pid: the parent of a backend of the server at url (which must run on this machine). */
export async function postmasterPid(url: string): Promise<number> {
  // Read while the connection is open: its backend exits with it.
  return admin(url, async (client) => {
    const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    const stat = readFileSync(`/proc/${backend}/stat`, 'utf8');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isInteger(parent) || parent <= 1) throw new Error(`no postmaster found above backend ${backend}`);
    return parent;
  });
}

/** What a PostgreSQL child process is, from its process title. */
type PostgresRole = { database: string } | { leader: number } | 'background' | 'unknown';

function postgresRole(pid: number): PostgresRole {
  let title: string;
  try {
    title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return 'unknown';
  }
  // Freshly forked, a backend still carries the postmaster's command line until it sets its title.
  if (!title.startsWith('postgres: ')) return 'unknown';
  // "postgres: [cluster_name: ]user database host(port) state": a client backend.
  const backend = /^postgres: (?:\S+: )?\S+ (\S+) (?:\S+\(\d+\)|\[local\])/.exec(title);
  if (backend?.[1]) return { database: backend[1] };
  const parallel = /parallel worker for PID (\d+)/.exec(title);
  if (parallel?.[1]) return { leader: Number(parallel[1]) };
  return 'background';
}

export interface PostgresCpu {
  /** CPU seconds of the client backends of each tracked database (one that exited, up to the last poll that saw it). */
  byDatabase: Record<string, number>;
  /** Client backends of any other database. */
  otherDatabases: number;
  /**
   * The postmaster itself, its background processes (WAL writer, checkpointer, background
   * writer, autovacuum), and what children that exited used after the last poll that saw
   * them (the postmaster's reaped-children time says how much): together with byDatabase and
   * otherDatabases, every CPU second the server spent.
   */
  background: number;
  backendsSeen: number;
  backendsExited: number;
  /** CPU seconds this process spent polling /proc. */
  meter: number;
}

interface PostgresChild {
  pid: number;
  role: PostgresRole;
  baseline: number;
  latest: number;
  alive: boolean;
}

function childPids(parent: number): number[] {
  try {
    return readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // Kernels without CONFIG_PROC_CHILDREN: scan every process for its parent.
    const found: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) found.push(Number(entry));
      } catch {
        // Gone meanwhile.
      }
    }
    return found;
  }
}

/**
 * Adds up the CPU of every process of a local PostgreSQL server while a measurement runs,
 * from /proc alone (no connection, so it adds no backend): the postmaster's children are
 * polled every intervalMs and told apart by their process title. A child already running at
 * the start counts from then, a new one from zero, and one that exits up to the last poll
 * that saw it; the rest of an exited child's time is read from the postmaster's
 * reaped-children counter and counted as background, so nothing the server did is lost.
 */
export function trackPostgresServer(postmaster: number, databases: readonly string[], intervalMs = 100): { stop(): PostgresCpu } {
  const children = new Map<string, PostgresChild>();
  let meter = 0;
  let firstPoll = true;
  const poll = () => {
    const started = process.cpuUsage();
    const listed = new Set<string>();
    for (const pid of childPids(postmaster)) {
      const cpu = processCpuWithChildren(pid);
      if (Number.isNaN(cpu.own)) continue;
      const key = `${pid}:${cpu.startTicks}`;
      listed.add(key);
      let child = children.get(key);
      if (!child) {
        child = { pid, role: 'unknown', baseline: firstPoll ? cpu.own : 0, latest: cpu.own, alive: true };
        children.set(key, child);
      }
      if (child.role === 'unknown') child.role = postgresRole(pid);
      child.latest = cpu.own;
    }
    for (const [key, child] of children) if (!listed.has(key)) child.alive = false;
    firstPoll = false;
    const used = process.cpuUsage(started);
    meter += (used.user + used.system) / 1e6;
  };
  const postmasterBefore = processCpuWithChildren(postmaster);
  poll();
  const timer = setInterval(poll, intervalMs);
  return {
    stop(): PostgresCpu {
      clearInterval(timer);
      poll();
      const postmasterAfter = processCpuWithChildren(postmaster);
      const byPid = new Map([...children.values()].filter((child) => child.alive).map((child) => [child.pid, child]));
      const databaseOf = (child: PostgresChild): string | undefined => {
        if (child.role === 'background' || child.role === 'unknown') return undefined;
        if ('database' in child.role) return child.role.database;
        const leader =
          byPid.get(child.role.leader) ??
          [...children.values()].find((other) => other.pid === (child.role as { leader: number }).leader);
        return leader && leader !== child ? databaseOf(leader) : undefined;
      };
      const result: PostgresCpu = {
        byDatabase: Object.fromEntries(databases.map((database) => [database, 0])),
        otherDatabases: 0,
        background: postmasterAfter.own - postmasterBefore.own,
        backendsSeen: 0,
        backendsExited: 0,
        meter,
      };
      let exitedLatest = 0;
      for (const child of children.values()) {
        const used = child.latest - child.baseline;
        if (!child.alive) exitedLatest += child.latest;
        const database = databaseOf(child);
        if (database === undefined) {
          result.background += used;
          continue;
        }
        result.backendsSeen += 1;
        if (!child.alive) result.backendsExited += 1;
        if (database in result.byDatabase) result.byDatabase[database] = (result.byDatabase[database] ?? 0) + used;
        else result.otherDatabases += used;
      }
      // Children reaped meanwhile: their whole lives are in the postmaster's counter; what
      // the polls saw of them is already counted above.
      result.background += postmasterAfter.children - postmasterBefore.children - exitedLatest;
      return result;
    },
  };
}

// ---------------------------------------------------------------- seeding people through the API

/** R$ 1 bilhão per account (the largest opening balance), so a benchmark's transfer never lacks funds. */
export const BENCH_INITIAL_BALANCE_CENTS = 100_000_000_000;
/** Accounts created at once while seeding one person. */
const BENCH_SEED_PARALLEL = 4;
const BENCH_PASSWORD = 'bench-password-123';

export interface BenchUser {
  token: string;
  accountIds: string[];
}

/** One request to a running server; the body parsed as JSON (null when empty). */
export async function benchCall(
  base: string,
  options: { method: string; path: string; body?: unknown; token?: string; key?: string },
): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.key) headers['idempotency-key'] = options.key;
  const init: RequestInit = { method: options.method, headers };
  if (options.body !== undefined) init.body = JSON.stringify(options.body);
  const response = await fetch(`${base}${options.path}`, init);
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

/**
 * One person through the API: registered, then `accounts` checking accounts with R$ 1 bilhão
 * each. Register is rate limited (30 per IP per 15 min), so a benchmark seeds only a few people.
 */
export async function seedBenchUser(base: string, index: number, accounts: number): Promise<BenchUser> {
  const email = `bench.${index}.${randomBytes(4).toString('hex')}@example.com`;
  const registered = await benchCall(base, {
    method: 'POST',
    path: '/api/auth/register',
    body: { email, password: BENCH_PASSWORD, name: `Bench ${index + 1}` },
  });
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${JSON.stringify(registered.json)}`);
  const token: string = registered.json.token;
  const accountIds: string[] = [];
  for (let start = 0; start < accounts; start += BENCH_SEED_PARALLEL) {
    const batch = Array.from({ length: Math.min(BENCH_SEED_PARALLEL, accounts - start) }, (_, offset) =>
      benchCall(base, {
        method: 'POST',
        path: '/api/accounts',
        token,
        key: randomUUID(),
        body: { name: `Conta ${start + offset + 1}`, type: 'checking', initial_balance_cents: BENCH_INITIAL_BALANCE_CENTS },
      }),
    );
    for (const created of await Promise.all(batch)) {
      if (created.status !== 201) throw new Error(`create account: ${created.status} ${JSON.stringify(created.json)}`);
      accountIds.push(created.json.id);
    }
  }
  return { token, accountIds };
}

// ---------------------------------------------------------------- the transfer load

/** A benchmark transfer moves 1 centavo to R$ 100,00. */
export const TRANSFER_AMOUNT_MAX_CENTS = 10_000;

export function randomIndex(length: number): number {
  return Math.floor(Math.random() * length);
}

/** autocannon's request for each transfer: a random person, two distinct accounts of theirs, a fresh Idempotency-Key. */
export function transferRequest(users: readonly BenchUser[]) {
  return {
    method: 'POST',
    path: '/api/transfers',
    setupRequest: (request: RequestData): RequestData => {
      const user = users[randomIndex(users.length)] as BenchUser;
      const from = randomIndex(user.accountIds.length);
      const to = (from + 1 + randomIndex(user.accountIds.length - 1)) % user.accountIds.length;
      return {
        ...request,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${user.token}`,
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify({
          from_account_id: user.accountIds[from],
          to_account_id: user.accountIds[to],
          amount_cents: 1 + randomIndex(TRANSFER_AMOUNT_MAX_CENTS),
          description: 'bench',
        }),
      };
    },
  };
}
