import type pg from 'pg';
import { AdvisoryLock } from '../db/locks.js';
import { TIME_ZONE } from '../lib/calendar.js';
import { startStopwatch } from './delete-in-batches.js';
import type { Job } from './job.js';

/** Accounts per statement: one statement never walks more than this many accounts' months. */
export const SNAPSHOT_ACCOUNTS_PER_BATCH = 200;
/** Month ends one account gets per statement; an older backlog continues in the next batch or run. */
export const SNAPSHOT_MONTHS_PER_ACCOUNT_MAX = 24;
/**
 * A month end is snapshotted only this long after it: an entry carries the instant its
 * posting began, so a posting still committing at midnight lands a little before the month
 * end, and the snapshot must not be taken before it is visible.
 */
export const SNAPSHOT_SETTLE_MS = 3_600_000;
/** How long one run may keep going; the next run continues where the snapshots stop. */
export const SNAPSHOT_RUN_MS_MAX = 60_000;
const FIRST_ACCOUNT_ID = '00000000-0000-0000-0000-000000000000';

/**
 * For one batch of accounts (keyset by id), inserts each completed month end not yet
 * snapshotted, from the month of the account's first entry (or after its latest snapshot)
 * up to the last month end at least SNAPSHOT_SETTLE_MS before now. Each month's own entries
 * are summed once (created_at in (previous month end, month end]) and added up in order, on
 * top of the latest snapshot. Insert-or-ignore on (account_id, as_of): two runs never write
 * a month twice. Returns the batch's last account id (undefined when the batch was empty)
 * and how many snapshots were written.
 */
async function snapshotBatch(
  pool: pg.Pool,
  options: { after: string; now: Date },
): Promise<{ lastAccountId: string | undefined; written: number }> {
  const result = await pool.query<{ account_id: string | null; written: number }>(
    `WITH batch AS (
       SELECT id, user_id FROM accounts WHERE id > $1 ORDER BY id LIMIT $2
     ), starts AS (
       SELECT b.id, b.user_id, latest.as_of AS latest_as_of,
              coalesce(latest.balance_cents, 0) AS base_balance, coalesce(latest.entry_count, 0) AS base_count,
              CASE WHEN latest.as_of IS NOT NULL THEN (latest.as_of AT TIME ZONE $6) + interval '1 month'
                   -- The month end an instant belongs to: the first one at or after it.
                   ELSE date_trunc('month', (first_entry.created_at AT TIME ZONE $6) - interval '1 microsecond') + interval '1 month'
              END AS first_local_end
         FROM batch b
         LEFT JOIN LATERAL (
           SELECT as_of, balance_cents, entry_count FROM account_balance_snapshots s
            WHERE s.account_id = b.id ORDER BY as_of DESC LIMIT 1) latest ON true
         LEFT JOIN LATERAL (
           SELECT created_at FROM ledger_entries e WHERE e.account_id = b.id ORDER BY created_at, id LIMIT 1) first_entry ON true
     ), months AS (
       SELECT s.id, s.user_id, s.base_balance, s.base_count, month.local_end AT TIME ZONE $6 AS as_of,
              coalesce(lag(month.local_end AT TIME ZONE $6) OVER (PARTITION BY s.id ORDER BY month.local_end),
                       s.latest_as_of, '-infinity') AS previous_as_of
         FROM starts s
        CROSS JOIN LATERAL (
          SELECT local_end FROM generate_series(
            s.first_local_end,
            date_trunc('month', ($3::timestamptz - make_interval(secs => $4::int / 1000.0)) AT TIME ZONE $6),
            interval '1 month') AS local_end
          ORDER BY local_end LIMIT $5) month
     ), totals AS (
       SELECT m.id, m.user_id, m.as_of,
              m.base_balance + sum(own.sum) OVER running AS balance_cents,
              m.base_count + sum(own.n) OVER running AS entry_count
         FROM months m
        CROSS JOIN LATERAL (
          SELECT coalesce(sum(amount_cents), 0) AS sum, count(*) AS n FROM ledger_entries e
           WHERE e.account_id = m.id AND e.created_at > m.previous_as_of AND e.created_at <= m.as_of) own
       WINDOW running AS (PARTITION BY m.id ORDER BY m.as_of)
     ), written AS (
       INSERT INTO account_balance_snapshots (account_id, user_id, as_of, balance_cents, entry_count, created_at)
       SELECT id, user_id, as_of, balance_cents, entry_count, $3 FROM totals
       ON CONFLICT DO NOTHING RETURNING 1
     )
     SELECT (SELECT max(id::text) FROM batch) AS account_id, (SELECT count(*)::int FROM written) AS written`,
    [options.after, SNAPSHOT_ACCOUNTS_PER_BATCH, options.now, SNAPSHOT_SETTLE_MS, SNAPSHOT_MONTHS_PER_ACCOUNT_MAX, TIME_ZONE],
  );
  const row = result.rows[0];
  return { lastAccountId: row?.account_id ?? undefined, written: row?.written ?? 0 };
}

/**
 * Writes the month-end balance snapshots every account is missing, in batches of accounts
 * in id order: every account, whoever owns it, gets its turn in each run, and an account
 * with a long backlog gets at most SNAPSHOT_MONTHS_PER_ACCOUNT_MAX months per batch, the
 * rest in the next run. Returns how many snapshots were written.
 */
export async function writeBalanceSnapshots(
  pool: pg.Pool,
  now: Date,
  options: { elapsedMs?: () => number } = {},
): Promise<number> {
  const elapsedMs = options.elapsedMs ?? startStopwatch();
  let after = FIRST_ACCOUNT_ID;
  let written = 0;
  for (;;) {
    const batch = await snapshotBatch(pool, { after, now });
    written += batch.written;
    if (batch.lastAccountId === undefined || elapsedMs() >= SNAPSHOT_RUN_MS_MAX) break;
    after = batch.lastAccountId;
  }
  return written;
}

export const balanceSnapshotsJob: Job = {
  name: 'balance_snapshots',
  lock: AdvisoryLock.JobBalanceSnapshots,
  // 04:30 UTC is 01:30 in São Paulo: the month that ended at midnight is settled by then.
  schedule: '30 4 * * *',
  run: ({ pool, now }) => writeBalanceSnapshots(pool, now),
};
