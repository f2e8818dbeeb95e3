/**
 * Reads OFX bank and card statements: 1.x SGML (leaf elements with or without closing
 * tags) and 2.x XML. Only the movements are read (STMTTRN inside BANKTRANLIST, under STMTRS
 * or CCSTMTRS), and the account ids, to refuse a file that holds several accounts.
 *
 * Libraries tried (December 2026, on SGML files like test/fixtures/imports/*.ofx), both rejected:
 * - `ofx-js` 1.1.1: throws "Missing closing tag for STMTTRN" on a bare "<" in a MEMO
 *   ("x < y"), gives no line numbers, and its regex-and-slice parser is quadratic: 90 kB of
 *   "<A." took 9 s.
 * - `node-ofx-parser` 0.5.1: "Error while parsing content" on the same bare "<"; turns "P&O"
 *   into "P&amp;amp;O"; no line numbers; a nested-quantifier regex over the whole file.
 * Both return a lone STMTTRN as an object rather than a list, and leave dates and amounts as
 * text ("-1234,56"), which is most of the work here.
 */
import { IMPORT_LINES_MAX, type StatementLine, StatementTooLarge, StatementUnreadable } from '../statement.js';
import { OfxTokenizer } from './ofx-tokens.js';
import {
  CELL_TEXT_LENGTH_MAX,
  cleanText,
  combineDescriptions,
  isBalanceLine,
  isoDay,
  normaliseDescription,
  parseAmount,
  parseInstallment,
} from './text.js';

/** The fields read from one <STMTTRN>; any other element inside it is ignored. */
const TRANSACTION_FIELDS = new Set(['TRNTYPE', 'DTPOSTED', 'TRNAMT', 'FITID', 'NAME', 'MEMO']);

interface RawTransaction {
  line: number;
  isCard: boolean;
  fields: Map<string, string>;
}

export interface OfxReadResult {
  lines: StatementLine[];
  skippedCount: number;
}

/** Whether decoded text is an OFX file: its header, an XML declaration with an OFX one, or the <OFX> root. */
export function looksLikeOfx(text: string): boolean {
  const head = text.slice(0, 2048).trimStart().toUpperCase();
  return head.startsWith('OFXHEADER') || head.includes('<?OFX') || head.includes('<OFX>');
}

export function readOfx(text: string, onMovement: (count: number) => void): OfxReadResult {
  const raw = collectTransactions(text);
  const lines: StatementLine[] = [];
  let skippedCount = 0;
  for (const transaction of raw) {
    const line = toStatementLine(transaction);
    if (line === null) {
      skippedCount += 1;
      continue;
    }
    lines.push(line);
    onMovement(lines.length);
  }
  return { lines, skippedCount };
}

/** The aggregates that name the account a statement is for (not BANKACCTTO, a transfer's other side). */
const ACCOUNT_AGGREGATES = new Set(['BANKACCTFROM', 'CCACCTFROM']);

/**
 * The most <STMTTRN> a file may hold, counted as the walk meets them: the movement limit applies
 * once they are read, and some (balance lines) are skipped, but gathering every one first let a
 * 10 MB file of bare <STMTTRN> tags build a million of them before the limit was checked.
 */
export const OFX_TRANSACTIONS_MAX = 2 * IMPORT_LINES_MAX;

/** What one pass over the tokens has gathered so far. */
class OfxWalk {
  readonly transactions: RawTransaction[] = [];
  readonly accounts = new Set<string>();
  sawRoot = false;
  closedRoot = false;
  private current: RawTransaction | null = null;
  private field: string | null = null;
  private isCard = false;
  private inAccount = false;
  private readingAccountId = false;

  text(text: string): void {
    if (this.readingAccountId) this.accounts.add(text.trim());
    if (this.current !== null && this.field !== null)
      this.current.fields.set(this.field, (this.current.fields.get(this.field) ?? '') + text);
  }

  open(name: string, line: number): void {
    this.field = null;
    this.readingAccountId = this.inAccount && name === 'ACCTID';
    if (name === 'OFX') this.sawRoot = true;
    if (name === 'CCSTMTRS' || name === 'STMTRS') this.isCard = name === 'CCSTMTRS';
    if (ACCOUNT_AGGREGATES.has(name)) this.inAccount = true;
    if (name === 'STMTTRN') {
      if (this.transactions.length === OFX_TRANSACTIONS_MAX) throw new StatementTooLarge(IMPORT_LINES_MAX);
      this.current = { line, isCard: this.isCard, fields: new Map() };
      this.transactions.push(this.current);
    } else if (this.current !== null && TRANSACTION_FIELDS.has(name) && !this.current.fields.has(name)) {
      this.field = name;
      this.current.fields.set(name, '');
    }
  }

  close(name: string): void {
    this.field = null;
    this.readingAccountId = false;
    if (ACCOUNT_AGGREGATES.has(name)) this.inAccount = false;
    if (name === 'STMTTRN' || name === 'BANKTRANLIST') this.current = null;
    if (name === 'OFX') this.closedRoot = true;
  }
}

/**
 * Walks the tokens once, gathering each <STMTTRN>'s fields. Refuses a file cut short, and one
 * holding several accounts' statements: they would be imported into one account.
 */
function collectTransactions(text: string): RawTransaction[] {
  const tokens = new OfxTokenizer(text);
  const walk = new OfxWalk();
  for (let token = tokens.next(); token !== null; token = tokens.next()) {
    if (token.kind === 'text') walk.text(token.text);
    else if (token.kind === 'open') walk.open(token.name, token.line);
    else walk.close(token.name);
  }
  if (!walk.sawRoot) throw new StatementUnreadable('no <OFX> element: this is not an OFX statement', null);
  if (!walk.closedRoot) {
    throw new StatementUnreadable('the file ends before </OFX>: it seems to have been cut short', tokens.currentLine);
  }
  if (walk.accounts.size > 1) {
    const message = `this file holds statements of ${walk.accounts.size} accounts: export one account at a time`;
    throw new StatementUnreadable(message, null);
  }
  return walk.transactions;
}

const ENTITY = /&(#\d{1,7}|#x[0-9a-f]{1,6}|amp|lt|gt|quot|apos|nbsp);/gi;
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const CODE_POINT_MAX = 0x10ffff;

/** A field's text with SGML/XML character references decoded ("&amp;" → "&", "&#233;" → "é"). */
function fieldText(fields: Map<string, string>, name: string): string {
  return (fields.get(name) ?? '').replace(ENTITY, (whole, reference: string) => {
    const lower = reference.toLowerCase();
    if (!lower.startsWith('#')) return NAMED_ENTITIES[lower] ?? whole;
    const codePoint = lower.startsWith('#x') ? Number.parseInt(lower.slice(2), 16) : Number.parseInt(lower.slice(1), 10);
    return codePoint > 0 && codePoint <= CODE_POINT_MAX ? String.fromCodePoint(codePoint) : whole;
  });
}

function toStatementLine(transaction: RawTransaction): StatementLine | null {
  const { fields, line } = transaction;
  const type = fieldText(fields, 'TRNTYPE');
  const description = normaliseDescription(combineDescriptions(fieldText(fields, 'NAME'), fieldText(fields, 'MEMO')), type);
  if (isBalanceLine(description)) return null;
  const occurredOn = readOfxDate(fieldText(fields, 'DTPOSTED'), line);
  const amount = parseAmount(fieldText(fields, 'TRNAMT'), 'either');
  if (!amount.ok) throw new StatementUnreadable(`TRNAMT: ${amount.reason}`, line);
  const fitid = cleanText(fieldText(fields, 'FITID'));
  return {
    line,
    occurredOn,
    description,
    amountCents: amount.cents,
    fitid: fitid.length > 0 ? fitid : null,
    dedupeKey: '',
    installment: parseInstallment(description, transaction.isCard),
  };
}

/**
 * `YYYYMMDD[HHMMSS[.XXX]][[offset[:TZ]]]` → the calendar date as written, which is the date
 * in the offset the file states: the time and offset are checked for shape, never applied.
 */
export function readOfxDate(value: string | undefined, line: number): string {
  const text = (value ?? '').trim();
  // Built only on failure: an Error captures a stack trace, too dear to make for every movement.
  const failure = () => new StatementUnreadable(`DTPOSTED: not an OFX date: ${text.slice(0, CELL_TEXT_LENGTH_MAX)}`, line);
  if (text.length < 8 || text.length > CELL_TEXT_LENGTH_MAX) throw failure();
  if (!/^\d{8}/.test(text) || !isTimeAndOffset(text.slice(8))) throw failure();
  const iso = isoDay(Number(text.slice(0, 4)), Number(text.slice(4, 6)), Number(text.slice(6, 8)));
  if (iso === null) throw new StatementUnreadable(`DTPOSTED: no such day: ${text.slice(0, 8)}`, line);
  return iso;
}

// Hours, minutes, seconds, milliseconds and the bracketed offset, each optional in turn.
// No nested quantifiers, and the input is at most CELL_TEXT_LENGTH_MAX long. The zone name may
// hold digits, since some exports write "[-03:00]".
const TIME_AND_OFFSET =
  /^(?:(\d{2})(\d{2})(?:(\d{2})(?:\.\d{1,3})?)?)?(?:\[([+-]?\d{1,2}(?:\.\d{1,2})?)(?::[A-Za-z0-9]{1,8})?\])?$/;
const HOURS_PER_DAY = 24;
const MINUTES_PER_HOUR = 60;
const OFFSET_HOURS_MAX = 14;

function isTimeAndOffset(rest: string): boolean {
  const match = TIME_AND_OFFSET.exec(rest);
  if (!match) return false;
  const [, hours, minutes, seconds, offset] = match;
  if (hours !== undefined && Number(hours) >= HOURS_PER_DAY) return false;
  if (minutes !== undefined && Number(minutes) >= MINUTES_PER_HOUR) return false;
  // 60 is a leap second.
  if (seconds !== undefined && Number(seconds) > MINUTES_PER_HOUR) return false;
  return offset === undefined || Math.abs(Number(offset)) <= OFFSET_HOURS_MAX;
}
