/**
 * Money is integer centavos. These are the only functions that turn centavos into
 * text and text into centavos; no floating point is involved in either direction.
 * The server and the web app both import this module, so it stays pure TypeScript:
 * no Node or DOM imports, and no Intl, whose output may differ between browsers.
 */

/** The largest amount of one movement: R$ 1 bilhão. */
export const AMOUNT_MAX_CENTS = 100_000_000_000;
/** Longest text accepted by parseBrl and parseDecimal, so a pathological input cannot cost much. */
export const MONEY_TEXT_LENGTH_MAX = 32;

export type ParseFailure = 'empty' | 'malformed' | 'too_large';
export type ParseResult = { ok: true; cents: number } | { ok: false; reason: ParseFailure };

const GROUPED = /^\d{1,3}(\.\d{3})*(,\d{1,2})?$/;
const PLAIN = /^\d+(,\d{1,2})?$/;
const DECIMAL = /^\d+(\.\d{1,2})?$/;

function fromDigits(whole: string, fraction: string, negative: boolean): ParseResult {
  // BigInt keeps "99999999999999999999" exact long enough to be refused as too large.
  const cents = BigInt(whole + fraction.padEnd(2, '0'));
  if (cents > BigInt(AMOUNT_MAX_CENTS)) return { ok: false, reason: 'too_large' };
  const value = Number(cents);
  // Never -0: "-0,00" is zero.
  return { ok: true, cents: negative && value !== 0 ? -value : value };
}

/**
 * Parses an amount typed the Brazilian way: "1.234,56", "1234,56", "1234", "0,5",
 * optionally with "R$" and a leading minus sign. A dot is a thousands separator and
 * must group by three; a comma starts at most two decimal places. Anything else
 * ("12.34", "1,234", "1.23,00") is refused rather than guessed.
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
  // trim() also removes the no-break space that Intl puts after "R$".
  if (text.startsWith('R$')) text = text.slice(2).trim();
  if (!negative && text.startsWith('-')) {
    negative = true;
    text = text.slice(1).trim();
  }
  if (!GROUPED.test(text) && !PLAIN.test(text)) return { ok: false, reason: 'malformed' };
  const [whole = '', fraction = ''] = text.split(',');
  return fromDigits(whole.replaceAll('.', ''), fraction, negative);
}

/**
 * Parses a machine decimal with a dot and at most two decimals ("1234.56", "10.5",
 * "7"), as the Pix BR Code carries amounts. No sign, no grouping.
 */
export function parseDecimal(input: string): ParseResult {
  if (input.length === 0) return { ok: false, reason: 'empty' };
  if (input.length > MONEY_TEXT_LENGTH_MAX || !DECIMAL.test(input)) return { ok: false, reason: 'malformed' };
  const [whole = '', fraction = ''] = input.split('.');
  return fromDigits(whole, fraction, false);
}

/** Centavos as a machine decimal with exactly two decimals: 123456 → "1234.56", -5 → "-0.05". */
export function formatDecimal(cents: number | bigint): string {
  const value = BigInt(cents);
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  const fraction = (absolute % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${absolute / 100n}.${fraction}`;
}

/** The currency symbol and the no-break space (U+00A0) that Intl's pt-BR format puts after it. */
export const BRL_SYMBOL = 'R$';
export const NO_BREAK_SPACE = '\u00a0';

/**
 * Formats centavos as pt-BR currency, exactly as Intl.NumberFormat('pt-BR', BRL) does:
 * 123456 → "R$ 1.234,56" and -5 → "-R$ 0,05", where the space after "R$" is a no-break
 * space (U+00A0). Zero is always "R$ 0,00", never "-R$ 0,00".
 */
export function formatBrl(cents: number | bigint): string {
  const value = BigInt(cents);
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  const whole = (absolute / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  const fraction = (absolute % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${BRL_SYMBOL}${NO_BREAK_SPACE}${whole},${fraction}`;
}
