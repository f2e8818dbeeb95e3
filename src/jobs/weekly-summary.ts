import { AdvisoryLock } from '../db/locks.js';
import { isPersonDeleted } from '../db/sqlstate.js';
import { calendarDay, daysBetween, firstDayOfMonth, lastDayOfMonth, monthOf, TIME_ZONE, weekdayOf } from '../lib/calendar.js';
import { overBudget } from '../modules/budgets/budget-math.js';
import { BudgetsService } from '../modules/budgets/budgets.service.js';
import { type IsoWeek, isoWeekOf, weekEndedBefore } from '../modules/notifications/iso-week.js';
import { notify } from '../modules/notifications/notify.js';
import { nextPeopleWithoutSummary, type WeekFigures } from '../modules/notifications/weekly-summary.repository.js';
import { RecurringService } from '../modules/recurring/recurring.service.js';
import type { Job, JobContext } from './job.js';

/** People read and notified per batch, keyset by id. */
export const SUMMARY_BATCH_SIZE = 500;
/** People one run notifies at most; the next hourly run goes on from where this one stopped. */
export const SUMMARIES_PER_RUN_MAX = 10_000;
/** Monday's summaries go out from this hour, São Paulo time (the morning, not midnight). */
export const SUMMARY_HOUR_SAO_PAULO = 8;
const MONDAY = 1;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const HOUR_PARTS = new Intl.DateTimeFormat('en-US', { timeZone: TIME_ZONE, hour: '2-digit', hourCycle: 'h23' });

/** Whether it is too early on a Monday (São Paulo) to summarise the week that just ended. */
export function beforeSummaryHour(now: Date): boolean {
  if (weekdayOf(calendarDay(now)) !== MONDAY) return false;
  return Number(HOUR_PARTS.format(now)) < SUMMARY_HOUR_SAO_PAULO;
}

interface NextWeekBills {
  count: number;
  total_cents: number;
  next?: { description: string; occurs_on: string; amount_cents: number };
}

/** The expense occurrences still due from today to the end of this week (the one after the summarised week). */
async function billsDue(recurring: RecurringService, userId: string, today: string, weekEnd: string): Promise<NextWeekBills> {
  const upcoming = await recurring.upcoming(userId, Math.max(0, daysBetween(today, weekEnd)));
  const bills = upcoming.items.filter((item) => item.type === 'expense');
  const first = bills[0];
  return {
    count: bills.length,
    total_cents: bills.reduce((sum, bill) => sum + bill.amount_cents, 0),
    ...(first ? { next: { description: first.description, occurs_on: first.occurs_on, amount_cents: first.amount_cents } } : {}),
  };
}

/**
 * The month's budgets as the budgets screen shows them: how many are over, against what each
 * makes available with rollover (not its bare limit), and what was spent in their categories,
 * card installments counted in the months of their bills.
 */
async function budgetFigures(
  budgets: BudgetsService,
  figures: WeekFigures,
  month: string,
): Promise<{ budgets_over_count: number; budgets_spent_cents: number }> {
  if (figures.budgets_count === 0) return { budgets_over_count: 0, budgets_spent_cents: figures.budgets_spent_cents };
  const lines = (await budgets.month(figures.user_id, month)).items;
  return {
    budgets_over_count: lines.filter((line) => overBudget(line.spent_cents, line.available_cents)).length,
    budgets_spent_cents: lines.reduce((sum, line) => sum + line.spent_cents, 0),
  };
}

function summaryParams(week: IsoWeek, figures: WeekFigures & { budgets_over_count: number }, bills: NextWeekBills) {
  return {
    week: week.key,
    from_day: week.from,
    to_day: week.to,
    month: monthOf(week.to),
    spent_cents: figures.spent_cents,
    income_cents: figures.income_cents,
    budgets_count: figures.budgets_count,
    budgets_over_count: figures.budgets_over_count,
    budgets_spent_cents: figures.budgets_spent_cents,
    budgets_limit_cents: figures.budgets_limit_cents,
    bills_count: bills.count,
    bills_total_cents: bills.total_cents,
    next_bill_description: bills.next?.description ?? null,
    next_bill_on: bills.next?.occurs_on ?? null,
    next_bill_cents: bills.next?.amount_cents ?? null,
  };
}

/**
 * One weekly summary per person and ISO week (São Paulo): on Monday from 08:00 it
 * summarises the week that ended on Sunday — spending, income, the budgets of the month
 * the week ended in, and the recurring bills due this week. The notification's dedupe key
 * is the ISO week ("week:2026-W53"), so however many runs or workers write it, each person
 * gets it once; people are read in id order, in bounded batches, skipping those who
 * already have it, so a run that stops early (the per-run bound, a crash) is continued by
 * the next hourly run, in the same order, with nobody served twice or left out.
 */
export const weeklySummaryJob: Job = {
  name: 'weekly_summary',
  lock: AdvisoryLock.JobWeeklySummary,
  schedule: '0 * * * *',
  async run({ pool, now, clock }: JobContext) {
    if (beforeSummaryHour(now)) return 0;
    const today = calendarDay(now);
    const week = weekEndedBefore(today);
    const month = monthOf(week.to);
    const thisWeekEnd = isoWeekOf(today).to;
    const recurring = new RecurringService({ pool, clock, hooks: {} });
    const budgets = new BudgetsService({ pool, clock, hooks: {} });
    let notified = 0;
    let after = NIL_UUID;
    while (notified < SUMMARIES_PER_RUN_MAX) {
      const people = await nextPeopleWithoutSummary(pool, {
        afterUserId: after,
        dedupeKey: `week:${week.key}`,
        from: week.from,
        to: week.to,
        monthFrom: firstDayOfMonth(month),
        monthTo: lastDayOfMonth(month),
        limit: Math.min(SUMMARY_BATCH_SIZE, SUMMARIES_PER_RUN_MAX - notified),
      });
      for (const figures of people) {
        const bills = await billsDue(recurring, figures.user_id, today, thisWeekEnd);
        const budgeted = await budgetFigures(budgets, figures, month);
        const id = await notify(pool, {
          userId: figures.user_id,
          kind: 'weekly_summary',
          dedupeKey: `week:${week.key}`,
          params: summaryParams(week, { ...figures, ...budgeted }, bills),
          link: '/lancamentos',
          now,
        }).catch((error: unknown) => {
          // Deleted since the figures were read: nothing of theirs is written again.
          if (isPersonDeleted(error)) return null;
          throw error;
        });
        if (id !== null) notified += 1;
      }
      const last = people.at(-1);
      if (!last || people.length < SUMMARY_BATCH_SIZE) break;
      after = last.user_id;
    }
    return notified;
  },
};
