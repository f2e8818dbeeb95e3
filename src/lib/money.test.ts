import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AMOUNT_MAX_CENTS, formatBrl, formatDecimal, parseBrl, parseDecimal } from './money.js';

const NBSP = '\u00a0';

describe('parseBrl', () => {
  it.each([
    ['1.234,56', 123456],
    ['1234,56', 123456],
    ['1234', 123400],
    ['0,5', 50],
    ['0,05', 5],
    ['R$ 1.234,56', 123456],
    [`R$${NBSP}1.234,56`, 123456],
    ['R$1.234,56', 123456],
    ['-12,30', -1230],
    ['-R$ 10,00', -1000],
    ['R$ -10,00', -1000],
    ['  12,3 ', 1230],
    ['1.000.000.000,00', AMOUNT_MAX_CENTS],
  ])('reads %s as %i centavos', (text, cents) => {
    expect(parseBrl(text)).toEqual({ ok: true, cents });
  });

  it('reads minus zero as zero, not -0', () => {
    const result = parseBrl('-0,00');
    expect(result.ok && Object.is(result.cents, 0)).toBe(true);
  });

  it.each(['1,234.56', '12.34', '1.23,00', '1,234', 'abc', '1e5', '12,345', ',5', '1..000', 'R$', '--1', '1 234,56', '0x10'])(
    'refuses %s as malformed',
    (text) => {
      expect(parseBrl(text)).toEqual({ ok: false, reason: 'malformed' });
    },
  );

  it('refuses empty and over-limit amounts', () => {
    expect(parseBrl('   ')).toEqual({ ok: false, reason: 'empty' });
    expect(parseBrl('1.000.000.000,01')).toEqual({ ok: false, reason: 'too_large' });
    expect(parseBrl('99999999999999999999')).toEqual({ ok: false, reason: 'too_large' });
  });
});

describe('parseDecimal and formatDecimal (the BR Code amount)', () => {
  it.each([
    ['10', 1000],
    ['10.5', 1050],
    ['10.50', 1050],
    ['0.01', 1],
    ['1000000000.00', AMOUNT_MAX_CENTS],
  ])('reads %s as %i centavos', (text, cents) => {
    expect(parseDecimal(text)).toEqual({ ok: true, cents });
  });

  it.each(['', '1,50', '1.505', '.5', '5.', '-1.00', '+1.00', ' 1.00', '1e2'])('refuses %j', (text) => {
    expect(parseDecimal(text).ok).toBe(false);
  });

  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [123456, '1234.56'],
    [-5, '-0.05'],
  ])('writes %i as %s', (cents, text) => {
    expect(formatDecimal(cents)).toBe(text);
  });
});

describe('formatBrl', () => {
  it.each([
    [0, `R$${NBSP}0,00`],
    [5, `R$${NBSP}0,05`],
    [123456, `R$${NBSP}1.234,56`],
    [-123456, `-R$${NBSP}1.234,56`],
    [-0, `R$${NBSP}0,00`],
    [100_000_000_000, `R$${NBSP}1.000.000.000,00`],
  ])('formats %i as %s', (cents, text) => {
    expect(formatBrl(cents)).toBe(text);
  });

  it('matches Intl.NumberFormat pt-BR BRL on amounts a float represents exactly', () => {
    const intl = new Intl.NumberFormat('pt-BR', { style: 'currency', currency: 'BRL' });
    for (const cents of [0, 50, 100, 1_000_000, -250, 12_345_600]) expect(formatBrl(cents)).toBe(intl.format(cents / 100));
  });

  it('is exact for every amount up to R$ 1 bilhão (digits built independently with BigInt)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -AMOUNT_MAX_CENTS, max: AMOUNT_MAX_CENTS }), (cents) => {
        const absolute = BigInt(Math.abs(cents));
        const whole = (absolute / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.');
        const fraction = (absolute % 100n).toString().padStart(2, '0');
        expect(formatBrl(cents)).toBe(`${cents < 0 ? '-' : ''}R$${NBSP}${whole},${fraction}`);
      }),
      { numRuns: 2_000 },
    );
  });

  it('round-trips every amount through parse', () => {
    fc.assert(
      fc.property(fc.integer({ min: -AMOUNT_MAX_CENTS, max: AMOUNT_MAX_CENTS }), (cents) => {
        expect(parseBrl(formatBrl(cents))).toEqual({ ok: true, cents });
        if (cents >= 0) expect(parseDecimal(formatDecimal(cents))).toEqual({ ok: true, cents });
      }),
    );
  });
});
