import { describe, expect, it } from 'vitest';
import { csvCell, csvLine, neutralise } from './csv.js';

describe('export CSV cells', () => {
  it('neutralises every formula start with a leading quote', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      expect(neutralise(`${start}HYPERLINK("x")`)).toBe(`'${start}HYPERLINK("x")`);
    }
    expect(neutralise('Mercado')).toBe('Mercado');
  });

  it('leaves plain numbers alone, negative ones included', () => {
    expect(neutralise('-12345')).toBe('-12345');
    expect(neutralise('-1.5')).toBe('-1.5');
    expect(neutralise('-1e5')).toBe("'-1e5");
    expect(neutralise('-')).toBe("'-");
  });

  it('quotes by RFC 4180', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('diz "oi"')).toBe('"diz ""oi"""');
    expect(csvCell('linha\nnova')).toBe('"linha\nnova"');
    expect(csvCell('\rx')).toBe(`"'\rx"`);
    expect(csvCell(null)).toBe('');
    expect(csvLine(['1', null, 'São Paulo'])).toBe('1,,São Paulo\r\n');
  });
});
