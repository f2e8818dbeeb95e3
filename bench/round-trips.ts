/**
 * bench/round-trips — where a transfer's time goes, without HTTP. Runs the transfer's SQL
 * straight from this process at 1, 8 and 32 connections in several shapes, from today's
 * service code (eight round trips counting the session lookup) down to one round trip,
 * and pgbench tpcb-like next to each, on a throwaway database. An experiment that
 * informs changes to src/, not a test: it never writes outside its own databases.
 *
 *   npx tsx bench/round-trips.ts
 *   BENCH_DURATION_S=10 BENCH_CONNECTIONS=8 BENCH_VARIANTS=service,4rt npx tsx bench/round-trips.ts
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { accountLockKey } from '../src/db/locks.js';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { LOCK_WAIT_MS } from '../src/db/unit-of-work.js';
import { canonicalJson } from '../src/http/idempotency.js';
import { calendarDay } from '../src/lib/calendar.js';
import { systemClock } from '../src/lib/clock.js';
import type { ServiceDeps } from '../src/lib/service-context.js';
import { AccountsService } from '../src/modules/accounts/accounts.service.js';
import { AuthRepository } from '../src/modules/auth/auth.repository.js';
import { AuthService } from '../src/modules/auth/auth.service.js';
import { IDEMPOTENCY_TTL_MS } from '../src/modules/idempotency/idempotency.service.js';
import { ACCOUNT_COLUMNS, type AccountRow } from '../src/modules/ledger/ledger.repository.js';
import { TransfersService } from '../src/modules/transfers/transfers.service.js';
import { checkPosting } from '../src/policies/ledger_v1.js';
import { TRANSFERS_POLICY_VERSION, transferLegs } from '../src/policies/transfers_v1.js';
import {
  adminUrl,
  type BenchDatabase,
  checkLedgerInvariants,
  connectionCounts,
  createDatabase,
  formatTable,
  integerEnv,
  machineCpuSeconds,
  machineFacts,
  pgbenchInit,
  pgbenchRun,
  pgbenchTpcb,
  quantile,
  trackCpu,
  waitForQuiet,
} from './support.js';

const DURATION_S = integerEnv('BENCH_DURATION_S', 10, { min: 1, max: 600 });
const ACCOUNTS_PER_USER = 50;
const USERS = integerEnv('BENCH_USERS', 2, { min: 1, max: 20 });
const CONNECTIONS = connectionCounts([1, 8, 32]);
const INITIAL_BALANCE_CENTS = 100_000_000_000;
const TRANSFER_AMOUNT_MAX_CENTS = 10_000;
const QUIET_WAIT_S = integerEnv('BENCH_QUIET_WAIT_S', 180, { min: 0, max: 3600 });
const SAMPLE_WAITS = process.env.BENCH_SAMPLE_WAITS === '1';
/** BENCH_DROP_USER_FKS=1 measures the schema without the person foreign keys of transactions and idempotency_keys. */
const DROP_USER_FOREIGN_KEYS = process.env.BENCH_DROP_USER_FKS === '1';

interface Person {
  userId: string;
  token: string;
  accountIds: string[];
}

interface Transfer {
  person: Person;
  fromAccountId: string;
  toAccountId: string;
  amountCents: number;
  key: string;
  requestHash: Buffer;
  body: Record<string, unknown>;
}

function randomIndex(length: number): number {
  return Math.floor(Math.random() * length);
}

function pickTransfer(people: readonly Person[]): Transfer {
  const person = people[randomIndex(people.length)] as Person;
  const from = randomIndex(person.accountIds.length);
  const to = (from + 1 + randomIndex(person.accountIds.length - 1)) % person.accountIds.length;
  const body = {
    from_account_id: person.accountIds[from] as string,
    to_account_id: person.accountIds[to] as string,
    amount_cents: 1 + randomIndex(TRANSFER_AMOUNT_MAX_CENTS),
    description: 'bench',
  };
  return {
    person,
    fromAccountId: body.from_account_id,
    toAccountId: body.to_account_id,
    amountCents: body.amount_cents,
    key: randomUUID(),
    requestHash: createHash('sha256')
      .update(`POST /api/transfers\n${canonicalJson(body)}`)
      .digest(),
    body,
  };
}

// ---------------------------------------------------------------- the shapes measured

const CLAIM_SQL = `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, created_at, expires_at)
  VALUES ($1, $2, 'POST', '/api/transfers', $3, 'in_flight', $4, $5)
  ON CONFLICT (user_id, key) DO NOTHING`;

/** Advisory locks and row locks in one statement: the uncorrelated sub-select is a one-time filter, run before the scan. */
const LOCK_AND_LOAD_SQL = `SELECT ${ACCOUNT_COLUMNS} FROM accounts
  WHERE user_id = $1 AND id = ANY($2::uuid[])
    AND (SELECT count(pg_advisory_xact_lock(1, key)) FROM unnest($3::int[]) AS key) = cardinality($3::int[])
  ORDER BY id FOR UPDATE`;

/** The key claim feeds the locks, so the claim (which may wait on a twin request) runs first. */
const CLAIM_LOCK_AND_LOAD_SQL = `WITH claim AS (
    INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, created_at, expires_at)
    VALUES ($1, $4, 'POST', '/api/transfers', $5, 'in_flight', $6, $7)
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true AS claimed)
  SELECT ${ACCOUNT_COLUMNS}, (SELECT count(*) FROM claim)::int AS claimed FROM accounts
  WHERE user_id = $1 AND id = ANY($2::uuid[])
    AND (SELECT count(pg_advisory_xact_lock(1, key)) FROM unnest($3::int[]) AS key
          WHERE (SELECT count(*) FROM claim) >= 0) = cardinality($3::int[])
  ORDER BY id FOR UPDATE`;

/** insertPosting's statement plus the key completion, so the response is stored in the same round trip. */
const POST_AND_COMPLETE_SQL = `WITH header AS (
     INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
       category_id, notes, occurred_on, policy_version, reverses_transaction_id, idempotency_key, request_id, created_at)
     VALUES ($1, $2, 'transfer', $3, $4, $5, $6, NULL, NULL, $7, $8, NULL, $9, $10, $11)
   ), legs AS (
     INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
     SELECT $1, leg.account_id, $2, leg.amount_cents, leg.balance_after_cents, leg.account_version, $11
       FROM unnest($12::uuid[], $13::bigint[], $14::bigint[], $15::integer[])
         AS leg (account_id, amount_cents, balance_after_cents, account_version)
   ), completed AS (
     UPDATE idempotency_keys SET status = 'completed', response_status = 201, response_body = $16
      WHERE user_id = $2 AND key = $9
   )
   UPDATE accounts SET balance_cents = leg.balance_after_cents, row_version = leg.account_version
     FROM unnest($12::uuid[], $14::bigint[], $15::integer[]) AS leg (account_id, balance_after_cents, account_version)
    WHERE accounts.id = leg.account_id AND accounts.user_id = $2`;

/** The posting's legs, balances after and response, computed in the process as post() does. */
function posting(transfer: Transfer, accounts: Map<string, AccountRow>, now: Date) {
  const legs = transferLegs(transfer);
  const check = checkPosting(accounts, legs);
  if (!check.ok) throw new Error('insufficient funds (the bench never expects it)');
  const entries = legs.map((leg) => {
    const account = accounts.get(leg.account_id) as AccountRow;
    return {
      account_id: leg.account_id,
      amount_cents: leg.amount_cents,
      balance_after_cents: account.balance_cents + leg.amount_cents,
      account_version: account.row_version + 1,
    };
  });
  const transactionId = randomUUID();
  const response = {
    transaction: { id: transactionId, kind: 'transfer', amount_cents: transfer.amountCents, created_at: now, entries },
    from_account: entries[0],
    to_account: entries[1],
  };
  return { transactionId, entries, response };
}

function postParameters(transfer: Transfer, now: Date, built: ReturnType<typeof posting>): unknown[] {
  return [
    built.transactionId,
    transfer.person.userId,
    transfer.fromAccountId,
    transfer.toAccountId,
    transfer.amountCents,
    'bench',
    calendarDay(now),
    TRANSFERS_POLICY_VERSION,
    transfer.key,
    randomUUID(),
    now,
    built.entries.map((entry) => entry.account_id),
    built.entries.map((entry) => entry.amount_cents),
    built.entries.map((entry) => entry.balance_after_cents),
    built.entries.map((entry) => entry.account_version),
    JSON.stringify(built.response),
  ];
}

async function inTransaction(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN; SET LOCAL lock_timeout = ${LOCK_WAIT_MS}`);
    await fn(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * BEGIN, claim, lock+load, post+complete, COMMIT: five round trips. With named, the three
 * statements are prepared once per connection (pg's { name }) instead of parsed and
 * planned on every execution.
 */
async function fiveRoundTrips(pool: pg.Pool, transfer: Transfer, named = false): Promise<void> {
  const statement = (name: string, text: string, values: unknown[]) => (named ? { name, text, values } : { text, values });
  await inTransaction(pool, async (client) => {
    const now = new Date();
    const userId = transfer.person.userId;
    const claimed = await client.query(
      statement('bench_claim', CLAIM_SQL, [
        userId,
        transfer.key,
        transfer.requestHash,
        now,
        new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
      ]),
    );
    if (claimed.rowCount !== 1) throw new Error('key already used (the bench never repeats one)');
    const ids = [transfer.fromAccountId, transfer.toAccountId].sort();
    const loaded = await client.query<AccountRow>(
      statement('bench_lock_and_load', LOCK_AND_LOAD_SQL, [userId, ids, ids.map(accountLockKey)]),
    );
    const accounts = new Map(loaded.rows.map((row) => [row.id, row]));
    await client.query(
      statement(
        'bench_post_and_complete',
        POST_AND_COMPLETE_SQL,
        postParameters(transfer, now, posting(transfer, accounts, now)),
      ),
    );
  });
}

/** BEGIN, claim+lock+load, post+complete, COMMIT: four round trips. */
async function fourRoundTrips(pool: pg.Pool, transfer: Transfer): Promise<void> {
  await inTransaction(pool, async (client) => {
    const now = new Date();
    const userId = transfer.person.userId;
    const ids = [transfer.fromAccountId, transfer.toAccountId].sort();
    const loaded = await client.query<AccountRow & { claimed: number }>(CLAIM_LOCK_AND_LOAD_SQL, [
      userId,
      ids,
      ids.map(accountLockKey),
      transfer.key,
      transfer.requestHash,
      now,
      new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
    ]);
    if (loaded.rows[0]?.claimed !== 1) throw new Error('key already used (the bench never repeats one)');
    const accounts = new Map(loaded.rows.map((row) => [row.id, row]));
    await client.query(POST_AND_COMPLETE_SQL, postParameters(transfer, now, posting(transfer, accounts, now)));
  });
}

/**
 * The whole transaction as one simple-protocol string: the floor check moves into SQL and
 * values are inlined as literals. A bound on what fewer round trips can give, not a proposal.
 */
async function oneRoundTrip(pool: pg.Pool, transfer: Transfer): Promise<void> {
  const client = await pool.connect();
  try {
    const literal = (value: string) => client.escapeLiteral(value);
    const now = new Date().toISOString();
    const user = literal(transfer.person.userId);
    const key = literal(transfer.key);
    const [first, second] = [transfer.fromAccountId, transfer.toAccountId].sort() as [string, string];
    const amount = transfer.amountCents;
    const transactionId = literal(randomUUID());
    const body = literal(JSON.stringify({ transaction: { id: transactionId, amount_cents: amount, padding: 'x'.repeat(400) } }));
    await client.query(`BEGIN; SET LOCAL lock_timeout = ${LOCK_WAIT_MS};
      INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, created_at, expires_at)
      VALUES (${user}, ${key}, 'POST', '/api/transfers', '\\x${transfer.requestHash.toString('hex')}', 'in_flight',
              ${literal(now)}, ${literal(now)}::timestamptz + interval '24 hours');
      SELECT pg_advisory_xact_lock(1, ${accountLockKey(first)}), pg_advisory_xact_lock(1, ${accountLockKey(second)});
      SELECT id FROM accounts WHERE user_id = ${user} AND id IN (${literal(first)}, ${literal(second)}) ORDER BY id FOR UPDATE;
      WITH moved AS (
        UPDATE accounts a SET balance_cents = a.balance_cents + leg.amount, row_version = a.row_version + 1
          FROM (VALUES (${literal(transfer.fromAccountId)}::uuid, ${-amount}::bigint),
                       (${literal(transfer.toAccountId)}::uuid, ${amount}::bigint)) AS leg (id, amount)
         WHERE a.id = leg.id AND a.user_id = ${user}
           AND (leg.amount > 0 OR a.balance_cents + leg.amount >= CASE WHEN a.type IN ('checking', 'credit_card')
                THEN -a.overdraft_limit_cents ELSE 0 END)
        RETURNING a.id, a.balance_cents, a.row_version, leg.amount
      ), header AS (
        INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
          occurred_on, policy_version, idempotency_key, created_at)
        VALUES (${transactionId}, ${user}, 'transfer', ${literal(transfer.fromAccountId)}, ${literal(transfer.toAccountId)},
                ${amount}, 'bench', ${literal(calendarDay(new Date(now)))}, 'transfers_v1', ${key}, ${literal(now)})
      )
      INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
      SELECT ${transactionId}, id, ${user}, amount, balance_cents, row_version, ${literal(now)} FROM moved;
      UPDATE idempotency_keys SET status = 'completed', response_status = 201, response_body = ${body}
       WHERE user_id = ${user} AND key = ${key};
      COMMIT`);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

// ---------------------------------------------------------------- the same SQL from pgbench

const PAIRS = 10_000;

/** Random transfer pairs (same person, distinct accounts, sorted for the locks) that pgbench scripts pick by number. */
async function createPairs(pool: pg.Pool, people: readonly Person[]): Promise<void> {
  const rows: string[] = [];
  for (let n = 1; n <= PAIRS; n += 1) {
    const transfer = pickTransfer(people);
    const [first, second] = [transfer.fromAccountId, transfer.toAccountId].sort() as [string, string];
    rows.push(
      `(${n}, '${transfer.person.userId}', '${transfer.fromAccountId}', '${transfer.toAccountId}', '${first}', '${second}', ${accountLockKey(first)}, ${accountLockKey(second)})`,
    );
  }
  await pool.query(`CREATE TABLE bench_pairs (n int PRIMARY KEY, user_id uuid, from_id uuid, to_id uuid,
                      first_id uuid, second_id uuid, first_key int, second_key int)`);
  await pool.query(`INSERT INTO bench_pairs VALUES ${rows.join(', ')}`);
  await pool.query('ANALYZE bench_pairs');
}

/**
 * The transfer's SQL as a pgbench script: key claim, advisory locks, FOR UPDATE, header,
 * two legs and two balance updates (balances computed and the floor checked in SQL),
 * key completion. separator "\;" makes it one compound statement (one round trip);
 * ";\n" makes each statement its own round trip (eight, with BEGIN and COMMIT).
 */
function transferScript(separator: string, omit: ReadonlySet<'keys' | 'advisory' | 'for_update'> = new Set()): string {
  const claim = `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, created_at, expires_at)
       SELECT user_id, 'pgb-' || :key, 'POST', '/api/transfers', sha256(('pgb-' || :key)::bytea), 'in_flight', now(),
              now() + interval '24 hours' FROM bench_pairs WHERE n = :n`;
  const advisory =
    'SELECT pg_advisory_xact_lock(1, first_key), pg_advisory_xact_lock(1, second_key) FROM bench_pairs WHERE n = :n';
  const forUpdate = `SELECT a.id FROM accounts a JOIN bench_pairs p ON p.n = :n AND a.user_id = p.user_id
       AND a.id IN (p.first_id, p.second_id) ORDER BY a.id FOR UPDATE OF a`;
  const posting = `WITH p AS (SELECT * FROM bench_pairs WHERE n = :n),
     moved AS (
       UPDATE accounts a SET balance_cents = a.balance_cents + leg.amount, row_version = a.row_version + 1
         FROM p, LATERAL (VALUES (p.from_id, -(:amount)::bigint), (p.to_id, (:amount)::bigint)) AS leg (id, amount)
        WHERE a.id = leg.id AND a.user_id = p.user_id
          AND (leg.amount > 0 OR a.balance_cents + leg.amount >=
               CASE WHEN a.type IN ('checking', 'credit_card') THEN -a.overdraft_limit_cents ELSE 0 END)
       RETURNING a.id, a.user_id, a.balance_cents, a.row_version, leg.amount),
     header AS (
       INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
                                 occurred_on, policy_version, idempotency_key, created_at)
       SELECT gen_random_uuid(), p.user_id, 'transfer', p.from_id, p.to_id, :amount, 'bench', current_date, 'transfers_v1',
              'pgb-' || :key, now() FROM p
       RETURNING id)
     INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
     SELECT header.id, moved.id, moved.user_id, moved.amount, moved.balance_cents, moved.row_version, now() FROM moved, header`;
  const complete = `UPDATE idempotency_keys SET status = 'completed', response_status = 201,
            response_body = jsonb_build_object('padding', repeat('x', 600))
      WHERE user_id = (SELECT user_id FROM bench_pairs WHERE n = :n) AND key = 'pgb-' || :key`;
  const statements = [
    'BEGIN',
    'SET LOCAL lock_timeout = 10000',
    ...(omit.has('keys') ? [] : [claim]),
    ...(omit.has('advisory') ? [] : [advisory]),
    ...(omit.has('for_update') ? [] : [forUpdate]),
    posting,
    ...(omit.has('keys') ? [] : [complete]),
    'COMMIT',
  ];
  const header = `\\set n random(1, ${PAIRS})\n\\set amount random(1, ${TRANSFER_AMOUNT_MAX_CENTS})\n\\set key random(1, 9000000000000000000)\n`;
  return `${header}${statements.map((statement) => statement.replace(/\s*\n\s*/g, ' ')).join(separator)};\n`;
}

type Variant = { name: string; roundTrips: string; run: (transfer: Transfer) => Promise<void> };

function variants(pool: pg.Pool, services: { transfers: TransfersService; auth: AuthService }): Variant[] {
  const service = (transfer: Transfer) =>
    services.transfers
      .create(
        {
          userId: transfer.person.userId,
          requestId: randomUUID(),
          idempotency: { key: transfer.key, method: 'POST', path: '/api/transfers', requestHash: transfer.requestHash },
        },
        {
          from_account_id: transfer.fromAccountId,
          to_account_id: transfer.toAccountId,
          amount_cents: transfer.amountCents,
          description: 'bench',
        },
      )
      .then(() => undefined);
  // The session lookup the auth hook runs before every request, as the app runs it.
  const withAuth = (run: (transfer: Transfer) => Promise<void>) => async (transfer: Transfer) => {
    if (!(await services.auth.authenticate(transfer.person.token))) throw new Error('session not found');
    await run(transfer);
  };
  return [
    { name: 'service', roundTrips: '8 (auth + 7)', run: withAuth(service) },
    { name: 'service-cached-auth', roundTrips: '7', run: service },
    { name: '6rt', roundTrips: '6 (auth + 5)', run: withAuth((transfer) => fiveRoundTrips(pool, transfer)) },
    { name: '5rt', roundTrips: '5', run: (transfer) => fiveRoundTrips(pool, transfer) },
    { name: '5rt-prepared', roundTrips: '5', run: (transfer) => fiveRoundTrips(pool, transfer, true) },
    { name: '4rt', roundTrips: '4', run: (transfer) => fourRoundTrips(pool, transfer) },
    { name: '1rt', roundTrips: '1', run: (transfer) => oneRoundTrip(pool, transfer) },
  ];
}

// ---------------------------------------------------------------- driver

const WAIT_SAMPLE_INTERVAL_MS = 20;

/**
 * Samples what the benchmark's backends are doing (pg_stat_activity) while a cell runs:
 * CPU (no wait event), client round trips (ClientRead), locks, WAL flushes and so on.
 */
function sampleWaits(adminPool: pg.Pool, database: string): { stop(): Promise<string> } {
  const counts = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const result = await adminPool.query<{ event: string; n: number }>(
        `SELECT CASE WHEN state = 'idle' THEN 'idle in pool'
                     ELSE coalesce(wait_event_type || ':' || wait_event, 'on CPU (or runnable)') END AS event, count(*)::int AS n
           FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'
          GROUP BY 1`,
        [database],
      );
      for (const row of result.rows) counts.set(row.event, (counts.get(row.event) ?? 0) + row.n);
      await new Promise((resolve) => setTimeout(resolve, WAIT_SAMPLE_INTERVAL_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const total = [...counts.values()].reduce((sum, value) => sum + value, 0);
      return [...counts]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([event, n]) => `${event} ${((100 * n) / Math.max(1, total)).toFixed(0)}%`)
        .join(', ');
    },
  };
}

async function drive(
  people: readonly Person[],
  variant: Variant,
  options: { connections: number; duration_s: number; adminUrl: string; database: string },
) {
  const { connections, duration_s } = options;
  const deadline = Date.now() + duration_s * 1000;
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: unknown;
  const worker = async () => {
    while (Date.now() < deadline) {
      const transfer = pickTransfer(people);
      const started = performance.now();
      try {
        await variant.run(transfer);
        latencies.push(performance.now() - started);
      } catch (error) {
        failures += 1;
        firstFailure ??= error;
      }
    }
  };
  const serverCpu = trackCpu(options.adminUrl, options.database);
  await serverCpu.ready;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const machineBefore = machineCpuSeconds();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed_s = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const machineAfter = machineCpuSeconds();
  await serverCpu.stop();
  if (firstFailure) console.error(`${variant.name}: ${failures} failures, first:`, firstFailure);
  latencies.sort((a, b) => a - b);
  const ops = Math.max(1, latencies.length);
  const machineBusy_s = machineAfter.busy - machineBefore.busy;
  const nodeCpu_s = (cpu.user + cpu.system) / 1e6;
  return {
    tps: latencies.length / elapsed_s,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    failures,
    // CPU per transfer: this Node process, and the PostgreSQL backends serving it.
    nodeCpuMsPerOp: (1000 * nodeCpu_s) / ops,
    postgresCpuMsPerOp: (1000 * serverCpu.total()) / ops,
    machinePercent: (100 * machineBusy_s) / (machineAfter.total - machineBefore.total),
  };
}

async function seed(deps: ServiceDeps, auth: AuthService): Promise<Person[]> {
  const accounts = new AccountsService(deps);
  const people: Person[] = [];
  for (let index = 0; index < USERS; index += 1) {
    const registered = await auth.register({
      email: `bench.rt.${index}.${randomUUID().slice(0, 8)}@example.com`,
      password: 'bench-password-123',
      name: `Bench ${index + 1}`,
    });
    const accountIds: string[] = [];
    for (let number = 1; number <= ACCOUNTS_PER_USER; number += 1) {
      const created = await accounts.create(
        { userId: registered.user.id, requestId: randomUUID(), idempotency: undefined },
        { name: `Conta ${number}`, type: 'checking', initial_balance_cents: INITIAL_BALANCE_CENTS },
      );
      accountIds.push(created.body.id);
    }
    people.push({ userId: registered.user.id, token: registered.token, accountIds });
  }
  return people;
}

async function main(): Promise<number> {
  const url = adminUrl();
  const wanted = process.env.BENCH_VARIANTS?.split(',').map((name) => name.trim());
  const databases: BenchDatabase[] = [];
  let pool: pg.Pool | undefined;
  const adminPool = createPool(url, { max: 1, applicationName: 'vai-de-pix-bench-sampler' });
  const scriptDirs: string[] = [];
  try {
    const appDatabase = await createDatabase(url, 'vdp_bench_rt');
    databases.push(appDatabase);
    const pgbenchDatabase = await createDatabase(url, 'vdp_pgbench_rt');
    databases.push(pgbenchDatabase);
    pool = createPool(appDatabase.url, { max: Math.max(...CONNECTIONS) + 8, applicationName: 'vai-de-pix-bench' });
    await migrate(pool);
    if (DROP_USER_FOREIGN_KEYS) {
      // An experiment only: the composite keys to accounts already tie these rows to their person.
      await pool.query('ALTER TABLE transactions DROP CONSTRAINT transactions_user_id_fkey');
      await pool.query('ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_user_id_fkey');
    }
    const deps: ServiceDeps = { pool, clock: systemClock, hooks: {} };
    const auth = new AuthService({
      repository: new AuthRepository(pool),
      clock: systemClock,
      sessionTtlHours: 24,
      sessionIdleHours: 24,
    });
    const people = await seed(deps, auth);
    await pgbenchInit(pgbenchDatabase.url, 10);
    const all = variants(pool, { transfers: new TransfersService(deps), auth });
    const chosen = wanted ? all.filter((variant) => wanted.includes(variant.name)) : all;
    const machine = machineFacts();
    console.log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; ${DURATION_S} s per cell`);

    // A short warm-up so the first measured cell does not pay for JIT compilation.
    const target = { adminUrl: url, database: appDatabase.name };
    // The same transfer SQL driven by pgbench (a C client), in one round trip and in eight.
    await createPairs(pool, people);
    const scriptDir = mkdtempSync(path.join(tmpdir(), 'vdp-bench-'));
    scriptDirs.push(scriptDir);
    const oneStatement = ' \\;\n';
    const scripts = [
      { name: 'pgbench transfer SQL', roundTrips: '1', separator: oneStatement, omit: [] },
      { name: 'pgbench transfer SQL', roundTrips: '8', separator: ';\n', omit: [] },
      // What each part of the SQL costs the server (BENCH_VARIANTS=parts).
      { name: 'pgbench, no Idempotency-Key rows', roundTrips: '1', separator: oneStatement, omit: ['keys'], part: true },
      { name: 'pgbench, no advisory locks', roundTrips: '1', separator: oneStatement, omit: ['advisory'], part: true },
      { name: 'pgbench, no SELECT FOR UPDATE', roundTrips: '1', separator: oneStatement, omit: ['for_update'], part: true },
    ]
      .filter((script) => (script.part ? wanted?.includes('parts') : !wanted || wanted.includes('pgbench')))
      .map((script, index) => {
        const file = path.join(scriptDir, `transfer-${index}.sql`);
        writeFileSync(file, transferScript(script.separator, new Set(script.omit as Array<'keys' | 'advisory' | 'for_update'>)));
        return { ...script, file };
      });
    if (chosen[0]) await drive(people, chosen[0], { ...target, connections: 8, duration_s: 2 });
    const rows: string[][] = [];
    for (const connections of CONNECTIONS) {
      const quiet = () => waitForQuiet({ wait_s: QUIET_WAIT_S, busy_max_percent: 15 });
      await quiet();
      const tpcb = await pgbenchTpcb(pgbenchDatabase.url, connections, DURATION_S);
      rows.push([
        String(connections),
        'pgbench tpcb-like',
        '7',
        tpcb.tps.toFixed(0),
        '',
        '',
        `${tpcb.client_cpu_ms_per_tx.toFixed(2)} (client)`,
        tpcb.server_cpu_ms_per_tx.toFixed(2),
        '',
        '1.00',
      ]);
      for (const variant of chosen) {
        const note = await quiet();
        const sampler = SAMPLE_WAITS ? sampleWaits(adminPool, appDatabase.name) : undefined;
        const result = await drive(people, variant, { ...target, connections, duration_s: DURATION_S });
        const waits = sampler ? `; backends: ${await sampler.stop()}` : '';
        console.log(`  ${connections} × ${variant.name}: ${result.tps.toFixed(0)}/s (${note}${waits})`);
        rows.push([
          String(connections),
          variant.name,
          variant.roundTrips,
          result.tps.toFixed(0),
          result.p50.toFixed(2),
          result.p99.toFixed(2),
          result.nodeCpuMsPerOp.toFixed(2),
          result.postgresCpuMsPerOp.toFixed(2),
          `${result.machinePercent.toFixed(0)}%`,
          (result.tps / tpcb.tps).toFixed(2),
        ]);
      }
      for (const script of scripts) {
        const note = await quiet();
        const result = await pgbenchRun(appDatabase.url, {
          clients: connections,
          duration_s: DURATION_S,
          script: ['-n', '-f', script.file],
        });
        console.log(`  ${connections} × ${script.name}: ${result.tps.toFixed(0)}/s (${note})`);
        rows.push([
          String(connections),
          script.name,
          script.roundTrips,
          result.tps.toFixed(0),
          '',
          '',
          `${result.client_cpu_ms_per_tx.toFixed(2)} (client)`,
          result.server_cpu_ms_per_tx.toFixed(2),
          '',
          (result.tps / tpcb.tps).toFixed(2),
        ]);
      }
    }
    console.log(
      formatTable(
        [
          'connections',
          'shape',
          'round trips',
          'per s',
          'p50 ms',
          'p99 ms',
          'Node CPU ms/op',
          'postgres CPU ms/op',
          'machine CPU',
          '× pgbench',
        ],
        rows,
      ),
    );
    const checks = await checkLedgerInvariants(pool);
    for (const check of checks) console.log(`${check.ok ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`);
    return checks.every((check) => check.ok) ? 0 : 1;
  } finally {
    await pool?.end().catch(() => {});
    await adminPool.end().catch(() => {});
    for (const directory of scriptDirs) rmSync(directory, { recursive: true, force: true });
    for (const database of databases) await database.drop().catch((error) => console.error(`drop ${database.name}:`, error));
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
