import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';

/** The built server, as `npm start` runs it (npm run build first). */
export const MAIN = 'dist/main.js';
export const STARTUP_TIMEOUT_MS = 60_000;
/** No single HTTP attempt may wait longer than this, outage or not. */
export const REQUEST_TIMEOUT_MS = 20_000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function requireBuild(): void {
  if (!existsSync(MAIN)) throw new Error('build first: npm run build');
}

/** A real API process (node dist/main.js) and what it printed. */
export interface ApiProcess {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

/** Every process a test started, so afterAll can end the ones still running. */
const started: ApiProcess[] = [];

export function launchApi(env: Record<string, string>): ApiProcess {
  const base: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1' };
  for (const name of ['DATABASE_URL', 'TEST_DATABASE_URL', 'VDP_TEST_ADMIN_URL', 'DATA_DIR', 'PORT', 'SENTRY_DSN']) {
    delete base[name];
  }
  const child = spawn(process.execPath, [MAIN], { env: { ...base, ROLE: 'api', ...env } });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const running = { child, output: () => output, exited };
  started.push(running);
  return running;
}

export async function waitListening(api: ApiProcess): Promise<void> {
  await waitFor(() => api.output().includes('Vai de Pix listening on'), STARTUP_TIMEOUT_MS, 'the API to listen', api.output);
}

/** kill -9: no drain, no close, the sockets and the pool vanish with the process. */
export async function killHard(api: ApiProcess): Promise<void> {
  api.child.kill('SIGKILL');
  await api.exited;
}

export async function killStartedProcesses(): Promise<void> {
  for (const api of started) {
    if (api.child.exitCode === null && api.child.signalCode === null) await killHard(api);
  }
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  output: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output().slice(-3_000)}`);
    await sleep(50);
  }
}

/** One HTTP answer; status 0 when the attempt failed at the socket or timed out. */
export interface Answer {
  status: number;
  code?: string;
  retryAfter: string | null;
  replayed: boolean;
  body: Record<string, unknown>;
  /** The exact bytes of the body, to compare a replay with the first answer. */
  text: string;
}

export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {};
    }
    return {
      status: response.status,
      ...(typeof body.code === 'string' ? { code: body.code } : {}),
      retryAfter: response.headers.get('retry-after'),
      replayed: response.headers.get('idempotent-replayed') === 'true',
      body,
      text,
    };
  } catch (error) {
    return { status: 0, code: String((error as Error).name), retryAfter: null, replayed: false, body: {}, text: '' };
  }
}

export function post(url: string, token: string, body: unknown, key?: string): Promise<Answer> {
  return call(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** A person with ACCOUNTS checking accounts, each with a large opening balance, through the API. */
export async function setUpPerson(base: string, accounts: number): Promise<{ token: string; accountIds: string[] }> {
  const registered = await post(`${base}/api/auth/register`, '', {
    email: `falha.${Date.now().toString(36)}@example.com`,
    password: 'senha-forte-123',
    name: 'Falha de Propósito',
  });
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${registered.text}`);
  const token = String(registered.body.token);
  return { token, accountIds: await addAccounts(base, token, accounts) };
}

/** More checking accounts for the person, each with the opening balance. */
export async function addAccounts(base: string, token: string, accounts: number): Promise<string[]> {
  const accountIds: string[] = [];
  for (let index = 0; index < accounts; index += 1) {
    const created = await post(`${base}/api/accounts`, token, {
      name: `Conta ${Date.now().toString(36)}-${index}`,
      type: 'checking',
      initial_balance_cents: OPENING_BALANCE_CENTS,
    });
    if (created.status !== 201) throw new Error(`account: ${created.status} ${created.text}`);
    accountIds.push(String(created.body.id));
  }
  return accountIds;
}

/** Large enough that no sequence of the tests' small movements reaches an account's floor. */
export const OPENING_BALANCE_CENTS = 100_000_000;

/** A small deterministic generator (mulberry32), so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A pool of two connections for the test's own reads, named so it is never mistaken for the app's. */
export function observerPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'vdp-failure-observer' });
  // An idle connection closed by a restart the test made: the next query opens another.
  pool.on('error', () => {});
  return pool;
}
