import { describe, expect, it } from 'vitest';
import { lastDayOfMonth as monthEnd, shiftMonth } from '../../lib/calendar.js';
import { availableFor, crossedThresholds, overBudget, percentOf } from './budget-math.js';

describe('months', () => {
  it('know their last day and shift across years', () => {
    expect(monthEnd('2028-02')).toBe('2028-02-29');
    expect(monthEnd('2026-02')).toBe('2026-02-28');
    expect(monthEnd('2026-12')).toBe('2026-12-31');
    expect(shiftMonth('2026-01', -1)).toBe('2025-12');
    expect(shiftMonth('2026-12', 1)).toBe('2027-01');
  });
});

describe('rollover', () => {
  it('chains unspent and overspent amounts over three months', () => {
    const budgets = new Map([
      ['2026-01', { limit_cents: 1_000, rollover: false }],
      ['2026-02', { limit_cents: 1_000, rollover: true }],
      ['2026-03', { limit_cents: 1_000, rollover: true }],
    ]);
    const spent = new Map([
      ['2026-01', 600],
      ['2026-02', 1_900],
    ]);
    expect(availableFor('2026-01', budgets, spent, 12)).toEqual({ carried: 0, available: 1_000 });
    expect(availableFor('2026-02', budgets, spent, 12)).toEqual({ carried: 400, available: 1_400 });
    expect(availableFor('2026-03', budgets, spent, 12)).toEqual({ carried: -500, available: 500 });
    // Without a budget the month before, nothing rolls.
    expect(availableFor('2026-05', new Map([['2026-05', { limit_cents: 10, rollover: true }]]), spent, 12)).toEqual({
      carried: 0,
      available: 10,
    });
  });

  it('stops at the depth bound', () => {
    const budgets = new Map([
      ['2026-01', { limit_cents: 100, rollover: false }],
      ['2026-02', { limit_cents: 100, rollover: true }],
      ['2026-03', { limit_cents: 100, rollover: true }],
    ]);
    expect(availableFor('2026-03', budgets, new Map(), 1)).toEqual({ carried: 100, available: 200 });
  });
});

describe('thresholds', () => {
  it('are crossed at or past their percent', () => {
    expect(crossedThresholds([100, 80], 799, 1_000)).toEqual([]);
    expect(crossedThresholds([100, 80], 800, 1_000)).toEqual([80]);
    expect(crossedThresholds([80, 100], 1_000, 1_000)).toEqual([80, 100]);
    expect(crossedThresholds([80, 100], 1, 0)).toEqual([80, 100]);
    expect(percentOf(1_500, 1_000)).toBe(150);
    expect(percentOf(0, 0)).toBe(0);
  });
});

describe('over budget', () => {
  it('is spending that reached what is available; with nothing available, any spending', () => {
    expect(overBudget(999, 1_000)).toBe(false);
    expect(overBudget(1_000, 1_000)).toBe(true);
    expect(overBudget(0, 0)).toBe(false);
    expect(overBudget(0, -500)).toBe(false);
    expect(overBudget(1, -500)).toBe(true);
  });
});
