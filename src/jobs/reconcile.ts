import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { AdvisoryLock } from '../db/locks.js';
import { startStopwatch } from './delete-in-batches.js';
import type { Job, JobContext } from './job.js';

/** Accounts compared per statement. */
export const RECONCILE_ACCOUNTS_PER_BATCH = 200;
/** How long one run may keep comparing; the next run starts at another account. */
export const RECONCILE_RUN_MS_MAX = 120_000;
const FIRST_ACCOUNT_ID = '00000000-0000-0000-0000-000000000000';
const LAST_ACCOUNT_ID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/** The three figures of one account, read in one statement (one snapshot of the database). */
interface AccountFigures {
  account_id: string;
  user_id: string;
  cached_balance_cents: number;
  ledger_balance_cents: number;
  snapshot_balance_cents: number;
  snapshot_as_of: Date | null;
}

/**
 * Each account of the batch (ids in (after, upTo], in order) with its cached balance, the sum
 * of all its entries, and its latest snapshot plus the entries after it (the path balance?at=
 * takes). Without a snapshot the third figure is the sum from the first entry.
 */
async function figuresOf(pool: pg.Pool, range: { after: string; upTo: string }): Promise<AccountFigures[]> {
  const result = await pool.query<AccountFigures>(
    `WITH batch AS (
       SELECT id, user_id, balance_cents FROM accounts WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3)
     SELECT b.id::text AS account_id, b.user_id, b.balance_cents AS cached_balance_cents,
            everything.total AS ledger_balance_cents,
            (coalesce(latest.balance_cents, 0) + since_snapshot.total)::bigint AS snapshot_balance_cents,
            latest.as_of AS snapshot_as_of
       FROM batch b
       LEFT JOIN LATERAL (
         SELECT as_of, balance_cents FROM account_balance_snapshots s
          WHERE s.account_id = b.id ORDER BY as_of DESC LIMIT 1) latest ON true
      CROSS JOIN LATERAL (
         SELECT coalesce(sum(amount_cents), 0)::bigint AS total FROM ledger_entries e WHERE e.account_id = b.id) everything
      CROSS JOIN LATERAL (
         SELECT coalesce(sum(amount_cents), 0)::bigint AS total FROM ledger_entries e
          WHERE e.account_id = b.id AND e.created_at > coalesce(latest.as_of, '-infinity')) since_snapshot
      ORDER BY b.id`,
    [range.after, range.upTo, RECONCILE_ACCOUNTS_PER_BATCH],
  );
  return result.rows;
}

function disagrees(figures: AccountFigures): boolean {
  return (
    figures.cached_balance_cents !== figures.ledger_balance_cents ||
    figures.snapshot_balance_cents !== figures.ledger_balance_cents
  );
}

/** Records the mismatches not already open (insert-or-ignore on the open findings' key); returns the new ones. */
async function recordFindings(
  pool: pg.Pool,
  mismatches: readonly AccountFigures[],
  now: Date,
): Promise<{ id: string; account_id: string }[]> {
  if (mismatches.length === 0) return [];
  const result = await pool.query<{ id: string; account_id: string }>(
    `INSERT INTO reconcile_findings
       (account_id, user_id, found_at, cached_balance_cents, ledger_balance_cents, snapshot_balance_cents, snapshot_as_of)
     SELECT account_id, user_id, $1, cached, ledger, snapshot, as_of
       FROM unnest($2::uuid[], $3::uuid[], $4::bigint[], $5::bigint[], $6::bigint[], $7::timestamptz[])
         AS finding (account_id, user_id, cached, ledger, snapshot, as_of)
     ON CONFLICT DO NOTHING
     RETURNING id::text AS id, account_id::text AS account_id`,
    [
      now,
      mismatches.map((figures) => figures.account_id),
      mismatches.map((figures) => figures.user_id),
      mismatches.map((figures) => figures.cached_balance_cents),
      mismatches.map((figures) => figures.ledger_balance_cents),
      mismatches.map((figures) => figures.snapshot_balance_cents),
      mismatches.map((figures) => figures.snapshot_as_of),
    ],
  );
  return result.rows;
}

/** A new finding is counted, logged at error level and reported; the figures stay in the table, not in logs. */
function announce(context: JobContext, finding: { id: string; account_id: string }): void {
  context.metrics?.reconcileMismatches.inc();
  context.logger.error(
    { finding_id: finding.id, account_id: finding.account_id },
    'ledger reconcile mismatch: cached balance, ledger sum and snapshot disagree',
  );
  context.report(new Error('ledger reconcile mismatch'), { finding_id: finding.id, account_id: finding.account_id });
}

/**
 * Compares every account's three balances and records each disagreement as a finding,
 * never touching the balances themselves. Accounts go in id order in batches, starting at a
 * random account and wrapping around, so a run cut short by its time budget does not leave
 * the same accounts unchecked every time. Returns how many accounts were compared.
 */
export async function reconcile(
  context: JobContext,
  options: { elapsedMs?: () => number; startAfter?: string } = {},
): Promise<number> {
  const elapsedMs = options.elapsedMs ?? startStopwatch();
  const start = options.startAfter ?? randomUUID();
  const ranges = [
    { after: start, upTo: LAST_ACCOUNT_ID },
    { after: FIRST_ACCOUNT_ID, upTo: start },
  ];
  let compared = 0;
  for (const range of ranges) {
    let after = range.after;
    for (;;) {
      const batch = await figuresOf(context.pool, { after, upTo: range.upTo });
      compared += batch.length;
      for (const finding of await recordFindings(context.pool, batch.filter(disagrees), context.now)) {
        announce(context, finding);
      }
      const last = batch.at(-1);
      if (last === undefined || batch.length < RECONCILE_ACCOUNTS_PER_BATCH) break;
      if (elapsedMs() >= RECONCILE_RUN_MS_MAX) return compared;
      after = last.account_id;
    }
  }
  return compared;
}

export const reconcileJob: Job = {
  name: 'reconcile',
  lock: AdvisoryLock.JobReconcile,
  schedule: '41 * * * *',
  run: (context) => reconcile(context),
};
