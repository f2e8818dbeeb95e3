/**
 * Calendar months as the API speaks them (YYYY-MM) and as people read them
 * ("novembro de 2026"). "This month" is this month in Brazil, like "today" in dates.ts.
 */
import { OCCURRED_ON_MAX, OCCURRED_ON_MIN } from '../../../src/policies/ledger_v1';
import { calendarMonth, isIsoMonth, monthParts } from './calendar';

export { shiftMonth } from './calendar';

/**
 * The months a budget may be set for: the months of the days a transaction may fall on.
 * The server's Month pattern admits exactly these; months.test.ts holds the two together.
 */
export const MONTH_MIN = OCCURRED_ON_MIN.slice(0, 'YYYY-MM'.length);
export const MONTH_MAX = OCCURRED_ON_MAX.slice(0, 'YYYY-MM'.length);

export function isMonth(value: string | null | undefined): value is string {
  return typeof value === 'string' && isIsoMonth(value) && value >= MONTH_MIN && value <= MONTH_MAX;
}

/** The month of today in Brazil, as YYYY-MM. */
export function currentMonth(now: Date = new Date()): string {
  return calendarMonth(now);
}

/** "2026-11" → "novembro de 2026" (pt-BR) or "November 2026" (en). */
export function monthLabel(month: string, language: string): string {
  const { year, month: monthNumber } = monthParts(month);
  // Noon UTC on the 15th is the same month in every time zone.
  const date = new Date(Date.UTC(year, monthNumber - 1, 15, 12));
  return new Intl.DateTimeFormat(language, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(date);
}

/** The first letter in upper case, for a label that starts a heading ("Novembro de 2026"). */
export function capitalize(text: string): string {
  return text.length === 0 ? text : text.charAt(0).toLocaleUpperCase() + text.slice(1);
}
