import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { StatementUnreadable } from '../statement.js';
import { decodeStatement } from './charset.js';
import { readStatement } from './index.js';

const accented = 'Açougue São João “Zé” – café';

describe('decodeStatement', () => {
  it('reads UTF-8 with and without a byte order mark', () => {
    const bytes = Buffer.from(accented, 'utf-8');
    expect(decodeStatement(bytes)).toEqual({ text: accented, charset: 'utf-8' });
    expect(decodeStatement(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]))).toEqual({
      text: accented,
      charset: 'utf-8',
    });
  });

  it('reads windows-1252, curly quotes and dash included (which ISO-8859-1 lacks)', () => {
    const bytes = iconv.encode(accented, 'windows-1252');
    // 0x93 and 0x94 are the curly quotes in 1252 and C1 controls in ISO-8859-1: TextDecoder's trap.
    expect(bytes.includes(0x93)).toBe(true);
    expect(decodeStatement(bytes)).toEqual({ text: accented, charset: 'windows-1252' });
  });

  it('reads ISO-8859-1 when an OFX header declares it', () => {
    const text = 'OFXHEADER:100\nCHARSET:ISO-8859-1\n\n<OFX><NAME>Padaria Pão</OFX>';
    expect(decodeStatement(iconv.encode(text, 'latin1'))).toEqual({ text, charset: 'iso-8859-1' });
  });

  it('reads UTF-8 bytes as UTF-8 even when the header declares 1252', () => {
    const text = 'OFXHEADER:100\nCHARSET:1252\n\n<OFX><NAME>Padaria Pão</OFX>';
    expect(decodeStatement(Buffer.from(text, 'utf-8'))).toEqual({ text, charset: 'utf-8' });
  });

  it('refuses binary content, and reads text with a few NUL bytes', () => {
    const garbage = Buffer.alloc(4096);
    for (let index = 0; index < garbage.length; index += 1) garbage[index] = (index * 7919 + 13) % 256;
    expect(() => decodeStatement(garbage)).toThrow(StatementUnreadable);
    expect(() => decodeStatement(Buffer.from(accented, 'utf16le'))).toThrow(/not text/);
    expect(decodeStatement(Buffer.from('abc\u0000def ghi jkl mno pqr stu vwx yz', 'utf-8')).charset).toBe('utf-8');
  });
});

describe('NUL bytes in a statement', () => {
  it('are removed from descriptions', () => {
    const text = 'date,title,amount\n2026-11-02,Pada\u0000ria,12.50\n';
    expect(readStatement(Buffer.from(text)).lines[0]?.description).toBe('Padaria');
  });

  it('make an amount unreadable, on its line', () => {
    const text = 'date,title,amount\n2026-11-02,Padaria,12.50\n2026-11-03,Padaria,1\u00002.50\n';
    expect(() => readStatement(Buffer.from(text))).toThrow(expect.objectContaining({ line: 3 }));
  });
});
