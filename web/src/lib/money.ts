/**
 * Money in the web app is integer centavos, exactly as the API carries it. Parsing and
 * the pt-BR format are the server's own module (src/lib/money.ts), imported here so the
 * two cannot drift; this file adds only what the screens need on top of it.
 */
import { BRL_SYMBOL, formatBrl as formatBrlUnbroken, NO_BREAK_SPACE } from '../../../src/lib/money';

export {
  AMOUNT_MAX_CENTS,
  MONEY_TEXT_LENGTH_MAX,
  type ParseFailure,
  type ParseResult,
  parseBrl,
} from '../../../src/lib/money';

/**
 * Formats centavos as pt-BR currency with an ordinary space after the symbol:
 * 123456 → "R$ 1.234,56", -5 → "-R$ 0,05". In a narrow cell the symbol may wrap
 * above the figure; inside a sentence use formatBrlInText.
 */
export function formatBrl(cents: number): string {
  return formatBrlUnbroken(cents).replace(NO_BREAK_SPACE, ' ');
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
  return formatBrlUnbroken(cents);
}

/** The text to put back in an amount input: 123456 → "1.234,56" (no symbol). */
export function formatBrlInput(cents: number): string {
  return formatBrlUnbroken(cents).replace(`${BRL_SYMBOL}${NO_BREAK_SPACE}`, '');
}
