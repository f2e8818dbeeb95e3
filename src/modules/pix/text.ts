/**
 * Names, cities and descriptions in a BR Code are plain printable ASCII: banks differ in
 * what else they accept, so accents are removed ("São Paulo" → "Sao Paulo") while upper
 * and lower case are kept.
 */

// Letters that Unicode does not decompose into a base letter plus marks.
const LETTERS_WITHOUT_DECOMPOSITION: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  đ: 'd',
  Đ: 'D',
  ł: 'l',
  Ł: 'L',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'TH',
  ı: 'i',
};
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/gu;

export type PlainAsciiResult = { ok: true; text: string } | { ok: false; unsupported: string[] };

/**
 * Reduces text to printable ASCII: compatibility decomposition (NFKD: "ç" → "c" + mark,
 * "º" → "o"), marks removed, a few letters spelled out, runs of white space made one
 * space and the ends trimmed. Characters with no ASCII spelling (emoji, CJK) are an
 * error, unless `dropUnsupported` is set, when they are left out.
 */
export function toPlainAscii(input: string, options: { dropUnsupported?: boolean } = {}): PlainAsciiResult {
  const spelled = input
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[\u0080-\u{10ffff}]/gu, (character) => LETTERS_WITHOUT_DECOMPOSITION[character] ?? character)
    .replace(/\s+/gu, ' ');
  if (PRINTABLE_ASCII.test(spelled)) return { ok: true, text: spelled.trim() };
  if (options.dropUnsupported) return { ok: true, text: spelled.replace(NOT_PRINTABLE_ASCII, '').replace(/ {2,}/g, ' ').trim() };
  return { ok: false, unsupported: [...new Set(spelled.match(NOT_PRINTABLE_ASCII) ?? [])] };
}
