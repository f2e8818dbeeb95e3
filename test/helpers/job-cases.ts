import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { expect } from 'vitest';
import { AdvisoryLock } from '../../src/db/locks.js';
import { EXPIRY_BATCH_MAX } from '../../src/jobs/expire-idempotency-keys.js';
import { RATE_LIMIT_EXPIRY_BATCH_MAX } from '../../src/jobs/expire-rate-limits.js';
import { ACCESS_LOG_PURGE_BATCH_MAX } from '../../src/jobs/purge-access-log.js';
import { SESSION_PURGE_BATCH_MAX } from '../../src/jobs/purge-sessions.js';
import { STOPPED_SUMMARY } from '../../src/jobs/runner.js';
import { CLAIM_LEASE_MS } from '../../src/jobs/send-emails.js';
import { SUMMARY_BATCH_SIZE } from '../../src/jobs/weekly-summary.js';
import { addDays, calendarDay, calendarMonth, TIME_ZONE, weekdayOf } from '../../src/lib/calendar.js';
import { jobMonths } from '../../src/modules/insights/insights.service.js';
import { weekEndedBefore } from '../../src/modules/notifications/iso-week.js';
import { notify } from '../../src/modules/notifications/notify.js';
import { signedIn } from './app.js';
import type { TestSmtpServer } from './smtp.js';

/** One person with a checking account, whom the job cases seed work for. */
export interface JobWorld {
  pool: pg.Pool;
  app: FastifyInstance;
  userId: string;
  token: string;
  checking: string;
  housing: string;
  /** The SMTP server the workers send to, when the test gave them one (SMTP_URL). */
  smtp?: TestSmtpServer;
}

const OPENING_BALANCE_CENTS = 100_000_000;

export async function createJobWorld(app: FastifyInstance, pool: pg.Pool): Promise<JobWorld> {
  const person = await signedIn(app, 'Pessoa dos Jobs');
  const checking = (
    await person.client.account({ name: 'Conta', type: 'checking', initial_balance_cents: OPENING_BALANCE_CENTS })
  ).id;
  const housing = await person.client.category('expense', 'housing');
  return { pool, app, userId: person.user.id, token: person.token, checking, housing };
}

/**
 * How a job is proved to do its work exactly once with many workers: seed work for it,
 * tell when the work is done, then check it was done once (nothing twice, nothing lost,
 * nothing it must keep touched). Each job adds one row here.
 */
export interface JobCase {
  job: string;
  seed(world: JobWorld): Promise<void>;
  done(world: JobWorld): Promise<boolean>;
  expectDoneOnce(world: JobWorld): Promise<void>;
}

const SEEDED = 40;
const KEPT = 5;
const HOUR_MS = 3_600_000;

async function count(pool: pg.Pool, sql: string, values: unknown[] = []): Promise<number> {
  const result = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM (${sql}) counted`, values);
  return Number(result.rows[0]?.n);
}

/** What the job's succeeded runs say they handled, together. */
export async function itemsRecorded(pool: pg.Pool, job: string): Promise<number> {
  const result = await pool.query<{ items: string }>(
    `SELECT coalesce(sum(items), 0)::text AS items FROM job_runs WHERE job = $1 AND status = 'succeeded'`,
    [job],
  );
  return Number(result.rows[0]?.items);
}

/** Daily rules that started `days` - 1 days ago (São Paulo): `days` occurrences each are due today. */
export async function seedDailyRules(world: JobWorld, options: { rules: number; days: number; prefix: string }) {
  const startOn = addDays(calendarDay(new Date()), -(options.days - 1));
  for (let index = 0; index < options.rules; index += 1) {
    const response = await world.app.inject({
      method: 'POST',
      url: '/api/recurring',
      headers: { authorization: `Bearer ${world.token}` },
      payload: {
        account_id: world.checking,
        type: 'expense',
        amount_cents: 100 + index,
        description: `${options.prefix} ${index}`,
        category_id: world.housing,
        schedule: { kind: 'every_n_days', days: 1 },
        start_on: startOn,
      },
    });
    if (response.statusCode !== 201) throw new Error(`rule: ${response.statusCode} ${response.body}`);
  }
  return options.rules * options.days;
}

/** Occurrences of the rules named `prefix…` claimed so far, posted or failed. */
export async function occurrencesClaimed(pool: pg.Pool, prefix: string): Promise<number> {
  return count(
    pool,
    `SELECT 1 FROM recurring_occurrences o JOIN recurring_rules r ON r.id = o.rule_id WHERE r.description LIKE $1 || ' %'`,
    [prefix],
  );
}

/** Every occurrence of the rules named `prefix…` posted once, each by a transaction of its own. */
export async function expectOccurrencesPostedOnce(pool: pg.Pool, prefix: string, expected: number): Promise<void> {
  const occurrences = await pool.query<{ status: string; transaction_id: string | null }>(
    `SELECT o.status, o.transaction_id FROM recurring_occurrences o JOIN recurring_rules r ON r.id = o.rule_id
      WHERE r.description LIKE $1 || ' %'`,
    [prefix],
  );
  expect(occurrences.rows.length).toBe(expected);
  expect(occurrences.rows.every((row) => row.status === 'posted')).toBe(true);
  expect(new Set(occurrences.rows.map((row) => row.transaction_id)).size).toBe(expected);
  expect(await count(pool, `SELECT id FROM transactions WHERE description LIKE $1 || ' %'`, [prefix])).toBe(expected);
}

const RULES = 3;
const BUDGETS = 3;
const SNAPSHOT_PAIRS = 3;
const RULE_DAYS = 10;
const RULE_PREFIX = 'Regra dos workers';

async function insertIdempotencyKeys(world: JobWorld, rows: number, expiresAt: string): Promise<void> {
  await world.pool.query(
    `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, expires_at)
     SELECT $1, 'jobs-' || gen_random_uuid(), 'POST', '/api/transactions', '\\x00'::bytea, 'in_flight', now() + $3::interval
       FROM generate_series(1, $2)`,
    [world.userId, rows, expiresAt],
  );
}

async function insertSessions(world: JobWorld, rows: number): Promise<void> {
  for (let index = 0; index < rows; index += 1) {
    await world.pool.query(
      `INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at)
       VALUES ($1, $2, $3, now() - interval '2 days', now() - interval '1 day', now() - interval '2 days')`,
      [randomUUID(), world.userId, randomBytes(32)],
    );
  }
}

async function insertRateLimits(world: JobWorld, rows: number, windowEndsIn: string): Promise<void> {
  for (let index = 0; index < rows; index += 1) {
    await world.pool.query(`INSERT INTO rate_limits (key, hits, window_ends_at) VALUES ($1, 1, now() + $2::interval)`, [
      randomBytes(32),
      windowEndsIn,
    ]);
  }
}

/** Sign-in records from TEST-NET-3 addresses (RFC 5737), so the case counts only its own rows. */
async function insertAccessLog(world: JobWorld, rows: number, age: string): Promise<void> {
  await world.pool.query(
    `INSERT INTO access_log (user_id, ip, at)
     SELECT $1, ('203.0.113.' || (n % 250))::inet, now() - $3::interval FROM generate_series(1, $2) AS n`,
    [world.userId, rows, age],
  );
}

const oldAccessLog = `SELECT 1 FROM access_log WHERE ip << '203.0.113.0/24' AND at < now() - interval '6 months'`;
const recentAccessLog = `SELECT 1 FROM access_log WHERE ip << '203.0.113.0/24' AND at > now() - interval '6 months'`;

const expiredKeys = `SELECT 1 FROM idempotency_keys WHERE key LIKE 'jobs-%' AND expires_at <= now()`;
const keptKeys = `SELECT 1 FROM idempotency_keys WHERE key LIKE 'jobs-%' AND expires_at > now()`;
const deadSessions = `SELECT 1 FROM sessions WHERE expires_at <= now()`;
const expiredCounters = `SELECT 1 FROM rate_limits WHERE window_ends_at <= now()`;

type Method = 'GET' | 'POST' | 'PUT';

/** One request as the person, through the app; anything but a 2xx stops the seeding. */
async function asPerson(world: JobWorld, method: Method, url: string, payload?: object): Promise<unknown> {
  const response = await world.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${world.token}` },
    ...(payload === undefined ? {} : { payload }),
  });
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json();
}

const BUDGET_THRESHOLDS = [20, 40, 60, 80, 100];
const BUDGET_LIMIT_CENTS = 10_000;

/**
 * Budgets of this month on expense categories other than housing (where the recurring rules
 * post), each overspent by one expense: every threshold of each is crossed. Returns the
 * crossings, one alert each.
 */
export async function seedCrossedBudgets(world: JobWorld, budgets: number): Promise<number> {
  const now = new Date();
  const listed = (await asPerson(world, 'GET', '/api/categories?kind=expense')) as { items: Array<{ id: string }> };
  const categories = listed.items.filter((category) => category.id !== world.housing).slice(0, budgets);
  if (categories.length < budgets) throw new Error(`only ${categories.length} expense categories to budget`);
  for (const category of categories) {
    await asPerson(world, 'PUT', `/api/budgets/${calendarMonth(now)}/${category.id}`, {
      limit_cents: BUDGET_LIMIT_CENTS,
      alert_thresholds: BUDGET_THRESHOLDS,
    });
    await asPerson(world, 'POST', '/api/transactions', {
      account_id: world.checking,
      type: 'expense',
      amount_cents: BUDGET_LIMIT_CENTS,
      description: 'Gasto do orçamento',
      occurred_on: calendarDay(now),
      category_id: category.id,
    });
  }
  return budgets * BUDGET_THRESHOLDS.length;
}

export async function budgetAlertsRecorded(pool: pg.Pool): Promise<number> {
  return count(pool, 'SELECT 1 FROM budget_alerts');
}

/** Every crossing recorded once and notified once, each notification by its own (budget, threshold) key. */
export async function expectBudgetAlertsOnce(world: JobWorld, crossings: number): Promise<void> {
  const { pool, userId } = world;
  expect(await count(pool, 'SELECT DISTINCT budget_id, threshold FROM budget_alerts WHERE user_id = $1', [userId])).toBe(
    crossings,
  );
  expect(await budgetAlertsRecorded(pool)).toBe(crossings);
  const notified = await pool.query<{ dedupe_key: string }>(
    `SELECT dedupe_key FROM notifications WHERE user_id = $1 AND kind = 'budget_alert' AND dedupe_key LIKE 'budget:%'`,
    [userId],
  );
  expect(notified.rows.length).toBe(crossings);
  expect(new Set(notified.rows.map((row) => row.dedupe_key)).size).toBe(crossings);
}

/** A checking account with no entries yet and an overdraft deep enough for the backdated postings. */
async function emptyAccount(world: JobWorld, name: string): Promise<string> {
  const created = (await asPerson(world, 'POST', '/api/accounts', {
    name,
    type: 'checking',
    overdraft_limit_cents: 100_000_000,
  })) as { id: string };
  return created.id;
}

/**
 * Moves `amountCents` from the counterparty into the account with both entries dated `at`,
 * written with SQL (the API dates entries now): the cached balances and the balance_after
 * chain stay exact.
 */
async function postAt(world: JobWorld, accounts: { account: string; counterparty: string }, amountCents: number, at: Date) {
  await world.pool.query(
    `WITH header AS (
            INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
                                      occurred_on, policy_version, created_at)
            VALUES ($1, $2, 'adjustment', $3, $6, abs($4::bigint), 'Saldo antigo', ($5::timestamptz AT TIME ZONE $7)::date,
                    'ledger_v1', $5)),
          mine AS (
            UPDATE accounts SET balance_cents = balance_cents + $4, row_version = row_version + 1
             WHERE id = $3 RETURNING balance_cents, row_version),
          theirs AS (
            UPDATE accounts SET balance_cents = balance_cents - $4, row_version = row_version + 1
             WHERE id = $6 RETURNING id, balance_cents, row_version)
     INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
     SELECT $1, $3, $2, $4, balance_cents, row_version, $5 FROM mine
     UNION ALL
     SELECT $1, id, $2, -$4::bigint, balance_cents, row_version, $5 FROM theirs`,
    [randomUUID(), world.userId, accounts.account, amountCents, at, accounts.counterparty, TIME_ZONE],
  );
}

const DAY_MS = 24 * HOUR_MS;
const SNAPSHOT_ACCOUNT_PREFIX = 'Conta antiga';

/** `pairs` pairs of accounts whose entries began about three months ago and went on monthly. */
export async function seedOldAccounts(world: JobWorld, pairs: number): Promise<void> {
  const now = Date.now();
  for (let index = 0; index < pairs; index += 1) {
    const accounts = {
      account: await emptyAccount(world, `${SNAPSHOT_ACCOUNT_PREFIX} ${index}`),
      counterparty: await emptyAccount(world, `${SNAPSHOT_ACCOUNT_PREFIX} ${index} origem`),
    };
    for (const daysAgo of [95, 65, 35]) await postAt(world, accounts, 1_000 + index, new Date(now - daysAgo * DAY_MS));
  }
}

/**
 * The snapshots the old accounts are owed: each completed month end (São Paulo) from the
 * month of their first entry to an hour ago, counted by the calendar rather than the job's query.
 */
export async function snapshotsOwed(pool: pg.Pool, prefix = SNAPSHOT_ACCOUNT_PREFIX): Promise<number> {
  const result = await pool.query<{ n: string }>(
    `SELECT coalesce(sum(owed), 0)::text AS n FROM (
       SELECT (SELECT count(*) FROM generate_series(
                 date_trunc('month', (min(e.created_at) AT TIME ZONE $2)) + interval '1 month',
                 date_trunc('month', (now() - interval '1 hour') AT TIME ZONE $2), interval '1 month')) AS owed
         FROM accounts a JOIN ledger_entries e ON e.account_id = a.id
        WHERE a.name LIKE $1 || ' %' GROUP BY a.id) per_account`,
    [prefix, TIME_ZONE],
  );
  return Number(result.rows[0]?.n);
}

const oldAccountSnapshots = `SELECT s.account_id, s.as_of, s.balance_cents FROM account_balance_snapshots s
  JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE $1 || ' %'`;

export async function oldAccountSnapshotsWritten(pool: pg.Pool, prefix = SNAPSHOT_ACCOUNT_PREFIX): Promise<number> {
  return count(pool, oldAccountSnapshots, [prefix]);
}

/** One snapshot per owed month end, each the sum of the account's entries up to it. */
export async function expectSnapshotsOnce(pool: pg.Pool, owed: number, prefix = SNAPSHOT_ACCOUNT_PREFIX): Promise<void> {
  const wrong = await pool.query(
    `SELECT s.account_id, s.as_of FROM (${oldAccountSnapshots}) s
      WHERE s.balance_cents <> (SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries e
                                 WHERE e.account_id = s.account_id AND e.created_at <= s.as_of)`,
    [prefix],
  );
  expect(wrong.rows).toEqual([]);
  expect(await count(pool, `SELECT DISTINCT account_id, as_of FROM (${oldAccountSnapshots}) s`, [prefix])).toBe(owed);
  expect(await oldAccountSnapshotsWritten(pool, prefix)).toBe(owed);
}

const KILL_ACCOUNT_PREFIX = 'Conta do kill';
const KILL_ACCOUNT_PAIRS = 600;
const KILL_OPENING_CENTS = 1_000;

/**
 * `pairs` pairs of accounts, each pair with one transfer about three months ago, written in
 * one statement (the API would take minutes): enough accounts for several of the job's
 * batches. Each account's cached balance, version and balance_after agree with its one entry.
 */
async function seedManyOldAccounts(world: JobWorld, pairs: number): Promise<void> {
  await world.pool.query(
    `WITH pairs AS (
       SELECT gen_random_uuid() AS account, gen_random_uuid() AS counterparty, gen_random_uuid() AS tx, n
         FROM generate_series(1, $2) AS n
     ), opened AS (
       INSERT INTO accounts (id, user_id, name, type, overdraft_limit_cents, balance_cents, row_version, created_at)
       SELECT account, $1::uuid, $4::text || ' ' || n, 'checking', 100000000, $3::bigint, 2, $5::timestamptz FROM pairs
       UNION ALL
       SELECT counterparty, $1::uuid, $4::text || ' ' || n || ' origem', 'checking', 100000000, -$3::bigint, 2, $5::timestamptz FROM pairs
     ), header AS (
       INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
                                 occurred_on, policy_version, created_at)
       SELECT tx, $1::uuid, 'adjustment', account, counterparty, $3::bigint, 'Saldo antigo', ($5::timestamptz AT TIME ZONE $6)::date,
              'ledger_v1', $5::timestamptz FROM pairs
     )
     INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
     SELECT tx, account, $1::uuid, $3::bigint, $3::bigint, 2, $5::timestamptz FROM pairs
     UNION ALL
     SELECT tx, counterparty, $1::uuid, -$3::bigint, -$3::bigint, 2, $5::timestamptz FROM pairs`,
    [world.userId, pairs, KILL_OPENING_CENTS, KILL_ACCOUNT_PREFIX, new Date(Date.now() - 95 * DAY_MS), TIME_ZONE],
  );
}

/** Cents the reconcile case adds to one account's cached balance, and takes back once the workers stopped. */
const PLANTED_MISMATCH_CENTS = 7;

async function plantedAccount(pool: pg.Pool): Promise<string> {
  const result = await pool.query<{ id: string }>(`SELECT id FROM accounts WHERE name = 'Conta divergente'`);
  const id = result.rows[0]?.id;
  if (id === undefined) throw new Error('no planted account');
  return id;
}

/** The app URL the workers are given with SMTP_URL; Message-IDs end in its host name. */
export const WORKERS_APP_URL = 'https://pix.example.org';
const QUEUED_EMAILS = 12;

/** E-mails queued the way the jobs queue them: a notification with its outbox row, in one statement. */
async function queueEmails(world: JobWorld, emails: number): Promise<void> {
  // E-mail is opt-in: this person asked for budget alerts by e-mail.
  await world.pool.query(
    `INSERT INTO notification_preferences (user_id, kind, email) VALUES ($1, 'budget_alert', true)
     ON CONFLICT (user_id, kind) DO UPDATE SET email = true`,
    [world.userId],
  );
  for (let index = 0; index < emails; index += 1) {
    await notify(world.pool, {
      userId: world.userId,
      kind: 'budget_alert',
      dedupeKey: `email-case:${index}`,
      params: { month: calendarMonth(new Date()), threshold: 50, percent: 50, spent_cents: 100, available_cents: 100 },
      link: '/orcamentos',
      now: new Date(),
    });
  }
}

function smtpOf(world: JobWorld): TestSmtpServer {
  if (world.smtp === undefined) throw new Error('the send_emails case needs the workers started with SMTP_URL');
  return world.smtp;
}

/**
 * Every outbox row sent once, and the SMTP server received each one's Message-ID once. Other
 * cases' notifications queue e-mails too, so the rows are all of the outbox, not only the seeded ones.
 */
async function expectEmailsSentOnce(world: JobWorld): Promise<void> {
  const outbox = await world.pool.query<{ id: string; status: string; attempts: number }>(
    'SELECT id, status, attempts FROM email_outbox',
  );
  expect(outbox.rows.length).toBeGreaterThanOrEqual(QUEUED_EMAILS);
  expect(outbox.rows.filter((row) => row.status !== 'sent' || row.attempts !== 1)).toEqual([]);
  const host = new URL(WORKERS_APP_URL).hostname;
  const received = smtpOf(world).received.map((mail) => mail.messageId);
  expect(received.toSorted()).toEqual(outbox.rows.map((row) => `<${row.id}@${host}>`).toSorted());
  expect(await itemsRecorded(world.pool, 'send_emails')).toBe(outbox.rows.length);
}

/** The jobs on this branch; each job added to registry.ts adds its row. */
export const JOB_CASES: JobCase[] = [
  {
    job: 'materialize_recurring',
    seed: (world) => seedDailyRules(world, { rules: RULES, days: RULE_DAYS, prefix: RULE_PREFIX }).then(() => undefined),
    done: async ({ pool }) => (await occurrencesClaimed(pool, RULE_PREFIX)) === RULES * RULE_DAYS,
    async expectDoneOnce({ pool }) {
      await expectOccurrencesPostedOnce(pool, RULE_PREFIX, RULES * RULE_DAYS);
      expect(await itemsRecorded(pool, 'materialize_recurring')).toBe(RULES * RULE_DAYS);
    },
  },
  {
    job: 'expire_idempotency_keys',
    async seed(world) {
      await insertIdempotencyKeys(world, SEEDED, '-1 hour');
      await insertIdempotencyKeys(world, KEPT, '1 day');
    },
    done: async ({ pool }) => (await count(pool, expiredKeys)) === 0,
    async expectDoneOnce({ pool }) {
      expect(await count(pool, keptKeys)).toBe(KEPT);
      expect(await itemsRecorded(pool, 'expire_idempotency_keys')).toBe(SEEDED);
    },
  },
  {
    job: 'purge_sessions',
    seed: (world) => insertSessions(world, SEEDED),
    done: async ({ pool }) => (await count(pool, deadSessions)) === 0,
    async expectDoneOnce({ pool, userId }) {
      // The person's own live session stays.
      expect(await count(pool, 'SELECT 1 FROM sessions WHERE user_id = $1 AND expires_at > now()', [userId])).toBe(1);
      expect(await itemsRecorded(pool, 'purge_sessions')).toBe(SEEDED);
    },
  },
  {
    job: 'expire_rate_limits',
    async seed(world) {
      await insertRateLimits(world, SEEDED, '-1 minute');
      await insertRateLimits(world, KEPT, `${HOUR_MS / 1000} seconds`);
    },
    done: async ({ pool }) => (await count(pool, expiredCounters)) === 0,
    async expectDoneOnce({ pool }) {
      expect(await count(pool, 'SELECT 1 FROM rate_limits WHERE window_ends_at > now()')).toBeGreaterThanOrEqual(KEPT);
      expect(await itemsRecorded(pool, 'expire_rate_limits')).toBe(SEEDED);
    },
  },
  {
    job: 'purge_access_log',
    async seed(world) {
      await insertAccessLog(world, SEEDED, '7 months');
      await insertAccessLog(world, KEPT, '5 months');
    },
    done: async ({ pool }) => (await count(pool, oldAccessLog)) === 0,
    async expectDoneOnce({ pool }) {
      expect(await count(pool, recentAccessLog)).toBe(KEPT);
      expect(await itemsRecorded(pool, 'purge_access_log')).toBe(SEEDED);
    },
  },
  {
    job: 'budget_alert',
    seed: (world) => seedCrossedBudgets(world, BUDGETS).then(() => undefined),
    done: async ({ pool }) => (await budgetAlertsRecorded(pool)) === BUDGETS * BUDGET_THRESHOLDS.length,
    async expectDoneOnce(world) {
      await expectBudgetAlertsOnce(world, BUDGETS * BUDGET_THRESHOLDS.length);
      expect(await itemsRecorded(world.pool, 'budget_alert')).toBe(BUDGETS * BUDGET_THRESHOLDS.length);
    },
  },
  {
    job: 'balance_snapshots',
    seed: (world) => seedOldAccounts(world, SNAPSHOT_PAIRS),
    done: async ({ pool }) => (await oldAccountSnapshotsWritten(pool)) === (await snapshotsOwed(pool)),
    async expectDoneOnce({ pool }) {
      const owed = await snapshotsOwed(pool);
      expect(owed).toBeGreaterThanOrEqual(SNAPSHOT_PAIRS * 2 * 2);
      await expectSnapshotsOnce(pool, owed);
      // Only the old accounts had a completed month end behind their entries.
      expect(await itemsRecorded(pool, 'balance_snapshots')).toBe(await count(pool, 'SELECT 1 FROM account_balance_snapshots'));
    },
  },
  {
    job: 'reconcile',
    async seed(world) {
      const account = await emptyAccount(world, 'Conta divergente');
      await world.pool.query('UPDATE accounts SET balance_cents = balance_cents + $2 WHERE id = $1', [
        account,
        PLANTED_MISMATCH_CENTS,
      ]);
    },
    done: async ({ pool }) => (await count(pool, 'SELECT 1 FROM reconcile_findings')) > 0,
    async expectDoneOnce({ pool }) {
      const account = await plantedAccount(pool);
      const findings = await pool.query(
        'SELECT account_id, cached_balance_cents::int, ledger_balance_cents::int FROM reconcile_findings',
      );
      expect(findings.rows).toEqual([
        { account_id: account, cached_balance_cents: PLANTED_MISMATCH_CENTS, ledger_balance_cents: 0 },
      ]);
      // Put the balance back, so the ledger invariants hold again.
      await pool.query('UPDATE accounts SET balance_cents = balance_cents - $2 WHERE id = $1', [account, PLANTED_MISMATCH_CENTS]);
    },
  },
  {
    job: 'send_emails',
    seed: (world) => queueEmails(world, QUEUED_EMAILS),
    // Last: the other cases' notifications are queued by the time their work is done.
    done: async ({ pool }) =>
      (await count(pool, `SELECT 1 FROM email_outbox WHERE status = 'sent'`)) >= QUEUED_EMAILS &&
      (await count(pool, `SELECT 1 FROM email_outbox WHERE status <> 'sent'`)) === 0,
    expectDoneOnce: (world) => expectEmailsSentOnce(world),
  },
];

/**
 * How a job is killed with SIGKILL in the middle of a run (its worker slowed down with
 * JOB_TEST_PAUSE_MS) and proved finished exactly once by the next worker. Each job adds one
 * row; its work spans several transactions, so the kill can land between two of them.
 */
export interface KillCase {
  job: string;
  lock: AdvisoryLock;
  /** Seeds work for several transactions; returns how many units (occurrences, notifications…) it is. */
  seed(world: JobWorld): Promise<number>;
  /** Units done and committed so far. */
  progress(world: JobWorld): Promise<number>;
  /** After the next worker finished: every unit done once, and what the runs recorded. */
  expectDoneOnce(world: JobWorld, total: number, doneWhenKilled: number): Promise<void>;
  /** Settings of the killed worker and of the next one beyond the test's own (SMTP_URL, TEST_CLOCK_START…). */
  workerEnv?(world: JobWorld, worker: 'killed' | 'next'): NodeJS.ProcessEnv;
  /**
   * Whether the run in progress is far enough into its work to be killed, for a job whose
   * progress shows no units as it goes (the test's default: a few units done, some left).
   */
  midRun?(world: JobWorld): Promise<boolean>;
}

const KILL_RULE_PREFIX = 'Regra do kill';
/** Pairs of old accounts the killed reconcile run compares: many of its batches, each slowed down. */
const RECONCILE_KILL_PAIRS = 1_500;
/** How long the reconcile run has been comparing when it is killed: a few of its many batches. */
const RECONCILE_KILL_AFTER_MS = 600;
/** People whose two months of insights are due; each recomputation takes several slowed statements. */
const INSIGHTS_KILL_PEOPLE = 8;
/** More people than one batch of the weekly summary (SUMMARY_BATCH_SIZE), so the next run spans two. */
const SUMMARY_KILL_PEOPLE = SUMMARY_BATCH_SIZE + 20;
const QUEUED_KILL_EMAILS = 15;

/** Every account's cached balance and version, which reconcile reads and must never touch. */
async function accountStates(pool: pg.Pool): Promise<Array<{ id: string; balance_cents: string; row_version: number }>> {
  return (await pool.query('SELECT id, balance_cents, row_version FROM accounts ORDER BY id')).rows;
}

/** `people` people written in one statement (the API would hash a password each), with no data of their own. */
async function insertPeople(pool: pg.Pool, people: number): Promise<void> {
  await pool.query(
    `INSERT INTO users (id, email, name, password_hash)
     SELECT gen_random_uuid(), 'kill-' || n || '@example.org', 'Pessoa ' || n, 'not-a-hash' FROM generate_series(1, $1) n`,
    [people],
  );
}

/**
 * The reconcile case's accounts as they were after the planting; the kill case checks the
 * killed and the next runs changed none of them.
 */
let reconcileAccountsBefore: Awaited<ReturnType<typeof accountStates>> = [];

/** Each crossing is a transaction of its own, so a slowed run takes seconds over these. */
const KILL_BUDGETS = 4;

/**
 * The cleanup jobs delete a whole batch in milliseconds. Their killed worker waits this long
 * before each statement instead, so its run sits a second between its first batch and the
 * next: the test sees the first one committed and kills the worker well before the second.
 */
const CLEANUP_KILL_PAUSE_MS = '1000';
/** Expired rows beyond one full batch: the killed run's second batch, left to the next run. */
const CLEANUP_KILL_REST = 40;
/** Rows each cleanup case seeds that the job must keep. */
const CLEANUP_KILL_KEPT = 6;
const EXPIRED_LABEL = 'kill-expired';
const KEPT_LABEL = 'kill-kept';

/**
 * Row n of the rows seeded under a label ($1) has the key `label-n`, or its SHA-256 where the
 * key is 32 bytes: the test finds exactly its own rows again, whatever the clock did meanwhile.
 */
const labelledKey = `$1::text || '-' || n`;
const labelledHashes = `SELECT sha256(convert_to(${labelledKey}, 'UTF8')) FROM generate_series(1, $2::int) n`;
const KEY_COLUMNS = { sessions: 'token_hash', rate_limits: 'key', known_devices: 'token_hash' } as const;

/** How many of the `rows` rows seeded under `label` are still in `table`. */
async function labelledLeft(pool: pg.Pool, table: keyof typeof KEY_COLUMNS, label: string, rows: number): Promise<number> {
  return count(pool, `SELECT 1 FROM ${table} WHERE ${KEY_COLUMNS[table]} IN (${labelledHashes})`, [label, rows]);
}

async function labelledKeysLeft(pool: pg.Pool, label: string): Promise<number> {
  return count(pool, `SELECT 1 FROM idempotency_keys WHERE key LIKE $1 || '-%'`, [label]);
}

async function insertLabelledKeys(world: JobWorld, options: { label: string; rows: number; expiresIn: string }) {
  await world.pool.query(
    `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, expires_at)
     SELECT $3, ${labelledKey}, 'POST', '/api/transactions', '\\x00'::bytea, 'in_flight', now() + $4::interval
       FROM generate_series(1, $2::int) n`,
    [options.label, options.rows, world.userId, options.expiresIn],
  );
}

/**
 * Dead sessions of the person, every other one expired or idle for days (past the default
 * SESSION_IDLE_HOURS), and kept ones: seen a day ago, every other one revoked a day ago (kept
 * for SESSION_REVOKED_RETENTION_MS).
 */
async function insertLabelledSessions(world: JobWorld, dead: number, kept: number): Promise<void> {
  await world.pool.query(
    `INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at)
     SELECT gen_random_uuid(), $3, sha256(convert_to(${labelledKey}, 'UTF8')), now() - interval '30 days',
            CASE WHEN n % 2 = 0 THEN now() - interval '1 day' ELSE now() + interval '20 days' END,
            CASE WHEN n % 2 = 0 THEN now() - interval '2 days' ELSE now() - interval '10 days' END
       FROM generate_series(1, $2::int) n`,
    [EXPIRED_LABEL, dead, world.userId],
  );
  await world.pool.query(
    `INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at, revoked_at)
     SELECT gen_random_uuid(), $3, sha256(convert_to(${labelledKey}, 'UTF8')), now() - interval '30 days',
            now() + interval '20 days', now() - interval '1 day', CASE WHEN n % 2 = 0 THEN now() - interval '1 day' END
       FROM generate_series(1, $2::int) n`,
    [KEPT_LABEL, kept, world.userId],
  );
}

async function insertLabelledCounters(world: JobWorld, options: { label: string; rows: number; windowEndsIn: string }) {
  await world.pool.query(
    `INSERT INTO rate_limits (key, hits, window_ends_at)
     SELECT sha256(convert_to(${labelledKey}, 'UTF8')), 1, now() + $3::interval FROM generate_series(1, $2::int) n`,
    [options.label, options.rows, options.windowEndsIn],
  );
}

async function insertLabelledDevices(world: JobWorld, options: { label: string; rows: number; expiresIn: string }) {
  await world.pool.query(
    `INSERT INTO known_devices (token_hash, user_id, created_at, expires_at)
     SELECT sha256(convert_to(${labelledKey}, 'UTF8')), $3, now() - interval '400 days', now() + $4::interval
       FROM generate_series(1, $2::int) n`,
    [options.label, options.rows, world.userId, options.expiresIn],
  );
}

/** Sign-in records in a private /16 of their own per label, `age` old. */
const ACCESS_LOG_NETWORKS = { [EXPIRED_LABEL]: '10.201.0.0/16', [KEPT_LABEL]: '10.202.0.0/16' } as const;

async function insertLabelledAccessLog(
  world: JobWorld,
  options: { label: keyof typeof ACCESS_LOG_NETWORKS; rows: number; age: string },
) {
  await world.pool.query(
    `INSERT INTO access_log (user_id, ip, at)
     SELECT $1, host(network($2::inet))::inet + n, now() - $4::interval FROM generate_series(1, $3::int) n`,
    [world.userId, ACCESS_LOG_NETWORKS[options.label], options.rows, options.age],
  );
}

function labelledAccessLogLeft(pool: pg.Pool, label: keyof typeof ACCESS_LOG_NETWORKS): Promise<number> {
  return count(pool, 'SELECT 1 FROM access_log WHERE ip << $1::inet', [ACCESS_LOG_NETWORKS[label]]);
}

/** What a cleanup job's kill case seeds and counts; cleanupKillCase makes the row of KILL_CASES. */
interface CleanupKill {
  job: string;
  lock: AdvisoryLock;
  /** Seeds `expired` rows the job deletes and `kept` rows it must leave. */
  seed(world: JobWorld): Promise<void>;
  expired: number;
  kept: number;
  expiredLeft(world: JobWorld): Promise<number>;
  keptLeft(world: JobWorld): Promise<number>;
  /**
   * The rows a run can have removed while it is still going, between two of its statements:
   * whole batches only. A run killed after it finished removed all, which is none of these.
   */
  removedMidRun: number[];
}

/**
 * A cleanup job killed between two of its batches: the kill really was mid-run (some expired
 * rows gone, not all), the next run removed exactly the rest, and every kept row is still there.
 */
function cleanupKillCase(cleanup: CleanupKill): KillCase {
  return {
    job: cleanup.job,
    lock: cleanup.lock,
    workerEnv: (_world, worker) => (worker === 'killed' ? { JOB_TEST_PAUSE_MS: CLEANUP_KILL_PAUSE_MS } : {}),
    async seed(world) {
      await cleanup.seed(world);
      expect(await cleanup.expiredLeft(world)).toBe(cleanup.expired);
      expect(await cleanup.keptLeft(world)).toBe(cleanup.kept);
      return cleanup.expired;
    },
    progress: async (world) => cleanup.expired - (await cleanup.expiredLeft(world)),
    async expectDoneOnce(world, total, doneWhenKilled) {
      expect(cleanup.removedMidRun).toContain(doneWhenKilled);
      expect(await cleanup.expiredLeft(world)).toBe(0);
      expect(await cleanup.keptLeft(world)).toBe(cleanup.kept);
      // The killed run's deletes are counted by no run; the next run removed exactly the rest.
      expect(await itemsRecorded(world.pool, cleanup.job)).toBe(total - doneWhenKilled);
    },
  };
}

/** Devices past their expiry, which expire_rate_limits deletes after the counters. */
const EXPIRED_KILL_DEVICES = CLEANUP_KILL_REST;

const CLEANUP_KILL_CASES: KillCase[] = [
  cleanupKillCase({
    job: 'expire_idempotency_keys',
    lock: AdvisoryLock.JobExpireIdempotencyKeys,
    async seed(world) {
      await insertLabelledKeys(world, { label: EXPIRED_LABEL, rows: EXPIRY_BATCH_MAX + CLEANUP_KILL_REST, expiresIn: '-1 hour' });
      await insertLabelledKeys(world, { label: KEPT_LABEL, rows: CLEANUP_KILL_KEPT, expiresIn: '1 day' });
    },
    expired: EXPIRY_BATCH_MAX + CLEANUP_KILL_REST,
    kept: CLEANUP_KILL_KEPT,
    expiredLeft: ({ pool }) => labelledKeysLeft(pool, EXPIRED_LABEL),
    keptLeft: ({ pool }) => labelledKeysLeft(pool, KEPT_LABEL),
    removedMidRun: [EXPIRY_BATCH_MAX],
  }),
  cleanupKillCase({
    job: 'purge_sessions',
    lock: AdvisoryLock.JobPurgeSessions,
    seed: (world) => insertLabelledSessions(world, SESSION_PURGE_BATCH_MAX + CLEANUP_KILL_REST, CLEANUP_KILL_KEPT),
    expired: SESSION_PURGE_BATCH_MAX + CLEANUP_KILL_REST,
    // The seeded kept sessions and the person's own, signed in by createJobWorld.
    kept: CLEANUP_KILL_KEPT + 1,
    expiredLeft: ({ pool }) => labelledLeft(pool, 'sessions', EXPIRED_LABEL, SESSION_PURGE_BATCH_MAX + CLEANUP_KILL_REST),
    // The person's own session is the only one seen within the hour.
    keptLeft: async ({ pool, userId }) =>
      (await labelledLeft(pool, 'sessions', KEPT_LABEL, CLEANUP_KILL_KEPT)) +
      (await count(pool, `SELECT 1 FROM sessions WHERE user_id = $1 AND last_seen_at > now() - interval '1 hour'`, [userId])),
    removedMidRun: [SESSION_PURGE_BATCH_MAX],
  }),
  cleanupKillCase({
    job: 'expire_rate_limits',
    lock: AdvisoryLock.JobExpireRateLimits,
    async seed(world) {
      const rows = RATE_LIMIT_EXPIRY_BATCH_MAX + CLEANUP_KILL_REST;
      await insertLabelledCounters(world, { label: EXPIRED_LABEL, rows, windowEndsIn: '-1 minute' });
      await insertLabelledCounters(world, { label: KEPT_LABEL, rows: CLEANUP_KILL_KEPT, windowEndsIn: '1 hour' });
      await insertLabelledDevices(world, { label: EXPIRED_LABEL, rows: EXPIRED_KILL_DEVICES, expiresIn: '-1 day' });
      await insertLabelledDevices(world, { label: KEPT_LABEL, rows: CLEANUP_KILL_KEPT, expiresIn: '30 days' });
    },
    expired: RATE_LIMIT_EXPIRY_BATCH_MAX + CLEANUP_KILL_REST + EXPIRED_KILL_DEVICES,
    kept: 2 * CLEANUP_KILL_KEPT,
    expiredLeft: async ({ pool }) =>
      (await labelledLeft(pool, 'rate_limits', EXPIRED_LABEL, RATE_LIMIT_EXPIRY_BATCH_MAX + CLEANUP_KILL_REST)) +
      (await labelledLeft(pool, 'known_devices', EXPIRED_LABEL, EXPIRED_KILL_DEVICES)),
    keptLeft: async ({ pool }) =>
      (await labelledLeft(pool, 'rate_limits', KEPT_LABEL, CLEANUP_KILL_KEPT)) +
      (await labelledLeft(pool, 'known_devices', KEPT_LABEL, CLEANUP_KILL_KEPT)),
    // Killed between the two batches of counters, or with the counters clean and the devices not.
    removedMidRun: [RATE_LIMIT_EXPIRY_BATCH_MAX, RATE_LIMIT_EXPIRY_BATCH_MAX + CLEANUP_KILL_REST],
  }),
  cleanupKillCase({
    job: 'purge_access_log',
    lock: AdvisoryLock.JobPurgeAccessLog,
    async seed(world) {
      await insertLabelledAccessLog(world, {
        label: EXPIRED_LABEL,
        rows: ACCESS_LOG_PURGE_BATCH_MAX + CLEANUP_KILL_REST,
        age: '7 months',
      });
      await insertLabelledAccessLog(world, { label: KEPT_LABEL, rows: CLEANUP_KILL_KEPT, age: '5 months' });
    },
    expired: ACCESS_LOG_PURGE_BATCH_MAX + CLEANUP_KILL_REST,
    kept: CLEANUP_KILL_KEPT,
    expiredLeft: ({ pool }) => labelledAccessLogLeft(pool, EXPIRED_LABEL),
    keptLeft: ({ pool }) => labelledAccessLogLeft(pool, KEPT_LABEL),
    removedMidRun: [ACCESS_LOG_PURGE_BATCH_MAX],
  }),
];

export const KILL_CASES: KillCase[] = [
  {
    job: 'materialize_recurring',
    lock: AdvisoryLock.JobMaterializeRecurring,
    seed: (world) => seedDailyRules(world, { rules: 3, days: 30, prefix: KILL_RULE_PREFIX }),
    progress: ({ pool }) => occurrencesClaimed(pool, KILL_RULE_PREFIX),
    async expectDoneOnce({ pool }, total, doneWhenKilled) {
      await expectOccurrencesPostedOnce(pool, KILL_RULE_PREFIX, total);
      // The killed run's occurrences are there but counted by no run; the rest were posted after.
      expect(await itemsRecorded(pool, 'materialize_recurring')).toBe(total - doneWhenKilled);
    },
  },
  ...CLEANUP_KILL_CASES,
  {
    job: 'budget_alert',
    lock: AdvisoryLock.JobBudgetAlert,
    seed: (world) => seedCrossedBudgets(world, KILL_BUDGETS),
    progress: ({ pool }) => budgetAlertsRecorded(pool),
    async expectDoneOnce(world, total, doneWhenKilled) {
      await expectBudgetAlertsOnce(world, total);
      // The killed run's alerts are there but counted by no run.
      expect(await itemsRecorded(world.pool, 'budget_alert')).toBe(total - doneWhenKilled);
    },
  },
  {
    job: 'balance_snapshots',
    lock: AdvisoryLock.JobBalanceSnapshots,
    async seed(world) {
      await seedManyOldAccounts(world, KILL_ACCOUNT_PAIRS);
      return snapshotsOwed(world.pool, KILL_ACCOUNT_PREFIX);
    },
    progress: ({ pool }) => oldAccountSnapshotsWritten(pool, KILL_ACCOUNT_PREFIX),
    async expectDoneOnce({ pool }, total, doneWhenKilled) {
      expect(total).toBeGreaterThan(2 * 200 * 2);
      await expectSnapshotsOnce(pool, total, KILL_ACCOUNT_PREFIX);
      // The killed run's batches are there but counted by no run; the rest were written after.
      expect(await itemsRecorded(pool, 'balance_snapshots')).toBe(total - doneWhenKilled);
    },
  },
  {
    job: 'reconcile',
    lock: AdvisoryLock.JobReconcile,
    async seed(world) {
      await seedManyOldAccounts(world, RECONCILE_KILL_PAIRS);
      // Written with SQL: the person already has more accounts than the API allows.
      await world.pool.query(
        `INSERT INTO accounts (id, user_id, name, type, balance_cents, row_version)
         VALUES (gen_random_uuid(), $1, 'Conta divergente', 'checking', $2, 1)`,
        [world.userId, PLANTED_MISMATCH_CENTS],
      );
      reconcileAccountsBefore = await accountStates(world.pool);
      return 1;
    },
    // Its unit is the one finding; the killed run may have recorded it or not.
    progress: ({ pool }) => count(pool, 'SELECT 1 FROM reconcile_findings'),
    midRun: async ({ pool }) =>
      (await count(
        pool,
        `SELECT 1 FROM job_runs WHERE job = 'reconcile' AND status = 'running' AND started_at < now() - make_interval(secs => $1)`,
        [RECONCILE_KILL_AFTER_MS / 1_000],
      )) === 1,
    async expectDoneOnce({ pool }) {
      const account = await plantedAccount(pool);
      const findings = await pool.query(
        'SELECT account_id, cached_balance_cents::int, ledger_balance_cents::int FROM reconcile_findings',
      );
      // Recorded once, whether by the killed run, the next one, or both (the second insert is ignored).
      expect(findings.rows).toEqual([
        { account_id: account, cached_balance_cents: PLANTED_MISMATCH_CENTS, ledger_balance_cents: 0 },
      ]);
      expect(reconcileAccountsBefore.length).toBeGreaterThan(RECONCILE_KILL_PAIRS * 2);
      expect(await accountStates(pool)).toEqual(reconcileAccountsBefore);
      // Every run after the kill compared every account, wrapping around from wherever it started
      // (a run the worker's own stop cut short after a batch says so and counts nothing).
      const runs = await pool.query<{ items: number }>(
        `SELECT items FROM job_runs WHERE job = 'reconcile' AND status = 'succeeded' AND error_summary IS DISTINCT FROM $1`,
        [STOPPED_SUMMARY],
      );
      expect(runs.rows.length).toBeGreaterThanOrEqual(1);
      expect(runs.rows.every((run) => run.items === reconcileAccountsBefore.length)).toBe(true);
      await pool.query('UPDATE accounts SET balance_cents = balance_cents - $2 WHERE id = $1', [account, PLANTED_MISMATCH_CENTS]);
    },
  },
  {
    job: 'insights',
    lock: AdvisoryLock.JobInsights,
    workerEnv: () => ({ ENABLE_INSIGHTS: 'true' }),
    // Everyone's two months are missing, but for every other person one month a posting marked stale.
    async seed({ app, pool }) {
      for (let index = 1; index < INSIGHTS_KILL_PEOPLE; index += 1) await signedIn(app, `Pessoa dos insights ${index}`);
      const months = jobMonths(new Date());
      const people = await allPeople(pool);
      await pool.query(
        `INSERT INTO insight_cache (user_id, kind, period, stale) SELECT id, 'month', $2, true FROM unnest($1::uuid[]) id`,
        [people.filter((_, index) => index % 2 === 0), months[0]],
      );
      return people.length * months.length;
    },
    progress: ({ pool }) => count(pool, freshInsights, [jobMonths(new Date())]),
    async expectDoneOnce({ pool }, total, doneWhenKilled) {
      expect(total).toBe(INSIGHTS_KILL_PEOPLE * 2);
      expect(await count(pool, 'SELECT 1 FROM insight_cache')).toBe(total);
      expect(await count(pool, freshInsights, [jobMonths(new Date())])).toBe(total);
      // The killed run's entries are fresh and recomputed by no later run; each of the rest once.
      expect(await itemsRecorded(pool, 'insights')).toBe(total - doneWhenKilled);
    },
  },
  {
    job: 'weekly_summary',
    lock: AdvisoryLock.JobWeeklySummary,
    /*
     * Both workers' clocks start on the same Monday morning, so both summarise the same week;
     * the next one's an hour later, so its runs come after the killed one's on the job_runs clock.
     */
    workerEnv: (_world, worker) => ({ TEST_CLOCK_START: worker === 'killed' ? nextMondayMorning() : nextMondayLater() }),
    async seed({ pool }) {
      await insertPeople(pool, SUMMARY_KILL_PEOPLE);
      return (await allPeople(pool)).length;
    },
    // People summarised, not summaries: a second summary for someone shows in expectDoneOnce, not as a wait.
    progress: ({ pool }) => count(pool, `SELECT DISTINCT user_id FROM notifications WHERE kind = 'weekly_summary'`),
    async expectDoneOnce({ pool }, total, doneWhenKilled) {
      expect(total).toBeGreaterThan(SUMMARY_BATCH_SIZE);
      await expectOneSummaryEach(pool, nextMondayMorning());
      expect(await itemsRecorded(pool, 'weekly_summary')).toBe(total - doneWhenKilled);
    },
  },
  {
    job: 'send_emails',
    lock: AdvisoryLock.JobSendEmails,
    /*
     * The next worker's clock starts past the claim lease: the row the killed run had claimed
     * is due again only when its lease ends (docs/OPERATIONS.md, "Exactly once, honestly").
     */
    workerEnv: (world, worker) => ({
      SMTP_URL: smtpOf(world).url,
      APP_URL: WORKERS_APP_URL,
      ...(worker === 'next' ? { TEST_CLOCK_START: new Date(Date.now() + CLAIM_LEASE_MS + 60_000).toISOString() } : {}),
    }),
    async seed(world) {
      await queueEmails(world, QUEUED_KILL_EMAILS);
      return count(world.pool, 'SELECT 1 FROM email_outbox');
    },
    progress: ({ pool }) => count(pool, `SELECT 1 FROM email_outbox WHERE status = 'sent'`),
    expectDoneOnce: (world, total, doneWhenKilled) => expectEmailsSentAfterKill(world, total, doneWhenKilled),
  },
];

/**
 * Every outbox row sent, and the SMTP server received each row's Message-ID at least once
 * and at most one of them twice. That one is the documented at-least-once window
 * (docs/OPERATIONS.md, "Exactly once, honestly"): the killed run had claimed the row and
 * may have handed it to the SMTP server before it could mark it sent, so the next run,
 * once the claim's lease ended, sent it again under the same Message-ID. A run sends one
 * e-mail at a time, so no other row can have been in the server's hands at the kill.
 */
async function expectEmailsSentAfterKill(world: JobWorld, total: number, doneWhenKilled: number): Promise<void> {
  const outbox = await world.pool.query<{ id: string; status: string; attempts: number }>(
    'SELECT id, status, attempts FROM email_outbox',
  );
  expect(outbox.rows.length).toBe(total);
  expect(outbox.rows.filter((row) => row.status !== 'sent')).toEqual([]);
  const host = new URL(WORKERS_APP_URL).hostname;
  const messageIdOf = (id: string) => `<${id}@${host}>`;
  const received = smtpOf(world).received.map((mail) => mail.messageId);
  expect(new Set(received)).toEqual(new Set(outbox.rows.map((row) => messageIdOf(row.id))));
  const twice = received.filter((messageId, index) => received.indexOf(messageId) !== index);
  expect(twice.length).toBeLessThanOrEqual(1);
  // Only the row claimed at the kill took a second attempt; a copy sent twice is that row's.
  const retried = outbox.rows.filter((row) => row.attempts !== 1);
  expect(retried.length).toBeLessThanOrEqual(1);
  expect(retried.every((row) => row.attempts === 2)).toBe(true);
  for (const messageId of twice) expect(retried.map((row) => messageIdOf(row.id))).toContain(messageId);
  // The killed run's sent rows are counted by no run; the next runs sent each of the rest once.
  expect(await itemsRecorded(world.pool, 'send_emails')).toBe(total - doneWhenKilled);
}

/** The next Monday after the real today at 09:00 São Paulo: the workers of the Monday cases
 * start their clock there (TEST_CLOCK_START), after the weekly summary's 08:00 gate.
 */
export function nextMondayMorning(today = calendarDay(new Date())): string {
  const MONDAY = 1;
  const days = (MONDAY - weekdayOf(today) + 7) % 7 || 7;
  return `${addDays(today, days)}T09:00:00-03:00`;
}

/** An hour after nextMondayMorning: the same Monday, the same week to summarise. */
function nextMondayLater(): string {
  return nextMondayMorning().replace('T09:00', 'T10:00');
}

const MONDAY_PEOPLE = 5;

async function allPeople(pool: pg.Pool): Promise<string[]> {
  return (await pool.query<{ id: string }>('SELECT id FROM users ORDER BY id')).rows.map((row) => row.id);
}

/** The person of the world and MONDAY_PEOPLE - 1 more. */
async function seedPeople(world: JobWorld): Promise<void> {
  for (let index = 1; index < MONDAY_PEOPLE; index += 1) await signedIn(world.app, `Pessoa de segunda ${index}`);
}

/** One weekly summary per person, for the week that ended the Sunday before the workers' Monday. */
async function expectOneSummaryEach(pool: pg.Pool, monday: string): Promise<void> {
  const week = weekEndedBefore(monday.slice(0, 10));
  const summaries = await pool.query<{ user_id: string; dedupe_key: string }>(
    `SELECT user_id, dedupe_key FROM notifications WHERE kind = 'weekly_summary' ORDER BY user_id`,
  );
  expect(summaries.rows).toEqual((await allPeople(pool)).map((user_id) => ({ user_id, dedupe_key: `week:${week.key}` })));
}

const freshInsights = `SELECT 1 FROM insight_cache WHERE kind = 'month' AND payload IS NOT NULL AND NOT stale AND period = ANY($1)`;

/** The jobs whose work needs the workers' clock on a Monday morning (see nextMondayMorning). */
export function mondayCases(monday: string): JobCase[] {
  const months = jobMonths(new Date(monday));
  return [
    {
      job: 'weekly_summary',
      seed: seedPeople,
      done: async ({ pool }) =>
        (await count(pool, `SELECT 1 FROM notifications WHERE kind = 'weekly_summary'`)) === MONDAY_PEOPLE,
      async expectDoneOnce({ pool }) {
        await expectOneSummaryEach(pool, monday);
        expect(await itemsRecorded(pool, 'weekly_summary')).toBe(MONDAY_PEOPLE);
      },
    },
    {
      job: 'insights',
      // Everyone's two months are missing but one, which a posting marked stale.
      async seed({ pool, userId }) {
        await pool.query(`INSERT INTO insight_cache (user_id, kind, period, stale) VALUES ($1, 'month', $2, true)`, [
          userId,
          months[0],
        ]);
      },
      done: async ({ pool }) => (await count(pool, freshInsights, [months])) === MONDAY_PEOPLE * months.length,
      async expectDoneOnce({ pool }) {
        expect(await count(pool, 'SELECT 1 FROM insight_cache')).toBe(MONDAY_PEOPLE * months.length);
        expect(await count(pool, freshInsights, [months])).toBe(MONDAY_PEOPLE * months.length);
        expect(await itemsRecorded(pool, 'insights')).toBe(MONDAY_PEOPLE * months.length);
      },
    },
  ];
}
