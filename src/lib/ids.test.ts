import { describe, expect, it } from 'vitest';
import { isUuid, newTimeOrderedId } from './ids.js';

describe('newTimeOrderedId (UUIDv7)', () => {
  it('carries the time in its first 48 bits, version 7 and the RFC 9562 variant', () => {
    const at = Date.UTC(2026, 11, 1, 20, 30, 0, 123);
    const id = newTimeOrderedId(at);
    expect(isUuid(id)).toBe(true);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
  });

  it('sorts as text in the order of its times, whatever its random part', () => {
    const times = [0, 1, 255, 256, 4095, 4096, Date.UTC(2000, 0, 1), Date.UTC(2026, 11, 1), 2 ** 48 - 1];
    const ids = times.map((time) => newTimeOrderedId(time));
    expect([...ids].sort()).toEqual(ids);
  });

  it('keeps 74 random bits: a thousand ids of one millisecond are all different', () => {
    const ids = new Set(Array.from({ length: 1_000 }, () => newTimeOrderedId(1_700_000_000_000)));
    expect(ids.size).toBe(1_000);
    const randomHexDigits = new Set([...ids].map((id) => id.slice(15, 18) + id.slice(20)));
    expect(randomHexDigits.size).toBe(1_000);
  });

  it('refuses a time that does not fit 48 bits', () => {
    for (const bad of [-1, 2 ** 48, 1.5, Number.NaN]) expect(() => newTimeOrderedId(bad)).toThrow(RangeError);
  });
});
