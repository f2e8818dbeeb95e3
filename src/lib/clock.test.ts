import { describe, expect, it } from 'vitest';
import { clockStartingAt, systemClock } from './clock.js';

describe('clockStartingAt', () => {
  it('is the system clock without a start', () => {
    expect(clockStartingAt(undefined)).toBe(systemClock);
  });

  it('reads the start now and then runs in real time', async () => {
    const clock = clockStartingAt(new Date('2028-02-29T15:00:00Z'));
    const first = clock.now().getTime();
    expect(first - Date.parse('2028-02-29T15:00:00Z')).toBeLessThan(1_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(clock.now().getTime()).toBeGreaterThan(first);
  });
});
