import type pg from 'pg';
import { AdvisoryLock } from '../db/locks.js';
import type { Queryable } from '../db/queryable.js';
import { isPersonDeleted } from '../db/sqlstate.js';
import { runTransaction } from '../db/unit-of-work.js';
import { calendarDay, calendarMonth, dayParts, firstDayOfMonth, previousMonth } from '../lib/calendar.js';
import type { Clock } from '../lib/clock.js';
import type { BudgetLineResponse } from '../modules/budgets/budgets.schemas.js';
import { BudgetsService } from '../modules/budgets/budgets.service.js';
import { notify } from '../modules/notifications/notify.js';
import type { Job } from './job.js';

/** Budgets read per batch; each batch's people are read one at a time, so memory stays bounded. */
export const BUDGETS_PER_BATCH = 500;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

interface PendingBudget {
  id: string;
  user_id: string;
}

/** A crossing to notify: the budget's line as the budgets screen shows it, and the threshold it reached. */
interface Crossing {
  userId: string;
  month: string;
  line: BudgetLineResponse;
  threshold: number;
}

/**
 * The next batch of the month's budgets, in id order after `after`, that still have a
 * threshold without an alert. Ids are random, so a batch mixes people: nobody's many
 * budgets hold back everyone else's.
 */
async function nextBatch(pool: pg.Pool, monthStart: string, after: string): Promise<PendingBudget[]> {
  const result = await pool.query<PendingBudget>(
    `SELECT b.id, b.user_id FROM budgets b
      WHERE b.month = $1 AND b.id > $2
        AND NOT b.alert_thresholds <@ coalesce((SELECT array_agg(a.threshold) FROM budget_alerts a WHERE a.budget_id = b.id), '{}')
      ORDER BY b.id
      LIMIT $3`,
    [monthStart, after, BUDGETS_PER_BATCH],
  );
  return result.rows;
}

/** Budget ids per person, in the order the batch met them. */
function byPerson(budgets: readonly PendingBudget[]): Map<string, Set<string>> {
  const people = new Map<string, Set<string>>();
  for (const budget of budgets) {
    const ids = people.get(budget.user_id) ?? new Set<string>();
    ids.add(budget.id);
    people.set(budget.user_id, ids);
  }
  return people;
}

/**
 * Records the crossing and writes its notification in one transaction: both or neither.
 * The budget_alerts primary key (budget, threshold) and the notification's natural key each
 * let only one writer through, so two runs that both saw the crossing notify once. Returns
 * 1 when this call notified, 0 when someone already had (or the budget is gone).
 */
async function notifyCrossing(db: Queryable, crossing: Crossing, now: Date): Promise<number> {
  const { line, threshold } = crossing;
  const recorded = await db.query(
    `INSERT INTO budget_alerts (budget_id, threshold, user_id, created_at)
     SELECT id, $2, user_id, $4 FROM budgets WHERE id = $1 AND user_id = $3
     ON CONFLICT (budget_id, threshold) DO NOTHING`,
    [line.id, threshold, crossing.userId, now],
  );
  if (recorded.rowCount !== 1) return 0;
  await notify(db, {
    userId: crossing.userId,
    kind: 'budget_alert',
    dedupeKey: `budget:${line.id}:${threshold}`,
    params: {
      budget_id: line.id,
      category_id: line.category_id,
      category_name: line.category_name,
      category_system_key: line.category_system_key,
      month: crossing.month,
      threshold,
      percent: line.percent,
      spent_cents: line.spent_cents,
      available_cents: line.available_cents,
    },
    link: `/orcamentos?mes=${crossing.month}`,
    now,
  });
  return 1;
}

/** One person's crossings among the given budgets, read from the ledger as the budgets screen reads them. */
async function crossingsOf(budgets: BudgetsService, userId: string, budgetIds: ReadonlySet<string>, month: string) {
  const lines = (await budgets.month(userId, month)).items.filter((line) => budgetIds.has(line.id));
  return lines.flatMap((line) => line.crossed_thresholds.map((threshold): Crossing => ({ userId, month, line, threshold })));
}

/** For the first days of a month the job also checks the last one (see budgetMonthsToCheck). */
export const PREVIOUS_MONTH_GRACE_DAYS = 3;

/**
 * The months whose budgets are checked at `now`: the current month in São Paulo, and during
 * its first PREVIOUS_MONTH_GRACE_DAYS days the previous one too, so an expense recorded late
 * with last month's date, or one posted in the last minutes of the month after the last
 * run, still notifies.
 */
export function budgetMonthsToCheck(now: Date): string[] {
  const month = calendarMonth(now);
  const { day } = dayParts(calendarDay(now));
  return day <= PREVIOUS_MONTH_GRACE_DAYS ? [previousMonth(month), month] : [month];
}

/**
 * Notifies each threshold a budget of the months to check (budgetMonthsToCheck) has
 * reached, once per (budget, threshold). Spending is what the budgets screen shows (the
 * expense legs of the month, rollover included); a threshold reached and then left by a
 * reversal stays notified.
 */
export async function alertBudgets(pool: pg.Pool, clock: Clock, now: Date): Promise<number> {
  const budgets = new BudgetsService({ pool, clock, hooks: {} });
  let notified = 0;
  for (const month of budgetMonthsToCheck(now)) notified += await alertBudgetsOf(pool, budgets, month, now);
  return notified;
}

/** One month's budgets, in bounded batches of people in budget id order. */
async function alertBudgetsOf(pool: pg.Pool, budgets: BudgetsService, month: string, now: Date): Promise<number> {
  let notified = 0;
  let after = NIL_UUID;
  for (;;) {
    const batch = await nextBatch(pool, firstDayOfMonth(month), after);
    if (batch.length === 0) return notified;
    after = batch[batch.length - 1]?.id ?? after;
    for (const [userId, budgetIds] of byPerson(batch)) {
      for (const crossing of await crossingsOf(budgets, userId, budgetIds, month)) {
        notified += await runTransaction(pool, (client) => notifyCrossing(client, crossing, now)).catch((error: unknown) => {
          // Deleted since their budgets were read: nothing of theirs is written again.
          if (isPersonDeleted(error)) return 0;
          throw error;
        });
      }
    }
    if (batch.length < BUDGETS_PER_BATCH) return notified;
  }
}

export const budgetAlertJob: Job = {
  name: 'budget_alert',
  lock: AdvisoryLock.JobBudgetAlert,
  schedule: '*/5 * * * *',
  run: ({ pool, clock, now }) => alertBudgets(pool, clock, now),
};
