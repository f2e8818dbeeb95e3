import { describe, expect, it } from 'vitest';
import { goalOutlook, monthsUntil, progressValue } from './outlook';

const TODAY = '2026-11-29';

function figures(overrides: Partial<Parameters<typeof goalOutlook>[0]> = {}): Parameters<typeof goalOutlook>[0] {
  return {
    achieved: false,
    saved_cents: 100_000,
    target_cents: 500_000,
    remaining_cents: 400_000,
    target_date: null,
    monthly_pace_cents: 0,
    projected_completion_on: null,
    projection_unavailable_reason: 'no_progress',
    ...overrides,
  };
}

describe('monthsUntil', () => {
  it.each([
    ['2026-11-29', '2027-05-29', 6],
    ['2026-11-29', '2027-05-28', 6],
    ['2026-11-29', '2026-12-10', 1],
    ['2026-11-29', '2026-11-30', 1],
    ['2026-01-31', '2026-03-01', 2],
    ['2026-11-29', '2028-11-29', 24],
  ])('from %s to %s is %i', (from, to, months) => {
    expect(monthsUntil(from, to)).toBe(months);
  });
});

describe('goalOutlook', () => {
  it('says the pace would take too long when the server projects no date for that reason', () => {
    const slow = { monthly_pace_cents: 1, projected_completion_on: null, projection_unavailable_reason: 'too_far' as const };
    expect(goalOutlook(figures(slow), TODAY)).toEqual({ kind: 'too_far', paceCents: 1 });
    // With a target date, the card says how much a month would meet it instead.
    expect(goalOutlook(figures({ ...slow, target_date: '2027-11-29' }), TODAY)).toMatchObject({
      kind: 'behind',
      projectedOn: null,
      neededMonthlyCents: 33_334,
    });
    expect(goalOutlook(figures(), TODAY)).toEqual({ kind: 'no_pace' });
  });

  it('says achieved when the server marked it', () => {
    expect(goalOutlook(figures({ achieved: true, saved_cents: 500_000, remaining_cents: 0 }), TODAY)).toEqual({
      kind: 'achieved',
    });
  });

  it('says reached when a reopened goal still holds its target', () => {
    expect(goalOutlook(figures({ saved_cents: 600_000, remaining_cents: -100_000 }), TODAY)).toEqual({ kind: 'reached' });
  });

  it('without a target date, projects from the pace or says there is none yet', () => {
    expect(goalOutlook(figures(), TODAY)).toEqual({ kind: 'no_pace' });
    expect(goalOutlook(figures({ monthly_pace_cents: 50_000, projected_completion_on: '2027-07-29' }), TODAY)).toEqual({
      kind: 'projected',
      projectedOn: '2027-07-29',
      paceCents: 50_000,
    });
  });

  it('is on track when the projection lands on or before the target date', () => {
    const goal = figures({ target_date: '2027-07-29', monthly_pace_cents: 50_000, projected_completion_on: '2027-07-29' });
    expect(goalOutlook(goal, TODAY)).toEqual({ kind: 'on_track', projectedOn: '2027-07-29', paceCents: 50_000 });
  });

  it('is behind when the projection is late, with what a month would need (rounded up)', () => {
    const goal = figures({
      remaining_cents: 400_001,
      target_date: '2027-02-28',
      monthly_pace_cents: 50_000,
      projected_completion_on: '2027-07-29',
    });
    // From 29/11/2026 to 28/02/2027 is three months, rounded up: 400.001 / 3 = 133.333,67 → 133.334.
    expect(goalOutlook(goal, TODAY)).toEqual({
      kind: 'behind',
      projectedOn: '2027-07-29',
      paceCents: 50_000,
      neededMonthlyCents: 133_334,
    });
  });

  it('is behind with no projection when nothing was saved lately but a date is set', () => {
    const goal = figures({ target_date: '2027-11-29' });
    expect(goalOutlook(goal, TODAY)).toMatchObject({ kind: 'behind', projectedOn: null, neededMonthlyCents: 33_334 });
  });

  it('ignores a projection that comes with no pace', () => {
    const goal = figures({ monthly_pace_cents: 0, projected_completion_on: '2027-01-01' });
    expect(goalOutlook(goal, TODAY)).toEqual({ kind: 'no_pace' });
  });

  it('is never behind in the goal’s first month: it says what a month would need instead', () => {
    // A brand-new goal with a 13-month deadline and one deposit (the server projects nothing yet).
    const fresh = figures({ target_date: '2027-12-29', projection_unavailable_reason: 'first_month' });
    expect(goalOutlook(fresh, TODAY)).toEqual({ kind: 'starting', neededMonthlyCents: 30_770 });
    expect(goalOutlook(figures({ projection_unavailable_reason: 'first_month' }), TODAY)).toEqual({
      kind: 'starting',
      neededMonthlyCents: null,
    });
    // A target date already past is overdue even in the first month.
    const late = figures({ target_date: '2026-11-28', projection_unavailable_reason: 'first_month' });
    expect(goalOutlook(late, TODAY).kind).toBe('overdue');
  });

  it('is overdue once the target date has passed', () => {
    expect(goalOutlook(figures({ target_date: '2026-11-28' }), TODAY)).toEqual({ kind: 'overdue', neededCents: 400_000 });
    expect(goalOutlook(figures({ target_date: TODAY }), TODAY).kind).toBe('behind');
  });
});

describe('progressValue', () => {
  it('keeps the bar within 0–100', () => {
    expect(progressValue(25)).toBe(25);
    expect(progressValue(140)).toBe(100);
    expect(progressValue(-5)).toBe(0);
  });
});
