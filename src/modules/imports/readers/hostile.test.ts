import { describe, expect, it } from 'vitest';
import { type WrittenMovement, writeCsv, writeOfx1 } from '../../../../test/helpers/statement-writer.js';
import { IMPORT_LINES_MAX, StatementTooLarge, StatementUnreadable } from '../statement.js';
import { readStatement } from './index.js';

const MEGABYTE = 1024 * 1024;
// Writing and reading 50,001 movements takes a few seconds on a busy two-core machine.
const LIMIT_TEST_TIMEOUT_MS = 60_000;

function many(count: number): WrittenMovement[] {
  return Array.from({ length: count }, (_, index) => ({
    occurredOn: '2026-11-01',
    amountCents: -(index + 1),
    description: `Compra ${index}`,
    fitid: `F${index}`,
  }));
}

function failure(read: () => unknown): Error {
  try {
    read();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected the read to fail');
}

describe('limits', () => {
  it(
    'reads IMPORT_LINES_MAX movements and refuses one more (CSV)',
    () => {
      expect(readStatement(writeCsv(many(IMPORT_LINES_MAX))).lines).toHaveLength(IMPORT_LINES_MAX);
      const error = failure(() => readStatement(writeCsv(many(IMPORT_LINES_MAX + 1))));
      expect(error).toBeInstanceOf(StatementTooLarge);
      expect((error as StatementTooLarge).linesMax).toBe(IMPORT_LINES_MAX);
    },
    LIMIT_TEST_TIMEOUT_MS,
  );

  it(
    'refuses IMPORT_LINES_MAX + 1 movements (OFX)',
    () => {
      expect(failure(() => readStatement(writeOfx1(many(IMPORT_LINES_MAX + 1))))).toBeInstanceOf(StatementTooLarge);
    },
    LIMIT_TEST_TIMEOUT_MS,
  );

  it(
    'does not count balance lines against the limit',
    () => {
      const movements = many(IMPORT_LINES_MAX);
      movements.push({ occurredOn: '2026-11-30', amountCents: 1, description: 'SALDO DO DIA' });
      const statement = readStatement(writeCsv(movements));
      expect([statement.lines.length, statement.skippedCount]).toEqual([IMPORT_LINES_MAX, 1]);
    },
    LIMIT_TEST_TIMEOUT_MS,
  );
});

describe('hostile files are refused, not choked on', () => {
  // Each of these would take seconds or minutes with a backtracking regex or a quadratic
  // scan (ofx-js took 9 s on 90 kB of "<A."); read linearly they fail at once.
  it.each([
    ['"<" × 1 MB', '<'.repeat(MEGABYTE)],
    ['"<A." × 1 MB', '<A.'.repeat(MEGABYTE / 3)],
    ['";" × 1 MB', ';'.repeat(MEGABYTE)],
    ['quotes × 1 MB', '"'.repeat(MEGABYTE)],
    ['"<?" × 1 MB', '<?'.repeat(MEGABYTE / 2)],
    ['"<!--" × 1 MB', '<!--'.repeat(MEGABYTE / 4)],
    ['newlines × 1 MB', '\n'.repeat(MEGABYTE)],
    ['";\\n" × 1 MB', ';\n'.repeat(MEGABYTE / 2)],
    ['an empty file', ''],
  ])('%s', (_name, text) => {
    for (const format of [undefined, 'ofx', 'csv'] as const) {
      expect(failure(() => readStatement(Buffer.from(text), { format }))).toBeInstanceOf(StatementUnreadable);
    }
  });

  it('refuses 1 MB of <STMTTRN> inside an OFX root as too many, while reading them', () => {
    const tags = (count: number) => `OFXHEADER:100\n\n<OFX><BANKTRANLIST>\n${'<STMTTRN>'.repeat(count)}</BANKTRANLIST></OFX>`;
    expect(failure(() => readStatement(Buffer.from(tags(MEGABYTE / 9))))).toBeInstanceOf(StatementTooLarge);
    // Fewer of them are read, and refused on the first movement.
    const error = failure(() => readStatement(Buffer.from(tags(10_000))));
    expect(error).toBeInstanceOf(StatementUnreadable);
    expect((error as StatementUnreadable).line).toBe(4);
  });

  it('refuses a 1 MB quoted field, on its line', () => {
    const text = `Data,Valor,Identificador,Descrição\n01/11/2026,-1.00,a,"${'x\n'.repeat(MEGABYTE / 2)}"\n`;
    const error = failure(() => readStatement(Buffer.from(text)));
    expect(error).toBeInstanceOf(StatementUnreadable);
  });

  it('refuses binary garbage', () => {
    let state = 42;
    const garbage = Buffer.alloc(64 * 1024);
    for (let index = 0; index < garbage.length; index += 1) {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      garbage[index] = state >> 16;
    }
    const withOfxHeader = Buffer.concat([Buffer.from('OFXHEADER:100\n\n<OFX>'), garbage]);
    for (const bytes of [garbage, withOfxHeader]) {
      expect(failure(() => readStatement(bytes))).toBeInstanceOf(StatementUnreadable);
    }
    const highBytesOnly = Buffer.from(garbage.map((byte) => byte | 0x80));
    expect(failure(() => readStatement(highBytesOnly))).toBeInstanceOf(StatementUnreadable);
  });
});
