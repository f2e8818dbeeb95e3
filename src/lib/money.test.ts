import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AMOUNT_MAX_CENTS, formatBrl, parseBrl } from './money.js';

describe('parseBrl', () => {
  it.each([
    ['1.234,56', 123456],
    ['1234,56', 123456],
    ['1234', 123400],
    ['0,5', 50],
    ['0,05', 5],
    ['R$ 1.234,56', 123456],
    ['-R$ 10,00', -1000],
    ['  12,3 ', 1230],
    ['1.000.000.000,00', AMOUNT_MAX_CENTS],
  ])('reads %s as %i centavos', (text, cents) => {
    expect(parseBrl(text)).toEqual({ ok: true, cents });
  });

  it.each(['1,234.56', '12.34', '1.23,00', '1,234', 'abc', '1e5', '12,345', ',5', '1..000', 'R$'])(
    'refuses %s as malformed',
    (text) => {
      expect(parseBrl(text)).toEqual({ ok: false, reason: 'malformed' });
    },
  );

  it('refuses empty and over-limit amounts', () => {
    expect(parseBrl('   ')).toEqual({ ok: false, reason: 'empty' });
    expect(parseBrl('1.000.000.000,01')).toEqual({ ok: false, reason: 'too_large' });
  });
});

describe('formatBrl', () => {
  it.each([
    [0, 'R$ 0,00'],
    [5, 'R$ 0,05'],
    [123456, 'R$ 1.234,56'],
    [-123456, '-R$ 1.234,56'],
    [100_000_000_000, 'R$ 1.000.000.000,00'],
  ])('formats %i as %s', (cents, text) => {
    expect(formatBrl(cents)).toBe(text);
  });

  it('round-trips every amount through parse', () => {
    fc.assert(
      fc.property(fc.integer({ min: -AMOUNT_MAX_CENTS, max: AMOUNT_MAX_CENTS }), (cents) => {
        expect(parseBrl(formatBrl(cents))).toEqual({ ok: true, cents });
      }),
    );
  });
});
