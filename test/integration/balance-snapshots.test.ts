import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceSnapshotsJob, writeBalanceSnapshots } from '../../src/jobs/balance-snapshots.js';
import { createJobMetrics } from '../../src/jobs/metrics.js';
import { reconcileJob } from '../../src/jobs/reconcile.js';
import { runJobOnce } from '../../src/jobs/runner.js';
import { fixedClock } from '../../src/lib/clock.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

const clock = fixedClock('2025-12-01T12:00:00Z');
let t: TestApp;
let operator: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  t = await startTestApp({ clock });
  // The first person registered is the installation's operator.
  operator = await signedIn(t.app, 'Operadora');
  clock.advance(1_000);
});
afterAll(async () => {
  await expectLedgerInvariants(t.pool);
  await t?.close();
});

type Person = Awaited<ReturnType<typeof signedIn>>;

/** A checking account with no entries yet, and an overdraft deep enough for any posting here. */
async function newAccount(person: Person): Promise<string> {
  return (await person.client.account({ name: 'Conta', type: 'checking', overdraft_limit_cents: 100_000_000 })).id;
}

/** An account and the one its postings come from: each test's entries touch only its own accounts. */
async function newAccounts(person: Person): Promise<{ account: string; counterparty: string }> {
  return { account: await newAccount(person), counterparty: await newAccount(person) };
}

/**
 * Posts `amount_cents` (positive: money in) from the counterparty to the account, with its entries dated `at`, written with SQL so a test can date entries anywhere
 * in time and in any order; the cached balances and the balance_after chain stay exact.
 */
async function postAt(
  pool: pg.Pool,
  person: Person,
  accounts: { account: string; counterparty: string },
  amountCents: number,
  at: Date,
): Promise<void> {
  const id = randomUUID();
  await pool.query(
    `WITH counterparty AS (SELECT id FROM accounts WHERE id = $6),
          header AS (
            INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
                                      occurred_on, policy_version, created_at)
            SELECT $1, $2, 'adjustment', $3, counterparty.id, abs($4::bigint), 'teste', ($5::timestamptz AT TIME ZONE 'America/Sao_Paulo')::date,
                   'ledger_v1', $5 FROM counterparty),
          mine AS (
            UPDATE accounts SET balance_cents = balance_cents + $4, row_version = row_version + 1
             WHERE id = $3 RETURNING balance_cents, row_version),
          theirs AS (
            UPDATE accounts SET balance_cents = balance_cents - $4, row_version = row_version + 1
             WHERE id = (SELECT id FROM counterparty) RETURNING id, balance_cents, row_version)
     INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
     SELECT $1, $3, $2, $4, balance_cents, row_version, $5 FROM mine
     UNION ALL
     SELECT $1, id, $2, -$4::bigint, balance_cents, row_version, $5 FROM theirs`,
    [id, person.user.id, accounts.account, amountCents, at, accounts.counterparty],
  );
}

async function snapshots(accountId: string) {
  const result = await t.pool.query<{ as_of: Date; balance_cents: number; entry_count: number }>(
    'SELECT as_of, balance_cents, entry_count FROM account_balance_snapshots WHERE account_id = $1 ORDER BY as_of',
    [accountId],
  );
  return result.rows.map((row) => ({ ...row, as_of: row.as_of.toISOString() }));
}

/** The oracle: the sum of every entry up to the instant, with no snapshot involved. */
async function fullSum(accountId: string, at: Date) {
  const result = await t.pool.query<{ balance_cents: number; entry_count: number }>(
    `SELECT coalesce(sum(amount_cents), 0)::bigint AS balance_cents, count(*)::int AS entry_count
       FROM ledger_entries WHERE account_id = $1 AND created_at <= $2`,
    [accountId, at],
  );
  return result.rows[0];
}

async function balanceAt(person: Person, accountId: string, at: Date) {
  const response = await person.client.get(`/api/accounts/${accountId}/balance?at=${encodeURIComponent(at.toISOString())}`);
  expectStatus(response, 200);
  const body = response.json() as { balance_cents: number; entry_count: number };
  return { balance_cents: body.balance_cents, entry_count: body.entry_count };
}

describe('balance snapshots', () => {
  it('snapshots each completed São Paulo month end, the entry at the month end included, once', async () => {
    const person = await signedIn(t.app);
    const accounts = await newAccounts(person);
    const account = accounts.account;
    // 23:30 on 31 January in São Paulo is already 1 February in UTC: it belongs to January.
    await postAt(t.pool, person, accounts, 1_000, new Date('2026-01-31T23:30:00-03:00'));
    // Exactly the month end: "as of" includes it, as balance?at= does.
    await postAt(t.pool, person, accounts, 200, new Date('2026-02-01T00:00:00-03:00'));
    await postAt(t.pool, person, accounts, 30, new Date('2026-02-01T00:00:00.001-03:00'));
    // April has no entry of its own and still gets its month end.
    await postAt(t.pool, person, accounts, -4, new Date('2026-03-15T12:00:00-03:00'));

    // 00:30 on 1 May in São Paulo: April's end is too recent to be settled.
    expect(await writeBalanceSnapshots(t.pool, new Date('2026-05-01T03:30:00Z'))).toBeGreaterThanOrEqual(3);
    expect(await snapshots(account)).toEqual([
      { as_of: '2026-02-01T03:00:00.000Z', balance_cents: 1_200, entry_count: 2 },
      { as_of: '2026-03-01T03:00:00.000Z', balance_cents: 1_230, entry_count: 3 },
      { as_of: '2026-04-01T03:00:00.000Z', balance_cents: 1_226, entry_count: 4 },
    ]);

    const jobClock = fixedClock('2026-05-01T04:30:00Z');
    const outcomes = await Promise.all([1, 2].map(() => runJobOnce(t.pool, balanceSnapshotsJob, jobClock)));
    expect(await snapshots(account)).toHaveLength(4);
    expect((await snapshots(account))[3]).toEqual({ as_of: '2026-05-01T03:00:00.000Z', balance_cents: 1_226, entry_count: 4 });
    // Whichever ran second found nothing left to write (or skipped on the lock).
    expect(outcomes.some((outcome) => outcome.ran && outcome.affected === 0) || outcomes.some((outcome) => !outcome.ran)).toBe(
      true,
    );
    expect(await runJobOnce(t.pool, balanceSnapshotsJob, jobClock)).toEqual({ ran: true, affected: 0 });

    for (const at of [
      '2026-01-31T23:59:59.999-03:00',
      '2026-02-01T00:00:00-03:00',
      '2026-02-01T00:00:00.001-03:00',
      '2026-07-01T00:00:00Z',
    ]) {
      expect(await balanceAt(person, account, new Date(at))).toEqual(await fullSum(account, new Date(at)));
    }
  });

  it('answers balance?at= exactly as the full sum does, with and without snapshots (property)', async () => {
    const person = await signedIn(t.app);
    const start = Date.parse('2026-01-01T03:00:00Z');
    const span = 200 * 86_400_000;
    const monthEnds = ['2026-02-01', '2026-03-01', '2026-04-01', '2026-05-01', '2026-06-01', '2026-07-01'].map((day) =>
      Date.parse(`${day}T00:00:00-03:00`),
    );
    // Instants anywhere, and right at or next to a month end, where an off-by-one would show.
    const instant = fc.oneof(
      fc.integer({ min: start - 86_400_000, max: start + span }),
      fc.tuple(fc.constantFrom(...monthEnds), fc.integer({ min: -1, max: 1 })).map(([end, ms]) => end + ms),
    );
    const posting = fc.record({
      at: instant,
      amount: fc.integer({ min: -100_000, max: 100_000 }).filter((amount) => amount !== 0),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(posting, { minLength: 0, maxLength: 15 }),
        fc.array(instant, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: start, max: start + span + 40 * 86_400_000 }),
        async (postings, queries, snapshotAt) => {
          const accounts = await newAccounts(person);
          const account = accounts.account;
          for (const { at, amount } of postings) await postAt(t.pool, person, accounts, amount, new Date(at));
          const before = await Promise.all(queries.map((at) => balanceAt(person, account, new Date(at))));
          await writeBalanceSnapshots(t.pool, new Date(snapshotAt));
          for (const [index, at] of queries.entries()) {
            const expected = await fullSum(account, new Date(at));
            expect(before[index]).toEqual(expected);
            expect(await balanceAt(person, account, new Date(at))).toEqual(expected);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('reconcile', () => {
  it('finds nothing on a clean ledger; records, counts and reports a planted mismatch once across runs', async () => {
    const person = await signedIn(t.app);
    const accounts = await newAccounts(person);
    const account = accounts.account;
    await postAt(t.pool, person, accounts, 5_000, new Date('2026-02-10T12:00:00Z'));
    await postAt(t.pool, person, accounts, -1_500, new Date('2026-03-10T12:00:00Z'));
    await writeBalanceSnapshots(t.pool, new Date('2026-04-02T12:00:00Z'));

    const metrics = createJobMetrics(new Registry());
    const reports: Array<Record<string, string | number>> = [];
    const logLines: string[] = [];
    const options = {
      clock: fixedClock('2026-04-02T13:41:00Z'),
      logger: pino({ level: 'error' }, { write: (line: string) => logLines.push(line) }),
      metrics,
      report: (_error: Error, context: Record<string, string | number>) => reports.push(context),
    };
    const mismatches = async () => (await metrics.reconcileMismatches.get()).values[0]?.value ?? 0;
    const open = async () =>
      (
        await t.pool.query(
          'SELECT cached_balance_cents, ledger_balance_cents, snapshot_balance_cents FROM reconcile_findings WHERE resolved_at IS NULL',
        )
      ).rows;

    const clean = await runJobOnce(t.pool, reconcileJob, options);
    expect(clean.ran && clean.affected).toBeGreaterThanOrEqual(3);
    expect(await open()).toEqual([]);
    expect(reports).toEqual([]);
    expect(await mismatches()).toBe(0);

    // Behind the app's back: the cached balance no longer matches the ledger.
    await t.pool.query('UPDATE accounts SET balance_cents = balance_cents + 7 WHERE id = $1', [account]);
    try {
      await runJobOnce(t.pool, reconcileJob, options);
      await runJobOnce(t.pool, reconcileJob, options);
      expect(await open()).toEqual([{ cached_balance_cents: 3_507, ledger_balance_cents: 3_500, snapshot_balance_cents: 3_500 }]);
      expect(reports).toEqual([expect.objectContaining({ job: 'reconcile', account_id: account })]);
      expect(await mismatches()).toBe(1);
      // Logged once at error level, with ids only: no amounts, no names.
      expect(logLines).toHaveLength(1);
      expect(JSON.parse(logLines[0] ?? '{}')).toMatchObject({ level: 50, job: 'reconcile', account_id: account });
      expect(logLines[0]).not.toMatch(/3507|3500|Maria/);
      // The cached balance was left as it was: the job records, never fixes.
      expect((await t.pool.query('SELECT balance_cents FROM accounts WHERE id = $1', [account])).rows[0].balance_cents).toBe(
        3_507,
      );

      // A latest snapshot that lies is caught by the third figure.
      await t.pool.query(
        "UPDATE account_balance_snapshots SET balance_cents = balance_cents - 1 WHERE account_id = $1 AND as_of = '2026-04-01T03:00:00Z'",
        [account],
      );
      await runJobOnce(t.pool, reconcileJob, options);
      expect(await mismatches()).toBe(2);
      expect(reports).toHaveLength(2);

      const listed = await operator.client.get('/api/admin/findings');
      expectStatus(listed, 200);
      expect(listed.json().total).toBe(2);
      expect(listed.json().findings[0]).toMatchObject({
        account_id: account,
        cached_balance_cents: 3_507,
        ledger_balance_cents: 3_500,
        found_at: '2026-04-02T13:41:00.000Z',
      });
      expectProblem(await person.client.get('/api/admin/findings'), 403, 'forbidden');
    } finally {
      await t.pool.query('UPDATE accounts SET balance_cents = balance_cents - 7 WHERE id = $1', [account]);
    }
  });
});
