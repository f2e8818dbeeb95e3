import { describe, expect, it } from 'vitest';
import { DESCRIPTION_LENGTH_MAX, type StatementLine } from '../statement.js';
import {
  assignDedupeKeys,
  combineDescriptions,
  DESCRIPTION_EMPTY,
  installmentMarker,
  isBalanceLine,
  normaliseDescription,
  parseAmount,
  parseInstallment,
} from './text.js';

describe('parseAmount', () => {
  it.each([
    ['-12.50', 'either', -1250],
    ['-1234,56', 'either', -123456],
    ['-1.234,56', 'either', -123456],
    ['1,234.56', 'either', 123456],
    ['1.234.567', 'either', 123456700],
    ['+300', 'either', 30000],
    ['-39,9', 'either', -3990],
    ['.50', 'either', 50],
    ['1.234,56', 'comma', 123456],
    ['-1.234,56', 'comma', -123456],
    ['R$ -1.234,56', 'comma', -123456],
    ['-R$ 1.234,56', 'comma', -123456],
    ['1234,5', 'comma', 123450],
    ['1234.56', 'dot', 123456],
    ['-1,234.56', 'dot', -123456],
    ['−12,50', 'comma', -1250],
    ['1.234,56-', 'comma', -123456],
    ['1.234,56 D', 'comma', -123456],
    ['50,00 c', 'comma', 5000],
    ['R$ 50,00 C', 'comma', 5000],
    ['-1250', 'cents', -1250],
    ['100000000000', 'cents', 100_000_000_000],
  ] as const)('%s (%s) → %d', (text, style, cents) => {
    expect(parseAmount(text, style)).toEqual({ ok: true, cents });
  });

  it.each([
    ['0', 'either'],
    ['0,00', 'comma'],
    ['-0.00', 'dot'],
    ['1,005', 'either'],
    ['1.234', 'either'],
    ['12.', 'dot'],
    ['12,', 'comma'],
    ['1.23,00', 'comma'],
    ['12,34', 'dot'],
    ['1e5', 'dot'],
    ['abc', 'comma'],
    ['', 'comma'],
    ['-', 'comma'],
    ['12.5', 'cents'],
    ['100000000001', 'cents'],
    ['1.000.000.000,01', 'comma'],
    ['1'.repeat(60), 'cents'],
    ['12,00 X', 'comma'],
    ['12,00D', 'comma'],
    ['-', 'either'],
    // Two signs say two things: none is taken on trust.
    ['--10,00', 'comma'],
    ['+-10,00', 'comma'],
    ['-10,00 C', 'comma'],
    ['-10,00-', 'comma'],
    ['- R$ -10,00', 'comma'],
  ] as const)('refuses %s (%s)', (text, style) => {
    expect(parseAmount(text, style).ok).toBe(false);
  });

  it('is exact where floats are not', () => {
    // 0.1 + 0.2 and 1.005 * 100 are the classic float traps.
    expect(parseAmount('0,29', 'comma')).toEqual({ ok: true, cents: 29 });
    expect(parseAmount('1.15', 'dot')).toEqual({ ok: true, cents: 115 });
    expect(parseAmount('9.999.999,99', 'comma')).toEqual({ ok: true, cents: 999_999_999 });
  });
});

describe('normaliseDescription', () => {
  it('collapses whitespace, removes controls, trims', () => {
    expect(normaliseDescription('  Padaria\t\tPão\r\n Quente\u0000\u0007 ')).toBe('Padaria Pão Quente');
    expect(normaliseDescription('a\u200bb\ufeffc')).toBe('abc');
  });

  it('replaces lone surrogates and keeps pairs', () => {
    expect(normaliseDescription('x\ud800y')).toBe('x\ufffdy');
    expect(normaliseDescription('x\udc00')).toBe('x\ufffd');
    expect(normaliseDescription('pizza 🍕')).toBe('pizza 🍕');
  });

  it('cuts at DESCRIPTION_LENGTH_MAX without splitting a surrogate pair', () => {
    expect(normaliseDescription('a'.repeat(500))).toHaveLength(DESCRIPTION_LENGTH_MAX);
    const emoji = `${'a'.repeat(DESCRIPTION_LENGTH_MAX - 1)}🍕`;
    expect(normaliseDescription(emoji)).toBe('a'.repeat(DESCRIPTION_LENGTH_MAX - 1));
  });

  it('gives empty text the fallback, else a neutral text', () => {
    expect(normaliseDescription(' \u0000 ', 'DEBIT')).toBe('DEBIT');
    expect(normaliseDescription('', '')).toBe(DESCRIPTION_EMPTY);
  });
});

describe('combineDescriptions', () => {
  it.each([
    ['Padaria', '', 'Padaria'],
    ['', 'Padaria', 'Padaria'],
    ['Móveis Ipê', 'MÓVEIS IPÊ', 'Móveis Ipê'],
    ['PIX', 'PIX Maria Exemplo', 'PIX Maria Exemplo'],
    ['Reembolso', 'João', 'Reembolso - João'],
  ])('%s + %s → %s', (name, memo, expected) => {
    expect(combineDescriptions(name, memo)).toBe(expected);
  });
});

describe('isBalanceLine', () => {
  it.each([
    'Saldo anterior',
    'SALDO DO DIA',
    'SALDO',
    'Saldo final',
    'S A L D O',
    'saldo do dia 30/11',
    'Sáldo Anterior',
    'SALDO TOTAL DISPONÍVEL DIA',
  ])('%s is a balance line', (text) => expect(isBalanceLine(text)).toBe(true));
  it.each(['Transf Saldo C/sal P/cc', 'Saldão da Informática', 'Pix recebido', 'Resgate saldo poupança'])(
    '%s is a movement',
    (text) => expect(isBalanceLine(text)).toBe(false),
  );
});

describe('parseInstallment', () => {
  it.each([
    ['Loja - Parcela 2/6', false, { number: 2, count: 6 }],
    ['FARMACIA PARC 02/06', false, { number: 2, count: 6 }],
    ['Loja Três Irmãos 2/6', true, { number: 2, count: 6 }],
    ['LOJA (3/10)', true, { number: 3, count: 10 }],
    ['Pix 30/11', false, null],
    ['Loja 2/6', false, null],
    ['Loja 7/6', true, null],
    ['Loja 1/1', true, null],
    ['Loja', true, null],
    ['Curso Parc.2/6', false, { number: 2, count: 6 }],
    ['Curso parcela 2 de 6', false, { number: 2, count: 6 }],
    ['Loja Parcela 0/6', false, null],
    ['Loja Parcela 1234/5678', false, null],
    ['Loja Parcela ２/６', true, null],
    ['1/2/3/4/5/6', true, null],
  ] as const)('%s (card %s)', (text, isCard, expected) => {
    expect(parseInstallment(text, isCard)).toEqual(expected);
  });

  it.each([
    ['Loja X - Parcela 2/6', 'Loja X'],
    ['Loja X – PARC 02/06', 'Loja X'],
    ['LOJA (3/10)', 'LOJA'],
    ['Parcela 2/6', 'Parcela 2/6'],
    [`${'Loja '.repeat(38)}- Parcela 2/6`, 'Loja '.repeat(38).trim()],
  ])('%s is %s without its marker', (text, rest) => {
    expect(installmentMarker(text, true)?.rest).toBe(rest);
  });

  it.each([
    ['Loja X - Parcela 2/6', true],
    ['FARMACIA PARC 02/06', true],
    ['Curso Parc.2/6', true],
    ['Curso parcela 2 de 6', true],
    ['Netflix 05/12', false],
    ['LOJA (3/10)', false],
    ['Loja Casa Nova - 3/3', false],
  ])('%s: the marker names itself %s', (text, worded) => {
    expect(installmentMarker(text, true)?.worded).toBe(worded);
  });

  it('reads hostile text in bounded time: only the tail is searched, with bounded repetitions', () => {
    const hostile = [
      'parcela '.repeat(100_000),
      `${'1/'.repeat(200_000)}x`,
      `${' '.repeat(500_000)}parcela 1/`,
      `${'-( '.repeat(200_000)}`,
      `${'parc.'.repeat(100_000)}1 de`,
      `Loja parcela${' '.repeat(31)}x`,
      `Loja parcela 1${' '.repeat(30)}de${' '.repeat(20)}`,
    ];
    const started = performance.now();
    for (const text of hostile) {
      expect(installmentMarker(text, true)).toBeNull();
      expect(installmentMarker(`${text} Parcela 2/6`, true)).toMatchObject({ number: 2, count: 6 });
    }
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('assignDedupeKeys', () => {
  const line = (description: string, fitid: string | null, occurredOn = '2026-11-14', amountCents = -450): StatementLine => ({
    line: 1,
    occurredOn,
    description,
    amountCents,
    fitid,
    dedupeKey: '',
    installment: null,
  });

  it('uses a unique FITID, and the content hash for missing or repeated ones', () => {
    const lines = [line('A', 'X1'), line('B', 'R'), line('C', 'R'), line('D', null)];
    assignDedupeKeys(lines);
    expect(lines.map((entry) => entry.dedupeKey.split(':')[0])).toEqual(['fitid', 'hash', 'hash', 'hash']);
    expect(lines[0]?.dedupeKey).toBe('fitid:X1|-450');
    expect(lines.map((entry) => entry.fitid)).toEqual(['X1', null, null, null]);
  });

  it('hashes date|amount|folded description|occurrence', async () => {
    const { createHash } = await import('node:crypto');
    const lines = [line('Café', null), line('CAFE', null), line('Café', null, '2026-11-15')];
    assignDedupeKeys(lines);
    const sha = (text: string) => `hash:${createHash('sha256').update(text).digest('hex')}`;
    expect(lines.map((entry) => entry.dedupeKey)).toEqual([
      sha('2026-11-14|-450|cafe|1'),
      sha('2026-11-14|-450|cafe|2'),
      sha('2026-11-15|-450|cafe|1'),
    ]);
  });
});
