/**
 * Money is integer centavos. These are the only functions that turn centavos into
 * text and text into centavos; no floating point is involved in either direction.
 */

/** The largest amount of one movement: R$ 1 bilhão. */
export const AMOUNT_MAX_CENTS = 100_000_000_000;
/** Longest text accepted by parseBrl, so a pathological input cannot cost much. */
export const MONEY_TEXT_LENGTH_MAX = 32;

export type ParseResult = { ok: true; cents: number } | { ok: false; reason: 'empty' | 'malformed' | 'too_large' };

const GROUPED = /^\d{1,3}(\.\d{3})*(,\d{1,2})?$/;
const PLAIN = /^\d+(,\d{1,2})?$/;

/**
 * Parses an amount typed the Brazilian way: "1.234,56", "1234,56", "1234", "0,5",
 * optionally with "R$" and a leading minus sign. A dot is a thousands separator and
 * must group by three; a comma starts at most two decimal places.
 */
export function parseBrl(input: string): ParseResult {
  let text = input.trim();
  if (text.length === 0) return { ok: false, reason: 'empty' };
  if (text.length > MONEY_TEXT_LENGTH_MAX) return { ok: false, reason: 'malformed' };
  let negative = false;
  if (text.startsWith('-')) {
    negative = true;
    text = text.slice(1).trim();
  }
  if (text.startsWith('R$')) text = text.slice(2).trim();
  if (!negative && text.startsWith('-')) {
    negative = true;
    text = text.slice(1).trim();
  }
  if (!GROUPED.test(text) && !PLAIN.test(text)) return { ok: false, reason: 'malformed' };
  const [whole = '', fraction = ''] = text.split(',');
  const digits = whole.replaceAll('.', '') + fraction.padEnd(2, '0');
  const cents = BigInt(digits);
  if (cents > BigInt(AMOUNT_MAX_CENTS)) return { ok: false, reason: 'too_large' };
  const value = Number(cents);
  return { ok: true, cents: negative ? -value : value };
}

/** Formats centavos as pt-BR currency: 123456 → "R$ 1.234,56", -5 → "-R$ 0,05". */
export function formatBrl(cents: number | bigint): string {
  const value = BigInt(cents);
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  const whole = (absolute / 100n).toString();
  const fraction = (absolute % 100n).toString().padStart(2, '0');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${negative ? '-' : ''}R$ ${grouped},${fraction}`;
}
