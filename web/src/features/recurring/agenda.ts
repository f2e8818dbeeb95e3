/**
 * The upcoming-bills calendar as people read it: grouped by month, then by day, with what
 * goes out and comes in each month. Pure, so it is tested without a browser.
 */
import { addYears, daysInMonth, monthOf } from '../../lib/calendar';
import type { RecurringType, UpcomingItem } from './api';

export interface AgendaDay {
  /** YYYY-MM-DD */
  date: string;
  items: UpcomingItem[];
}

export interface AgendaMonth {
  /** YYYY-MM */
  month: string;
  days: AgendaDay[];
  /** Expenses due this month (transfers between own accounts are neither in nor out). */
  outCents: number;
  incomeCents: number;
}

/** Groups occurrences by month and day, in date order (then by description, for a stable list). */
export function groupAgenda(items: readonly UpcomingItem[]): AgendaMonth[] {
  const sorted = [...items].sort((a, b) => a.occurs_on.localeCompare(b.occurs_on) || a.description.localeCompare(b.description));
  const months: AgendaMonth[] = [];
  for (const item of sorted) {
    const monthKey = monthOf(item.occurs_on);
    let month = months[months.length - 1];
    if (!month || month.month !== monthKey) {
      month = { month: monthKey, days: [], outCents: 0, incomeCents: 0 };
      months.push(month);
    }
    let day = month.days[month.days.length - 1];
    if (!day || day.date !== item.occurs_on) {
      day = { date: item.occurs_on, items: [] };
      month.days.push(day);
    }
    day.items.push(item);
    if (item.type === 'expense') month.outCents += item.amount_cents;
    if (item.type === 'income') month.incomeCents += item.amount_cents;
  }
  return months;
}

/** The effect on the person's money: out is negative, in is positive, a transfer moves it (shown unsigned). */
export function signedCents(type: RecurringType, amountCents: number): number {
  return type === 'expense' ? -amountCents : amountCents;
}

function utcDate(iso: string): Date {
  const [year, month, day] = iso.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day, 12));
}

/** "2026-12-05" → "sábado" (pt-BR) / "Saturday" (en). */
export function weekdayOf(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language, { weekday: 'long', timeZone: 'UTC' }).format(utcDate(iso));
}

/** The name of a weekday as the API numbers them (0 = Sunday). */
export function weekdayName(weekday: number, language: string): string {
  // 4 January 2026 was a Sunday.
  return weekdayOf(`2026-01-${String(4 + weekday).padStart(2, '0')}`, language);
}

/** The name of a month (1–12): "março" / "March". */
export function monthName(month: number, language: string): string {
  return new Intl.DateTimeFormat(language, { month: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(2026, month - 1, 15, 12)),
  );
}

/** A day of the year without the year: "10 de março" / "March 10". */
export function dayOfYearLabel(month: number, day: number, language: string): string {
  // 2028 is a leap year, so 29 February can be named.
  return new Intl.DateTimeFormat(language, { day: 'numeric', month: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(2028, month - 1, day, 12)),
  );
}

/** The most days a month can have (February: 29), for a yearly rule. */
export function daysInMonthMax(month: number): number {
  // 2028 is a leap year, so February has its 29th.
  return daysInMonth(2028, month);
}

/** A monthly day past 28 does not exist in every month: such months use their last day. */
export const MONTH_DAYS_SAFE = 28;

// The server's bounds on a new rule's start (src/modules/recurring/recurring.schemas.ts).
export const START_ON_YEARS_BACK_MAX = 1;
export const START_ON_YEARS_AHEAD_MAX = 5;

/** Adds whole years to a YYYY-MM-DD day; 29 February becomes the 28th in common years. */
export function addYearsIso(iso: string, years: number): string {
  return addYears(iso, years);
}

/** The days a new rule may start on, as the server allows: one year back to five ahead of today. */
export function startOnRange(todayIso: string): { earliest: string; latest: string } {
  return { earliest: addYearsIso(todayIso, -START_ON_YEARS_BACK_MAX), latest: addYearsIso(todayIso, START_ON_YEARS_AHEAD_MAX) };
}

/** Why a start day is refused (the same codes as the server's), or null when it is allowed. */
export function startOnProblem(iso: string, todayIso: string): 'too_far_in_past' | 'too_far_in_future' | null {
  const { earliest, latest } = startOnRange(todayIso);
  if (iso < earliest) return 'too_far_in_past';
  return iso > latest ? 'too_far_in_future' : null;
}
