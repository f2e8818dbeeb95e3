import type { ComboboxItem, OptionsFilter } from '@mantine/core';

/**
 * Text as a search compares it: accents removed (NFD, then the combining marks dropped)
 * and lower-cased, so "saude" finds "Saúde" and "TRANS" finds "Transporte".
 */
export function foldForSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase('pt-BR');
}

/** Typing "trans" finds "Transporte", and "saude" finds "Saúde": accents and case do not count. */
export const accentInsensitiveFilter: OptionsFilter = ({ options, search }) => {
  const needle = foldForSearch(search.trim());
  if (needle.length === 0) return options;
  return options
    .map((entry) => {
      if ('group' in entry) {
        const items = entry.items.filter((item: ComboboxItem) => foldForSearch(item.label).includes(needle));
        return items.length > 0 ? { ...entry, items } : null;
      }
      return foldForSearch(entry.label).includes(needle) ? entry : null;
    })
    .filter((entry) => entry !== null);
};
