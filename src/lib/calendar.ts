/**
 * Calendar arithmetic on the days and months the API speaks: days are YYYY-MM-DD, months
 * are YYYY-MM, both in the person's calendar (São Paulo). The server and the web app
 * import this one module, so "today", "next month" and "31 January plus one month" mean
 * the same thing on both sides. Pure TypeScript on date-fns: no Node or DOM imports.
 */
import {
  addDays as addDaysToDate,
  addMonths as addMonthsToDate,
  addYears as addYearsToDate,
  differenceInCalendarDays,
  differenceInCalendarMonths,
  getDaysInMonth,
} from 'date-fns';

/** The zone whose calendar decides "today" for a person in Brazil. */
export const TIME_ZONE = 'America/Sao_Paulo';
/** An ISO calendar day, YYYY-MM-DD. */
export type IsoDay = string;
/** An ISO calendar month, YYYY-MM. */
export type IsoMonth = string;

const DAY_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_SHAPE = /^(\d{4})-(\d{2})$/;
const MONTH_LENGTH = 'yyyy-MM'.length;
const MONTHS_PER_YEAR = 12;
const SHORTEST_MONTH_DAYS = 28;
// Calendar days are held as local dates at noon: no zone's daylight-saving jump reaches
// noon, so the day never shifts whatever zone the process or the browser runs in. (A day
// a zone skipped outright, like Samoa's 30 December 2011, has no local noon; no zone a
// person in Brazil uses ever did that.) Local dates keep date-fns on its fast path: the
// same sums on TZDate objects cost about thirty times as much, and recurring schedules
// enumerate thousands of days.
const NOON_HOURS = 12;
// Which day an instant falls on in São Paulo is a question for the zone database, which
// Intl carries (as every zone library does); one cached formatter answers it several
// times faster than date-fns's format in a zone, and every write asks it.
const SAO_PAULO_PARTS = new Intl.DateTimeFormat('en-US', {
  timeZone: TIME_ZONE,
  calendar: 'gregory',
  numberingSystem: 'latn',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** A calendar day split into numbers: month 1–12, day 1–31. */
export interface DayParts {
  year: number;
  month: number;
  day: number;
}

function pad(value: number, length: number): string {
  return String(value).padStart(length, '0');
}

/** The number of days in a month (month 1–12): February has 29 in leap years. */
export function daysInMonth(year: number, month: number): number {
  return getDaysInMonth(localNoon(year, month, 1));
}

/** Whether year, month and day name a day that exists (31 April and 29 February 2026 do not). */
export function isValidDay(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > MONTHS_PER_YEAR || day < 1) return false;
  // Every month has a 28th, so most days are valid without building a date to count the month.
  return day <= SHORTEST_MONTH_DAYS || day <= daysInMonth(year, month);
}

function localNoon(year: number, month: number, day: number): Date {
  // setFullYear, unlike the Date constructor, leaves years 0–99 alone.
  const date = new Date(2000, 0, 1, NOON_HOURS);
  date.setFullYear(year, month - 1, day);
  return date;
}

/** "2026-02-28" → { year: 2026, month: 2, day: 28 }; throws on text that is not a real day. */
export function dayParts(day: IsoDay): DayParts {
  const match = DAY_SHAPE.exec(day);
  const parts = { year: Number(match?.[1]), month: Number(match?.[2]), day: Number(match?.[3]) };
  if (!match || !isValidDay(parts.year, parts.month, parts.day)) throw new RangeError(`not a calendar day: ${day}`);
  return parts;
}

/** Builds YYYY-MM-DD from numbers; throws when the day does not exist. */
export function dayOf(year: number, month: number, day: number): IsoDay {
  if (!isValidDay(year, month, day)) throw new RangeError(`not a calendar day: ${year}-${month}-${day}`);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Whether the text is a YYYY-MM-DD day that exists. */
export function isIsoDay(text: string): boolean {
  const match = DAY_SHAPE.exec(text);
  return match !== null && isValidDay(Number(match[1]), Number(match[2]), Number(match[3]));
}

function toDate(day: IsoDay): Date {
  const parts = dayParts(day);
  return localNoon(parts.year, parts.month, parts.day);
}

// The local fields of a noon date are its calendar day. They are written out by hand
// because date-fns's format re-reads its pattern on every call, which cost the recurring
// schedules several times as much as the arithmetic itself.
function monthFromDate(date: Date): IsoMonth {
  return `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1, 2)}`;
}

function fromDate(date: Date): IsoDay {
  return `${monthFromDate(date)}-${pad(date.getDate(), 2)}`;
}

/** The calendar day (YYYY-MM-DD) an instant falls on in São Paulo, under the zone's rules of that time. */
export function calendarDay(at: Date): IsoDay {
  let year = '';
  let month = '';
  let day = '';
  for (const part of SAO_PAULO_PARTS.formatToParts(at)) {
    if (part.type === 'year') year = part.value;
    else if (part.type === 'month') month = part.value;
    else if (part.type === 'day') day = part.value;
  }
  return `${year.padStart(4, '0')}-${month}-${day}`;
}

/** The month (YYYY-MM) an instant falls in, in São Paulo. */
export function calendarMonth(at: Date): IsoMonth {
  return calendarDay(at).slice(0, MONTH_LENGTH);
}

/** Adds whole days (negative to go back). */
export function addDays(day: IsoDay, days: number): IsoDay {
  return fromDate(addDaysToDate(toDate(day), days));
}

/** Adds whole months, clamping to the target month's last day: 31 January + 1 month = 28 or 29 February. */
export function addMonths(day: IsoDay, months: number): IsoDay {
  return fromDate(addMonthsToDate(toDate(day), months));
}

/** Adds whole years; 29 February becomes the 28th in a common year. */
export function addYears(day: IsoDay, years: number): IsoDay {
  return fromDate(addYearsToDate(toDate(day), years));
}

/** Whole days from `from` to `to`, negative when `to` is earlier. */
export function daysBetween(from: IsoDay, to: IsoDay): number {
  return differenceInCalendarDays(toDate(to), toDate(from));
}

/** Calendar months from `from`'s month to `to`'s month, ignoring the days ("2026-01-31" → "2026-02-01" is 1). */
export function calendarMonthsBetween(from: IsoDay, to: IsoDay): number {
  return differenceInCalendarMonths(toDate(to), toDate(from));
}

/** Sunday = 0 … Saturday = 6, as the API numbers weekdays. */
export function weekdayOf(day: IsoDay): number {
  return toDate(day).getDay();
}

/** The month a day is in: "2026-02-28" → "2026-02". */
export function monthOf(day: IsoDay): IsoMonth {
  dayParts(day);
  return day.slice(0, MONTH_LENGTH);
}

/** "2026-02" → { year: 2026, month: 2 }; throws on text that is not a month. */
export function monthParts(month: IsoMonth): { year: number; month: number } {
  const match = MONTH_SHAPE.exec(month);
  const parts = { year: Number(match?.[1]), month: Number(match?.[2]) };
  if (!match || parts.month < 1 || parts.month > MONTHS_PER_YEAR) throw new RangeError(`not a calendar month: ${month}`);
  return parts;
}

/** Whether the text is a YYYY-MM month (01–12). */
export function isIsoMonth(text: string): boolean {
  const match = MONTH_SHAPE.exec(text);
  const month = Number(match?.[2]);
  return match !== null && month >= 1 && month <= MONTHS_PER_YEAR;
}

/** The first day of a month: "2026-02" → "2026-02-01". */
export function firstDayOfMonth(month: IsoMonth): IsoDay {
  const parts = monthParts(month);
  return dayOf(parts.year, parts.month, 1);
}

/** The last day of a month: "2028-02" → "2028-02-29". */
export function lastDayOfMonth(month: IsoMonth): IsoDay {
  const parts = monthParts(month);
  return dayOf(parts.year, parts.month, daysInMonth(parts.year, parts.month));
}

/** The month `delta` months after (or, when negative, before) `month`. */
export function shiftMonth(month: IsoMonth, delta: number): IsoMonth {
  const parts = monthParts(month);
  return monthFromDate(addMonthsToDate(localNoon(parts.year, parts.month, 1), delta));
}

/** The month after `month`. */
export function nextMonth(month: IsoMonth): IsoMonth {
  return shiftMonth(month, 1);
}

/** The month before `month`. */
export function previousMonth(month: IsoMonth): IsoMonth {
  return shiftMonth(month, -1);
}

/** The day in `month` numbered `day`, or the month's last day when it is shorter (day 31 in April → 30). */
export function clampedDayOf(month: IsoMonth, day: number): IsoDay {
  const parts = monthParts(month);
  if (!Number.isInteger(day) || day < 1) throw new RangeError(`not a day of a month: ${day}`);
  // Recurring schedules call this once per occurrence; a day every month has needs no month length.
  const clamped = day <= SHORTEST_MONTH_DAYS ? day : Math.min(day, daysInMonth(parts.year, parts.month));
  return `${month}-${pad(clamped, 2)}`;
}
