import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { expect } from 'vitest';
import { AdvisoryLock } from '../../src/db/locks.js';
import { addDays, calendarDay } from '../../src/lib/calendar.js';
import { signedIn } from './app.js';

/** One person with a checking account, whom the job cases seed work for. */
export interface JobWorld {
  pool: pg.Pool;
  app: FastifyInstance;
  userId: string;
  token: string;
  checking: string;
  housing: string;
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

const expiredKeys = `SELECT 1 FROM idempotency_keys WHERE key LIKE 'jobs-%' AND expires_at <= now()`;
const keptKeys = `SELECT 1 FROM idempotency_keys WHERE key LIKE 'jobs-%' AND expires_at > now()`;
const deadSessions = `SELECT 1 FROM sessions WHERE expires_at <= now()`;
const expiredCounters = `SELECT 1 FROM rate_limits WHERE window_ends_at <= now()`;

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
];

/**
 * How a job is killed with SIGKILL in the middle of a run (its worker slowed down with
 * JOB_TEST_PAUSE_MS) and proved finished exactly once by the next worker. Each job that can
 * be caught mid-run (its work spans several transactions) adds one row.
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
}

const KILL_RULE_PREFIX = 'Regra do kill';

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
];
