import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { occurrencesBetween, type RuleDates } from './schedule.js';

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
