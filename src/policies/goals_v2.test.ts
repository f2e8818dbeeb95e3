import { describe, expect, it } from 'vitest';
import { inFirstMonth, monthlyPace, paceSince, progress } from './goals_v2.js';

describe('goals_v2 first month', () => {
  it.each([
    // [first day, today, still in the first month]
    ['2026-01-31', '2026-02-27', true],
    ['2026-01-31', '2026-02-28', false], // 31 Jan + 1 month is 28 Feb in a common year
    ['2028-01-31', '2028-02-28', true],
    ['2028-01-31', '2028-02-29', false], // … and 29 Feb in a leap year
    ['2028-02-29', '2028-03-28', true],
    ['2028-02-29', '2028-03-29', false],
    ['2026-11-30', '2026-12-29', true],
    ['2026-11-30', '2026-12-30', false],
    ['2026-12-31', '2027-01-30', true],
    ['2026-12-31', '2027-01-31', false],
  ])('a goal begun on %s is in its first month on %s: %s', (startedOn, today, young) => {
    expect(inFirstMonth(startedOn, today)).toBe(young);
  });
});

describe('goals_v2 pace window', () => {
  it('looks back three months, or to the goal’s first day when it is younger', () => {
    expect(paceSince('2025-01-01', '2026-05-31')).toBe('2026-02-28');
    expect(paceSince('2026-04-10', '2026-05-31')).toBe('2026-04-09');
    expect(paceSince('2028-02-29', '2028-05-31')).toBe('2028-02-29');
  });

  it('averages over the window’s length in months, not over three months from the first day', () => {
    // Begun 31 Jan, R$ 300 saved by 31 Mar: 60 days (both ends counted), about 1.97 months → R$ 152,18.
    expect(monthlyPace({ netWindowCents: 30_000, startedOn: '2026-01-31', today: '2026-03-31' })).toBe(15_218);
    // Three full months (92 days from 28 Feb to 31 May) of R$ 300 → about R$ 99,25 a month.
    expect(monthlyPace({ netWindowCents: 30_000, startedOn: '2025-01-01', today: '2026-05-31' })).toBe(9_925);
    // Money taken out gives a negative pace.
    expect(monthlyPace({ netWindowCents: -30_000, startedOn: '2025-01-01', today: '2026-05-31' })).toBe(-9_925);
  });

  it('stays exact for the largest amounts', () => {
    const pace = monthlyPace({ netWindowCents: 100_000_000_000, startedOn: '2025-01-01', today: '2026-05-31' });
    expect(pace).toBe(33_083_559_782);
  });
});

describe('goals_v2 progress', () => {
  const goal = { savedCents: 100_000, targetCents: 1_300_000 };

  it('gives a brand-new goal no pace and no projection, whatever was deposited on day one', () => {
    expect(progress({ ...goal, netWindowCents: 100_000, startedOn: '2026-11-30', today: '2026-11-30' })).toEqual({
      saved_cents: 100_000,
      remaining_cents: 1_200_000,
      percent: 7,
      monthly_pace_cents: 0,
      projected_completion_on: null,
      projection_unavailable_reason: 'first_month',
    });
  });

  it('projects from the first month’s saving once a month has passed', () => {
    // Begun 31 Jan 2028 with R$ 1.000; on 29 Feb (a month later) that is 30 days of saving.
    const reading = progress({ ...goal, netWindowCents: 100_000, startedOn: '2028-01-31', today: '2028-02-29' });
    expect(reading.monthly_pace_cents).toBe(101_456);
    // R$ 12.000 left at R$ 1.014,56 a month: 12 months → 28 Feb 2029 (clamped).
    expect(reading).toMatchObject({ projected_completion_on: '2029-02-28', projection_unavailable_reason: null });
  });

  it('says reached before anything else, even in the first month', () => {
    expect(
      progress({ savedCents: 200, targetCents: 100, netWindowCents: 200, startedOn: '2026-11-30', today: '2026-11-30' }),
    ).toMatchObject({ remaining_cents: 0, percent: 200, projection_unavailable_reason: 'reached' });
  });

  it('has no projection without a positive pace after the first month', () => {
    expect(progress({ ...goal, netWindowCents: 0, startedOn: '2026-01-31', today: '2026-12-31' })).toMatchObject({
      monthly_pace_cents: 0,
      projected_completion_on: null,
      projection_unavailable_reason: 'no_progress',
    });
  });

  it('projects no further than the horizon', () => {
    expect(
      progress({ savedCents: 0, targetCents: 100_000_000_000, netWindowCents: 3, startedOn: '2025-01-01', today: '2026-05-31' }),
    ).toMatchObject({ monthly_pace_cents: 0, projection_unavailable_reason: 'no_progress' });
    expect(
      progress({
        savedCents: 0,
        targetCents: 100_000_000_000,
        netWindowCents: 300,
        startedOn: '2025-01-01',
        today: '2026-05-31',
      }),
    ).toMatchObject({ monthly_pace_cents: 99, projected_completion_on: null, projection_unavailable_reason: 'too_far' });
  });
});
