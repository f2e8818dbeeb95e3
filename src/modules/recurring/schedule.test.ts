import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../lib/calendar.js';
import {
  changedSchedule,
  daysInMonthMax,
  type EnumerationStats,
  occurrencesBetween,
  type RuleDates,
  type Schedule,
  sameSchedule,
} from './schedule.js';

const rule = (schedule: RuleDates['schedule'], start_on: string, extra: Partial<RuleDates> = {}): RuleDates => ({
  schedule,
  start_on,
  end_on: null,
  occurrences_max: null,
  schedule_from: null,
  occurrences_before: 0,
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

/** The rule once its schedule is changed on `today`, every occurrence before it having been posted. */
function rescheduled(dates: RuleDates, schedule: Schedule, today: string, lastClaimed: string | null): RuleDates {
  return { ...dates, schedule, ...changedSchedule(dates, schedule, { today, lastClaimed }) };
}

const FAR = '2040-12-31';

describe("changing a rule's schedule", () => {
  it('a monthly bill moved from the 5th to the 20th after the 5th was posted is next due the next month, and 12 stay 12', () => {
    const plan = rule({ kind: 'monthly', day: 5 }, '2027-01-05', { occurrences_max: 12 });
    const posted = occurrencesBetween(plan, '2027-01-01', '2027-03-09');
    expect(posted).toEqual(['2027-01-05', '2027-02-05', '2027-03-05']);
    const moved = rescheduled(plan, { kind: 'monthly', day: 20 }, '2027-03-10', '2027-03-05');
    expect(moved.occurrences_before).toBe(3);
    const after = occurrencesBetween(moved, '2027-03-10', FAR);
    expect(after[0]).toBe('2027-04-20');
    expect(after.at(-1)).toBe('2027-12-20');
    expect(posted.length + after.length).toBe(12);
  });

  it('a bill moved to an earlier day after its day this month has passed unposted is next due on the new day', () => {
    const plan = rule({ kind: 'monthly', day: 20 }, '2027-01-20');
    const moved = rescheduled(plan, { kind: 'monthly', day: 5 }, '2027-03-10', '2027-02-20');
    expect(occurrencesBetween(moved, '2027-03-10', '2027-05-31')).toEqual(['2027-04-05', '2027-05-05']);
    expect(moved.occurrences_before).toBe(2);
  });

  it('a finished weekly plan of 10 changed to monthly stays finished', () => {
    const plan = rule({ kind: 'weekly', weekday: 1 }, '2027-01-04', { occurrences_max: 10 });
    const posted = occurrencesBetween(plan, '2027-01-01', '2027-06-01');
    expect(posted).toHaveLength(10);
    const moved = rescheduled(plan, { kind: 'monthly', day: 15 }, '2027-06-01', posted.at(-1) as string);
    expect(moved.occurrences_before).toBe(10);
    expect(occurrencesBetween(moved, '2027-06-01', FAR)).toEqual([]);
  });

  it('a monthly plan changed to weekly goes on the next week, within its count', () => {
    const plan = rule({ kind: 'monthly', day: 1 }, '2020-01-01', { occurrences_max: 100 });
    // 2027-03-03 is a Wednesday; the 1st of March was the last posted.
    const moved = rescheduled(plan, { kind: 'weekly', weekday: 5 }, '2027-03-03', '2027-03-01');
    expect(moved.occurrences_before).toBe(87);
    const after = occurrencesBetween(moved, '2027-03-03', FAR);
    expect(after.slice(0, 2)).toEqual(['2027-03-05', '2027-03-12']);
    expect(after).toHaveLength(13);
  });

  it("every n days counts its n from the last occurrence, and today's posted occurrence is not posted again", () => {
    const plan = rule({ kind: 'every_n_days', days: 30 }, '2027-01-01');
    const moved = rescheduled(plan, { kind: 'every_n_days', days: 14 }, '2027-01-31', '2027-01-31');
    expect(moved.schedule_from).toBe('2027-02-14');
    expect(moved.occurrences_before).toBe(2);
    expect(occurrencesBetween(moved, '2027-01-31', '2027-03-01')).toEqual(['2027-02-14', '2027-02-28']);
  });

  it('a yearly fee moved within the year it was charged is next charged the year after', () => {
    const plan = rule({ kind: 'yearly', month: 3, day: 10 }, '2025-01-01');
    const moved = rescheduled(plan, { kind: 'yearly', month: 8, day: 1 }, '2027-04-01', '2027-03-10');
    expect(occurrencesBetween(moved, '2027-04-01', '2029-12-31')).toEqual(['2028-08-01', '2029-08-01']);
  });

  it('a rule that has not started keeps its start and owes nothing before', () => {
    const plan = rule({ kind: 'monthly', day: 5 }, '2027-06-01', { occurrences_max: 3 });
    const moved = rescheduled(plan, { kind: 'monthly', day: 25 }, '2027-03-10', null);
    expect(moved).toMatchObject({ schedule_from: '2027-06-01', occurrences_before: 0 });
    expect(occurrencesBetween(moved, '2027-03-10', FAR)).toEqual(['2027-06-25', '2027-07-25', '2027-08-25']);
  });

  it("changed twice, the earlier schedules' occurrences add up", () => {
    const plan = rule({ kind: 'monthly', day: 5 }, '2027-01-05', { occurrences_max: 6 });
    const once = rescheduled(plan, { kind: 'monthly', day: 20 }, '2027-02-10', '2027-02-05');
    const twice = rescheduled(once, { kind: 'monthly', day: 1 }, '2027-04-25', '2027-04-20');
    expect(twice.occurrences_before).toBe(4);
    expect(occurrencesBetween(twice, '2027-04-25', FAR)).toEqual(['2027-05-01', '2027-06-01']);
  });

  it('an end date keeps its occurrences before the change from counting past it', () => {
    const plan = rule({ kind: 'weekly', weekday: 1 }, '2027-01-04', { end_on: '2027-01-31', occurrences_max: 10 });
    const moved = rescheduled(plan, { kind: 'monthly', day: 1 }, '2027-03-01', '2027-01-25');
    expect(moved.occurrences_before).toBe(4);
  });

  it('the same schedule in another key order is the same schedule', () => {
    expect(sameSchedule({ kind: 'yearly', month: 2, day: 29 }, { day: 29, month: 2, kind: 'yearly' } as Schedule)).toBe(true);
    expect(sameSchedule({ kind: 'monthly', day: 5 }, { kind: 'monthly', day: 6 })).toBe(false);
    expect(sameSchedule({ kind: 'weekly', weekday: 5 }, { kind: 'every_n_days', days: 5 })).toBe(false);
  });

  it('after a change, nothing falls before today or on the last claimed day, periods are not posted twice, and a count holds (property)', () => {
    const scheduleArb = fc.oneof(
      fc.record({ kind: fc.constant('monthly' as const), day: fc.integer({ min: 1, max: 31 }) }),
      fc.record({ kind: fc.constant('weekly' as const), weekday: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ kind: fc.constant('every_n_days' as const), days: fc.integer({ min: 1, max: 90 }) }),
      fc.integer({ min: 1, max: 12 }).chain((month) =>
        fc.record({
          kind: fc.constant('yearly' as const),
          month: fc.constant(month),
          day: fc.integer({ min: 1, max: daysInMonthMax(month) }),
        }),
      ),
    );
    fc.assert(
      fc.property(
        scheduleArb,
        scheduleArb,
        fc.integer({ min: 0, max: 3_000 }),
        fc.integer({ min: 0, max: 1_500 }),
        fc.option(fc.integer({ min: 1, max: 60 }), { nil: null }),
        fc.boolean(),
        (oldSchedule, newSchedule, startOffset, changeAfter, occurrencesMax, postedToday) => {
          const start_on = dayAfter2000(startOffset);
          const today = addDays(start_on, changeAfter);
          const plan = rule(oldSchedule, start_on, { occurrences_max: occurrencesMax });
          // Everything due before today was posted, and today's too when postedToday.
          const posted = occurrencesBetween(plan, start_on, postedToday ? today : addDays(today, -1));
          const lastClaimed = posted.at(-1) ?? null;
          const moved = rescheduled(plan, newSchedule, today, lastClaimed);
          // Long enough for 60 yearly occurrences when counted; a year shows one without a count goes on.
          const after = occurrencesBetween(moved, today, addDays(today, occurrencesMax === null ? 800 : 366 * 61));
          for (const day of after) {
            expect(day >= today).toBe(true);
            if (lastClaimed !== null) expect(day > lastClaimed).toBe(true);
          }
          if (lastClaimed !== null && after[0] !== undefined) {
            if (newSchedule.kind === 'monthly') expect(after[0].slice(0, 7) > lastClaimed.slice(0, 7)).toBe(true);
            if (newSchedule.kind === 'yearly') expect(after[0].slice(0, 4) > lastClaimed.slice(0, 4)).toBe(true);
            if (newSchedule.kind === 'every_n_days') expect(after[0] >= addDays(lastClaimed, newSchedule.days)).toBe(true);
          }
          expect(moved.occurrences_before).toBe(posted.length);
          // A plan of N makes N in all, whatever its schedules; one without a count goes on.
          if (occurrencesMax !== null) expect(posted.length + after.length).toBe(occurrencesMax);
          else expect(after.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
