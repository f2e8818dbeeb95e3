import { describe, expect, it } from 'vitest';
import { accessLogCutoff } from './purge-access-log.js';

describe('the access log cutoff: six calendar months back, in UTC', () => {
  it.each([
    ['2026-12-01T09:30:00.000Z', '2026-06-01T09:30:00.000Z'],
    ['2026-08-31T23:59:59.999Z', '2026-02-28T23:59:59.999Z'],
    ['2028-08-31T00:00:00.000Z', '2028-02-29T00:00:00.000Z'],
    ['2026-03-31T12:00:00.000Z', '2025-09-30T12:00:00.000Z'],
    ['2027-01-15T03:41:00.000Z', '2026-07-15T03:41:00.000Z'],
  ])('from %s it is %s', (now, cutoff) => {
    expect(accessLogCutoff(new Date(now)).toISOString()).toBe(cutoff);
  });

  it('never deletes a record younger than six months: the cutoff is never after the same day six months back', () => {
    for (let day = 0; day < 800; day += 1) {
      const now = new Date(Date.UTC(2026, 0, 1 + day, 12));
      const cutoff = accessLogCutoff(now);
      const sixMonthsBackFirst = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 6, 1, 12));
      expect(cutoff.getUTCMonth()).toBe(sixMonthsBackFirst.getUTCMonth());
      expect(cutoff.getTime()).toBeLessThan(now.getTime());
    }
  });
});
