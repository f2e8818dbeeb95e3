import { describe, expect, it } from 'vitest';
import { calendarDay } from './dates.js';

describe('calendarDay', () => {
  it('uses the São Paulo calendar, not UTC', () => {
    // 02:30 UTC is still the previous evening in São Paulo (UTC-3).
    expect(calendarDay(new Date('2026-03-10T02:30:00Z'))).toBe('2026-03-09');
    expect(calendarDay(new Date('2026-03-10T03:00:00Z'))).toBe('2026-03-10');
  });
});
