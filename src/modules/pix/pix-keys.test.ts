import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateNormalizedKey, validatePixKey } from './pix-keys.js';

// The test's own check-digit oracle, written the other common way ((sum × 10) mod 11, 10 → 0).
function checkDigit(values: number[], firstWeight: number): number {
  const sum = values.reduce((total, value, index) => total + value * (firstWeight - index), 0);
  return ((sum * 10) % 11) % 10;
}
const cpfArbitrary = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 })
  .filter((digits) => new Set(digits).size > 1)
  .map((digits) => {
    const first = checkDigit(digits, 10);
    return [...digits, first, checkDigit([...digits, first], 11)].join('');
  });

describe('CPF', () => {
  it.each([
    ['529.982.247-25', '52998224725'],
    ['52998224725', '52998224725'],
    ['123.456.789-09', '12345678909'],
    [' 529 982 247 25 ', '52998224725'],
  ])('%s is valid as %s', (input, normalized) => {
    expect(validatePixKey(input)).toEqual({ valid: true, type: 'cpf', normalized });
  });

  it.each([
    ['123.456.789-00', 'check_digits'],
    ['529.982.247-24', 'check_digits'],
    ['111.111.111-11', 'repeated_digits'],
    ['000.000.000-00', 'repeated_digits'],
  ])('%s is invalid (%s)', (input, reason) => {
    expect(validatePixKey(input, 'cpf')).toEqual({ valid: false, type: 'cpf', reason });
  });

  it('detects 123.456.789-00 as a CPF that fails, not as something else', () => {
    expect(validatePixKey('123.456.789-00')).toEqual({ valid: false, type: 'cpf', reason: 'check_digits' });
    expect(validatePixKey('111.111.111-11')).toEqual({ valid: false, type: 'cpf', reason: 'repeated_digits' });
  });

  it('accepts every CPF with correct check digits, formatted or not', () => {
    fc.assert(
      fc.property(cpfArbitrary, (cpf) => {
        const formatted = `${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-${cpf.slice(9)}`;
        expect(validatePixKey(formatted)).toEqual({ valid: true, type: 'cpf', normalized: cpf });
        expect(validateNormalizedKey(cpf)).toEqual({ valid: true, type: 'cpf', normalized: cpf });
      }),
    );
  });

  it('refuses a CPF whose last check digit is changed', () => {
    fc.assert(
      fc.property(cpfArbitrary, fc.integer({ min: 1, max: 9 }), (cpf, delta) => {
        const wrong = cpf.slice(0, 10) + ((Number(cpf[10]) + delta) % 10);
        expect(validatePixKey(wrong, 'cpf').valid).toBe(false);
      }),
    );
  });
});

describe('CNPJ', () => {
  it.each([
    ['11.222.333/0001-81', '11222333000181'],
    ['11222333000181', '11222333000181'],
    ['12.ABC.345/01DE-35', '12ABC34501DE35'],
    ['12ABC34501DE35', '12ABC34501DE35'],
    ['12.abc.345/01de-35', '12ABC34501DE35'],
  ])('%s is valid as %s', (input, normalized) => {
    expect(validatePixKey(input)).toEqual({ valid: true, type: 'cnpj', normalized });
  });

  it.each([
    ['12ABC34501DE99', 'check_digits'],
    ['11.222.333/0001-82', 'check_digits'],
    ['12.ABC.345/01DE-53', 'check_digits'],
    ['00.000.000/0000-00', 'repeated_digits'],
  ])('%s is invalid (%s)', (input, reason) => {
    expect(validatePixKey(input)).toEqual({ valid: false, type: 'cnpj', reason });
  });

  it('refuses letters in the check digits and characters outside [0-9A-Z]', () => {
    expect(validatePixKey('12ABC34501DE3A', 'cnpj')).toEqual({ valid: false, type: 'cnpj', reason: 'invalid_format' });
    expect(validatePixKey('12ABC3450_DE35', 'cnpj')).toEqual({ valid: false, type: 'cnpj', reason: 'invalid_format' });
  });
});

describe('e-mail', () => {
  it('lower-cases and trims', () => {
    expect(validatePixKey('  Fulano.Tal@Example.COM.br ')).toEqual({
      valid: true,
      type: 'email',
      normalized: 'fulano.tal@example.com.br',
    });
  });

  it('accepts 77 characters and refuses 78', () => {
    const domain = '@example.com';
    const at77 = `${'a'.repeat(77 - domain.length)}${domain}`;
    expect(validatePixKey(at77)).toMatchObject({ valid: true, type: 'email' });
    expect(validatePixKey(`a${at77}`)).toEqual({ valid: false, type: 'email', reason: 'too_long' });
  });

  it.each(['fulano@', '@example.com', 'ful ano@example.com', 'fulano@-example.com', 'fulano@example..com', 'a@b@c.com'])(
    'refuses %s',
    (input) => {
      expect(validatePixKey(input)).toMatchObject({ valid: false, type: 'email' });
    },
  );
});

describe('phone', () => {
  it.each([
    ['(11) 98765-4321', '+5511987654321'],
    ['+55 11 98765-4321', '+5511987654321'],
    ['+5511987654321', '+5511987654321'],
    ['5511987654321', '+5511987654321'],
    ['11 98765 4321', '+5511987654321'],
    ['(61) 99999-0000', '+5561999990000'],
  ])('%s is valid as %s', (input, normalized) => {
    expect(validatePixKey(input)).toEqual({ valid: true, type: 'phone', normalized });
  });

  it('reads eleven bare digits as a phone when they are no CPF', () => {
    expect(validatePixKey('11987654321')).toEqual({ valid: true, type: 'phone', normalized: '+5511987654321' });
    expect(validatePixKey('11987654321', 'cpf')).toEqual({ valid: false, type: 'cpf', reason: 'check_digits' });
  });

  it.each([
    ['+5520987654321', 'invalid_area_code'],
    ['(11) 3456-7890', 'invalid_format'],
    ['+5511887654321', 'not_mobile'],
    ['+1 202 555 0100', 'invalid_format'],
    ['+55 11 98765-432', 'invalid_format'],
  ])('%s is invalid (%s)', (input, reason) => {
    expect(validatePixKey(input)).toEqual({ valid: false, type: 'phone', reason });
  });
});

describe('random key (EVP)', () => {
  it('accepts any UUID version and lower-cases it', () => {
    expect(validatePixKey('123e4567-e12b-12d1-a456-426655440000')).toEqual({
      valid: true,
      type: 'evp',
      normalized: '123e4567-e12b-12d1-a456-426655440000',
    });
    expect(validatePixKey('8B3DA2F3-9A41-40D1-A91A-BD93113BD441')).toEqual({
      valid: true,
      type: 'evp',
      normalized: '8b3da2f3-9a41-40d1-a91a-bd93113bd441',
    });
  });

  it('accepts every UUID', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        expect(validatePixKey(uuid)).toEqual({ valid: true, type: 'evp', normalized: uuid.toLowerCase() });
      }),
    );
  });

  it('refuses a UUID with a wrong shape', () => {
    expect(validatePixKey('8b3da2f3-9a41-40d1-a91a-bd93113bd44', 'evp')).toEqual({
      valid: false,
      type: 'evp',
      reason: 'invalid_format',
    });
  });
});

describe('detection and normalised keys', () => {
  it('says when it cannot tell what a key is', () => {
    expect(validatePixKey('')).toEqual({ valid: false, type: null, reason: 'empty' });
    expect(validatePixKey('banana')).toEqual({ valid: false, type: null, reason: 'unrecognized' });
    expect(validatePixKey('x'.repeat(101))).toEqual({ valid: false, type: null, reason: 'too_long' });
  });

  it('accepts only the normalised form where a normalised key is required (a BR Code)', () => {
    expect(validateNormalizedKey('52998224725').valid).toBe(true);
    expect(validateNormalizedKey('529.982.247-25').valid).toBe(false);
    expect(validateNormalizedKey('+5511987654321').valid).toBe(true);
    expect(validateNormalizedKey('(11) 98765-4321').valid).toBe(false);
    expect(validateNormalizedKey('Fulano@example.com').valid).toBe(false);
    expect(validateNormalizedKey('12ABC34501DE35').valid).toBe(true);
  });
});
