/**
 * Money in the web app is integer centavos, exactly as the API carries it. These are the
 * only functions that turn centavos into text and text into centavos; no floating point
 * is involved in either direction. The rules mirror the server's `src/lib/money.ts`.
 */

/** The largest amount of one movement: R$ 1 bilhão. */
export const AMOUNT_MAX_CENTS = 100_000_000_000;
/** Longest text accepted by parseBrl, so a pathological paste cannot cost much. */
export const MONEY_TEXT_LENGTH_MAX = 32;

export type ParseFailure = 'empty' | 'malformed' | 'too_large';
export type ParseResult = { ok: true; cents: number } | { ok: false; reason: ParseFailure };

// A dot groups thousands by three ("1.234.567"); a comma starts at most two decimals.
const GROUPED = /^\d{1,3}(\.\d{3})*(,\d{1,2})?$/;
const PLAIN = /^\d+(,\d{1,2})?$/;
const CURRENCY_SYMBOL = 'R$';

function stripSign(text: string): { negative: boolean; rest: string } {
  if (text.startsWith('-')) return { negative: true, rest: text.slice(1).trim() };
  return { negative: false, rest: text };
}

/**
 * Parses an amount typed the Brazilian way: "1.234,56", "1234,56", "1234", "0,5",
 * optionally with "R$" and a minus sign (before or after the symbol).
 */
export function parseBrl(input: string): ParseResult {
  const trimmed = input.trim();
  if (trimmed.length === 0) return { ok: false, reason: 'empty' };
  if (trimmed.length > MONEY_TEXT_LENGTH_MAX) return { ok: false, reason: 'malformed' };

  let { negative, rest: text } = stripSign(trimmed);
  if (text.startsWith(CURRENCY_SYMBOL)) text = text.slice(CURRENCY_SYMBOL.length).trim();
  if (!negative) ({ negative, rest: text } = stripSign(text));
  if (!GROUPED.test(text) && !PLAIN.test(text)) return { ok: false, reason: 'malformed' };

  const [whole = '', fraction = ''] = text.split(',');
  // BigInt keeps "99999999999999999999" exact long enough to be refused as too large.
  const cents = BigInt(whole.replaceAll('.', '') + fraction.padEnd(2, '0'));
  if (cents > BigInt(AMOUNT_MAX_CENTS)) return { ok: false, reason: 'too_large' };
  const value = Number(cents);
  return { ok: true, cents: negative && value !== 0 ? -value : value };
}

/** Formats centavos as pt-BR currency: 123456 → "R$ 1.234,56", -5 → "-R$ 0,05". */
export function formatBrl(cents: number): string {
  const value = BigInt(cents);
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  const whole = (absolute / 100n).toString();
  const fraction = (absolute % 100n).toString().padStart(2, '0');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${negative ? '-' : ''}R$ ${grouped},${fraction}`;
}

/** "+R$ 10,00" / "-R$ 10,00": for movements, where the direction is the point. */
export function formatBrlSigned(cents: number): string {
  return cents > 0 ? `+${formatBrl(cents)}` : formatBrl(cents);
}

/**
 * For an amount inside a sentence: a no-break space after "R$", so a line never ends
 * between the symbol and the number (the figure itself has no break opportunity).
 */
export function formatBrlInText(cents: number): string {
  return formatBrl(cents).replace(`${CURRENCY_SYMBOL} `, `${CURRENCY_SYMBOL}\u00a0`);
}

/** The text to put back in an amount input: 123456 → "1.234,56" (no symbol). */
export function formatBrlInput(cents: number): string {
  return formatBrl(cents).replace(`${CURRENCY_SYMBOL} `, '');
}
