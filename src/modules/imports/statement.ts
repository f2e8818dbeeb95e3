/**
 * What a bank statement becomes once read: the contract between the statement readers
 * (OFX and CSV, pure functions of the file's bytes) and the imports module (preview,
 * duplicates, posting). Readers never touch the database.
 */

export type StatementFormat = 'ofx' | 'csv';

/** One movement read from the file. */
export interface StatementLine {
  /** 1-based line of the file where the movement starts (OFX: the <STMTTRN> tag's line). */
  line: number;
  /** YYYY-MM-DD: the calendar date in the offset the file states (Brazil, -03:00, when none). */
  occurredOn: string;
  /** Trimmed, single-spaced, without control characters; at most DESCRIPTION_LENGTH_MAX. */
  description: string;
  /** Signed centavos: negative leaves the account (a debit), positive enters it. Never 0. */
  amountCents: number;
  /** The bank's own id (OFX FITID) when the file gives one that is unique in the file; else null. */
  fitid: string | null;
  /**
   * The key that recognises this movement in a later import of the same account: `fitid:<FITID>|<amountCents>`
   * when there is one, else `hash:<sha256 hex of date, amount, description, occurrence that day>`.
   */
  dedupeKey: string;
  /** Installment text the bank printed ("Parcela 2/6"), kept for the card issue; null when none. */
  installment: { number: number; count: number } | null;
}

/** The column mapping of a CSV file (a preset's, or the person's own). Columns are 0-based. */
export interface CsvMapping {
  /** The preset it came from, or 'custom'. */
  preset: string;
  delimiter: ';' | ',' | '\t';
  /** Rows to skip before the header (banks put the account holder's name above it). */
  skipRows: number;
  hasHeader: boolean;
  dateColumn: number;
  dateFormat: 'dd/mm/yyyy' | 'yyyy-mm-dd' | 'dd/mm/yy';
  descriptionColumn: number;
  /** One signed amount column, or separate debit and credit columns. */
  amount: { kind: 'signed'; column: number } | { kind: 'debit_credit'; debitColumn: number; creditColumn: number };
  /** 'comma': 1.234,56; 'dot': 1234.56; 'cents': integer centavos (the app's own export). */
  decimal: 'comma' | 'dot' | 'cents';
  /** Card statements list purchases as positive numbers: flip them so a purchase is negative. */
  invertSign: boolean;
  /** A column with the bank's own id for the row (Nubank's "Identificador"; the app's entry id). */
  fitidColumn?: number;
  /** Only rows whose column holds this value (the app's own export lists every account in one file). */
  filter?: { column: number; value: string };
  /**
   * A second text column appended to the description as "description - detail" when it adds
   * something (Inter's and Banco do Brasil's detail column, C6's installment). Added by the readers.
   */
  detailColumn?: number;
  /**
   * The detail column is the bill's installment column (C6's "Parcela": "2/6" or "Única"): a
   * bare "2/6" in it is written "Parcela 2/6", a marker that names itself, since the column says so.
   */
  detailInstallment?: boolean;
  /**
   * A column that says which way an unsigned amount goes (Caixa's "Deb_Cred": "D" or "C"):
   * the amount is made negative when the cell equals `debitValue` (ignoring case), positive
   * otherwise. Added by the readers.
   */
  signColumn?: { column: number; debitValue: string };
}

export interface ParsedStatement {
  format: StatementFormat;
  /** The charset the bytes were read as ('utf-8', 'windows-1252', 'iso-8859-1'). */
  charset: string;
  /** The mapping used, for a CSV (so the imports module can remember it per account). */
  mapping: CsvMapping | null;
  lines: StatementLine[];
  /** Balance lines and other rows that are not movements, counted, not returned. */
  skippedCount: number;
}

/** Why a file could not be read; the imports module turns it into 422 import_unreadable. */
export class StatementUnreadable extends Error {
  constructor(
    message: string,
    /** 1-based line where reading failed; null when the file as a whole is the problem. */
    readonly line: number | null,
  ) {
    super(message);
    this.name = 'StatementUnreadable';
  }
}

/** The file holds more than IMPORT_LINES_MAX movements; 413 import_too_large. */
export class StatementTooLarge extends Error {
  constructor(readonly linesMax: number) {
    super(`more than ${linesMax} lines`);
    this.name = 'StatementTooLarge';
  }
}

/** Bounds every reader enforces (the route enforces the byte size before reading). */
export const IMPORT_FILE_BYTES_MAX = 10 * 1024 * 1024;
export const IMPORT_LINES_MAX = 50_000;
export const DESCRIPTION_LENGTH_MAX = 200;

/**
 * The header of the app's own export of ledger entries (`ledger_entries.csv` in the ZIP of
 * GET /api/privacy/export): the export writes it, the `vai_de_pix` preset reads it back.
 */
export const LEDGER_ENTRIES_COLUMNS = [
  'entry_id',
  'transaction_id',
  'account_id',
  'account_name',
  'occurred_on',
  'kind',
  'description',
  'category_name',
  'amount_cents',
  'balance_after_cents',
  'created_at',
] as const;

/** The column of a ledger entry's position in LEDGER_ENTRIES_COLUMNS. */
export function ledgerEntriesColumn(name: (typeof LEDGER_ENTRIES_COLUMNS)[number]): number {
  return LEDGER_ENTRIES_COLUMNS.indexOf(name);
}
