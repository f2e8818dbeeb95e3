/**
 * When a recurring rule falls due: pure calendar arithmetic on YYYY-MM-DD days, in the
 * person's calendar (the days are already São Paulo days). No I/O.
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

/** A bound on how many days one enumeration may produce, whatever the rule. */
export const OCCURRENCES_ENUMERATED_MAX = 40_000;
const DAY_MS = 86_400_000;

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

/** Every day the schedule produces on or after start_on, ascending, without end. */
function* candidates(schedule: Schedule, startOn: string): Generator<string> {
  const [startYear, startMonth] = startOn.split('-').map(Number) as [number, number];
  switch (schedule.kind) {
    case 'monthly':
      for (let index = startYear * 12 + startMonth - 1; ; index += 1) {
        const day = dayOf(Math.floor(index / 12), (index % 12) + 1, schedule.day);
        if (day >= startOn) yield day;
      }
    case 'yearly':
      for (let year = startYear; ; year += 1) {
        const day = dayOf(year, schedule.month, schedule.day);
        if (day >= startOn) yield day;
      }
    case 'weekly': {
      const offset = (schedule.weekday - new Date(toUtc(startOn)).getUTCDay() + 7) % 7;
      for (let day = addDays(startOn, offset); ; day = addDays(day, 7)) yield day;
    }
    case 'every_n_days':
      for (let day = startOn; ; day = addDays(day, schedule.days)) yield day;
  }
}

/**
 * The rule's occurrences within [from, until], counted from start_on so that
 * occurrences_max holds across the rule's whole life.
 */
export function occurrencesBetween(rule: RuleDates, from: string, until: string): string[] {
  const last = rule.end_on !== null && rule.end_on < until ? rule.end_on : until;
  const found: string[] = [];
  let count = 0;
  for (const day of candidates(rule.schedule, rule.start_on)) {
    if (day > last) break;
    count += 1;
    if (rule.occurrences_max !== null && count > rule.occurrences_max) break;
    if (count > OCCURRENCES_ENUMERATED_MAX) throw new RangeError('recurring rule enumerates too many occurrences');
    if (day >= from) found.push(day);
  }
  return found;
}
