/**
 * Small pure rules shared by the OFX and CSV readers: how a description is cleaned, which
 * rows are balance lines, how an amount or a date is read, and how a movement gets the key
 * that recognises it in a later import.
 */
import { createHash } from 'node:crypto';
import { isValidDay } from '../../../lib/calendar.js';
import { AMOUNT_MAX_CENTS } from '../../../lib/money.js';
import { DESCRIPTION_LENGTH_MAX, type StatementLine } from '../statement.js';

/** What an empty description becomes when the file gives no TRNTYPE either. */
export const DESCRIPTION_EMPTY = 'Sem descrição';
/** Longest amount or date text looked at; longer cells are refused before any parsing. */
export const CELL_TEXT_LENGTH_MAX = 40;

// C0 and C1 control characters, DEL, and the zero-width and bidirectional marks that make
// two equal-looking descriptions differ. Whitespace controls (tab, newline) become spaces first.
// Spelt out rather than \s, which also matches U+FEFF, a mark to remove rather than a space.
const WHITESPACE_RUN = /[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this pattern is for.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const COMBINING_MARK = /[\u0300-\u036f]/g;

/**
 * Text without control, zero-width or bidi-override characters, lone surrogates replaced,
 * whitespace runs as one space, trimmed: what a screen shows as the same text is the same text.
 */
export function withoutControls(text: string): string {
  return text
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(WHITESPACE_RUN, ' ')
    .replace(CONTROL, '')
    .replace(WHITESPACE_RUN, ' ')
    .trim();
}

/**
 * Cleans text as the statement contract promises for descriptions: whitespace (tabs and
 * newlines included) collapsed to single spaces, other control characters removed, lone
 * surrogates replaced by U+FFFD, trimmed, and cut to DESCRIPTION_LENGTH_MAX characters without
 * splitting a surrogate pair. May return "".
 */
export function cleanText(text: string): string {
  let clean = withoutControls(text);
  if (clean.length <= DESCRIPTION_LENGTH_MAX) return clean;
  let cut = '';
  for (const character of clean) {
    if (cut.length + character.length > DESCRIPTION_LENGTH_MAX) break;
    cut += character;
  }
  clean = cut.trimEnd();
  return clean;
}

/** A description for a movement: the cleaned text, else the cleaned fallback (an OFX TRNTYPE), else DESCRIPTION_EMPTY. */
export function normaliseDescription(text: string, fallback = ''): string {
  return cleanText(text) || cleanText(fallback) || DESCRIPTION_EMPTY;
}

/** Lower case and without accents (NFD, combining marks removed): what two spellings of one text share. */
export function foldText(text: string): string {
  return text.normalize('NFD').replace(COMBINING_MARK, '').toLowerCase();
}

/**
 * Two description texts made one (OFX NAME and MEMO; a CSV description and detail column):
 * either one alone, or "NAME - MEMO" when both are given and neither contains the other
 * (compared without case or accents). Banks put the payee in one and the detail in the
 * other, and either may be missing or a copy of the other.
 */
export function combineDescriptions(name: string, memo: string): string {
  const cleanName = cleanText(name);
  const cleanMemo = cleanText(memo);
  if (cleanName.length === 0 || cleanMemo.length === 0) return cleanName || cleanMemo;
  const foldedName = foldText(cleanName);
  const foldedMemo = foldText(cleanMemo);
  if (foldedName.includes(foldedMemo)) return cleanName;
  if (foldedMemo.includes(foldedName)) return cleanMemo;
  return `${cleanName} - ${cleanMemo}`;
}

// A balance line says "saldo", possibly spaced out ("S A L D O"), alone or followed by one
// of these words. Prefix matching on the folded letters keeps "Saldo do dia 30/11" in.
const BALANCE_AFTER_SALDO = [
  '',
  'anterior',
  'dodia',
  'final',
  'inicial',
  'atual',
  'total',
  'disponivel',
  'emconta',
  'bloqueado',
  'parcial',
  'domes',
  'diario',
  'liquido',
  'daconta',
];

/** Whether a description names a balance line ("Saldo anterior", "SALDO", "S A L D O"), which is not a movement. */
export function isBalanceLine(description: string): boolean {
  const letters = foldText(description).replace(/[^a-z]/g, '');
  if (!letters.startsWith('saldo')) return false;
  const rest = letters.slice('saldo'.length);
  return BALANCE_AFTER_SALDO.some((word) => (word === '' ? rest === '' : rest.startsWith(word)));
}

/**
 * A marker is at most 26 characters ("parcela 123 de 123)" with its spacing), so only the
 * description's last INSTALLMENT_TAIL_LENGTH characters are searched: the patterns below have
 * bounded repetitions only, and run on a bounded text, whatever the description holds.
 */
const INSTALLMENT_TAIL_LENGTH = 40;
const INSTALLMENT_WORDED = /(?:^|[\s\-–(])(?:parcela|parc\.?)\s{0,3}(\d{1,3})\s{0,3}(?:\/|de)\s{0,3}(\d{1,3})\)?$/i;
const INSTALLMENT_BARE = /(?:^|[\s\-–(])(\d{1,3})\/(\d{1,3})\)?$/;
const MARKER_SEPARATORS = /[\s\-–(]{1,8}$/;

/** An installment marker and the description before it ("Loja X" of "Loja X - Parcela 2/6"). */
export interface InstallmentMarker {
  number: number;
  count: number;
  /** The description without the marker and the separators before it; the whole description when nothing precedes it. */
  rest: string;
  /**
   * The marker names itself ("Parcela", "PARC", "Parc."): false for a bare "2/6", which may as
   * well be a date ("Netflix 05/12"), so a card import only matches it, never builds on it.
   */
  worded: boolean;
}

/**
 * The installment a card statement prints at the end of a description: "Parcela 2/6",
 * "PARC 02/06", "Parc.2/6", "parcela 2 de 6", or a bare "2/6" (bare only on card statements,
 * where an account statement's "30/11" would be a date). Number must be between 1 and a count
 * of at least 2.
 */
export function installmentMarker(description: string, isCard: boolean): InstallmentMarker | null {
  const offset = Math.max(0, description.length - INSTALLMENT_TAIL_LENGTH);
  const tail = description.slice(offset);
  const worded = INSTALLMENT_WORDED.exec(tail);
  const match = worded ?? (isCard ? INSTALLMENT_BARE.exec(tail) : null);
  if (!match) return null;
  const number = Number(match[1]);
  const count = Number(match[2]);
  if (count < 2 || number < 1 || number > count) return null;
  // A tail cut mid-word cannot match at its "^": a marker is shorter than the tail.
  const rest = description
    .slice(0, offset + match.index)
    .replace(MARKER_SEPARATORS, '')
    .trim();
  return { number, count, rest: rest === '' ? description : rest, worded: worded !== null };
}

export function parseInstallment(description: string, isCard: boolean): StatementLine['installment'] {
  const marker = installmentMarker(description, isCard);
  return marker === null ? null : { number: marker.number, count: marker.count };
}

const TRAILING_SIGN = /(?:\s*(-)|\s+([DC]))$/i;

export type AmountStyle = 'comma' | 'dot' | 'either' | 'cents';
export type AmountResult = { ok: true; cents: number } | { ok: false; reason: string };

/**
 * Reads an amount exactly, from its digits, never through a float. `comma`: 1.234,56;
 * `dot`: 1,234.56; `either` (OFX, where banks write both): when both separators appear the
 * last one is the decimal one, a lone separator is decimal, a repeated one groups thousands;
 * `cents`: signed integer centavos. Signs: a leading "-", "−" or "+", before or after "R$",
 * or a trailing "-", " D" (debit) or " C" (credit). Zero, a separator without digits after it,
 * and more than two decimals are refused.
 */
export function parseAmount(text: string, style: AmountStyle): AmountResult {
  let rest = text.trim();
  if (rest.length === 0) return { ok: false, reason: 'empty amount' };
  if (rest.length > CELL_TEXT_LENGTH_MAX) return { ok: false, reason: 'amount too long' };
  let negative = false;
  // One sign at most, before or after the number: "--10,00", "+-10,00" or "-10,00 C" says two
  // things, and neither is taken on trust.
  let signs = 0;
  // U+2212 is the minus sign a spreadsheet may write instead of the hyphen.
  rest = rest.replaceAll('\u2212', '-');
  for (let round = 0; round < 2; round += 1) {
    if (rest.startsWith('-') || rest.startsWith('+')) {
      negative = rest.startsWith('-');
      signs += 1;
      rest = rest.slice(1).trim();
    }
    if (rest.startsWith('R$')) rest = rest.slice(2).trim();
  }
  // Older bank exports put the sign after the number: "1.234,56-", "1.234,56 D", "50,00 C".
  const suffix = TRAILING_SIGN.exec(rest);
  if (suffix !== null) {
    negative = suffix[1] === '-' || suffix[2]?.toUpperCase() === 'D';
    signs += 1;
    rest = rest.slice(0, suffix.index).trim();
  }
  if (signs > 1) return { ok: false, reason: `more than one sign: ${text.trim()}` };
  const digits = style === 'cents' ? integerDigits(rest) : decimalDigits(rest, style);
  if (typeof digits !== 'string') return digits;
  const cents = BigInt(digits);
  if (cents > BigInt(AMOUNT_MAX_CENTS)) return { ok: false, reason: `amount above R$ 1 bilhão: ${text.trim()}` };
  if (cents === 0n) return { ok: false, reason: 'amount is zero' };
  return { ok: true, cents: negative ? -Number(cents) : Number(cents) };
}

function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (const character of text) if (character < '0' || character > '9') return false;
  return true;
}

function integerDigits(text: string): string | AmountResult {
  return isDigits(text) ? text : { ok: false, reason: `not an amount in centavos: ${text}` };
}

function decimalSeparatorOf(text: string, style: 'comma' | 'dot' | 'either'): string | null {
  if (style === 'comma') return ',';
  if (style === 'dot') return '.';
  const lastDot = text.lastIndexOf('.');
  const lastComma = text.lastIndexOf(',');
  if (lastDot === -1 && lastComma === -1) return null;
  const last = lastDot > lastComma ? '.' : ',';
  const other = last === '.' ? ',' : '.';
  // "1.234.567" groups thousands; "1.234" and "12,50" are decimals.
  if (!text.includes(other) && text.indexOf(last) !== text.lastIndexOf(last)) return null;
  return last;
}

function decimalDigits(text: string, style: 'comma' | 'dot' | 'either'): string | AmountResult {
  const decimal = decimalSeparatorOf(text, style);
  const grouping = decimal === ',' ? '.' : decimal === '.' ? ',' : text.includes('.') ? '.' : ',';
  const [whole = '', fraction, extra] = decimal === null ? [text] : text.split(decimal);
  if (extra !== undefined) return { ok: false, reason: `not an amount: ${text}` };
  if (fraction !== undefined && !isDigits(fraction)) return { ok: false, reason: `not an amount: ${text}` };
  if (fraction !== undefined && fraction.length > 2) return { ok: false, reason: `more than two decimals: ${text}` };
  const wholeDigits = groupedDigits(whole, grouping, fraction !== undefined);
  if (wholeDigits === null) return { ok: false, reason: `not an amount: ${text}` };
  return wholeDigits + (fraction ?? '').padEnd(2, '0');
}

/** "1.234.567" → "1234567" when every group after the first has three digits; "" only before decimals. */
function groupedDigits(whole: string, grouping: string, hasFraction: boolean): string | null {
  if (whole.length === 0) return hasFraction ? '0' : null;
  const groups = whole.split(grouping);
  const [first = '', ...others] = groups;
  if (!isDigits(first)) return null;
  if (others.length > 0 && first.length > 3) return null;
  for (const group of others) if (group.length !== 3 || !isDigits(group)) return null;
  return groups.join('');
}

/** Builds YYYY-MM-DD from the numbers a file wrote, or null when that day does not exist. */
export function isoDay(year: number, month: number, day: number): string | null {
  if (!isValidDay(year, month, day)) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Gives every movement its dedupe key: `fitid:<FITID>|<amount_cents>` when its FITID is unique in
 * the file (with the amount, because some banks reuse ids across statements: a later file's
 * id 1 for another amount is another movement, not a duplicate to drop),
 * else `hash:` + sha256 hex of `date|amount_cents|folded description|occurrence`, the
 * occurrence counting from 1 among the file's movements with the same date, amount and
 * folded description, in file order. Repeated FITIDs are dropped (set to null).
 */
export function assignDedupeKeys(lines: StatementLine[]): void {
  const fitidCounts = new Map<string, number>();
  for (const line of lines) if (line.fitid !== null) fitidCounts.set(line.fitid, (fitidCounts.get(line.fitid) ?? 0) + 1);
  const occurrences = new Map<string, number>();
  for (const line of lines) {
    const content = `${line.occurredOn}|${line.amountCents}|${foldText(line.description)}`;
    const occurrence = (occurrences.get(content) ?? 0) + 1;
    occurrences.set(content, occurrence);
    if (line.fitid !== null && fitidCounts.get(line.fitid) === 1) {
      line.dedupeKey = `fitid:${line.fitid}|${line.amountCents}`;
      continue;
    }
    line.fitid = null;
    line.dedupeKey = `hash:${createHash('sha256').update(`${content}|${occurrence}`).digest('hex')}`;
  }
}
