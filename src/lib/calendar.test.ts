import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  addYears,
  calendarDay,
  calendarMonth,
  calendarMonthsBetween,
  clampedDayOf,
  dayOf,
  dayParts,
  daysBetween,
  daysInMonth,
  firstDayOfMonth,
  isIsoDay,
  isIsoMonth,
  lastDayOfMonth,
  monthOf,
  nextMonth,
  previousMonth,
  shiftMonth,
  TIME_ZONE,
  weekdayOf,
} from './calendar.js';

// The oracles below are built independently of date-fns: integer month indexes, the
// Gregorian leap rule and Intl's own time-zone data.
const DAY_MS = 86_400_000;

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function monthLength(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function iso(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const intlDay = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

const anyDay = fc
  .record({
    year: fc.integer({ min: 1900, max: 2999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
  })
  .map(({ year, month, day }) => ({ year, month, day: Math.min(day, monthLength(year, month)) }));

describe('calendarDay: today in São Paulo', () => {
  it.each([
    // 31 December 23:59 in São Paulo is already 1 January in UTC.
    ['2026-12-31T23:59:00-03:00', '2026-12-31'],
    ['2027-01-01T02:59:59Z', '2026-12-31'],
    ['2027-01-01T03:00:00Z', '2027-01-01'],
    // 29 February, at both ends of the São Paulo day.
    ['2028-02-29T03:00:00Z', '2028-02-29'],
    ['2028-03-01T02:59:59Z', '2028-02-29'],
    // Summer time (UTC-2) until February 2019: 02:30 UTC was 00:30 the same day.
    ['2018-01-15T02:30:00Z', '2018-01-15'],
    // The same instant of the year after the zone dropped summer time is still the day before.
    ['2020-01-15T02:30:00Z', '2020-01-14'],
    // 02:30 UTC is still the previous evening in São Paulo (UTC-3), 03:00 UTC its midnight.
    ['2026-03-10T02:30:00Z', '2026-03-09'],
    ['2026-03-10T03:00:00Z', '2026-03-10'],
    // 4 November 2018: midnight did not exist (clocks went from 00:00 to 01:00).
    ['2018-11-04T02:59:59Z', '2018-11-03'],
    ['2018-11-04T03:00:00Z', '2018-11-04'],
    // 17 February 2019: the last summer time ended at midnight, so 23:00–23:59 of the 16th happened twice.
    ['2019-02-17T01:30:00Z', '2019-02-16'],
    ['2019-02-17T02:30:00Z', '2019-02-16'],
    ['2019-02-17T03:00:00Z', '2019-02-17'],
  ])('%s is %s', (instant, day) => {
    expect(calendarDay(new Date(instant))).toBe(day);
  });

  it('agrees with Intl for any instant from 1970 to 2100, summer time or not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }), (time) => {
        const at = new Date(time);
        expect(calendarDay(at)).toBe(intlDay.format(at));
        expect(calendarMonth(at)).toBe(intlDay.format(at).slice(0, 7));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('addMonths', () => {
  it.each([
    ['2026-01-31', 1, '2026-02-28'],
    ['2028-01-31', 1, '2028-02-29'],
    ['2028-02-29', 12, '2029-02-28'],
    ['2028-02-29', 48, '2032-02-29'],
    ['2026-03-31', -1, '2026-02-28'],
    ['2026-12-31', 1, '2027-01-31'],
    ['2026-12-15', 2, '2027-02-15'],
    ['2026-01-15', -13, '2024-12-15'],
    ['2026-05-31', 1, '2026-06-30'],
    ['2026-05-10', 0, '2026-05-10'],
  ])('%s + %i months = %s', (day, months, expected) => {
    expect(addMonths(day, months)).toBe(expected);
  });

  it('lands in the shifted month on the same day, or its last day when shorter', () => {
    fc.assert(
      fc.property(anyDay, fc.integer({ min: -1200, max: 1200 }), ({ year, month, day }, months) => {
        const index = year * 12 + (month - 1) + months;
        const targetYear = Math.floor(index / 12);
        const targetMonth = (index % 12) + 1;
        const expected = iso(targetYear, targetMonth, Math.min(day, monthLength(targetYear, targetMonth)));
        expect(addMonths(iso(year, month, day), months)).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('addYears and addDays', () => {
  it.each([
    ['2028-02-29', 1, '2029-02-28'],
    ['2028-02-29', 4, '2032-02-29'],
    ['2028-02-29', -1, '2027-02-28'],
    ['2026-12-31', 5, '2031-12-31'],
  ])('%s + %i years = %s', (day, years, expected) => {
    expect(addYears(day, years)).toBe(expected);
  });

  it.each([
    ['2026-12-31', 1, '2027-01-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2026-02-28', 1, '2026-03-01'],
    ['2027-01-01', -1, '2026-12-31'],
    // Across the days São Paulo's clocks jumped: a calendar day is still one day.
    ['2018-11-03', 1, '2018-11-04'],
    ['2018-11-04', 1, '2018-11-05'],
    ['2019-02-16', 1, '2019-02-17'],
  ])('%s + %i days = %s', (day, days, expected) => {
    expect(addDays(day, days)).toBe(expected);
  });

  it('adds days as UTC milliseconds would, and daysBetween is its inverse', () => {
    fc.assert(
      fc.property(anyDay, fc.integer({ min: -40_000, max: 40_000 }), ({ year, month, day }, days) => {
        const from = iso(year, month, day);
        const expected = new Date(Date.UTC(year, month - 1, day) + days * DAY_MS).toISOString().slice(0, 10);
        const to = addDays(from, days);
        expect(to).toBe(expected);
        expect(daysBetween(from, to)).toBe(days);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('days between and months between', () => {
  it.each([
    ['2026-01-01', '2026-12-31', 364],
    ['2028-01-01', '2028-12-31', 365],
    ['2026-12-31', '2027-01-01', 1],
    ['2027-01-01', '2026-12-31', -1],
    ['2018-10-01', '2018-12-01', 61],
    ['2019-02-01', '2019-03-01', 28],
  ])('%s → %s is %i days', (from, to, days) => {
    expect(daysBetween(from, to)).toBe(days);
  });

  it.each([
    ['2026-01-31', '2026-02-01', 1],
    ['2026-01-01', '2026-01-31', 0],
    ['2026-12-31', '2027-01-01', 1],
    ['2027-03-15', '2026-03-15', -12],
  ])('%s → %s spans %i calendar months', (from, to, months) => {
    expect(calendarMonthsBetween(from, to)).toBe(months);
  });
});

describe('months', () => {
  it.each([
    ['2026-02', '2026-02-01', '2026-02-28'],
    ['2028-02', '2028-02-01', '2028-02-29'],
    ['2100-02', '2100-02-01', '2100-02-28'],
    ['2000-02', '2000-02-01', '2000-02-29'],
    ['2026-12', '2026-12-01', '2026-12-31'],
    ['2026-04', '2026-04-01', '2026-04-30'],
  ])('%s runs from %s to %s', (month, first, last) => {
    expect(firstDayOfMonth(month)).toBe(first);
    expect(lastDayOfMonth(month)).toBe(last);
  });

  it.each([
    ['2026-11', 1, '2026-12'],
    ['2026-12', 1, '2027-01'],
    ['2026-01', -1, '2025-12'],
    ['2026-03', -14, '2025-01'],
    ['2026-05', 0, '2026-05'],
  ])('%s shifted by %i is %s', (month, delta, expected) => {
    expect(shiftMonth(month, delta)).toBe(expected);
  });

  it('shifts by whole months as an integer month index does, and clamps days to the month (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: -1200, max: 1200 }),
        fc.integer({ min: 1, max: 31 }),
        (year, month, delta, day) => {
          const index = year * 12 + (month - 1) + delta;
          const target = iso(Math.floor(index / 12), (index % 12) + 1, 1).slice(0, 7);
          const shifted = shiftMonth(iso(year, month, 1).slice(0, 7), delta);
          expect(shifted).toBe(target);
          const length = monthLength(Math.floor(index / 12), (index % 12) + 1);
          expect(clampedDayOf(shifted, day)).toBe(`${target}-${String(Math.min(day, length)).padStart(2, '0')}`);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('steps to the next and previous month across a year', () => {
    expect(nextMonth('2026-12')).toBe('2027-01');
    expect(previousMonth('2027-01')).toBe('2026-12');
    expect(monthOf('2026-12-31')).toBe('2026-12');
  });

  it('clamps a day of the month to the month length', () => {
    expect(clampedDayOf('2026-02', 31)).toBe('2026-02-28');
    expect(clampedDayOf('2028-02', 30)).toBe('2028-02-29');
    expect(clampedDayOf('2026-04', 31)).toBe('2026-04-30');
    expect(clampedDayOf('2026-05', 31)).toBe('2026-05-31');
    expect(() => clampedDayOf('2026-05', 0)).toThrow(RangeError);
    expect(() => clampedDayOf('2026-05', 1.5)).toThrow(RangeError);
    expect(() => clampedDayOf('2026-13', 1)).toThrow(RangeError);
  });

  it('knows every month length, leap years included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2999 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        expect(daysInMonth(year, month)).toBe(monthLength(year, month));
        const key = `${year}-${String(month).padStart(2, '0')}`;
        expect(lastDayOfMonth(key)).toBe(iso(year, month, monthLength(year, month)));
        expect(previousMonth(nextMonth(key))).toBe(key);
      }),
    );
  });
});

describe('parsing and weekdays', () => {
  it('refuses days that do not exist', () => {
    expect(isIsoDay('2026-02-29')).toBe(false);
    expect(isIsoDay('2028-02-29')).toBe(true);
    expect(isIsoDay('2026-04-31')).toBe(false);
    expect(isIsoDay('2026-13-01')).toBe(false);
    expect(isIsoDay('2026-1-01')).toBe(false);
    expect(() => dayParts('2026-02-30')).toThrow(RangeError);
    expect(() => dayOf(2026, 2, 29)).toThrow(RangeError);
    expect(dayOf(2028, 2, 29)).toBe('2028-02-29');
    expect(isIsoMonth('2026-00')).toBe(false);
    expect(isIsoMonth('2026-12')).toBe(true);
  });

  it('numbers weekdays from Sunday, as UTC does', () => {
    expect(weekdayOf('2026-01-04')).toBe(0);
    expect(weekdayOf('2028-02-29')).toBe(2);
    fc.assert(
      fc.property(anyDay, ({ year, month, day }) => {
        expect(weekdayOf(iso(year, month, day))).toBe(new Date(Date.UTC(year, month - 1, day)).getUTCDay());
      }),
    );
  });
});
