import { execFile } from 'node:child_process';
import { chown, mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { createReadOnlyMode, READ_ONLY_NOTICE_MS } from '../../src/http/read-only.js';
import { AUTH_RATE_LIMITS_DEFAULT } from '../../src/modules/auth/auth.routes.js';
import { withDatabase } from '../helpers/db.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres.js';
import { type Attempt, type ClientPlan, checkHistory, type Operation, outcomes, runClients } from './history.js';
import { type Answer, addAccounts, call, observerPool, post, seededRandom, setUpPerson, sleep, waitFor } from './support.js';

/**
 * Faults of the database under a live app (built in this process, listening on a port,
 * its pool four connections wide) on a throwaway PostgreSQL server: backends terminated
 * mid-load, every pooled connection held behind a lock, the server made read-only, the
 * server restarted while commits were durable but unanswered, and the volume under the
 * app's tables filled up. After each, with no restart and no
 * operator step, the app must write again, and the history of every attempt must agree
 * with the ledger (history.ts).
 */
const POOL_MAX = 4;
const CLIENTS = 4;
const OPERATIONS_PER_CLIENT = 12;
const ACCOUNTS_PER_CASE = 8;
/** Rounds of terminations at most: each waits for three more writes, and the clients make 48. */
const TERMINATION_ROUNDS_MAX = 12;
const CASE_TIMEOUT_MS = 60_000;
const PHASE_TIMEOUT_MS = 20_000;
const DATABASE_NAME = 'vdp_faults';
/** The size of the volume that holds the app's tables in the disk-full case. */
const SMALL_DISK = '64m';
const FILLER_CHUNK_BYTES = 1 << 20;

const run = promisify(execFile);

/**
 * A tmpfs of SMALL_DISK for the app's tables, when this process may mount one (root, and a
 * kernel and container that allow it); otherwise why not, printed and the case skipped.
 */
async function mountSmallDisk(): Promise<{ dir: string } | { reason: string }> {
  if (process.getuid?.() !== 0) return { reason: 'not root: cannot mount a tmpfs' };
  const dir = await mkdtemp(path.join(tmpdir(), 'vdp-small-disk-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${SMALL_DISK}`, 'vdp-small-disk', dir]);
    return { dir };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    return { reason: `mount -t tmpfs failed: ${(error as Error).message.split('\n')[0]}` };
  }
}

/**
 * Whether a small disk can be had, tried when the file is collected (the disk-full case is kept
 * or skipped then) and given back at once: merely listing the tests (`vitest list`) left a tmpfs
 * mounted. The file's own disk is mounted in beforeAll and unmounted in afterAll.
 */
async function smallDiskAvailable(): Promise<boolean> {
  const probe = await mountSmallDisk();
  if ('reason' in probe) {
    console.info(`database-faults: the disk-full case is skipped (${probe.reason})`);
    return false;
  }
  try {
    await run('umount', [probe.dir]);
  } catch (error) {
    console.info(`database-faults: the disk-full case is skipped (umount failed: ${(error as Error).message.split('\n')[0]})`);
    return false;
  }
  await rm(probe.dir, { recursive: true, force: true });
  return true;
}

const withSmallDisk = await smallDiskAvailable();
let diskDir: string | undefined;

let database: ThrowawayPostgres;
let admin: pg.Pool;
let pool: pg.Pool;
let app: FastifyInstance;
let base: string;
let token: string;
/** The read-only notice runs on this clock, so the test lets the notice period pass without waiting it out. */
let modeNowMs = 0;
const serverErrors: unknown[] = [];

async function postgresAccount(): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid), gid: Number(gid) };
}

/** The app's database, its tables on the small disk when there is one. */
async function createAppDatabase(): Promise<void> {
  if (diskDir === undefined) {
    await admin.query(`CREATE DATABASE ${DATABASE_NAME}`);
    return;
  }
  const location = path.join(diskDir, 'tablespace');
  await mkdir(location, { mode: 0o700 });
  const account = await postgresAccount();
  await chown(location, account.uid, account.gid);
  await admin.query(`CREATE TABLESPACE vdp_small_disk LOCATION '${location}'`);
  await admin.query(`CREATE DATABASE ${DATABASE_NAME} TABLESPACE vdp_small_disk`);
}

beforeAll(async () => {
  if (withSmallDisk) {
    const disk = await mountSmallDisk();
    if ('reason' in disk) throw new Error(`the small disk mounted when the file was collected, and not now: ${disk.reason}`);
    diskDir = disk.dir;
  }
  database = await startThrowawayPostgres();
  admin = observerPool(database.url);
  await createAppDatabase();
  pool = createPool(withDatabase(database.url, DATABASE_NAME), { max: POOL_MAX });
  await migrate(pool);
  app = await buildApp({
    config: loadConfig({ DATA_DIR: '/nonexistent', LOG_LEVEL: 'silent' }),
    pool,
    rateLimits: { ...AUTH_RATE_LIMITS_DEFAULT, per_ip: { ...AUTH_RATE_LIMITS_DEFAULT.per_ip, max: 1_000 } },
    readOnly: createReadOnlyMode({ forced: false, now: () => modeNowMs }),
    onServerError: (error) => serverErrors.push(error),
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  token = (await setUpPerson(base, 0)).token;
}, 120_000);

afterAll(async () => {
  try {
    await observer?.end();
    await app?.close();
    await pool?.end();
    await admin?.end();
    await database?.destroy();
  } finally {
    if (diskDir !== undefined) {
      // Removing files under a mount that is still there would empty the tmpfs and leave the
      // mount behind: a failed umount fails the file instead.
      await run('umount', [diskDir]);
      await rm(diskDir, { recursive: true, force: true });
    }
  }
});

function plans(accountIds: string[], seed: number, operations = OPERATIONS_PER_CLIENT): ClientPlan[] {
  const random = seededRandom(seed);
  const pick = () => accountIds[Math.floor(random() * accountIds.length)] as string;
  const operation = (): Operation => {
    const amount_cents = 1 + Math.floor(random() * 5_000);
    const from_account_id = pick();
    let to_account_id = pick();
    while (to_account_id === from_account_id) to_account_id = pick();
    if (random() < 0.7) return { kind: 'transfer', from_account_id, to_account_id, amount_cents };
    return { kind: 'expense', account_id: from_account_id, amount_cents };
  };
  return Array.from({ length: CLIENTS }, () => ({
    operations: Array.from({ length: operations }, operation),
    attemptsMax: 1_000,
  }));
}

const successes = (history: Attempt[]) => history.filter((attempt) => attempt.status === 201).length;

/** Only 201 or a 503 with Retry-After and one of the codes allowed, and no 500 reported. */
function expectOnlyServedOrUnavailable(history: Attempt[], codes: string[]): void {
  const other = history.filter(
    (attempt) => attempt.status !== 201 && !(attempt.status === 503 && codes.includes(String(attempt.code))),
  );
  expect(other.map(({ status, code, text }) => ({ status, code, text }))).toEqual([]);
  for (const attempt of history.filter((each) => each.status === 503)) expect(Number(attempt.retryAfter)).toBeGreaterThan(0);
  expect(serverErrors).toEqual([]);
}

/** The history agrees with the ledger, the ledger is whole, and the app reads and writes again. */
async function expectWholeAndServing(history: Attempt[], accountIds: string[], label: string): Promise<void> {
  const verdict = await checkHistory(appObserver(), history, accountIds);
  console.info(`${label}: ${verdict.keys} keys, ${verdict.attempts} attempts ${JSON.stringify(outcomes(history))}`);
  expect(verdict.violations).toEqual([]);
  expect(verdict.gaveUp).toBe(0);
  await expectLedgerInvariants(appObserver());
  expect((await call(`${base}/api/health`)).status).toBe(200);
  const [from, to] = accountIds as [string, string];
  const again = await post(`${base}/api/transfers`, token, { from_account_id: from, to_account_id: to, amount_cents: 1 });
  expect(again.status).toBe(201);
}

let observer: pg.Pool | undefined;
/** The test's own reads of the app's database, on connections of their own. */
function appObserver(): pg.Pool {
  observer ??= observerPool(withDatabase(database.url, DATABASE_NAME));
  return observer;
}

/** The app's transactions whose COMMIT is durable and waits for a synchronous standby. */
async function heldCommits(): Promise<number> {
  const found = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = $1 AND application_name = 'vai-de-pix' AND wait_event = 'SyncRep'`,
    [DATABASE_NAME],
  );
  return Number(found.rows[0]?.n);
}

/** The app's own connections to its database, by backend pid. */
async function appBackends(): Promise<number[]> {
  const found = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'vai-de-pix'`,
    [DATABASE_NAME],
  );
  return found.rows.map((row) => row.pid);
}

describe('database faults under load, each recovered without a restart', { timeout: CASE_TIMEOUT_MS }, () => {
  it('terminated backends: the requests they carried answer 503 database_unavailable, their retries take effect once', async () => {
    const accountIds = await addAccounts(base, token, ACCOUNTS_PER_CASE);
    const history: Attempt[] = [];
    const load = runClients(base, token, plans(accountIds, 1), history);
    let terminated = 0;
    const cutOff = () => history.some((attempt) => attempt.code === 'database_unavailable');
    // At least three rounds, and more until one request was cut off mid-way (an idle
    // connection's end is not seen by any request).
    for (let round = 0; round < TERMINATION_ROUNDS_MAX && (round < 3 || !cutOff()); round += 1) {
      await waitFor(() => successes(history) >= (round + 1) * 3, PHASE_TIMEOUT_MS, 'writes between terminations');
      for (const pid of await appBackends()) {
        const ended = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
        if (ended.rows[0]?.ok) terminated += 1;
      }
    }
    await load;
    expect(terminated).toBeGreaterThan(0);
    expectOnlyServedOrUnavailable(history, ['database_unavailable']);
    expect(cutOff()).toBe(true);
    await expectWholeAndServing(history, accountIds, `terminate backends (${terminated} terminated)`);
  });

  it('an exhausted pool: a request that finds no free connection answers 503 busy after the checkout timeout, not a hang', async () => {
    const accountIds = await addAccounts(base, token, ACCOUNTS_PER_CASE);
    const history: Attempt[] = [];
    const holder = new pg.Client({ connectionString: withDatabase(database.url, DATABASE_NAME) });
    await holder.connect();
    let probe: Answer | undefined;
    let waitedMs = 0;
    let held = Promise.resolve();
    try {
      // Every write waits on this lock inside its transaction, holding its connection.
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE ledger_entries IN EXCLUSIVE MODE');
      held = runClients(base, token, plans(accountIds, 2, 1), history);
      await waitFor(
        async () => {
          const waiting = await admin.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = $1 AND application_name = 'vai-de-pix' AND wait_event_type = 'Lock'`,
            [DATABASE_NAME],
          );
          return waiting.rows[0]?.n === POOL_MAX;
        },
        PHASE_TIMEOUT_MS,
        'every pooled connection to wait on the lock',
      );
      const startedAt = Date.now();
      probe = await call(`${base}/api/accounts/${accountIds[0]}`, { headers: { authorization: `Bearer ${token}` } });
      waitedMs = Date.now() - startedAt;
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect({ status: probe?.status, code: probe?.code, retryAfter: probe?.retryAfter }).toEqual({
      status: 503,
      code: 'busy',
      retryAfter: '1',
    });
    await held;
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^database_pool_checkout_timeouts_total [1-9]/m);
    const after = [...history];
    await runClients(base, token, plans(accountIds, 3, 4), after);
    expectOnlyServedOrUnavailable(after, ['busy']);
    console.info(`exhausted pool: the probe answered 503 busy after ${waitedMs} ms`);
    await expectWholeAndServing(after, accountIds, 'exhausted pool');
  });

  it('a read-only server: writes answer 503 read_only meanwhile, and the same connections write once it takes writes again', async () => {
    const accountIds = await addAccounts(base, token, ACCOUNTS_PER_CASE);
    const history: Attempt[] = [];
    const connectionsBefore = new Set(await appBackends());
    await admin.query('ALTER SYSTEM SET default_transaction_read_only = on');
    await admin.query('SELECT pg_reload_conf()');
    // Each backend takes the new setting at its next command; let the reload reach them.
    await sleep(200);
    try {
      const load = runClients(base, token, plans(accountIds, 4), history);
      await waitFor(() => history.filter((attempt) => attempt.code === 'read_only').length >= 20, PHASE_TIMEOUT_MS, 'refusals');
      expect(successes(history)).toBe(0);
      await admin.query('ALTER SYSTEM RESET default_transaction_read_only');
      await admin.query('SELECT pg_reload_conf()');
      await sleep(200);
      // The notice period passes (30 s in production): the next write reaches the database again.
      modeNowMs += READ_ONLY_NOTICE_MS;
      await load;
    } finally {
      await admin.query('ALTER SYSTEM RESET default_transaction_read_only');
      await admin.query('SELECT pg_reload_conf()');
    }
    expectOnlyServedOrUnavailable(history, ['read_only']);
    for (const attempt of history.filter((each) => each.code === 'read_only')) expect(attempt.retryAfter).toBe('30');
    // No connection was replaced: the pool's own connections took writes again.
    expect((await appBackends()).some((pid) => connectionsBefore.has(pid))).toBe(true);
    await expectWholeAndServing(history, accountIds, 'read-only server');
  });

  it('a PostgreSQL restart with commits durable but unanswered: 503 database_unavailable meanwhile, and their retries replay', async () => {
    const accountIds = await addAccounts(base, token, ACCOUNTS_PER_CASE);
    const history: Attempt[] = [];
    const load = runClients(base, token, plans(accountIds, 6), history);
    await waitFor(() => successes(history) >= 8, PHASE_TIMEOUT_MS, 'writes before the restart');
    // Each COMMIT is written to disk, then waits for a synchronous standby that does not exist.
    await admin.query("ALTER SYSTEM SET synchronous_standby_names = 'vdp_phantom_standby'");
    await admin.query('SELECT pg_reload_conf()');
    try {
      await waitFor(async () => (await heldCommits()) >= 1, PHASE_TIMEOUT_MS, 'a commit held');
    } finally {
      // Written for the next start; the running server keeps holding the commits until it dies.
      await admin.query('ALTER SYSTEM RESET synchronous_standby_names');
    }
    const held = await heldCommits();
    await database.restartImmediately();
    await load;
    expectOnlyServedOrUnavailable(history, ['database_unavailable']);
    const verdict = await checkHistory(appObserver(), history, accountIds);
    console.info(`restart: ${held} commits held, ${verdict.answeredByReplay} keys first answered by a replay`);
    expect(verdict.violations).toEqual([]);
    expect(verdict.answeredByReplay).toBeGreaterThan(0);
    await expectWholeAndServing(history, accountIds, 'restart with commits held');
  });

  it.runIf(withSmallDisk)(
    'a full disk under the tables: writes answer 503 with Retry-After, nothing is half-written, and they succeed once space is freed',
    async () => {
      const accountIds = await addAccounts(base, token, ACCOUNTS_PER_CASE);
      const filler = path.join(diskDir as string, 'filler');
      const history: Attempt[] = [];
      const load = runClients(base, token, plans(accountIds, 5, 40), history);
      await waitFor(() => successes(history) >= 8, PHASE_TIMEOUT_MS, 'writes before the disk fills');
      const filled = await fill(filler);
      await waitFor(
        () => history.filter((attempt) => attempt.code === 'database_unavailable').length >= 10,
        PHASE_TIMEOUT_MS,
        'writes refused for want of space',
        () => JSON.stringify(outcomes(history)) + JSON.stringify(history.filter((attempt) => attempt.status !== 201).slice(0, 3)),
      );
      const servedWhileFull = successes(history);
      await sleep(500);
      await rm(filler);
      await load;
      expectOnlyServedOrUnavailable(history, ['database_unavailable']);
      console.info(`full disk: ${filled} MiB of filler; ${servedWhileFull} writes served before 10 refusals`);
      await expectWholeAndServing(history, accountIds, 'full disk');
    },
  );
});

/** Writes zeros until the volume is full; returns how many MiB it took. */
async function fill(file: string): Promise<number> {
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(FILLER_CHUNK_BYTES);
  let written = 0;
  try {
    for (;;) {
      const { bytesWritten } = await handle.write(chunk);
      written += bytesWritten;
      if (bytesWritten < chunk.length) break;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
  return Math.round(written / FILLER_CHUNK_BYTES);
}
