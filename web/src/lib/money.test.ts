import { describe, expect, it } from 'vitest';
import { AMOUNT_MAX_CENTS, formatBrl, formatBrlInput, formatBrlInText, formatBrlSigned, parseBrl } from './money';

describe('parseBrl', () => {
  it.each([
    ['1.234,56', 123456],
    ['1234,56', 123456],
    ['1234', 123400],
    ['0,5', 50],
    ['0,05', 5],
    ['R$ 1.234,56', 123456],
    ['R$1.234,56', 123456],
    ['  12,3  ', 1230],
    ['1.000.000', 100000000],
    ['-50,00', -5000],
    ['-R$ 50', -5000],
    ['R$ -50', -5000],
    ['1.000.000.000,00', AMOUNT_MAX_CENTS],
  ])('reads %j as %i centavos', (text, cents) => {
    expect(parseBrl(text)).toEqual({ ok: true, cents });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['1.23', 'malformed'],
    ['1234.56', 'malformed'],
    ['12,345', 'malformed'],
    ['1,2,3', 'malformed'],
    ['12.34,5', 'malformed'],
    ['abc', 'malformed'],
    ['1e3', 'malformed'],
    ['--1', 'malformed'],
    [',50', 'malformed'],
    ['1'.repeat(40), 'malformed'],
    ['1.000.000.000,01', 'too_large'],
    ['99999999999999999999', 'too_large'],
  ])('refuses %j (%s)', (text, reason) => {
    expect(parseBrl(text)).toEqual({ ok: false, reason });
  });

  it('never returns negative zero', () => {
    const result = parseBrl('-0');
    expect(result.ok && Object.is(result.cents, 0)).toBe(true);
  });
});

describe('formatBrl', () => {
  it.each([
    [0, 'R$ 0,00'],
    [5, 'R$ 0,05'],
    [123456, 'R$ 1.234,56'],
    [100000000, 'R$ 1.000.000,00'],
    [-5, '-R$ 0,05'],
    [-123456, '-R$ 1.234,56'],
  ])('formats %i as %j', (cents, text) => {
    expect(formatBrl(cents)).toBe(text);
  });

  it('round-trips through parseBrl', () => {
    for (const cents of [0, 1, 99, 100, 123456, 987654321, AMOUNT_MAX_CENTS, -42]) {
      expect(parseBrl(formatBrl(cents))).toEqual({ ok: true, cents });
      expect(parseBrl(formatBrlInput(cents))).toEqual({ ok: true, cents });
    }
  });

  it('marks the direction of a movement', () => {
    expect(formatBrlSigned(1000)).toBe('+R$ 10,00');
    expect(formatBrlSigned(-1000)).toBe('-R$ 10,00');
    expect(formatBrlSigned(0)).toBe('R$ 0,00');
  });

  it('keeps the symbol and the number together inside a sentence', () => {
    expect(formatBrlInText(702_204_594)).toBe('R$\u00a07.022.045,94');
    expect(formatBrlInText(-5)).toBe('-R$\u00a00,05');
    expect(parseBrl(formatBrlInText(123456).replace('\u00a0', ' '))).toEqual({ ok: true, cents: 123456 });
  });
});
