import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StatementTooLarge, StatementUnreadable } from '../statement.js';
import { readStatement } from './index.js';
import { OFX_TRANSACTIONS_MAX, readOfxDate } from './ofx.js';

function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../../../test/fixtures/imports/${name}`, import.meta.url));
}

function unreadable(read: () => unknown): StatementUnreadable {
  try {
    read();
  } catch (error) {
    if (error instanceof StatementUnreadable) return error;
    throw error;
  }
  throw new Error('expected StatementUnreadable');
}

const brief = (name: string) =>
  readStatement(fixture(name)).lines.map((line) => [line.line, line.occurredOn, line.amountCents, line.description, line.fitid]);

describe('OFX 1.x SGML', () => {
  it('reads a windows-1252 file without closing tags, skipping balance lines', () => {
    const statement = readStatement(fixture('ofx1-no-closing-tags-1252.ofx'));
    expect(statement).toMatchObject({ format: 'ofx', charset: 'windows-1252', mapping: null, skippedCount: 2 });
    expect(brief('ofx1-no-closing-tags-1252.ofx')).toEqual([
      [29, '2026-11-03', -123456, 'Açougue do Zé - Compra com cartão “débito”', '202611030001'],
      [37, '2026-11-05', 250000, 'PIX RECEBIDO MARIA EXEMPLO', '202611050002'],
      [44, '2026-11-30', -3990, 'Farmácia Saúde & Cia PARC 02/06', '202611300003'],
    ]);
    expect(statement.lines[2]?.installment).toEqual({ number: 2, count: 6 });
    expect(statement.lines[0]?.dedupeKey).toBe('fitid:202611030001|-123456');
  });

  it('reads an ISO-8859-1 file with closing tags and dot decimals', () => {
    expect(readStatement(fixture('ofx1-closing-tags-latin1.ofx')).charset).toBe('iso-8859-1');
    expect(brief('ofx1-closing-tags-latin1.ofx')).toEqual([
      [22, '2026-11-02', -1250, 'Padaria Pão Quente', 'L1'],
      [23, '2026-11-02', -123456, 'Móveis Ipê', 'L2'],
      [24, '2026-11-04', 30000, 'Reembolso - João Exemplo', 'L3'],
    ]);
  });

  it('reads a file that declares 1252 but is UTF-8 as UTF-8', () => {
    const statement = readStatement(fixture('ofx1-utf8-declared-1252.ofx'));
    expect(statement.charset).toBe('utf-8');
    expect(statement.lines[0]?.description).toBe('Café São Brás');
  });

  it('falls back to the content hash for repeated and missing FITIDs', () => {
    const statement = readStatement(fixture('ofx1-fitids.ofx'));
    expect(statement.lines.map((line) => line.fitid)).toEqual([null, null, null, null, 'UNICO']);
    const keys = statement.lines.map((line) => line.dedupeKey);
    expect(keys.slice(0, 4).every((key) => key.startsWith('hash:'))).toBe(true);
    expect(new Set(keys).size).toBe(5);
    // An empty MEMO gives the TRNTYPE as the description.
    expect(statement.lines[4]?.description).toBe('DEBIT');
  });
});

describe('OFX 2.x XML', () => {
  it('reads a card statement (CCSTMTRS) with a BOM, installments on the bare n/m', () => {
    const statement = readStatement(fixture('ofx2-card.ofx'));
    expect(statement.charset).toBe('utf-8');
    expect(brief('ofx2-card.ofx')).toEqual([
      [14, '2026-11-07', -8990, 'Loja Três Irmãos 2/6', 'C1'],
      [21, '2026-11-15', 50000, 'Pagamento de fatura', 'C2'],
    ]);
    expect(statement.lines[0]?.installment).toEqual({ number: 2, count: 6 });
  });
});

describe('broken OFX files', () => {
  it.each([
    ['ofx-bad-date.ofx', 29, /20260230/],
    ['ofx-bad-amount.ofx', 29, /more than two decimals/],
    ['ofx-truncated.ofx', 31, /cut short/],
  ])('%s fails on line %d', (name, line, message) => {
    const error = unreadable(() => readStatement(fixture(name)));
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
  });

  it('refuses a file of more <STMTTRN> than OFX_TRANSACTIONS_MAX while reading them, before building them all', () => {
    const many = (count: number) =>
      Buffer.from(`OFXHEADER:100\n\n<OFX><BANKTRANLIST>${'<STMTTRN>'.repeat(count)}</BANKTRANLIST></OFX>`);
    expect(() => readStatement(many(OFX_TRANSACTIONS_MAX + 1))).toThrow(StatementTooLarge);
    // At the bound the walk goes on, and the first movement's missing date is what is refused.
    expect(unreadable(() => readStatement(many(OFX_TRANSACTIONS_MAX))).message).toMatch(/DTPOSTED/);
  });

  it('refuses a file without <OFX> when OFX is asked for', () => {
    expect(unreadable(() => readStatement(Buffer.from('date,title,amount\n'), { format: 'ofx' })).line).toBeNull();
  });

  it('refuses a movement without an amount, on its line', () => {
    const text = 'OFXHEADER:100\n\n<OFX><BANKTRANLIST>\n<STMTTRN><DTPOSTED>20261101<NAME>X</STMTTRN>\n</BANKTRANLIST></OFX>';
    expect(unreadable(() => readStatement(Buffer.from(text))).line).toBe(4);
  });

  it('refuses a zero amount that is not a balance line', () => {
    const text =
      'OFXHEADER:100\n\n<OFX><BANKTRANLIST>\n<STMTTRN><DTPOSTED>20261101<TRNAMT>0,00<NAME>Tarifa</STMTTRN>\n</BANKTRANLIST></OFX>';
    expect(unreadable(() => readStatement(Buffer.from(text))).message).toMatch(/zero/);
  });
});

describe('readOfxDate', () => {
  it.each([
    ['20261130', '2026-11-30'],
    ['20261130220000', '2026-11-30'],
    ['20261130235959.999[-3:BRT]', '2026-11-30'],
    // The date as written, in the offset the file states: never moved to UTC or to Brazil.
    ['20261130230000[-03:EST]', '2026-11-30'],
    ['20261201010000[0:GMT]', '2026-12-01'],
    ['20261130[-3]', '2026-11-30'],
    ['20240229', '2024-02-29'],
    ['20261130120000[+5.30:IST]', '2026-11-30'],
    ['20261130120000[-03:00]', '2026-11-30'],
    ['202611301200', '2026-11-30'],
  ])('%s → %s', (text, day) => {
    expect(readOfxDate(text, 1)).toBe(day);
  });

  it.each(['20260230', '20261301', '2026113', '2026-11-30', '20261130250000', '20261130[-3:BRT', '20261130[-99]', 'x', ''])(
    'refuses %s',
    (text) => {
      expect(() => readOfxDate(text, 7)).toThrow(StatementUnreadable);
    },
  );
});

describe('OFX tolerance', () => {
  it('reads entities, a bare "<" in a value, lower-case tags and old Mac line endings', () => {
    const text = [
      'OFXHEADER:100',
      '',
      '<ofx><BANKTRANLIST>',
      '<stmttrn><DTPOSTED>20261101<TRNAMT>-1<NAME>A &lt;b&gt; &#233; &#xE9; &amp;amp; 1 < 2<FITID>F</stmttrn>',
      '</BANKTRANLIST></ofx>',
    ].join('\r');
    const [line] = readStatement(Buffer.from(text)).lines;
    expect(line).toMatchObject({ line: 4, description: 'A <b> é é &amp; 1 < 2', fitid: 'F', amountCents: -100 });
  });
});

describe('OFX with several accounts', () => {
  const statement = (account: string, fitid: string) =>
    `<STMTTRNRS><STMTRS><BANKACCTFROM><BANKID>1<ACCTID>${account}<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>\n` +
    `<STMTTRN><DTPOSTED>20261101<TRNAMT>-1<FITID>${fitid}<NAME>X<BANKACCTTO><BANKID>2<ACCTID>OTHER-${fitid}</BANKACCTTO></STMTTRN>\n` +
    '</BANKTRANLIST></STMTRS></STMTTRNRS>\n';
  const file = (...parts: string[]) =>
    Buffer.from(`OFXHEADER:100\n\n<OFX><BANKMSGSRSV1>\n${parts.join('')}</BANKMSGSRSV1></OFX>`);

  it('refuses statements of two accounts in one file', () => {
    expect(unreadable(() => readStatement(file(statement('111', 'a'), statement('222', 'b')))).message).toMatch(/2 accounts/);
  });

  it('reads two statements of the same account, ignoring the transfer target (BANKACCTTO)', () => {
    expect(readStatement(file(statement('111', 'a'), statement('111', 'b'))).lines).toHaveLength(2);
  });
});

describe('OFX written on one line', () => {
  it('reads every movement, all starting on line 1 (line numbers are not unique ids)', () => {
    const movement = (fitid: string, amount: string) =>
      `<STMTTRN><DTPOSTED>20261101<TRNAMT>${amount}<FITID>${fitid}<NAME>Loja</STMTTRN>`;
    const text = `OFXHEADER:100 DATA:OFXSGML <OFX><BANKTRANLIST>${movement('a', '-1')}${movement('b', '-2')}</BANKTRANLIST></OFX>`;
    const statement = readStatement(Buffer.from(text));
    expect(statement.lines.map((line) => [line.line, line.amountCents, line.fitid])).toEqual([
      [1, -100, 'a'],
      [1, -200, 'b'],
    ]);
  });
});
