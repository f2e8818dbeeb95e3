import { describe, expect, it } from 'vitest';
import { barValue, budgetStatus, thresholdsWithFirst, totalsStatus, worstStatus } from './status';

function line(spent_cents: number, available_cents: number, crossed_thresholds: number[] = []) {
  return { spent_cents, available_cents, crossed_thresholds };
}

describe('budgetStatus', () => {
  it('is green below the first threshold', () => {
    expect(budgetStatus(line(0, 100_000))).toBe('ok');
    expect(budgetStatus(line(79_999, 100_000))).toBe('ok');
  });

  it('is amber past the first threshold while below 100 %', () => {
    expect(budgetStatus(line(80_000, 100_000, [80]))).toBe('warning');
    expect(budgetStatus(line(99_999, 100_000, [80]))).toBe('warning');
  });

  it('is red at and over 100 %', () => {
    expect(budgetStatus(line(100_000, 100_000, [80, 100]))).toBe('over');
    expect(budgetStatus(line(150_000, 100_000, [80, 100]))).toBe('over');
  });

  it('is red when nothing was available and something was spent, green when nothing was', () => {
    expect(budgetStatus(line(1, 0, [80, 100]))).toBe('over');
    expect(budgetStatus(line(1, -5_000, [80, 100]))).toBe('over');
    expect(budgetStatus(line(0, 0))).toBe('ok');
  });
});

describe('worstStatus', () => {
  it('picks the worst line', () => {
    expect(worstStatus([])).toBe('ok');
    expect(worstStatus([line(0, 100), line(90, 100, [80])])).toBe('warning');
    expect(worstStatus([line(90, 100, [80]), line(100, 100, [80, 100])])).toBe('over');
  });
});

describe('totalsStatus', () => {
  it('colours the month by its own totals', () => {
    expect(totalsStatus({ spent_cents: 10_000, available_cents: 100_000 })).toBe('ok');
    expect(totalsStatus({ spent_cents: 80_000, available_cents: 100_000 })).toBe('warning');
    expect(totalsStatus({ spent_cents: 100_000, available_cents: 100_000 })).toBe('over');
    expect(totalsStatus({ spent_cents: 0, available_cents: 0 })).toBe('ok');
  });
});

describe('thresholdsWithFirst', () => {
  it('replaces the lowest threshold and keeps the higher ones', () => {
    expect(thresholdsWithFirst([80, 100], 70)).toEqual([70, 100]);
    expect(thresholdsWithFirst([50, 80, 100], 60)).toEqual([60, 80, 100]);
    expect(thresholdsWithFirst([80, 100], 100)).toEqual([100]);
    expect(thresholdsWithFirst([50, 80, 100], 90)).toEqual([90, 100]);
    expect(thresholdsWithFirst([], 80)).toEqual([80]);
  });
});

describe('barValue', () => {
  it('keeps the bar within 0–100', () => {
    expect(barValue(85)).toBe(85);
    expect(barValue(250)).toBe(100);
  });
});
