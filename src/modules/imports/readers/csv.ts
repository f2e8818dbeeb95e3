/**
 * Reads CSV statements with csv-parse, through a column mapping (a preset's or the person's).
 * csv-parse handles the quoting; this file turns rows into movements and keeps line numbers
 * right: csv-parse counts a "\r\n" inside a quoted field as two lines, so line endings are made
 * "\n" first, and a record's first line is counted from where the previous one ended.
 */
import { CsvError, parse } from 'csv-parse/sync';
import { type CsvMapping, type StatementLine, StatementUnreadable } from '../statement.js';
import {
  type AmountResult,
  CELL_TEXT_LENGTH_MAX,
  cleanText,
  combineDescriptions,
  isBalanceLine,
  isoDay,
  normaliseDescription,
  parseAmount,
  parseInstallment,
} from './text.js';

/** The id of the app's own export preset, whose file lists every account. */
export const VAI_DE_PIX_PRESET = 'vai_de_pix';
/** The account_id column of the app's own ledger_entries.csv. */
export const VAI_DE_PIX_ACCOUNT_COLUMN = 2;
/**
 * Longest physical line: a statement row is well under 1 kB. Checked before parsing, because
 * csv-parse's own record limit does not see a line of a million empty fields.
 */
export const CSV_LINE_LENGTH_MAX = 8192;
/** Longest record (a quoted field may span lines) before csv-parse gives up. */
export const CSV_RECORD_LENGTH_MAX = 65_536;

// A cell the app's export (or a careful bank) neutralised against formula injection: "'=…".
// "\n" stands for the guarded "\r", which the line-ending normalisation has already turned into "\n".
const FORMULA_GUARD = /^'(?=[=+\-@\t\r\n])/;

export interface CsvReadResult {
  lines: StatementLine[];
  skippedCount: number;
}

/** The highest column a mapping may name (0-based) and the most lines it may skip above the header. */
export const CSV_COLUMNS_MAX = 100;
export const CSV_SKIP_ROWS_MAX = 100;

const DELIMITERS: readonly string[] = [';', ',', '\t'];
const DATE_FORMATS: readonly string[] = ['dd/mm/yyyy', 'yyyy-mm-dd', 'dd/mm/yy'];
const DECIMALS: readonly string[] = ['comma', 'dot', 'cents'];

function isIndex(value: unknown, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < max;
}

/**
 * Checks a mapping before use: the person's own mapping arrives from a form, and a column of
 * -1 or 1e9 should be a clear refusal rather than a file of empty cells.
 */
export function checkMapping(mapping: CsvMapping): void {
  const { amount } = mapping;
  const columns = [
    mapping.dateColumn,
    mapping.descriptionColumn,
    mapping.fitidColumn,
    mapping.detailColumn,
    mapping.filter?.column,
  ];
  columns.push(
    mapping.signColumn?.column,
    ...(amount.kind === 'signed' ? [amount.column] : [amount.debitColumn, amount.creditColumn]),
  );
  const problems = [
    !DELIMITERS.includes(mapping.delimiter) && 'delimiter',
    !DATE_FORMATS.includes(mapping.dateFormat) && 'dateFormat',
    !DECIMALS.includes(mapping.decimal) && 'decimal',
    !isIndex(mapping.skipRows, CSV_SKIP_ROWS_MAX + 1) && 'skipRows',
    columns.some((column) => column !== undefined && !isIndex(column, CSV_COLUMNS_MAX)) && 'a column',
  ].filter((problem) => problem !== false);
  if (problems.length > 0) throw new StatementUnreadable(`the column mapping is invalid: ${problems.join(', ')}`, null);
}

/** Text with every line ending made "\n", each physical line checked against CSV_LINE_LENGTH_MAX. */
export function normaliseLineEndings(text: string): string {
  const unified = text.replace(/\r\n?/g, '\n');
  let start = 0;
  let line = 1;
  while (start <= unified.length) {
    let end = unified.indexOf('\n', start);
    if (end === -1) end = unified.length;
    if (end - start > CSV_LINE_LENGTH_MAX)
      throw new StatementUnreadable(`line longer than ${CSV_LINE_LENGTH_MAX} characters`, line);
    start = end + 1;
    line += 1;
  }
  return unified;
}

export function readCsv(text: string, mapping: CsvMapping, onMovement: (count: number) => void): CsvReadResult {
  checkMapping(mapping);
  const unified = normaliseLineEndings(text);
  // The app's own export lists every account; without a filter, it must hold only one.
  const accounts = new Set<string>();
  const countAccounts = mapping.preset === VAI_DE_PIX_PRESET && mapping.filter === undefined;
  const lines: StatementLine[] = [];
  let skippedCount = 0;
  let previousEnd = mapping.skipRows;
  let previousEmpty = 0;
  let headerPending = mapping.hasHeader;
  const onRecord = (record: string[], context: { lines: number; empty_lines: number }): null => {
    const line = previousEnd + 1 + (context.empty_lines - previousEmpty);
    previousEnd = context.lines;
    previousEmpty = context.empty_lines;
    if (headerPending) {
      headerPending = false;
      return null;
    }
    const cells = record.map(unguard);
    if (countAccounts) accounts.add((cells[VAI_DE_PIX_ACCOUNT_COLUMN] ?? '').trim());
    const outcome = readRow(cells, mapping, line);
    if (outcome === 'skipped') skippedCount += 1;
    if (outcome !== 'skipped' && outcome !== 'ignored') {
      lines.push(outcome);
      onMovement(lines.length);
    }
    return null;
  };
  try {
    parse(unified, csvOptions(mapping, onRecord));
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line =
      error.code === 'CSV_QUOTE_NOT_CLOSED' ? previousEnd + 1 : ((error as CsvError & { lines?: number }).lines ?? null);
    throw new StatementUnreadable(`the CSV is malformed: ${error.message}`, line);
  }
  if (accounts.size > 1) {
    const message = `this export holds ${accounts.size} accounts: choose the account to import (a filter on account_id)`;
    throw new StatementUnreadable(message, null);
  }
  return { lines, skippedCount };
}

function csvOptions(mapping: CsvMapping, onRecord: (record: string[], context: { lines: number; empty_lines: number }) => null) {
  return {
    delimiter: mapping.delimiter,
    from_line: mapping.skipRows + 1,
    relax_column_count: true,
    // A stray quote inside an unquoted field ("Loja 5" Centro) is text, as spreadsheets read it.
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: CSV_RECORD_LENGTH_MAX,
    on_record: onRecord,
  };
}

function unguard(cell: string): string {
  return cell.replace(FORMULA_GUARD, '');
}

/**
 * The app's own export lists ledger entries, never balance rows: its "Saldo inicial" is an
 * account's opening entry, a movement the balance needs (a bank's "Saldo inicial" is not).
 */
function listsOnlyMovements(mapping: CsvMapping): boolean {
  return mapping.preset === VAI_DE_PIX_PRESET;
}

const BARE_INSTALLMENT = /^\s{0,3}\d{1,3}\/\d{1,3}\s{0,3}$/;

/** The detail column's text; an installment column's bare "2/6" becomes "Parcela 2/6". */
function detailOf(cells: readonly string[], mapping: CsvMapping): string {
  const detail = mapping.detailColumn === undefined ? '' : (cells[mapping.detailColumn] ?? '');
  return mapping.detailInstallment === true && BARE_INSTALLMENT.test(detail) ? `Parcela ${detail.trim()}` : detail;
}

/** A movement, 'skipped' (a balance or text row, counted), or 'ignored' (empty, or another account's). */
function readRow(cells: string[], mapping: CsvMapping, line: number): StatementLine | 'skipped' | 'ignored' {
  if (cells.every((cell) => cell.trim().length === 0)) return 'ignored';
  if (mapping.filter !== undefined && (cells[mapping.filter.column] ?? '').trim() !== mapping.filter.value) return 'ignored';
  const detail = detailOf(cells, mapping);
  const description = normaliseDescription(combineDescriptions(cells[mapping.descriptionColumn] ?? '', detail));
  const dateText = (cells[mapping.dateColumn] ?? '').trim();
  // Rows whose date cell holds no digit ("", "Total") are the bank's continuation or footer
  // text, not movements; a date cell with digits must be a real date.
  if (!/\d/.test(dateText) || (isBalanceLine(description) && !listsOnlyMovements(mapping))) return 'skipped';
  const occurredOn = readCsvDate(dateText, mapping.dateFormat, line);
  const amountCents = readRowAmount(cells, mapping, line);
  // A dated row with no amount at all is an information line (Itaú's "SDO CTA/APL AUTOMATICAS"
  // carries only a balance); a filled amount cell that cannot be read fails the file.
  if (amountCents === null) return 'skipped';
  const fitid = mapping.fitidColumn === undefined ? '' : cleanText(cells[mapping.fitidColumn] ?? '');
  return {
    line,
    occurredOn,
    description,
    amountCents: mapping.invertSign ? -amountCents : amountCents,
    fitid: fitid.length > 0 ? fitid : null,
    dedupeKey: '',
    installment: parseInstallment(description, mapping.invertSign),
  };
}

/** The row's signed amount, or null when its amount cells are all empty. */
function readRowAmount(cells: string[], mapping: CsvMapping, line: number): number | null {
  if (mapping.amount.kind === 'signed') {
    const text = cells[mapping.amount.column] ?? '';
    if (text.trim().length === 0) return null;
    const cents = required(parseAmount(text, mapping.decimal), line);
    if (mapping.signColumn === undefined) return cents;
    const sign = (cells[mapping.signColumn.column] ?? '').trim().toUpperCase();
    return sign === mapping.signColumn.debitValue.toUpperCase() ? -Math.abs(cents) : Math.abs(cents);
  }
  const debit = optionalAmount(cells[mapping.amount.debitColumn] ?? '', mapping.decimal, line);
  const credit = optionalAmount(cells[mapping.amount.creditColumn] ?? '', mapping.decimal, line);
  if (debit === null && credit === null) return null;
  if (debit !== null && credit !== null) throw new StatementUnreadable('an amount in both the debit and the credit column', line);
  return debit !== null ? -Math.abs(debit) : Math.abs(credit ?? 0);
}

function required(result: AmountResult, line: number): number {
  if (!result.ok) throw new StatementUnreadable(result.reason, line);
  return result.cents;
}

/** A debit or credit cell: empty or zero means "not this column". */
function optionalAmount(text: string, decimal: CsvMapping['decimal'], line: number): number | null {
  if (text.trim().length === 0) return null;
  const result = parseAmount(text, decimal);
  if (!result.ok && result.reason === 'amount is zero') return null;
  return required(result, line);
}

const DATE_SEPARATORS = /[/.-]/;
const TWO_DIGIT_YEAR_BASE = 2000;

/**
 * dd/mm/yyyy (also with "-" or "." and a two-digit year), dd/mm/yy, or yyyy-mm-dd (also
 * "yyyymmdd", as Caixa writes it). A time after the date ("30/11/2026 14:03") is ignored.
 */
export function readCsvDate(text: string, format: CsvMapping['dateFormat'], line: number): string {
  const datePart = text.slice(0, CELL_TEXT_LENGTH_MAX).split(/[\sT]/)[0] ?? '';
  const parts = /^\d{8}$/.test(datePart)
    ? [datePart.slice(0, 4), datePart.slice(4, 6), datePart.slice(6, 8)]
    : datePart.split(DATE_SEPARATORS);
  // Built only on failure: an Error captures a stack trace, too dear to make for every row.
  const failure = () => new StatementUnreadable(`not a ${format} date: ${text.slice(0, CELL_TEXT_LENGTH_MAX)}`, line);
  if (parts.length !== 3 || !parts.every((part) => /^\d{1,4}$/.test(part))) throw failure();
  const [first = '', second = '', third = ''] = parts;
  const yearFirst = format === 'yyyy-mm-dd';
  const yearText = yearFirst ? first : third;
  // Two-digit years are written day first (dd/mm/yy); "05/11/26" read year first would be 2005.
  if (yearText.length !== 4 && (yearFirst || yearText.length !== 2)) throw failure();
  const year = yearText.length === 2 ? TWO_DIGIT_YEAR_BASE + Number(yearText) : Number(yearText);
  const iso = yearFirst ? isoDay(year, Number(second), Number(third)) : isoDay(year, Number(second), Number(first));
  if (iso === null) throw new StatementUnreadable(`no such day: ${datePart}`, line);
  return iso;
}
