import { describe, expect, it } from 'vitest';
import {
  dayOfYearLabel,
  daysInMonthMax,
  groupAgenda,
  monthName,
  signedCents,
  startOnProblem,
  startOnRange,
  weekdayName,
  weekdayOf,
} from './agenda';
import type { UpcomingItem } from './api';

function item(occurs_on: string, description: string, type: UpcomingItem['type'], amount_cents: number): UpcomingItem {
  return {
    rule_id: '00000000-0000-4000-8000-000000000001',
    occurs_on,
    type,
    amount_cents,
    description,
    account_id: '00000000-0000-4000-8000-000000000002',
    to_account_id: null,
    category_id: null,
  };
}

describe('groupAgenda', () => {
  it('groups by month and day in date order, with what goes out and comes in', () => {
    const months = groupAgenda([
      item('2027-01-05', 'Aluguel', 'expense', 150_000),
      item('2026-12-05', 'Aluguel', 'expense', 150_000),
      item('2026-12-05', 'Academia', 'expense', 9_990),
      item('2026-12-20', 'Salário', 'income', 500_000),
      item('2026-12-21', 'Poupança', 'transfer', 50_000),
    ]);
    expect(months.map((month) => month.month)).toEqual(['2026-12', '2027-01']);
    const [december, january] = months;
    expect(december?.days.map((day) => day.date)).toEqual(['2026-12-05', '2026-12-20', '2026-12-21']);
    expect(december?.days[0]?.items.map((entry) => entry.description)).toEqual(['Academia', 'Aluguel']);
    expect(december?.outCents).toBe(159_990);
    expect(december?.incomeCents).toBe(500_000);
    expect(january?.outCents).toBe(150_000);
  });

  it('gives nothing for nothing', () => {
    expect(groupAgenda([])).toEqual([]);
  });
});

describe('signedCents', () => {
  it('makes expenses negative and leaves the rest positive', () => {
    expect(signedCents('expense', 100)).toBe(-100);
    expect(signedCents('income', 100)).toBe(100);
    expect(signedCents('transfer', 100)).toBe(100);
  });
});

describe('names of days and months', () => {
  it('names weekdays as the API numbers them, 0 being Sunday', () => {
    expect(weekdayName(0, 'pt-BR')).toBe('domingo');
    expect(weekdayName(1, 'pt-BR')).toBe('segunda-feira');
    expect(weekdayName(6, 'en')).toBe('Saturday');
    expect(weekdayOf('2026-12-05', 'pt-BR')).toBe('sábado');
  });

  it('names months and days of the year', () => {
    expect(monthName(3, 'pt-BR')).toBe('março');
    expect(dayOfYearLabel(3, 10, 'pt-BR')).toBe('10 de março');
    expect(dayOfYearLabel(2, 29, 'en')).toBe('February 29');
  });

  it('knows how many days a month may have', () => {
    expect(daysInMonthMax(2)).toBe(29);
    expect(daysInMonthMax(4)).toBe(30);
    expect(daysInMonthMax(12)).toBe(31);
  });
});

describe('start day window', () => {
  it('allows one year back to five years ahead, as the server does', () => {
    expect(startOnRange('2026-06-15')).toEqual({ earliest: '2025-06-15', latest: '2031-06-15' });
    expect(startOnRange('2028-02-29')).toEqual({ earliest: '2027-02-28', latest: '2033-02-28' });
    expect(startOnProblem('2025-06-14', '2026-06-15')).toBe('too_far_in_past');
    expect(startOnProblem('2025-06-15', '2026-06-15')).toBeNull();
    expect(startOnProblem('2031-06-15', '2026-06-15')).toBeNull();
    expect(startOnProblem('2031-06-16', '2026-06-15')).toBe('too_far_in_future');
  });
});
