/**
 * Text as a search compares it: accents removed (NFD, then the combining marks dropped)
 * and lower-cased, so "saude" finds "Saúde" and "TRANS" finds "Transporte".
 */
export function foldForSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase('pt-BR');
}
