/**
 * docs/INCIDENT-PLAYBOOK.md, "A read-only database" and "A storm of 409s": the test database is
 * made read-only, or a stuck transaction holds an Idempotency-Key; the section's commands
 * (`npm run ops -- database-status`, `npm run ops -- conflicts`) say what is wrong, the section's
 * fix is applied, and writes take effect once again. Also: every `npm run ops -- <command>` line of
 * the playbook names a registered command.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { beginText, LOCK_WAIT_MS } from '../../src/db/unit-of-work.js';
import { createReadOnlyMode, READ_ONLY_NOTICE_MS } from '../../src/http/read-only.js';
import { claimOnBegin } from '../../src/modules/idempotency/idempotency.repository.js';
import { AUDIT_COMMANDS } from '../../src/ops/audit/commands.js';
import { INCIDENT_COMMANDS } from '../../src/ops/incident/commands.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { ops, shown } from './runbook-support.js';
import { waitFor } from './support.js';

let testApp: TestApp;
let modeNowMs = 0;
const mode = createReadOnlyMode({ forced: false, now: () => modeNowMs });

beforeAll(async () => {
  testApp = await startTestApp({ readOnly: mode });
});

afterAll(async () => {
  await asOperator(`ALTER DATABASE ${testApp.database.name} RESET default_transaction_read_only`).catch(() => {});
  await testApp?.close();
});

/**
 * SQL as the operator runs it in psql: a session of its own, which turns read-only off for itself
 * first (an ALTER DATABASE is refused in a read-only transaction too).
 */
async function asOperator(sql: string): Promise<void> {
  const operator = new pg.Client({ connectionString: testApp.database.url, application_name: 'runbook-operator' });
  await operator.connect();
  try {
    await operator.query('SET default_transaction_read_only = off');
    await operator.query(sql);
  } finally {
    await operator.end();
  }
}

/** The playbook's step: end the app's connections opened while writes were refused. */
async function endAppConnections(): Promise<void> {
  await asOperator(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'vai-de-pix'`,
  );
  for (let waits = 0; testApp.pool.totalCount > 0 && waits < 200; waits += 1)
    await new Promise((resolve) => setTimeout(resolve, 25));
}

describe('a read-only database', () => {
  it('database-status says why writes are refused; after the fix writes take effect once', async () => {
    const { client } = await signedIn(testApp.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
    await testApp.pool.query(`ALTER DATABASE ${testApp.database.name} SET default_transaction_read_only = on`);
    await endAppConnections();

    const body = { account_id: account.id, type: 'expense', amount_cents: 2_345, description: 'Feira' };
    const key = `feira-${randomUUID()}`;
    const refused = await client.post('/api/transactions', body, { 'idempotency-key': key });
    expect(refused.statusCode, refused.body).toBe(503);
    expect(refused.json().code).toBe('read_only');

    const status = await ops(['database-status'], testApp.database.url);
    expect(status.code, shown(status)).toBe(1);
    expect(status.stdout).toContain('in_recovery=false');
    expect(status.stdout).toContain('default_transaction_read_only=on');
    expect(status.stdout).toMatch(/writes=refused "25006: cannot execute UPDATE in a read-only transaction"/);

    await asOperator(`ALTER DATABASE ${testApp.database.name} RESET default_transaction_read_only`);
    await endAppConnections();
    const back = await ops(['database-status'], testApp.database.url);
    expect(back.code, shown(back)).toBe(0);
    expect(back.stdout).toContain('writes=accepted');

    modeNowMs += READ_ONLY_NOTICE_MS;
    const taken = await client.post('/api/transactions', body, { 'idempotency-key': key });
    expect(taken.statusCode, taken.body).toBe(201);
    const replayed = await client.post('/api/transactions', body, { 'idempotency-key': key });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect((await client.get(`/api/accounts/${account.id}`)).json().balance_cents).toBe(10_000 - 2_345);
    await expectLedgerInvariants(testApp.pool);
  });
});

describe('a storm of 409s', () => {
  /** The test's own sessions, ended after it whether it passed or not. */
  const clients: pg.Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.end().catch(() => {})));
  });

  it('conflicts names the transaction holding the key; ending it lets the retry take effect once', async () => {
    const { client, user } = await signedIn(testApp.app);
    const from = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
    const to = await client.account({ name: 'Poupança', type: 'savings' });
    const key = `transfer-${randomUUID()}`;
    // A request whose process froze after claiming its key: its transaction stays open.
    const stuck = new pg.Client({ connectionString: testApp.database.url, application_name: 'vai-de-pix' });
    stuck.on('error', () => {});
    clients.push(stuck);
    await stuck.connect();
    await stuck.query('BEGIN');
    await stuck.query(
      `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, created_at, expires_at)
       VALUES ($1, $2, 'POST', '/api/transfers', '\\x00', 'in_flight', now(), now() + interval '1 day')`,
      [user.id, key],
    );
    const stuckPid = (await stuck.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;

    const transfer = () =>
      client.post(
        '/api/transfers',
        { from_account_id: from.id, to_account_id: to.id, amount_cents: 1_000, description: 'Guardar' },
        { 'idempotency-key': key },
      );
    // The client's retry waits for the key as long as the app waits for a lock, then is told it is in use.
    const retry = await transfer();
    expect(retry.statusCode, retry.body).toBe(409);
    expect(retry.json().code).toBe('idempotency_key_in_use');

    // The same retry's claim, as the app sends it with BEGIN, but waiting up to 99,999 ms instead
    // of 10,000 (as many digits: `conflicts` shows a query's first 80 characters): the command's
    // start-up on a busy machine outlasted the app's 10 s (CI, 2 December).
    const patientWaitMs = Number('9'.repeat(String(LOCK_WAIT_MS).length));
    const waiter = new pg.Client({ connectionString: testApp.database.url, application_name: 'vai-de-pix' });
    waiter.on('error', () => {});
    clients.push(waiter);
    await waiter.connect();
    const waiterPid = (await waiter.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    const claim = claimOnBegin(waiter, {
      userId: user.id,
      key,
      method: 'POST',
      path: '/api/transfers',
      requestHash: Buffer.from([0]),
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const waiting = waiter.query(beginText(claim.sql, patientWaitMs)).then(
      (results) => claim.read((results as unknown as pg.QueryResult[]).at(-1) as pg.QueryResult),
      (error: Error) => error.message,
    );
    await waitFor(
      async () => {
        const activity = await testApp.pool.query('SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1', [waiterPid]);
        return activity.rows[0]?.wait_event_type === 'Lock';
      },
      60_000,
      'the retry to wait for the key',
    );
    const seen = await ops(['conflicts'], testApp.database.url);
    expect(seen.code, shown(seen)).toBe(1);
    expect(seen.stdout).toMatch(
      new RegExp(
        `blocked pid=${waiterPid} waiting_s=\\d+ query="[^"]*INSERT INTO idempotency_keys[^"]*" by pid=${stuckPid} app=vai-de-pix state=idle in transaction`,
      ),
    );

    await testApp.pool.query('SELECT pg_terminate_backend($1)', [stuckPid]);
    await stuck.end().catch(() => {});
    // The holder gone, the waiting retry claims the key; it is then given up, as a failed retry's would be.
    expect(await waiting).toBe(true);
    await waiter.query('ROLLBACK');
    const taken = await transfer();
    expect(taken.statusCode, taken.body).toBe(201);
    const again = await transfer();
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await client.get(`/api/accounts/${to.id}`)).json().balance_cents).toBe(1_000);
    const calm = await ops(['conflicts'], testApp.database.url);
    expect(calm.code, shown(calm)).toBe(0);
    expect(calm.stdout).toMatch(/keys route="POST \/api\/transfers" keys=1 people=1 completed=1/);
    await expectLedgerInvariants(testApp.pool);
  });
});

describe('the playbook', () => {
  it('names only registered commands in its `npm run ops -- <command>` lines, and shows every incident command', async () => {
    const playbook = await readFile('docs/INCIDENT-PLAYBOOK.md', 'utf8');
    const named = [...playbook.matchAll(/npm run ops -- ([a-z][a-z0-9-]*)/g)].map((match) => match[1]);
    const registered = [...INCIDENT_COMMANDS, ...AUDIT_COMMANDS].map((command) => command.name);
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((name) => name !== 'help' && !registered.includes(name as string))).toEqual([]);
    for (const command of INCIDENT_COMMANDS) expect(named, command.name).toContain(command.name);
  });
});
