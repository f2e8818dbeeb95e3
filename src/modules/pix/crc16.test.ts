import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16CcittFalse, crc16Hex } from './crc16.js';

describe('CRC-16/CCITT-FALSE', () => {
  it('gives the catalogue check value 29B1 for "123456789"', () => {
    expect(crc16Hex('123456789')).toBe('29B1');
    expect(crc16CcittFalse(new TextEncoder().encode('123456789'))).toBe(0x29b1);
  });

  it('starts from 0xFFFF with no final XOR', () => {
    expect(crc16Hex('')).toBe('FFFF');
    expect(crc16Hex('A')).toBe('B915');
  });

  it.each([
    ['Pix 18', '0FAB'],
    ['Pix 47', '01B1'],
    ['Pix 247', '0066'],
    ['Pix 606', '0043'],
  ])('keeps the leading zeros of a small CRC: %s → %s', (text, hex) => {
    expect(crc16Hex(text)).toBe(hex);
  });

  it('works on the UTF-8 bytes: "ã" is C3 A3, not the Latin-1 byte E3', () => {
    expect(Number.parseInt(crc16Hex('ã'), 16)).toBe(crc16CcittFalse(Uint8Array.of(0xc3, 0xa3)));
    expect(Number.parseInt(crc16Hex('ã'), 16)).not.toBe(crc16CcittFalse(Uint8Array.of(0xe3)));
  });

  it('always writes four upper-case hex digits for the same number', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (text) => {
        const hex = crc16Hex(text);
        expect(hex).toMatch(/^[0-9A-F]{4}$/);
        expect(Number.parseInt(hex, 16)).toBe(crc16CcittFalse(new TextEncoder().encode(text)));
      }),
    );
  });
});
