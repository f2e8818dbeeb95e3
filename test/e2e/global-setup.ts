import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase, resolveAdminUrl, stopAdminServer } from '../helpers/db.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { DEFAULT_E2E_CLOCK_START, E2E_CLOCK_RUN_START_VARIABLE, E2E_CLOCK_START_VARIABLE, saoPauloDay } from './clock.js';
import { E2E_OPERATOR_EMAIL } from './operator-email.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER_ENTRY = path.join(REPO_ROOT, 'dist/main.js');
const SPA_ENTRY = path.join(REPO_ROOT, 'web/dist/index.html');

const HEALTH_WAIT_MS = 30_000;
const HEALTH_POLL_MS = 200;
const HEALTH_REQUEST_TIMEOUT_MS = 2_000;
const SHUTDOWN_WAIT_MS = 10_000;
/**
 * Sign-in attempts the browser tests' server allows per window, per address and e-mail.
 * Its clock steps a millisecond per reading, so one window outlasts the whole run.
 */
const E2E_AUTH_ATTEMPTS_MAX = 10_000;
/** Only the tail of the server's output is kept, for the failure message. */
const OUTPUT_KEPT_CHARS_MAX = 20_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') {
        probe.close();
        reject(new Error('could not read the probe port'));
        return;
      }
      probe.close(() => resolve(address.port));
    });
  });
}

class OutputTail {
  private text = '';
  append(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-OUTPUT_KEPT_CHARS_MAX);
  }
  toString(): string {
    return this.text.length > 0 ? this.text : '(no output)';
  }
}

async function healthy(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(HEALTH_REQUEST_TIMEOUT_MS) });
    return response.status === 200;
  } catch {
    return false;
  }
}

async function waitUntilHealthy(baseUrl: string, server: ChildProcess, output: OutputTail): Promise<void> {
  const deadline = Date.now() + HEALTH_WAIT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(
        `the app exited (code ${server.exitCode}, signal ${server.signalCode}) before answering /health:\n${output}`,
      );
    }
    if (await healthy(baseUrl)) return;
    await sleep(HEALTH_POLL_MS);
  }
  throw new Error(`the app did not answer GET /health with 200 within ${HEALTH_WAIT_MS} ms:\n${output}`);
}

async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(SHUTDOWN_WAIT_MS).then(() => true)]);
  if (timedOut) {
    // A graceful drain that takes this long is itself a bug; do not leave the process behind.
    console.error(`[e2e] the app did not exit ${SHUTDOWN_WAIT_MS} ms after SIGTERM; sending SIGKILL`);
    server.kill('SIGKILL');
    await exited;
  }
}

type Database = Awaited<ReturnType<typeof createTestDatabase>>;

async function cleanUp(server: ChildProcess | undefined, database: { drop(): Promise<void> } | undefined): Promise<void> {
  try {
    if (server) await stop(server);
    // The app must be gone first: dropping a database with open connections fails or kills them.
    if (database) await database.drop();
  } finally {
    await stopAdminServer();
  }
}

/** The browser tests post money through the screens: the ledger they leave must hold its invariants. */
async function checkLedger(database: Database): Promise<void> {
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  try {
    await expectLedgerInvariants(pool);
  } finally {
    await pool.end();
  }
}

/**
 * The start instant of the run's clock, E2E_CLOCK_START or an ordinary day, as given (the
 * server checks it strictly again, e.g. refuses a 29 February that does not exist).
 */
function runStart(): { text: string; at: Date } {
  const text = process.env[E2E_CLOCK_START_VARIABLE] || DEFAULT_E2E_CLOCK_START;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new Error(`${E2E_CLOCK_START_VARIABLE} is not an instant: ${JSON.stringify(text)}`);
  return { text, at };
}

/**
 * The latest instant the server's clock gave a row: it stamps each transaction and each
 * session with it (not with the database's now()), so this is as far as that clock got.
 */
const LATEST_SERVER_STAMP_SQL = `SELECT greatest((SELECT max(created_at) FROM transactions),
                                                  (SELECT max(created_at) FROM sessions)) AS latest`;

/**
 * A run whose server clock reached the next day in São Paulo has pages and helpers that
 * computed "today" before it and checks after it: its results mean nothing, so it fails
 * and says why. A run that wrote no row fails too, because it would check nothing.
 */
async function expectSameDay(database: Database, started: Date): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  let latest: Date | null;
  try {
    const result = await client.query<{ latest: Date | null }>(LATEST_SERVER_STAMP_SQL);
    latest = result.rows[0]?.latest ?? null;
  } finally {
    await client.end();
  }
  if (latest === null)
    throw new Error('the browser tests wrote no transaction or session: nothing shows where the server clock got');
  if (saoPauloDay(latest) !== saoPauloDay(started)) {
    throw new Error(
      `the server's clock crossed midnight in São Paulo (${started.toISOString()} to ${latest.toISOString()}): start ${E2E_CLOCK_START_VARIABLE} earlier in the day`,
    );
  }
}

/**
 * Creates a fresh database, starts the built app on a free port with the run's clock,
 * waits for /health, and returns the teardown (Playwright runs it after all tests): stop
 * the app, check the ledger the tests left, drop the database.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  for (const file of [SERVER_ENTRY, SPA_ENTRY]) {
    if (!existsSync(file)) {
      throw new Error(`${path.relative(REPO_ROOT, file)} is missing: run \`npm run build\` before \`npm run test:e2e\``);
    }
  }

  // Pin the PostgreSQL server once (a throwaway embedded one if none is given or running),
  // so creating and dropping the database talk to the same server.
  process.env.VDP_TEST_ADMIN_URL = await resolveAdminUrl();
  let database: Database | undefined;
  let server: ChildProcess | undefined;
  const start = runStart();
  try {
    database = await createTestDatabase();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const output = new OutputTail();
    server = spawn(process.execPath, [SERVER_ENTRY], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
        TEST_CLOCK_START: start.text,
        // Every spec registers and signs in its own people from this one address.
        AUTH_RATE_LIMIT_PER_IP: String(E2E_AUTH_ATTEMPTS_MAX),
        AUTH_RATE_LIMIT_PER_NETWORK: String(E2E_AUTH_ATTEMPTS_MAX),
        AUTH_RATE_LIMIT_PER_EMAIL: String(E2E_AUTH_ATTEMPTS_MAX),
        AUTH_RATE_LIMIT_PER_DEVICE: String(E2E_AUTH_ATTEMPTS_MAX),
        ADMIN_EMAILS: E2E_OPERATOR_EMAIL,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk: Buffer) => output.append(chunk));
    server.stderr?.on('data', (chunk: Buffer) => output.append(chunk));
    await waitUntilHealthy(baseUrl, server, output);
    process.env.E2E_BASE_URL = baseUrl;
    // For tests that run a job as an operator would (`npm run job`), against the app's database.
    process.env.E2E_DATABASE_URL = database.url;
    process.env[E2E_CLOCK_RUN_START_VARIABLE] = start.at.toISOString();
  } catch (error) {
    await cleanUp(server, database);
    throw error;
  }

  const [running, created] = [server, database];
  return async () => {
    try {
      if (running) await stop(running);
      await checkLedger(created);
      await expectSameDay(created, start.at);
    } finally {
      await cleanUp(running, created);
    }
  };
}
