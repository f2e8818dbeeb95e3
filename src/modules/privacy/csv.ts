/**
 * CSV for the export's ZIP: RFC 4180 (comma, CRLF, a field quoted when it holds a comma, a
 * quote, CR or LF, quotes doubled), UTF-8 with a BOM so spreadsheets read accents right.
 */

export const UTF8_BOM = '\uFEFF';

/** A cell a spreadsheet would take for a formula starts with one of these (OWASP, CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;
/**
 * A plain number is not a formula, and the export is full of negative amounts (amount_cents,
 * balances) that must stay numbers for the app's own import and for sums in a spreadsheet:
 * these are written as they are. docs/THREAT-MODEL.md records the choice.
 */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A cell as text a spreadsheet shows and does not run: a leading ' before a formula start. */
export function neutralise(value: string): string {
  if (PLAIN_NUMBER.test(value)) return value;
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function csvCell(value: string | null): string {
  if (value === null) return '';
  const text = neutralise(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(cells: ReadonlyArray<string | null>): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
