/**
 * When a recurring rule falls due: pure calendar arithmetic on YYYY-MM-DD days, in the
 * person's calendar (the days are already São Paulo days). No I/O.
 *
 * Every schedule is a sequence of occurrences numbered 0, 1, 2… from start_on. The first
 * occurrence on or after any day is found arithmetically, so asking for a window costs
 * the occurrences in the window, however long ago the rule started.
 */
import {
  addDays,
  calendarMonthsBetween,
  clampedDayOf,
  dayOf,
  dayParts,
  daysBetween,
  daysInMonth,
  firstDayOfMonth,
  monthOf,
  shiftMonth,
  weekdayOf,
} from '../../lib/calendar.js';

export type Schedule =
  | { kind: 'monthly'; day: number }
  | { kind: 'weekly'; weekday: number }
  | { kind: 'every_n_days'; days: number }
  | { kind: 'yearly'; month: number; day: number };

export interface RuleDates {
  schedule: Schedule;
  start_on: string;
  end_on: string | null;
  occurrences_max: number | null;
  /** Where the current schedule starts, when it was changed after start_on (null: start_on). */
  schedule_from: string | null;
  /** The occurrences earlier schedules had before schedule_from; they count toward occurrences_max. */
  occurrences_before: number;
}

/** A bound on how many days one enumeration may step through, whatever the rule. */
export const OCCURRENCES_ENUMERATED_MAX = 40_000;
const DAYS_PER_WEEK = 7;
const MONTHS_PER_YEAR = 12;
// A leap year, so that 29 February counts as a day a yearly rule may name.
const LEAP_YEAR = 2000;

/** The largest day a month can have (February: 29), for validating yearly rules. */
export function daysInMonthMax(month: number): number {
  return daysInMonth(LEAP_YEAR, month);
}

/**
 * A schedule as a function from occurrence number to day, with the inverse "first number
 * whose day is on or after a given day". Both are O(1).
 */
interface Sequence {
  dayAt(index: number): string;
  firstIndexOnOrAfter(day: string): number;
}

/** Occurrences `step` days apart from `first`. */
function evenlySpaced(first: string, step: number): Sequence {
  return {
    dayAt: (index) => addDays(first, index * step),
    firstIndexOnOrAfter: (day) => Math.max(0, Math.ceil(daysBetween(first, day) / step)),
  };
}

/**
 * One occurrence per period (a month or a year), numbered from the first period whose
 * occurrence is not before start_on. periodOf maps a day to its period number.
 */
function onePerPeriod(startOn: string, periodOf: (day: string) => number, dayInPeriod: (period: number) => string): Sequence {
  const startPeriod = periodOf(startOn);
  const firstPeriod = dayInPeriod(startPeriod) >= startOn ? startPeriod : startPeriod + 1;
  return {
    dayAt: (index) => dayInPeriod(firstPeriod + index),
    firstIndexOnOrAfter: (day) => {
      const period = periodOf(day);
      const index = period - firstPeriod + (dayInPeriod(period) >= day ? 0 : 1);
      return Math.max(0, index);
    },
  };
}

function sequenceOf(schedule: Schedule, startOn: string): Sequence {
  switch (schedule.kind) {
    case 'every_n_days':
      return evenlySpaced(startOn, schedule.days);
    case 'weekly': {
      const offset = (schedule.weekday - weekdayOf(startOn) + DAYS_PER_WEEK) % DAYS_PER_WEEK;
      return evenlySpaced(addDays(startOn, offset), DAYS_PER_WEEK);
    }
    case 'monthly': {
      // Periods are months counted from start_on's month; a day past the month's end clamps to its last day.
      const startMonth = monthOf(startOn);
      return onePerPeriod(
        startOn,
        (day) => calendarMonthsBetween(startOn, day),
        (period) => clampedDayOf(shiftMonth(startMonth, period), schedule.day),
      );
    }
    case 'yearly': {
      // Periods are years counted from start_on's year; 29 February clamps to the 28th in common years.
      const startYear = dayParts(startOn).year;
      const firstMonth = monthOf(dayOf(startYear, schedule.month, 1));
      return onePerPeriod(
        startOn,
        (day) => dayParts(day).year - startYear,
        (period) => clampedDayOf(shiftMonth(firstMonth, period * MONTHS_PER_YEAR), schedule.day),
      );
    }
  }
}

/** Counts the steps an enumeration takes, so tests can check it jumps instead of walking. */
export interface EnumerationStats {
  steps: number;
}

/** The first day of the current schedule: start_on, or the day a changed schedule starts. */
export function scheduleStart(rule: Pick<RuleDates, 'start_on' | 'schedule_from'>): string {
  return rule.schedule_from !== null && rule.schedule_from > rule.start_on ? rule.schedule_from : rule.start_on;
}

/**
 * The rule's occurrences within [from, until], ascending, lazily. occurrences_max counts
 * from start_on across every schedule the rule had (occurrences_before are the earlier
 * schedules'), so it holds across the rule's whole life; the work is proportional to the
 * occurrences taken, not to the time since start_on.
 */
export function* occurrencesFrom(rule: RuleDates, from: string, until: string, stats?: EnumerationStats): Generator<string> {
  const last = rule.end_on !== null && rule.end_on < until ? rule.end_on : until;
  const first = scheduleStart(rule);
  const sequence = sequenceOf(rule.schedule, first);
  const indexMax = rule.occurrences_max === null ? Number.POSITIVE_INFINITY : rule.occurrences_max - rule.occurrences_before - 1;
  let steps = 0;
  for (let index = sequence.firstIndexOnOrAfter(from > first ? from : first); index <= indexMax; index += 1) {
    steps += 1;
    if (stats) stats.steps += 1;
    const day = sequence.dayAt(index);
    if (day > last) return;
    if (steps > OCCURRENCES_ENUMERATED_MAX) throw new RangeError('recurring window holds too many occurrences');
    yield day;
  }
}

/** Every occurrence within [from, until], ascending (see occurrencesFrom). */
export function occurrencesBetween(rule: RuleDates, from: string, until: string, stats?: EnumerationStats): string[] {
  return [...occurrencesFrom(rule, from, until, stats)];
}

export function sameSchedule(a: Schedule, b: Schedule): boolean {
  switch (a.kind) {
    case 'monthly':
      return b.kind === 'monthly' && a.day === b.day;
    case 'weekly':
      return b.kind === 'weekly' && a.weekday === b.weekday;
    case 'every_n_days':
      return b.kind === 'every_n_days' && a.days === b.days;
    case 'yearly':
      return b.kind === 'yearly' && a.month === b.month && a.day === b.day;
  }
}

/**
 * The first day a new schedule may fall on once `lastClaimed` (the rule's latest posted or
 * failed occurrence) happened: the day after it, and for a schedule with periods not in the
 * period it fell in (the next month, the next year), and for every n days not before n days
 * after it. So a bill moved from the 5th to the 20th after the 5th was posted is next due on
 * the 20th of the next month, not twice in one month.
 */
function periodAfter(schedule: Schedule, lastClaimed: string): string {
  switch (schedule.kind) {
    case 'weekly':
      return addDays(lastClaimed, 1);
    case 'every_n_days':
      return addDays(lastClaimed, schedule.days);
    case 'monthly':
      return firstDayOfMonth(shiftMonth(monthOf(lastClaimed), 1));
    case 'yearly':
      return dayOf(dayParts(lastClaimed).year + 1, 1, 1);
  }
}

/** The later of two ISO days. */
function later(a: string, b: string): string {
  return a > b ? a : b;
}

/**
 * Where a rule's new schedule starts when it is changed on `today`, and how many occurrences
 * the schedules before it had (for occurrences_max):
 * - the old schedule keeps its days before today, and today's if it was already claimed;
 *   its later days are not owed (they are the new schedule's now);
 * - the new schedule starts on the later of: the current schedule's start, that cut, and the
 *   period after the last claimed occurrence (periodAfter).
 * The old schedule's days before the cut count toward occurrences_max as they did before
 * (a day skipped by a pause counts, as it always has), within its end_on and its
 * occurrences_max.
 */
export function changedSchedule(
  rule: RuleDates,
  schedule: Schedule,
  options: { today: string; lastClaimed: string | null },
): { schedule_from: string; occurrences_before: number } {
  const { today, lastClaimed } = options;
  const first = scheduleStart(rule);
  const cut = lastClaimed !== null && lastClaimed >= today ? addDays(lastClaimed, 1) : today;
  let from = later(first, cut);
  if (lastClaimed !== null) from = later(from, periodAfter(schedule, lastClaimed));
  const old = sequenceOf(rule.schedule, first);
  let slots = cut > first ? old.firstIndexOnOrAfter(cut) : 0;
  if (rule.end_on !== null) slots = Math.min(slots, old.firstIndexOnOrAfter(addDays(rule.end_on, 1)));
  if (rule.occurrences_max !== null) slots = Math.min(slots, Math.max(0, rule.occurrences_max - rule.occurrences_before));
  return { schedule_from: from, occurrences_before: rule.occurrences_before + slots };
}
