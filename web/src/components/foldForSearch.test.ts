import { describe, expect, it } from 'vitest';
import { accentInsensitiveFilter, foldForSearch } from './foldForSearch';

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

describe('accentInsensitiveFilter', () => {
  const options = [
    { group: 'Recentes', items: [{ value: 'h', label: 'Saúde' }] },
    {
      group: 'Todas',
      items: [
        { value: 't', label: 'Transporte' },
        { value: 'e', label: 'Educação' },
      ],
    },
  ];

  it('keeps, in each group, the options whose folded label contains the folded search', () => {
    expect(accentInsensitiveFilter({ options, search: 'TRANS', limit: 100 })).toEqual([
      { group: 'Todas', items: [{ value: 't', label: 'Transporte' }] },
    ]);
    expect(accentInsensitiveFilter({ options, search: 'saude', limit: 100 })).toEqual([
      { group: 'Recentes', items: [{ value: 'h', label: 'Saúde' }] },
    ]);
  });

  it('shows everything for an empty or blank search and nothing for no match', () => {
    expect(accentInsensitiveFilter({ options, search: '  ', limit: 100 })).toBe(options);
    expect(accentInsensitiveFilter({ options, search: 'pet', limit: 100 })).toEqual([]);
  });
});
