/**
 * Text as the server normalises it for rules (src/modules/imports/payee.ts normaliseText):
 * lower case, accents removed, digits and punctuation turned into single spaces.
 */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, ' ')
    .trim();
}
