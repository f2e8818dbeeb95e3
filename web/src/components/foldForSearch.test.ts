import { describe, expect, it } from 'vitest';
import { foldForSearch } from './foldForSearch';

describe('foldForSearch', () => {
  it('drops accents and case, so a plain query matches accented names', () => {
    expect(foldForSearch('Saúde')).toBe('saude');
    expect(foldForSearch('Educação')).toBe('educacao');
    expect(foldForSearch('FARMÁCIA São João')).toBe('farmacia sao joao');
    expect(foldForSearch('Transporte').includes(foldForSearch('trans'))).toBe(true);
  });

  it('keeps letters that are not accented forms and text that has no accents', () => {
    expect(foldForSearch('ß')).toBe('ß');
    expect(foldForSearch('mercado 24h')).toBe('mercado 24h');
  });
});
