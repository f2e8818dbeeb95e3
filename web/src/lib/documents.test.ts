import { describe, expect, it } from 'vitest';
import { formatCnpj, formatCpf, formatDocument, formatPhone, formatPixKey } from './documents';

describe('documents and Pix keys as people write them', () => {
  it('formats a CPF and a CNPJ, numeric and alphanumeric', () => {
    expect(formatCpf('12345678909')).toBe('123.456.789-09');
    expect(formatCnpj('12345678000195')).toBe('12.345.678/0001-95');
    expect(formatCnpj('12ABC34501DE99')).toBe('12.ABC.345/01DE-99');
    expect(formatDocument('12345678909')).toBe('123.456.789-09');
    expect(formatDocument('12345678000195')).toBe('12.345.678/0001-95');
  });

  it('formats mobile and landline numbers', () => {
    expect(formatPhone('+5511912345678')).toBe('+55 (11) 91234-5678');
    expect(formatPhone('+551132345678')).toBe('+55 (11) 3234-5678');
  });

  it('leaves anything of another shape as it is', () => {
    for (const text of ['1234567890', '123456789012', '12.345.678/0001-95', '+1415555123', 'abc'])
      expect([formatCpf(text), formatCnpj(text), formatPhone(text)]).toEqual([text, text, text]);
  });

  it('formats a key by its kind only', () => {
    expect(formatPixKey('52998224725', 'cpf')).toBe('529.982.247-25');
    expect(formatPixKey('+5511912345678', 'phone')).toBe('+55 (11) 91234-5678');
    expect(formatPixKey('fulano@example.com', 'email')).toBe('fulano@example.com');
    expect(formatPixKey('52998224725', null)).toBe('52998224725');
  });
});
