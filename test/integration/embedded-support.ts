import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../../src/db/embedded.js';
import { SYSTEM_HOME } from '../../src/db/embedded-placement.js';

/**
 * The app as `npm start` runs it (node dist/main.js) in embedded mode, for the tests that
 * start it anywhere and kill it: each run gets its own port; DATA_DIR is the caller's.
 */
export const STARTUP_TIMEOUT_MS = 90_000;
const POLL_MS = 100;
const LEFTOVER_STOP_MAX_MS = 60_000;

export interface AppProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

function embeddedEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1' };
  for (const name of ['DATABASE_URL', 'TEST_DATABASE_URL', 'VDP_TEST_ADMIN_URL', 'DATA_DIR', 'PORT']) delete env[name];
  return { ...env, ...extra };
}

/** Spawns `node <main>` in cwd; resolves once it listens, or rejects with its output. */
export async function startApp(options: { main: string; cwd: string; env: NodeJS.ProcessEnv }): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [options.main], {
    cwd: options.cwd,
    env: embeddedEnv({ ...options.env, PORT: String(port) }),
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const app = { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
  await waitUntil(
    () => output.includes('Vai de Pix listening on') || child.exitCode !== null,
    STARTUP_TIMEOUT_MS,
    'the app to start',
  );
  if (!output.includes('Vai de Pix listening on')) {
    child.kill('SIGKILL');
    throw new Error(`the app did not start:\n${output}`);
  }
  return app;
}

/** Runs `node <main>` expecting it to stop on its own; its exit code and output. */
export async function runUntilExit(options: {
  main: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [options.main], {
    cwd: options.cwd,
    env: embeddedEnv({ ...options.env, PORT: String(await freePort()) }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  return { code, stdout, stderr };
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeout_ms: number, what: string): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The embedded server's pid, line 1 of its postmaster.pid in DATA_DIR/pg. */
export async function postmasterPid(dataDir: string): Promise<number> {
  const text = await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8');
  return Number.parseInt(text.split('\n')[0] ?? '', 10);
}

/**
 * After a failed test a server of the test's own DATA_DIR may still run (an orphan the app
 * under test did not stop): it is stopped like the app should have (SIGINT, a fast shutdown).
 */
export async function stopLeftoverServer(dataDir: string): Promise<void> {
  const pid = await postmasterPid(dataDir).catch(() => Number.NaN);
  if (!Number.isInteger(pid) || !(await isRunning(pid))) return;
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!commandLine.includes(dataDir) && !commandLine.includes(SYSTEM_HOME)) return;
  process.kill(pid, 'SIGINT');
  await waitUntil(async () => !(await isRunning(pid)), LEFTOVER_STOP_MAX_MS, `the leftover server ${pid} to stop`);
}

/** Whether pid runs (a zombie, dead but not yet reaped, does not). */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** The pids whose parent is pid (from /proc), with their command lines. */
export async function childrenOf(pid: number): Promise<Array<{ pid: number; commandLine: string }>> {
  const found: Array<{ pid: number; commandLine: string }> = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent !== pid) continue;
    const commandLine = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    found.push({ pid: Number(entry), commandLine });
  }
  return found;
}

const PASSWORD = 'senha-forte-123';

/** Registers a person and opens an account with a balance: data that must survive a crash. */
export async function writeData(url: string, email: string, balance_cents: number): Promise<void> {
  const registered = await fetch(`${url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, name: 'Sobrevivente' }),
  });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}: ${await registered.text()}`);
  const { token } = (await registered.json()) as { token: string };
  const account = await fetch(`${url}/api/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: 'Conta do dia a dia', type: 'checking', initial_balance_cents: balance_cents }),
  });
  if (account.status !== 201) throw new Error(`POST /api/accounts answered ${account.status}: ${await account.text()}`);
}

/** Signs in and reads the balances of that person's accounts back. */
export async function readBalances(url: string, email: string): Promise<number[]> {
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  const accounts = await fetch(`${url}/api/accounts`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await accounts.json()) as { items: Array<{ balance_cents: number }> };
  return body.items.map((item) => item.balance_cents);
}
