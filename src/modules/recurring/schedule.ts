/**
 * When a recurring rule falls due: pure calendar arithmetic on YYYY-MM-DD days, in the
 * person's calendar (the days are already São Paulo days). No I/O.
 *
 * Every schedule is a sequence of occurrences numbered 0, 1, 2… from start_on. The first
 * occurrence on or after any day is found arithmetically, so asking for a window costs
 * the occurrences in the window, however long ago the rule started.
 */
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
}

/** A bound on how many days one enumeration may step through, whatever the rule. */
export const OCCURRENCES_ENUMERATED_MAX = 40_000;
const DAY_MS = 86_400_000;
const DAYS_PER_WEEK = 7;
const MONTHS_PER_YEAR = 12;

function toUtc(day: string): number {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return Date.UTC(year, month - 1, date);
}

function fromUtc(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return fromUtc(toUtc(day) + days * DAY_MS);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((toUtc(to) - toUtc(from)) / DAY_MS);
}

function lastDayOfMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function dayOf(year: number, month: number, date: number): string {
  // Day 31 in a 30-day month, and 29–31 in February, fall on the month's last day.
  const clamped = Math.min(date, lastDayOfMonth(year, month));
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(clamped).padStart(2, '0')}`;
}

/** The largest day a month can have (February: 29), for validating yearly rules. */
export function daysInMonthMax(month: number): number {
  return lastDayOfMonth(2000, month);
}

/** Adds whole calendar years, 29 February becoming the 28th in common years. */
export function addYears(day: string, years: number): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return dayOf(year + years, month, date);
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
  const [startYear] = startOn.split('-').map(Number) as [number];
  switch (schedule.kind) {
    case 'every_n_days':
      return evenlySpaced(startOn, schedule.days);
    case 'weekly': {
      const offset = (schedule.weekday - new Date(toUtc(startOn)).getUTCDay() + DAYS_PER_WEEK) % DAYS_PER_WEEK;
      return evenlySpaced(addDays(startOn, offset), DAYS_PER_WEEK);
    }
    case 'monthly':
      return onePerPeriod(
        startOn,
        (day) => {
          const [year, month] = day.split('-').map(Number) as [number, number];
          return year * MONTHS_PER_YEAR + month - 1;
        },
        (period) => dayOf(Math.floor(period / MONTHS_PER_YEAR), (period % MONTHS_PER_YEAR) + 1, schedule.day),
      );
    case 'yearly':
      return onePerPeriod(
        startOn,
        (day) => Number(day.slice(0, 4)) - startYear,
        (period) => dayOf(startYear + period, schedule.month, schedule.day),
      );
  }
}

/** Counts the steps an enumeration takes, so tests can check it jumps instead of walking. */
export interface EnumerationStats {
  steps: number;
}

/**
 * The rule's occurrences within [from, until], ascending, lazily. occurrences_max counts
 * from start_on, so it holds across the rule's whole life; the work is proportional to
 * the occurrences taken, not to the time since start_on.
 */
export function* occurrencesFrom(rule: RuleDates, from: string, until: string, stats?: EnumerationStats): Generator<string> {
  const last = rule.end_on !== null && rule.end_on < until ? rule.end_on : until;
  const sequence = sequenceOf(rule.schedule, rule.start_on);
  const indexMax = rule.occurrences_max === null ? Number.POSITIVE_INFINITY : rule.occurrences_max - 1;
  let steps = 0;
  for (let index = sequence.firstIndexOnOrAfter(from > rule.start_on ? from : rule.start_on); index <= indexMax; index += 1) {
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
