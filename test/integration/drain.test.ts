import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { freePort } from '../../src/db/embedded.js';
import { DRAIN_RETRY_AFTER_SECONDS, drainable } from '../../src/http/drain.js';
import { STOPPED_SUMMARY } from '../../src/jobs/runner.js';
import { clientFor, startTestApp, type TestApp } from '../helpers/app.js';
import {
  createJobWorld,
  expectOccurrencesPostedOnce,
  type JobWorld,
  occurrencesClaimed,
  seedDailyRules,
} from '../helpers/job-cases.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { ownServerForFile } from '../helpers/own-server.js';
import { waitFor } from '../helpers/worker-processes.js';

/**
 * The real process (src/main.ts through tsx, ROLE=all: the API and the jobs) stopped with
 * SIGTERM while clients keep posting transfers and a job is in the middle of its run. Every
 * request ends either with a whole HTTP answer or with its connection closed before any byte of
 * an answer; a request that got no 2xx, replayed with its Idempotency-Key on the restarted app,
 * takes effect exactly once; the job's run stops after the transaction under way and the next
 * run finishes its work; the process exits 0. And with a grace period too short for a request
 * that is held, the process says which request was still running and exits 1.
 */
const MAIN_SOURCE = 'src/main.ts';
const STARTUP_TIMEOUT_MS = 90_000;
const TEST_TIMEOUT_MS = 240_000;
const CLIENTS = 16;
/** Transfers answered before the stop, so the stop surely comes under load. */
const ANSWERED_BEFORE_STOP_MIN = 40;
/** Each of the job's statements waits this long: its run lasts many seconds. */
const JOB_PAUSE_MS = '300';
const RULES = 3;
const RULE_DAYS = 30;
const RULE_PREFIX = 'Regra do drain';
/** Occurrences claimed before the stop: the run is surely under way. */
const CLAIMED_BEFORE_STOP_MIN = 3;
const TRANSFER_CENTS = 100;
/** A bound on each client's requests, so a process that never stops cannot loop the test forever. */
const REQUESTS_PER_CLIENT_MAX = 5_000;
/** An app process (pool of 20, its jobs' lock connections), its replacement and the test's app (test/helpers/own-server.ts). */
const adminUrl = ownServerForFile();

interface AppProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

function childEnv(databaseUrl: string, port: number, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['TEST_DATABASE_URL', 'VDP_TEST_ADMIN_URL', 'DATA_DIR', 'TEST_CLOCK_START', 'METRICS_PORT'])
    delete env[name];
  return {
    ...env,
    NODE_ENV: 'test',
    ROLE: 'all',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '20',
    ...extra,
  };
}

/** The app as a process of its own, once it listens. */
async function startAppProcess(databaseUrl: string, extra: NodeJS.ProcessEnv = {}): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN_SOURCE], { env: childEnv(databaseUrl, port, extra) });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!output.includes('Vai de Pix listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the app did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

async function stopAppProcess(app: AppProcess | undefined): Promise<void> {
  if (app === undefined || app.child.exitCode !== null || app.child.signalCode !== null) return;
  app.child.kill('SIGKILL');
  await app.exited;
}

/**
 * How one request ended, as far as a client can tell. `closed_unanswered`: the connection
 * ended (reset, or closed) before any byte of an answer; the client cannot tell whether the
 * server had read the request, which is why such a request's key is replayed afterwards.
 * `cut`: an answer had begun and did not end whole, which a drain must never do.
 */
type Outcome =
  | { kind: 'answered'; status: number; headers: http.IncomingHttpHeaders; body: string }
  | { kind: 'refused' }
  | { kind: 'closed_unanswered'; code: string }
  | { kind: 'cut'; code: string };

interface Sent {
  key: string;
  startedBeforeStop: boolean;
  endedAfterStop: boolean;
  outcome: Outcome;
}

interface Transfer {
  from_account_id: string;
  to_account_id: string;
  amount_cents: number;
  description: string;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : String((error as Error).message);
}

function postTransfer(
  agent: http.Agent,
  target: { url: string; token: string },
  key: string,
  transfer: Transfer,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    let answered = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const request = http.request(
      `${target.url}/api/transfers`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${target.token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
      },
      (response) => {
        answered = true;
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('error', (error) => settle({ kind: 'cut', code: errorCode(error) }));
        response.on('close', () => {
          if (!response.complete) settle({ kind: 'cut', code: 'incomplete' });
        });
        response.on('end', () =>
          settle(
            response.complete
              ? { kind: 'answered', status: response.statusCode ?? 0, headers: response.headers, body }
              : { kind: 'cut', code: 'incomplete' },
          ),
        );
      },
    );
    request.on('error', (error) => {
      const code = errorCode(error);
      if (answered) settle({ kind: 'cut', code });
      else if (code === 'ECONNREFUSED') settle({ kind: 'refused' });
      else settle({ kind: 'closed_unanswered', code });
    });
    request.end(JSON.stringify(transfer));
  });
}

/** Clients each posting one transfer after another, each with a key of its own, until the app is gone. */
function startLoad(target: { url: string; token: string }, transfer: Transfer, stop: { at: number | null }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const sent: Sent[] = [];
  const client = async () => {
    for (let index = 0; index < REQUESTS_PER_CLIENT_MAX; index += 1) {
      const key = randomUUID();
      const startedBeforeStop = stop.at === null;
      const outcome = await postTransfer(agent, target, key, transfer);
      sent.push({ key, startedBeforeStop, endedAfterStop: stop.at !== null, outcome });
      if (outcome.kind !== 'answered' && stop.at !== null) return;
    }
  };
  const done = Promise.all(Array.from({ length: CLIENTS }, client)).finally(() => agent.destroy());
  return { sent, done };
}

async function transferIds(pool: pg.Pool): Promise<string[]> {
  const result = await pool.query<{ id: string }>(
    "SELECT id FROM transactions WHERE kind = 'transfer' AND description = 'Carga do drain'",
  );
  return result.rows.map((row) => row.id);
}

async function runsOf(pool: pg.Pool, job: string) {
  const result = await pool.query<{ status: string; error_summary: string | null }>(
    'SELECT status, error_summary FROM job_runs WHERE job = $1 ORDER BY id',
    [job],
  );
  return result.rows;
}

describe('SIGTERM under load', () => {
  let t: TestApp;
  let world: JobWorld;
  let savings: string;
  const processes: AppProcess[] = [];
  beforeAll(async () => {
    t = await startTestApp({ adminUrl: adminUrl() });
    world = await createJobWorld(t.app, t.pool);
    savings = (await clientFor(t.app, world.token).account({ name: 'Poupança', type: 'savings', initial_balance_cents: 0 })).id;
  });
  afterAll(async () => {
    for (const app of processes) await stopAppProcess(app);
    await t?.close();
  });

  it(
    'answers or refuses every request whole, lets the job finish its batch, and exits 0; replays take effect once',
    async () => {
      await seedDailyRules(world, { rules: RULES, days: RULE_DAYS, prefix: RULE_PREFIX });
      const app = await startAppProcess(t.database.url, {
        JOB_SCHEDULE_OVERRIDE: '* * * * * *',
        JOB_TEST_PAUSE_MS: JOB_PAUSE_MS,
        SHUTDOWN_GRACE_SECONDS: '60',
      });
      processes.push(app);
      const transfer: Transfer = {
        from_account_id: world.checking,
        to_account_id: savings,
        amount_cents: TRANSFER_CENTS,
        description: 'Carga do drain',
      };
      const stop: { at: number | null } = { at: null };
      const load = startLoad({ url: app.url, token: world.token }, transfer, stop);
      const answered = () => load.sent.filter((entry) => entry.outcome.kind === 'answered').length;
      await waitFor(
        'transfers under way and the job in the middle of its run',
        async () =>
          answered() >= ANSWERED_BEFORE_STOP_MIN &&
          (await runsOf(t.pool, 'materialize_recurring')).some((run) => run.status === 'running') &&
          (await occurrencesClaimed(t.pool, RULE_PREFIX)) >= CLAIMED_BEFORE_STOP_MIN,
        STARTUP_TIMEOUT_MS,
        app.output,
      );
      stop.at = Date.now();
      app.child.kill('SIGTERM');
      await waitFor('the drain to begin', async () => app.output().includes('"msg":"stopping'), 30_000, app.output);
      // A second signal during the drain does not cut it short.
      app.child.kill('SIGTERM');
      expect(await app.exited, app.output().slice(-4_000)).toBe(0);
      await load.done;

      const outcomes = load.sent.map((entry) => entry.outcome);
      // Nothing cut mid-answer; every answer is a 201 or a 503 (refused, with when to retry).
      expect(outcomes.filter((outcome) => outcome.kind === 'cut')).toEqual([]);
      const answers = outcomes.flatMap((outcome) => (outcome.kind === 'answered' ? [outcome] : []));
      expect(answers.filter((answer) => answer.status !== 201 && answer.status !== 503)).toEqual([]);
      for (const refused of answers.filter((answer) => answer.status === 503)) {
        expect(refused.headers['content-type']).toMatch(/problem\+json/);
        expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      }
      // Requests under way when the signal came were answered after it: the drain let them finish.
      const finishedDuringDrain = load.sent.filter(
        (entry) =>
          entry.startedBeforeStop && entry.endedAfterStop && entry.outcome.kind === 'answered' && entry.outcome.status === 201,
      );
      expect(finishedDuringDrain.length).toBeGreaterThan(0);

      // Every 2xx is in the ledger, once.
      const created = answers.filter((answer) => answer.status === 201).map((answer) => JSON.parse(answer.body));
      const createdIds = created.map((body: { transaction: { id: string } }) => body.transaction.id);
      expect(new Set(createdIds).size).toBe(createdIds.length);
      const idsBeforeReplay = await transferIds(t.pool);
      for (const id of createdIds) expect(idsBeforeReplay).toContain(id);
      // A connection closed without an answer carried a request the server never acted on.
      const unanswered = load.sent.filter((entry) => entry.outcome.kind === 'closed_unanswered').map((entry) => entry.key);
      const actedOn = await t.pool.query('SELECT key FROM idempotency_keys WHERE key = ANY($1)', [unanswered]);
      expect(actedOn.rows).toEqual([]);

      // The job's run stopped after the transaction under way: whatever it claimed is posted whole.
      const claimedAtStop = await occurrencesClaimed(t.pool, RULE_PREFIX);
      expect(claimedAtStop).toBeLessThan(RULES * RULE_DAYS);
      const halfDone = await t.pool.query(
        `SELECT o.rule_id FROM recurring_occurrences o JOIN recurring_rules r ON r.id = o.rule_id
          WHERE r.description LIKE $1 || ' %' AND (o.status <> 'posted' OR o.transaction_id IS NULL
                OR NOT EXISTS (SELECT 1 FROM transactions x WHERE x.id = o.transaction_id))`,
        [RULE_PREFIX],
      );
      expect(halfDone.rows).toEqual([]);
      const runs = await runsOf(t.pool, 'materialize_recurring');
      expect(runs.filter((run) => run.status === 'running')).toEqual([]);
      expect(runs.at(-1)).toEqual({ status: 'succeeded', error_summary: STOPPED_SUMMARY });
      await expectLedgerInvariants(t.pool);
      expect(app.output()).toContain('already stopping');
      expect(app.output()).toContain('"msg":"stopped"');

      // On the restarted app, every request without a 2xx, replayed with its key, takes effect once.
      const again = await startAppProcess(t.database.url, { JOB_SCHEDULE_OVERRIDE: '* * * * * *' });
      processes.push(again);
      const replayAgent = new http.Agent({ keepAlive: true });
      const notCreated = load.sent.filter((entry) => !(entry.outcome.kind === 'answered' && entry.outcome.status === 201));
      for (const entry of notCreated) {
        const replay = await postTransfer(replayAgent, { url: again.url, token: world.token }, entry.key, transfer);
        expect(replay).toMatchObject({ kind: 'answered', status: 201 });
      }
      replayAgent.destroy();
      await waitFor(
        'the next run to post the rest',
        async () => (await occurrencesClaimed(t.pool, RULE_PREFIX)) === RULES * RULE_DAYS,
        STARTUP_TIMEOUT_MS,
        again.output,
      );
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);

      // Exactly one transfer per key sent, and the balances say the same.
      expect((await transferIds(t.pool)).length).toBe(load.sent.length);
      const balance = await t.pool.query<{ balance_cents: string }>('SELECT balance_cents FROM accounts WHERE id = $1', [
        savings,
      ]);
      expect(Number(balance.rows[0]?.balance_cents)).toBe(load.sent.length * TRANSFER_CENTS);
      await expectOccurrencesPostedOnce(t.pool, RULE_PREFIX, RULES * RULE_DAYS);
      await expectLedgerInvariants(t.pool);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('a grace period too short for a request held', () => {
  let t: TestApp;
  let world: JobWorld;
  let savings: string;
  let app: AppProcess | undefined;
  beforeAll(async () => {
    t = await startTestApp({ adminUrl: adminUrl() });
    world = await createJobWorld(t.app, t.pool);
    savings = (await clientFor(t.app, world.token).account({ name: 'Poupança', type: 'savings', initial_balance_cents: 0 })).id;
  });
  afterAll(async () => {
    await stopAppProcess(app);
    await t?.close();
  });

  it(
    'exits 1 and names the request still running',
    async () => {
      app = await startAppProcess(t.database.url, { SHUTDOWN_GRACE_SECONDS: '1' });
      // The account's row is locked here, so the transfer waits for it inside the app.
      const holder = new pg.Client({ connectionString: t.database.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT id FROM accounts WHERE id = $1 FOR UPDATE', [savings]);
        const agent = new http.Agent({ keepAlive: false });
        const held = postTransfer(agent, { url: app.url, token: world.token }, randomUUID(), {
          from_account_id: world.checking,
          to_account_id: savings,
          amount_cents: TRANSFER_CENTS,
          description: 'Retida',
        });
        await waitFor(
          'the transfer to wait for the locked row',
          async () => {
            const waiting = await t.pool.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
            );
            return (waiting.rows[0]?.n ?? 0) > 0;
          },
          30_000,
          app.output,
        );
        app.child.kill('SIGTERM');
        expect(await app.exited).toBe(1);
        expect(await held).toMatchObject({ kind: 'closed_unanswered' });
      } finally {
        await holder.query('ROLLBACK').catch(() => {});
        await holder.end();
      }
      const line = app
        .output()
        .split('\n')
        .find((entry) => entry.includes('grace period'));
      expect(line).toMatch(/SHUTDOWN_GRACE_SECONDS=1\) ran out with 1 request\(s\)/);
      expect(JSON.parse(String(line))).toMatchObject({
        requests_in_flight: 1,
        requests: [{ method: 'POST', route: '/api/transfers' }],
      });
      expect(app.output()).not.toContain(world.token);
      expect(app.output()).not.toContain('"msg":"stopped"');
      // Nothing of the held transfer was written.
      expect((await t.pool.query("SELECT id FROM transactions WHERE description = 'Retida'")).rows).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('a request on a kept-alive connection during the drain', () => {
  it('is answered 503 draining, with Retry-After and Connection: close, before any handler', async () => {
    const t = await startTestApp({ adminUrl: adminUrl() });
    try {
      const app = await buildApp({ config: loadConfig({ DATA_DIR: '/nonexistent' }), pool: t.pool });
      const drain = drainable(app);
      await app.ready();
      expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
      drain.begin();
      const refused = await app.inject({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email: 'drain@example.com', password: 'senha-forte-123', name: 'Drain' },
      });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.headers['retry-after']).toBe(DRAIN_RETRY_AFTER_SECONDS);
      expect(refused.headers.connection).toBe('close');
      expect(refused.json()).toMatchObject({ status: 503, code: 'draining' });
      expect((await t.pool.query("SELECT id FROM users WHERE email = 'drain@example.com'")).rows).toEqual([]);
      expect(drain.inFlight().count).toBe(0);
      await app.close();
    } finally {
      await t.close();
    }
  });
});
