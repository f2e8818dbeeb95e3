import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { DEFAULT_E2E_CLOCK_START, E2E_CLOCK_RUN_START_VARIABLE, E2E_CLOCK_START_VARIABLE } from './clock.js';
import { E2E_OPERATOR_EMAIL } from './operator-email.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER_ENTRY = path.join(REPO_ROOT, 'dist/main.js');
const SPA_ENTRY = path.join(REPO_ROOT, 'web/dist/index.html');

/** Generous: a fresh database is migrated first, on a machine other test runs share. */
const HEALTH_WAIT_MS = 90_000;
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

export interface AppServerOptions {
  /** Variables set on top of the browser tests' environment, e.g. `{ ENABLE_PIX: 'false' }`. */
  env?: Record<string, string>;
  /**
   * The instant the server's clock starts at. By default the run's start (published by
   * global setup), so a second server agrees with the pages' frozen clock.
   */
  clockStart?: string;
}

export interface AppServer {
  baseUrl: string;
  /** The app's own database, for tests that run a job as an operator would. */
  databaseUrl: string;
  /** Stops the app but keeps its database, for checks of what the tests left. */
  stopApp(): Promise<void>;
  /** Stops the app and drops its database; safe to call more than once. */
  stop(): Promise<void>;
}

/** Fails early, and says what to run, when the built app is missing. */
export function assertAppBuilt(): void {
  for (const file of [SERVER_ENTRY, SPA_ENTRY]) {
    if (!existsSync(file)) {
      throw new Error(`${path.relative(REPO_ROOT, file)} is missing: run \`npm run build\` before \`npm run test:e2e\``);
    }
  }
}

/** The run's clock start: what global setup published, else E2E_CLOCK_START, else an ordinary day. */
export function defaultClockStart(): string {
  return process.env[E2E_CLOCK_RUN_START_VARIABLE] || process.env[E2E_CLOCK_START_VARIABLE] || DEFAULT_E2E_CLOCK_START;
}

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

async function stopProcess(server: ChildProcess): Promise<void> {
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

function spawnApp(options: { databaseUrl: string; port: number; clockStart: string; env: Record<string, string> }) {
  return spawn(process.execPath, [SERVER_ENTRY], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      TEST_CLOCK_START: options.clockStart,
      // Every spec registers and signs in its own people from this one address.
      AUTH_RATE_LIMIT_PER_IP: String(E2E_AUTH_ATTEMPTS_MAX),
      AUTH_RATE_LIMIT_PER_NETWORK: String(E2E_AUTH_ATTEMPTS_MAX),
      AUTH_RATE_LIMIT_PER_EMAIL: String(E2E_AUTH_ATTEMPTS_MAX),
      AUTH_RATE_LIMIT_PER_DEVICE: String(E2E_AUTH_ATTEMPTS_MAX),
      ADMIN_EMAILS: E2E_OPERATOR_EMAIL,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Starts the built app on a free port against a fresh database of its own, with the
 * run's clock and the browser tests' environment plus `env`, and waits for /health. The
 * PostgreSQL server is the one global setup pinned (VDP_TEST_ADMIN_URL), so a spec can
 * start a second app, e.g. with a feature turned off, and `stop()` it in its afterAll.
 */
export async function startAppServer(options: AppServerOptions = {}): Promise<AppServer> {
  assertAppBuilt();
  let database: TestDatabase | undefined;
  let server: ChildProcess | undefined;
  const stopApp = async () => {
    if (server) await stopProcess(server);
  };
  let dropped = false;
  const stop = async () => {
    // The app must be gone first: dropping a database with open connections fails or kills them.
    await stopApp();
    if (database && !dropped) {
      dropped = true;
      await database.drop();
    }
  };
  try {
    database = await createTestDatabase();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const output = new OutputTail();
    server = spawnApp({
      databaseUrl: database.url,
      port,
      clockStart: options.clockStart ?? defaultClockStart(),
      env: options.env ?? {},
    });
    server.stdout?.on('data', (chunk: Buffer) => output.append(chunk));
    server.stderr?.on('data', (chunk: Buffer) => output.append(chunk));
    await waitUntilHealthy(baseUrl, server, output);
    return { baseUrl, databaseUrl: database.url, stopApp, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
