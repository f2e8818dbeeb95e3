/**
 * Calendar dates. The API speaks ISO (YYYY-MM-DD); people read and type dd/mm/aaaa.
 * "Today" is today in Brazil, whatever zone the browser is in, like the server.
 */

import { OCCURRED_ON_MAX, OCCURRED_ON_MIN } from '../../../src/policies/ledger_v1';
import { calendarDay, dayOf, isValidDay, TIME_ZONE } from './calendar';

export const DISPLAY_TIME_ZONE = TIME_ZONE;
const DATE_DIGITS_MAX = 8;

export type DateParseFailure = 'empty' | 'malformed' | 'invalid' | 'out_of_range';
export type DateParseResult = { ok: true; iso: string } | { ok: false; reason: DateParseFailure };

const DISPLAY_SHAPE = /^(\d{2})\/(\d{2})\/(\d{4})$/;
const ISO_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Today's date in São Paulo as YYYY-MM-DD, whatever zone the browser is in. */
export function todayIso(now: Date = new Date()): string {
  return calendarDay(now);
}

/** "2026-11-29" → "29/11/2026"; anything else is returned unchanged. */
export function isoToDisplay(iso: string): string {
  const match = ISO_SHAPE.exec(iso);
  if (!match) return iso;
  const [, year, month, day] = match;
  return `${day}/${month}/${year}`;
}

/** "29/11/2026" → "2026-11-29", refusing impossible days and days outside the range. */
export function displayToIso(text: string): DateParseResult {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { ok: false, reason: 'empty' };
  const match = DISPLAY_SHAPE.exec(trimmed);
  if (!match) return { ok: false, reason: 'malformed' };
  const day = Number(match[1]);
  const month = Number(match[2]);
  const year = Number(match[3]);
  if (!isValidDay(year, month, day)) return { ok: false, reason: 'invalid' };
  const iso = dayOf(year, month, day);
  if (iso < OCCURRED_ON_MIN || iso > OCCURRED_ON_MAX) return { ok: false, reason: 'out_of_range' };
  return { ok: true, iso };
}

/**
 * Formats what is being typed into dd/mm/aaaa: only digits count, and the slashes are
 * added once a digit follows them, so backspace over a slash works as expected.
 */
export function maskDateText(input: string): string {
  const digits = input.replace(/\D/g, '').slice(0, DATE_DIGITS_MAX);
  if (digits.length <= 2) return digits;
  if (digits.length <= 4) return `${digits.slice(0, 2)}/${digits.slice(2)}`;
  return `${digits.slice(0, 2)}/${digits.slice(2, 4)}/${digits.slice(4)}`;
}

/** An instant (ISO timestamp) as "dd/mm/aaaa hh:mm" in Brazil's time zone. */
export function formatTimestamp(timestamp: string, timeZone: string = DISPLAY_TIME_ZONE): string {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return timestamp;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((item) => item.type === type)?.value ?? '';
  return `${part('day')}/${part('month')}/${part('year')} ${part('hour')}:${part('minute')}`;
}
