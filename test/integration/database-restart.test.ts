import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startEmbeddedDatabase } from '../../src/db/embedded.js';
import { AdvisoryLock } from '../../src/db/locks.js';
import { createPool } from '../../src/db/pool.js';
import { type Job, startScheduler } from '../../src/jobs/scheduler.js';
import { systemClock } from '../../src/lib/clock.js';
import { AuthChangeListener } from '../../src/modules/auth/auth-change-listener.js';
import { SessionCache } from '../../src/modules/auth/session-cache.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres.js';

/**
 * The real process (node dist/main.js, built by npm run build:server) against a
 * PostgreSQL server this file starts, restarts with pg_ctl restart -m immediate, stops
 * for a few seconds and starts again, while transfers are being served. Never the shared
 * server at 127.0.0.1:5432.
 */
const MAIN = 'dist/main.js';
const STARTUP_TIMEOUT_MS = 60_000;
/** No request may take longer than this, outage or not: connect timeout plus a margin. */
const REQUEST_TIMEOUT_MS = 20_000;
/** Concurrent clients posting transfers, each between its own two accounts. */
const CLIENTS = 6;
const TRANSFER_CENTS = 100;
/** Attempts per Idempotency-Key before the test gives up on it. */
const ATTEMPTS_MAX = 200;
const RETRY_PAUSE_MS = 100;
/** How long the database stays stopped in the second outage. */
const OUTAGE_MS = 3_000;
/** After the database is back, the app must serve again within this time. */
const RECOVERY_MAX_MS = 15_000;
const FILE_TIMEOUT_MS = 240_000;
/** The listener's first reconnect delay in the test, so several attempts fit in OUTAGE_MS. */
const LISTENER_RETRY_MS = 50;

interface Running {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

function launch(env: Record<string, string>): Running {
  const base: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1' };
  for (const name of ['DATABASE_URL', 'TEST_DATABASE_URL', 'VDP_TEST_ADMIN_URL', 'DATA_DIR', 'PORT', 'SENTRY_DSN']) {
    delete base[name];
  }
  const child = spawn(process.execPath, [MAIN], { env: { ...base, ...env } });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const running = { child, output: () => output, exited };
  watched.push(running);
  return running;
}

/** The processes whose output a failed wait shows, to say why. */
const watched: Running[] = [];

async function waitFor(condition: () => boolean | Promise<boolean>, timeout_ms: number, what: string): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      const tails = watched.map((running) => running.output().slice(-3_000)).join('\n---\n');
      throw new Error(`timed out waiting for ${what}; the processes said:\n${tails}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  code?: string;
  retryAfter: string | null;
  replayed: boolean;
  body: Record<string, unknown>;
}

/** Any answer, or 0 when the request failed at the socket or passed REQUEST_TIMEOUT_MS. */
async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    return {
      status: response.status,
      ...(typeof body.code === 'string' ? { code: body.code } : {}),
      retryAfter: response.headers.get('retry-after'),
      replayed: response.headers.get('idempotent-replayed') === 'true',
      body,
    };
  } catch (error) {
    return { status: 0, code: String((error as Error).name), retryAfter: null, replayed: false, body: {} };
  }
}

function post(url: string, token: string, body: unknown, key?: string): Promise<Answer> {
  return call(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** Every answer the load saw, and the transaction id each Idempotency-Key finally got. */
interface Load {
  answers: Answer[];
  committed: Map<string, string>;
  stop(): Promise<void>;
}

/**
 * CLIENTS loops, each posting transfers of TRANSFER_CENTS from its account a to its b.
 * A 503 is retried with the same Idempotency-Key, as a client should; anything else
 * moves on to a new key. Stops when asked, after the transfer in hand.
 */
function startLoad(base: string, token: string, pairs: Array<{ a: string; b: string }>): Load {
  const answers: Answer[] = [];
  const committed = new Map<string, string>();
  let stopping = false;
  const loop = async (pair: { a: string; b: string }) => {
    while (!stopping) {
      const key = randomUUID();
      for (let attempt = 0; attempt < ATTEMPTS_MAX; attempt += 1) {
        const body = { from_account_id: pair.a, to_account_id: pair.b, amount_cents: TRANSFER_CENTS };
        const answer = await post(`${base}/api/transfers`, token, body, key);
        answers.push(answer);
        if (answer.status === 201) {
          committed.set(key, String((answer.body.transaction as { id: string }).id));
          break;
        }
        if (answer.status !== 503) return;
        await sleep(RETRY_PAUSE_MS);
      }
    }
  };
  const loops = pairs.map(loop);
  return {
    answers,
    committed,
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

async function setUpPerson(base: string): Promise<{ token: string; pairs: Array<{ a: string; b: string }> }> {
  const registered = await post(`${base}/api/auth/register`, '', {
    email: 'reinicio@example.com',
    password: 'senha-forte-123',
    name: 'Reinício',
  });
  expect(registered.status).toBe(201);
  const token = String(registered.body.token);
  const pairs: Array<{ a: string; b: string }> = [];
  for (let index = 0; index < CLIENTS; index += 1) {
    const a = await post(`${base}/api/accounts`, token, {
      name: `Origem ${index}`,
      type: 'checking',
      initial_balance_cents: 100_000_000,
    });
    const b = await post(`${base}/api/accounts`, token, { name: `Destino ${index}`, type: 'savings' });
    expect([a.status, b.status]).toEqual([201, 201]);
    pairs.push({ a: String(a.body.id), b: String(b.body.id) });
  }
  return { token, pairs };
}

async function successesSince(load: Load, from: number): Promise<number> {
  return load.answers.slice(from).filter((answer) => answer.status === 201).length;
}

/** The database's own account of the transfers: one transaction per key that got a 201. */
async function expectLedgerWhole(url: string, load: Load): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    await expectLedgerInvariants(pool);
    const transfers = await pool.query<{ id: string }>("SELECT id FROM transactions WHERE kind = 'transfer'");
    const stored = new Set(transfers.rows.map((row) => row.id));
    const answered = [...load.committed.values()];
    // Every 201 names a transaction that exists, and no key produced two.
    expect(new Set(answered).size).toBe(answered.length);
    for (const id of answered) expect(stored.has(id)).toBe(true);
    expect(stored.size).toBe(answered.length);
    const moved = await pool.query<{ total: string }>(
      "SELECT coalesce(sum(balance_cents), 0)::text AS total FROM accounts WHERE name LIKE 'Destino %'",
    );
    expect(Number(moved.rows[0]?.total)).toBe(answered.length * TRANSFER_CENTS);
  } finally {
    await pool.end();
  }
}

function expectOnlyServedOrUnavailable(answers: Answer[]): void {
  const other = answers.filter((answer) => answer.status !== 201 && answer.status !== 503);
  expect(other).toEqual([]);
  const unavailable = answers.filter((answer) => answer.status === 503);
  for (const answer of unavailable) {
    expect(answer.code).toBe('database_unavailable');
    expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  }
}

let database: ThrowawayPostgres;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error('build first: npm run build:server');
  database = await startThrowawayPostgres();
}, STARTUP_TIMEOUT_MS);

afterAll(async () => {
  for (const running of watched) {
    if (running.child.exitCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
  }
  await database?.destroy();
});

describe('a database restart while transfers are served', { timeout: FILE_TIMEOUT_MS }, () => {
  it('answers 503 database_unavailable meanwhile, keeps running, serves again, and the ledger is whole', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const running = {
      api: launch({ DATABASE_URL: database.url, ROLE: 'all', PORT: String(port) }),
      worker: launch({ DATABASE_URL: database.url, ROLE: 'worker', PORT: String(await freePort()) }),
    };
    await waitFor(() => running.api.output().includes('Vai de Pix listening on'), STARTUP_TIMEOUT_MS, 'the API');
    await waitFor(() => running.worker.output().includes('worker started'), STARTUP_TIMEOUT_MS, 'the worker');

    const { token, pairs } = await setUpPerson(base);
    const load = startLoad(base, token, pairs);
    await waitFor(async () => (await successesSince(load, 0)) >= CLIENTS * 5, RECOVERY_MAX_MS, 'transfers under load');

    // A crash-like restart: every backend killed, crash recovery on start.
    await database.restartImmediately();
    const afterRestart = load.answers.length;
    await waitFor(async () => (await successesSince(load, afterRestart)) >= CLIENTS, RECOVERY_MAX_MS, 'transfers after restart');

    // A longer outage: requests meanwhile answer 503 with Retry-After, /health stays 200.
    await database.stop('immediate');
    const duringOutage = load.answers.length;
    const transfer = await post(`${base}/api/transfers`, token, {
      from_account_id: pairs[0]?.a,
      to_account_id: pairs[0]?.b,
      amount_cents: TRANSFER_CENTS,
    });
    expect(transfer).toMatchObject({ status: 503, code: 'database_unavailable' });
    expect(Number(transfer.retryAfter)).toBeGreaterThan(0);
    const health = await call(`${base}/api/health`);
    expect(health).toMatchObject({ status: 503, code: 'database_unavailable' });
    expect(Number(health.retryAfter)).toBeGreaterThan(0);
    expect((await call(`${base}/health`)).status).toBe(200);
    await sleep(OUTAGE_MS);
    expect(load.answers.slice(duringOutage).some((answer) => answer.status === 503)).toBe(true);

    await database.start();
    const afterStart = load.answers.length;
    await waitFor(async () => (await call(`${base}/api/health`)).status === 200, RECOVERY_MAX_MS, '/api/health 200');
    await waitFor(async () => (await successesSince(load, afterStart)) >= CLIENTS * 3, RECOVERY_MAX_MS, 'transfers after start');
    await load.stop();

    expectOnlyServedOrUnavailable(load.answers);
    for (const process of [running.api, running.worker]) {
      expect(process.child.exitCode).toBeNull();
      expect(process.output()).not.toMatch(/stopping after an unexpected error|"msg":"stopping"|reached no handler/);
    }
    await expectLedgerWhole(database.url, load);

    // Both still stop cleanly when asked.
    for (const process of [running.api, running.worker]) {
      process.child.kill('SIGTERM');
      expect(await process.exited).toBe(0);
    }
  });
});

/** A logger that keeps what it was told, for the in-process pieces. */
function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown> | string, message?: string): void => {
      if (typeof fields === 'string') lines.push({ level, message: fields, fields: {} });
      else lines.push({ level, message: message ?? '', fields });
    };
  const logger: Record<string, unknown> = {
    info: at('info'),
    debug: at('debug'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
  };
  // The scheduler logs through a child logger with its own serializers; here the same lines.
  logger.child = () => logger;
  return { lines, logger: logger as unknown as Logger & FastifyBaseLogger };
}

describe('a process started before its database', { timeout: FILE_TIMEOUT_MS }, () => {
  it('waits for the database, then migrates and serves', async () => {
    await database.stop('fast');
    const port = await freePort();
    const api = launch({ DATABASE_URL: database.url, ROLE: 'all', PORT: String(port) });
    try {
      await waitFor(() => api.output().includes('the database is not reachable yet'), STARTUP_TIMEOUT_MS, 'the boot to wait');
      expect(api.child.exitCode).toBeNull();
    } finally {
      await database.start();
    }
    await waitFor(() => api.output().includes('Vai de Pix listening on'), STARTUP_TIMEOUT_MS, 'the API after the database');
    expect((await call(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  });
});

describe('the pieces that hold connections, through an outage', { timeout: FILE_TIMEOUT_MS }, () => {
  it('the session-change listener keeps retrying with the cache off, and the scheduler logs failed runs, until the database is back', async () => {
    const pool = createPool(database.url, { max: 2 });
    const listenerLog = recordingLogger();
    const cache = new SessionCache({ ttlMs: 30_000, maxEntries: 10, clock: systemClock });
    const listener = new AuthChangeListener({
      createClient: () => new pg.Client({ ...pool.options, application_name: 'vai-de-pix-listener' }),
      cache,
      log: listenerLog.logger,
      reconnectDelayMs: LISTENER_RETRY_MS,
    });
    const schedulerLog = recordingLogger();
    const everySecond: Job = {
      name: 'probe',
      lock: AdvisoryLock.JobExpireIdempotencyKeys,
      schedule: '* * * * * *',
      run: async ({ pool: jobPool }) => (await jobPool.query('SELECT 1')).rowCount ?? 0,
    };
    listener.start();
    const scheduler = startScheduler({ pool, logger: schedulerLog.logger, jobs: [everySecond] });
    const ran = () => schedulerLog.lines.filter((line) => line.message === 'job ran').length;
    const failed = () => schedulerLog.lines.filter((line) => line.message === 'job failed').length;
    try {
      await waitFor(() => cache.isEnabled && ran() > 0, RECOVERY_MAX_MS, 'listener up and a job run');

      await database.stop('immediate');
      await waitFor(() => !cache.isEnabled, RECOVERY_MAX_MS, 'the cache to turn off');
      // While the database is away the cache never comes back on, however often it retries.
      let enabledMeanwhile = false;
      const deadline = Date.now() + OUTAGE_MS;
      while (Date.now() < deadline) {
        enabledMeanwhile ||= cache.isEnabled;
        await sleep(20);
      }
      expect(enabledMeanwhile).toBe(false);
      const attempts = listenerLog.lines.filter((line) => line.level === 'warn').length;
      expect(attempts).toBeGreaterThanOrEqual(3);
      expect(failed()).toBeGreaterThan(0);
      const ranBeforeStart = ran();

      await database.start();
      await waitFor(() => cache.isEnabled, RECOVERY_MAX_MS, 'the listener to reconnect');
      await waitFor(() => ran() > ranBeforeStart, RECOVERY_MAX_MS, 'a job run after the outage');
    } finally {
      await scheduler.stop();
      await listener.stop();
      await pool.end();
    }
  });
});

describe('a write that lost its connection mid-transaction', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 database_unavailable, wrote nothing, and the retry with the same key takes effect once', async () => {
    const { client } = await signedIn(t.app);
    const a = await client.account({ name: 'A', type: 'checking', initial_balance_cents: 10_000 });
    const b = await client.account({ name: 'B', type: 'savings' });
    const body = { from_account_id: a.id, to_account_id: b.id, amount_cents: 700 };
    const headers = { 'idempotency-key': 'perdida-no-meio' };

    // Hold back every ledger insert, so the transfer waits inside its transaction (after
    // its Idempotency-Key row), then end its backend as a restart would.
    const blocker = new pg.Client({ connectionString: t.database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE ledger_entries IN EXCLUSIVE MODE');
      const pending = client.post('/api/transfers', body, headers);
      let waiting: number | undefined;
      await waitFor(
        async () => {
          const found = await blocker.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          );
          waiting = found.rows[0]?.pid;
          return waiting !== undefined;
        },
        RECOVERY_MAX_MS,
        'the transfer to wait for the ledger lock',
      );
      await blocker.query('SELECT pg_terminate_backend($1)', [waiting]);
      const lost = await pending;
      expect(lost.statusCode).toBe(503);
      expect(lost.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(lost.headers['retry-after']).toBe('5');
      expect(lost.json()).toMatchObject({ code: 'database_unavailable', status: 503 });
      expect(lost.body).not.toMatch(/terminat|57P01|pg_/i);
      const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/^database_unavailable_total 1$/m);
    } finally {
      await blocker.query('ROLLBACK').catch(() => {});
      await blocker.end();
    }

    const keys = await t.pool.query("SELECT 1 FROM idempotency_keys WHERE key = 'perdida-no-meio'");
    expect(keys.rowCount).toBe(0);
    const first = await client.post('/api/transfers', body, headers);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const second = await client.post('/api/transfers', body, headers);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect((await client.get(`/api/accounts/${b.id}`)).json().balance_cents).toBe(700);
    const transfers = await t.pool.query("SELECT id FROM transactions WHERE kind = 'transfer'");
    expect(transfers.rows).toEqual([{ id: first.json().transaction.id }]);
    await expectLedgerInvariants(t.pool);
  });
});

describe('the embedded server (npm start without DATABASE_URL)', { timeout: FILE_TIMEOUT_MS }, () => {
  it('is started again when it dies on its own, and the same pool reaches it', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'vdp-embedded-exit-'));
    const told: string[] = [];
    const embedded = await startEmbeddedDatabase({ dataDir, onUnexpectedExit: (message) => told.push(message) });
    const pool = createPool(embedded.url, { max: 2 });
    try {
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      // SIGQUIT is PostgreSQL's immediate shutdown: to its clients, a crash.
      const postmasterPid = Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      process.kill(postmasterPid, 'SIGQUIT');
      await waitFor(() => told.length > 0, RECOVERY_MAX_MS, 'the wrapper to notice the exit');
      expect(told[0]).toMatch(/exited .* restart 1 of \d+/);
      await waitFor(
        async () => (await pool.query('SELECT 1 AS one').catch(() => undefined))?.rowCount === 1,
        RECOVERY_MAX_MS,
        'the embedded server to answer again',
      );
    } finally {
      await pool.end();
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
