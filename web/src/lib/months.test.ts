import { describe, expect, it } from 'vitest';
import document from '../api/openapi.json';
import { capitalize, currentMonth, isMonth, MONTH_MAX, MONTH_MIN, monthLabel, shiftMonth } from './months';

describe('currentMonth', () => {
  it('is the month in São Paulo, not in UTC', () => {
    // 02:30 UTC on 1 December is still 30 November in São Paulo (UTC-3).
    expect(currentMonth(new Date('2026-12-01T02:30:00Z'))).toBe('2026-11');
    expect(currentMonth(new Date('2026-12-01T03:30:00Z'))).toBe('2026-12');
  });
});

describe('shiftMonth', () => {
  it.each([
    ['2026-11', 1, '2026-12'],
    ['2026-12', 1, '2027-01'],
    ['2026-01', -1, '2025-12'],
    ['2026-03', -14, '2025-01'],
    ['2026-05', 0, '2026-05'],
  ])('%s shifted by %i is %s', (month, delta, expected) => {
    expect(shiftMonth(month, delta)).toBe(expected);
  });
});

describe('isMonth', () => {
  it.each(['2026-11', '2000-01', '2099-12'])('accepts %j', (value) => {
    expect(isMonth(value)).toBe(true);
  });

  it.each(['2026-13', '2026-00', '2026-1', '1999-12', '2100-01', '', null, undefined])('refuses %j', (value) => {
    expect(isMonth(value)).toBe(false);
  });
});

describe('monthLabel', () => {
  it('names the month in the language asked for', () => {
    expect(monthLabel('2026-11', 'pt-BR')).toBe('novembro de 2026');
    expect(monthLabel('2026-11', 'en')).toBe('November 2026');
    expect(capitalize(monthLabel('2027-03', 'pt-BR'))).toBe('Março de 2027');
  });
});

describe('MONTH_MIN and MONTH_MAX', () => {
  it("are the first and last months the server's Month pattern admits", () => {
    const pattern = new RegExp(document.components.schemas.BudgetMonth.properties.month.pattern);
    expect([MONTH_MIN, MONTH_MAX].map((month) => pattern.test(month))).toEqual([true, true]);
    expect([shiftMonth(MONTH_MIN, -1), shiftMonth(MONTH_MAX, 1)].map((month) => pattern.test(month))).toEqual([false, false]);
  });
});
