import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CsvWriteOptions,
  type OfxWriteOptions,
  type WrittenMovement,
  writeCsv,
  writeOfx1,
  writeOfx2,
} from '../../../../test/helpers/statement-writer.js';
import { isValidDay } from '../../../lib/calendar.js';
import { AMOUNT_MAX_CENTS } from '../../../lib/money.js';
import type { ReadOptions } from './index.js';
import { readStatement } from './index.js';
import { isBalanceLine, normaliseDescription } from './text.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);

// Pieces of descriptions: accents, quotes, separators, newlines, markup, emoji, long words, and
// what normalisation must clean: a lone surrogate, a zero-width space, a C1 control, a no-break space.
const PIECES = [
  'a',
  'Z',
  'ç',
  'ã',
  'É',
  'ü',
  ' ',
  '  ',
  '"',
  "'",
  ';',
  ',',
  '\t',
  '\n',
  '\r\n',
  '<',
  '>',
  '&',
  '&amp;',
  '/',
  '-',
  '7',
  '€',
  '🍕',
  'Loja',
  'PIX',
  '\ud800',
  '\u200b',
  '\u0085',
  '\u00a0',
];
// For windows-1252 files: no character from 0x80–0xBF, so an accented 1252 text can never pass for UTF-8.
const LATIN_PIECES = ['a', 'Z', 'ç', 'ã', 'É', 'ü', ' ', '"', ';', ',', '<', '&', '/', '-', '7', 'Loja'];

const day = fc
  .record({
    year: fc.integer({ min: 2000, max: 2099 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
  })
  .filter((parts) => isValidDay(parts.year, parts.month, parts.day))
  .map((parts) => `${parts.year}-${String(parts.month).padStart(2, '0')}-${String(parts.day).padStart(2, '0')}`);

const amount = fc
  .oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: -AMOUNT_MAX_CENTS, max: AMOUNT_MAX_CENTS }))
  .filter((cents) => cents !== 0);

function description(pieces: string[]) {
  return fc
    .array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 90 })
    .map((parts) => parts.join(''))
    .filter((text) => /[a-zA-Zçãéü]/.test(text))
    .filter((text) => !/^'[=+\-@\t\r\n]/.test(text))
    .filter((text) => !isBalanceLine(normaliseDescription(text)));
}

function movements(pieces: string[], withFitid: boolean) {
  const fitid = withFitid ? fc.option(fc.stringMatching(/^[A-Za-z0-9]{1,8}$/), { nil: null }) : fc.constant(null);
  return fc.array(fc.record({ occurredOn: day, amountCents: amount, description: description(pieces), fitid }), {
    minLength: 1,
    maxLength: 25,
  });
}

const expected = (written: WrittenMovement[]) =>
  written.map((movement) => ({
    occurredOn: movement.occurredOn,
    amountCents: movement.amountCents,
    description: normaliseDescription(movement.description),
  }));

function readBack(bytes: Buffer, options?: ReadOptions) {
  const statement = readStatement(bytes, options);
  return {
    statement,
    movements: statement.lines.map((line) => ({
      occurredOn: line.occurredOn,
      amountCents: line.amountCents,
      description: line.description,
    })),
  };
}

describe('written statements read back the same', () => {
  const ofxVariants: [string, (written: WrittenMovement[]) => Buffer][] = [
    ['OFX 1.x without closing tags, dot decimals', (written) => writeOfx1(written)],
    ['OFX 1.x with closing tags, comma decimals', (written) => writeOfx1(written, { closingTags: true, decimal: 'comma' })],
    [
      'OFX 1.x card, offset suffix [0:GMT]',
      (written) => writeOfx1(written, { card: true, timeSuffix: '235959.999[0:GMT]' } satisfies OfxWriteOptions),
    ],
    ['OFX 2.x XML', (written) => writeOfx2(written, { decimal: 'comma' })],
  ];
  const csvVariants: CsvWriteOptions['layout'][] = ['nubank_account', 'santander', 'vai_de_pix'];

  it.each(ofxVariants)('%s', (_name, write) => {
    fc.assert(
      fc.property(movements(PIECES, true), (written) => {
        const bytes = write(written);
        const { statement, movements: read } = readBack(bytes);
        expect(read).toEqual(expected(written));
        expect(readStatement(bytes).lines.map((line) => line.dedupeKey)).toEqual(statement.lines.map((line) => line.dedupeKey));
      }),
      { numRuns: RUNS },
    );
  });

  it.each(csvVariants)('CSV, %s layout', (layout) => {
    fc.assert(
      fc.property(movements(PIECES, layout !== 'santander'), (written) => {
        const bytes = writeCsv(written, { layout });
        const { statement, movements: read } = readBack(bytes);
        expect(statement.mapping?.preset).toBe(layout);
        expect(read).toEqual(expected(written));
        expect(readStatement(bytes).lines.map((line) => line.dedupeKey)).toEqual(statement.lines.map((line) => line.dedupeKey));
      }),
      { numRuns: RUNS },
    );
  });

  it('OFX 1.x in windows-1252', () => {
    fc.assert(
      fc.property(movements(LATIN_PIECES, true), (written) => {
        const { statement, movements: read } = readBack(writeOfx1(written, { charset: 'windows-1252' }));
        expect(read).toEqual(expected(written));
        if (written.some((movement) => /[^ -~\t\n\r]/.test(movement.description))) expect(statement.charset).toBe('windows-1252');
      }),
      { numRuns: RUNS },
    );
  });

  it('gives the same dedupe keys to the same movements in OFX and CSV (no FITIDs: the content hash)', () => {
    fc.assert(
      fc.property(movements(PIECES, false), (written) => {
        const fromOfx = readStatement(writeOfx1(written)).lines.map((line) => line.dedupeKey);
        const fromCsv = readStatement(writeCsv(written, { layout: 'santander' })).lines.map((line) => line.dedupeKey);
        expect(fromCsv).toEqual(fromOfx);
        expect(fromOfx.every((key) => key.startsWith('hash:'))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
