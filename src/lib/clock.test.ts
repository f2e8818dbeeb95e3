import { afterEach, describe, expect, it, vi } from 'vitest';
import { clockStartingAt, systemClock } from './clock.js';

describe('clockStartingAt', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is the system clock without a start', () => {
    expect(clockStartingAt(undefined)).toBe(systemClock);
  });

  it('reads the start first, then one millisecond more at each reading', () => {
    const start = Date.parse('2028-02-29T15:00:00Z');
    const clock = clockStartingAt(new Date(start));
    const readings = Array.from({ length: 5 }, () => clock.now().getTime());
    expect(readings).toEqual([start, start + 1, start + 2, start + 3, start + 4]);
  });

  it('does not follow the wall clock, so a start at 23:59 in São Paulo stays before midnight', () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-01T00:00:00Z') });
    const clock = clockStartingAt(new Date('2026-12-31T23:59:00-03:00'));
    expect(clock.now().toISOString()).toBe('2027-01-01T02:59:00.000Z');
    vi.advanceTimersByTime(10 * 60_000);
    expect(clock.now().toISOString()).toBe('2027-01-01T02:59:00.001Z');
  });

  it('hands out a new Date at each reading, so a caller that mutates one changes nothing', () => {
    const clock = clockStartingAt(new Date('2026-11-18T15:00:00Z'));
    const first = clock.now();
    first.setUTCFullYear(1999);
    expect(clock.now().toISOString()).toBe('2026-11-18T15:00:00.001Z');
  });
});
