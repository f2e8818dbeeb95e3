import { describe, expect, it } from 'vitest';
import { displayToIso, formatTimestamp, isoToDisplay, maskDateText, todayIso } from './dates';

describe('todayIso', () => {
  it('is the calendar day in São Paulo, not in UTC', () => {
    // 02:30 UTC on 1 December is still 30 November in São Paulo (UTC-3).
    expect(todayIso(new Date('2026-12-01T02:30:00Z'))).toBe('2026-11-30');
    expect(todayIso(new Date('2026-12-01T03:30:00Z'))).toBe('2026-12-01');
  });
});

describe('displayToIso and isoToDisplay', () => {
  it('converts both ways', () => {
    expect(displayToIso('29/11/2026')).toEqual({ ok: true, iso: '2026-11-29' });
    expect(isoToDisplay('2026-11-29')).toBe('29/11/2026');
  });

  it.each([
    ['', 'empty'],
    ['29/11/26', 'malformed'],
    ['2026-11-29', 'malformed'],
    ['31/11/2026', 'invalid'],
    ['29/02/2026', 'invalid'],
    ['00/01/2026', 'invalid'],
    ['01/13/2026', 'invalid'],
    ['31/12/1999', 'out_of_range'],
    ['01/01/2100', 'out_of_range'],
  ])('refuses %j (%s)', (text, reason) => {
    expect(displayToIso(text)).toEqual({ ok: false, reason });
  });

  it('accepts 29 February in a leap year', () => {
    expect(displayToIso('29/02/2028')).toEqual({ ok: true, iso: '2028-02-29' });
  });
});

describe('maskDateText', () => {
  it.each([
    ['2', '2'],
    ['29', '29'],
    ['291', '29/1'],
    ['2911', '29/11'],
    ['29112026', '29/11/2026'],
    ['29/11/2026', '29/11/2026'],
    ['29-11-2026 extra 1', '29/11/2026'],
    ['29/', '29'],
  ])('shows %j as %j', (typed, shown) => {
    expect(maskDateText(typed)).toBe(shown);
  });
});

describe('formatTimestamp', () => {
  it('shows the instant in São Paulo time', () => {
    expect(formatTimestamp('2026-11-29T13:05:00Z')).toBe('29/11/2026 10:05');
  });
});
