import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../lib/calendar.js';
import { daysInMonthMax, type EnumerationStats, occurrencesBetween, type RuleDates } from './schedule.js';

const rule = (schedule: RuleDates['schedule'], start_on: string, extra: Partial<RuleDates> = {}): RuleDates => ({
  schedule,
  start_on,
  end_on: null,
  occurrences_max: null,
  ...extra,
});

describe('recurring schedules', () => {
  it('monthly on day 31 falls on the last day of short months', () => {
    expect(occurrencesBetween(rule({ kind: 'monthly', day: 31 }, '2026-01-01'), '2026-01-01', '2026-06-30')).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
      '2026-05-31',
      '2026-06-30',
    ]);
    expect(occurrencesBetween(rule({ kind: 'monthly', day: 30 }, '2028-01-15'), '2028-01-01', '2028-03-31')).toEqual([
      '2028-01-30',
      '2028-02-29',
      '2028-03-30',
    ]);
  });

  it('yearly on 29 February falls on the 28th in common years', () => {
    expect(occurrencesBetween(rule({ kind: 'yearly', month: 2, day: 29 }, '2027-01-01'), '2027-01-01', '2030-12-31')).toEqual([
      '2027-02-28',
      '2028-02-29',
      '2029-02-28',
      '2030-02-28',
    ]);
  });

  it('weekly starts on the first matching weekday', () => {
    // 2026-11-29 is a Sunday.
    expect(occurrencesBetween(rule({ kind: 'weekly', weekday: 3 }, '2026-11-29'), '2026-11-01', '2026-12-17')).toEqual([
      '2026-12-02',
      '2026-12-09',
      '2026-12-16',
    ]);
    expect(occurrencesBetween(rule({ kind: 'weekly', weekday: 0 }, '2026-11-29'), '2026-11-29', '2026-12-06')).toEqual([
      '2026-11-29',
      '2026-12-06',
    ]);
  });

  it('every n days, bounded by end_on and occurrences_max counted from the start', () => {
    const every10 = rule({ kind: 'every_n_days', days: 10 }, '2026-01-01', { end_on: '2026-02-15' });
    expect(occurrencesBetween(every10, '2026-01-01', '2026-12-31')).toEqual([
      '2026-01-01',
      '2026-01-11',
      '2026-01-21',
      '2026-01-31',
      '2026-02-10',
    ]);
    const three = rule({ kind: 'monthly', day: 5 }, '2026-01-01', { occurrences_max: 3 });
    expect(occurrencesBetween(three, '2026-02-01', '2026-12-31')).toEqual(['2026-02-05', '2026-03-05']);
  });

  it('every occurrence lies in the window, ascending and unique (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ kind: fc.constant('monthly' as const), day: fc.integer({ min: 1, max: 31 }) }),
          fc.record({ kind: fc.constant('weekly' as const), weekday: fc.integer({ min: 0, max: 6 }) }),
          fc.record({ kind: fc.constant('every_n_days' as const), days: fc.integer({ min: 1, max: 60 }) }),
          fc.record({
            kind: fc.constant('yearly' as const),
            month: fc.integer({ min: 1, max: 12 }),
            day: fc.integer({ min: 1, max: 28 }),
          }),
        ),
        fc.integer({ min: 0, max: 2_000 }),
        fc.integer({ min: 0, max: 800 }),
        (schedule, startOffset, windowDays) => {
          const start = new Date(Date.UTC(2024, 0, 1) + startOffset * 86_400_000).toISOString().slice(0, 10);
          const until = new Date(Date.UTC(2024, 0, 1) + (startOffset + windowDays) * 86_400_000).toISOString().slice(0, 10);
          const days = occurrencesBetween(rule(schedule, start), start, until);
          for (const day of days) {
            expect(day >= start && day <= until).toBe(true);
          }
          expect([...days].sort()).toEqual(days);
          expect(new Set(days).size).toBe(days.length);
        },
      ),
    );
  });
});

/**
 * The obvious enumeration, kept as the oracle: walk every candidate day from start_on
 * and count. It is what schedule.ts did before it learnt to jump to the window.
 */
function naiveOccurrences(rule: RuleDates, from: string, until: string): string[] {
  const last = rule.end_on !== null && rule.end_on < until ? rule.end_on : until;
  const [startYear, startMonth] = rule.start_on.split('-').map(Number) as [number, number];
  const clampedDay = (year: number, month: number, day: number) => {
    const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
    return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(day, lastDay)).padStart(2, '0')}`;
  };
  const candidates: string[] = [];
  const { schedule } = rule;
  if (schedule.kind === 'monthly') {
    for (
      let index = startYear * 12 + startMonth - 1;
      candidates.at(-1) === undefined || (candidates.at(-1) as string) <= last;
      index += 1
    )
      candidates.push(clampedDay(Math.floor(index / 12), (index % 12) + 1, schedule.day));
  } else if (schedule.kind === 'yearly') {
    for (let year = startYear; candidates.at(-1) === undefined || (candidates.at(-1) as string) <= last; year += 1)
      candidates.push(clampedDay(year, schedule.month, schedule.day));
  } else {
    const step = schedule.kind === 'weekly' ? 7 : schedule.days;
    let day = rule.start_on;
    if (schedule.kind === 'weekly') day = addDays(day, (schedule.weekday - new Date(`${day}T00:00:00Z`).getUTCDay() + 7) % 7);
    for (; day <= last; day = addDays(day, step)) candidates.push(day);
    candidates.push(day);
  }
  const found: string[] = [];
  let count = 0;
  for (const day of candidates) {
    if (day < rule.start_on) continue;
    if (day > last) break;
    count += 1;
    if (rule.occurrences_max !== null && count > rule.occurrences_max) break;
    if (day >= from) found.push(day);
  }
  return found;
}

const dayAfter2000 = (offset: number) => addDays('2000-01-01', offset);

describe('schedule enumeration jumps to the window', () => {
  it('equals the naive enumeration for random schedules, start dates, limits and windows (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ kind: fc.constant('monthly' as const), day: fc.integer({ min: 1, max: 31 }) }),
          fc.record({ kind: fc.constant('weekly' as const), weekday: fc.integer({ min: 0, max: 6 }) }),
          fc.record({ kind: fc.constant('every_n_days' as const), days: fc.integer({ min: 1, max: 366 }) }),
          fc.integer({ min: 1, max: 12 }).chain((month) =>
            fc.record({
              kind: fc.constant('yearly' as const),
              month: fc.constant(month),
              day: fc.integer({ min: 1, max: daysInMonthMax(month) }),
            }),
          ),
        ),
        fc.integer({ min: 0, max: 36_500 }),
        fc.integer({ min: -400, max: 36_500 }),
        fc.integer({ min: 0, max: 800 }),
        fc.option(fc.integer({ min: 0, max: 3_000 }), { nil: null }),
        fc.option(fc.integer({ min: 1, max: 1_200 }), { nil: null }),
        (schedule, startOffset, fromOffset, windowDays, endAfterStart, occurrencesMax) => {
          const start_on = dayAfter2000(startOffset);
          const from = dayAfter2000(startOffset + fromOffset);
          const until = addDays(from, windowDays);
          const dates = rule(schedule, start_on, {
            end_on: endAfterStart === null ? null : addDays(start_on, endAfterStart),
            occurrences_max: occurrencesMax,
          });
          expect(occurrencesBetween(dates, from, until)).toEqual(naiveOccurrences(dates, from, until));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a daily rule started in 2000 finds a window in 2026 in as many steps as the window has days', () => {
    const stats: EnumerationStats = { steps: 0 };
    const daily = rule({ kind: 'every_n_days', days: 1 }, '2000-01-01');
    const days = occurrencesBetween(daily, '2026-11-30', '2026-12-06', stats);
    expect(days).toEqual(['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06']);
    // Seven occurrences and the one step that finds the window's end; the naive walk took ~9,800.
    expect(stats.steps).toBeLessThanOrEqual(days.length + 1);
    const monthly = rule({ kind: 'monthly', day: 31 }, '2000-01-01', { occurrences_max: 1_200 });
    const monthlyStats: EnumerationStats = { steps: 0 };
    expect(occurrencesBetween(monthly, '2099-11-01', '2099-12-31', monthlyStats)).toEqual(['2099-11-30', '2099-12-31']);
    expect(monthlyStats.steps).toBeLessThanOrEqual(3);
  });

  it('counts occurrences_max from the start even when the window begins long after it', () => {
    const limited = rule({ kind: 'every_n_days', days: 1 }, '2000-01-01', { occurrences_max: 10 });
    expect(occurrencesBetween(limited, '2026-01-01', '2026-12-31')).toEqual([]);
    expect(occurrencesBetween(limited, '2000-01-09', '2000-12-31')).toEqual(['2000-01-09', '2000-01-10']);
  });
});
