import { describe, expect, it } from 'vitest';
import { isoWeekOf, weekEndedBefore } from './iso-week.js';

describe('ISO weeks', () => {
  it.each([
    ['2026-12-28', '2026-W53', '2026-12-28', '2027-01-03'],
    ['2027-01-03', '2026-W53', '2026-12-28', '2027-01-03'],
    ['2027-01-04', '2027-W01', '2027-01-04', '2027-01-10'],
    ['2025-12-29', '2026-W01', '2025-12-29', '2026-01-04'],
    ['2026-01-01', '2026-W01', '2025-12-29', '2026-01-04'],
    ['2024-12-30', '2025-W01', '2024-12-30', '2025-01-05'],
    ['2021-01-03', '2020-W53', '2020-12-28', '2021-01-03'],
    ['2026-11-30', '2026-W49', '2026-11-30', '2026-12-06'],
  ])('%s is in %s (%s to %s)', (day, key, from, to) => {
    expect(isoWeekOf(day)).toEqual({ key, from, to });
  });

  it('the week that ended before a Monday, a Sunday and across New Year', () => {
    expect(weekEndedBefore('2026-11-30').key).toBe('2026-W48');
    expect(weekEndedBefore('2026-12-06').key).toBe('2026-W48');
    expect(weekEndedBefore('2027-01-04')).toEqual({ key: '2026-W53', from: '2026-12-28', to: '2027-01-03' });
    expect(weekEndedBefore('2026-01-05')).toEqual({ key: '2026-W01', from: '2025-12-29', to: '2026-01-04' });
  });
});
