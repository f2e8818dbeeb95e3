/**
 * Writes movements as the statement files banks produce, for tests: OFX 1.x SGML (with or
 * without closing tags), OFX 2.x XML, and CSV in three layouts (Nubank account, Santander,
 * and the app's own ledger_entries.csv). The readers must read back what these write.
 * Amounts are formatted from integer centavos by hand, never through floats.
 */
import iconv from 'iconv-lite';

export interface WrittenMovement {
  /** YYYY-MM-DD. */
  occurredOn: string;
  /** Signed centavos, never 0. */
  amountCents: number;
  description: string;
  /** Written as FITID (OFX) or the id column (CSV) when given. */
  fitid?: string | null;
}

export interface OfxWriteOptions {
  /** OFX 1.x only: close every element (</TRNAMT>), as some banks do. Default false. */
  closingTags?: boolean;
  /** A card statement (CCSTMTRS) instead of a bank one (STMTRS). */
  card?: boolean;
  /** "1234.56" (default) or "1234,56", as some Brazilian banks write. */
  decimal?: 'dot' | 'comma';
  /** OFX 1.x only: the bytes' charset; the header declares 1252 for windows-1252, else NONE. Default utf-8. */
  charset?: 'utf-8' | 'windows-1252';
  /** The DTPOSTED suffix after the date, e.g. "120000[-3:BRT]" (the default). */
  timeSuffix?: string;
}

export type CsvLayout = 'nubank_account' | 'santander' | 'vai_de_pix';

export interface CsvWriteOptions {
  layout?: CsvLayout;
  /** vai_de_pix only: the account_id written on every row. */
  accountId?: string;
}

function digitsOf(amountCents: number): { sign: string; whole: string; fraction: string } {
  const absolute = String(Math.abs(amountCents)).padStart(3, '0');
  return { sign: amountCents < 0 ? '-' : '', whole: absolute.slice(0, -2), fraction: absolute.slice(-2) };
}

/** 123456 → "1234.56" (dot) or "1.234,56" (comma, grouped), with a leading "-" when negative. */
export function formatAmount(amountCents: number, decimal: 'dot' | 'comma'): string {
  const { sign, whole, fraction } = digitsOf(amountCents);
  if (decimal === 'dot') return `${sign}${whole}.${fraction}`;
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, '.');
  return `${sign}${grouped},${fraction}`;
}

function escapeMarkup(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function ofxTransaction(movement: WrittenMovement, options: OfxWriteOptions, close: (tag: string) => string): string[] {
  const amount = formatAmount(movement.amountCents, options.decimal ?? 'dot');
  const lines = [
    '<STMTTRN>',
    `<TRNTYPE>${movement.amountCents < 0 ? 'DEBIT' : 'CREDIT'}${close('TRNTYPE')}`,
    `<DTPOSTED>${movement.occurredOn.replaceAll('-', '')}${options.timeSuffix ?? '120000[-3:BRT]'}${close('DTPOSTED')}`,
    `<TRNAMT>${amount}${close('TRNAMT')}`,
  ];
  if (movement.fitid) lines.push(`<FITID>${escapeMarkup(movement.fitid)}${close('FITID')}`);
  lines.push(`<NAME>${escapeMarkup(movement.description)}${close('NAME')}`, '</STMTTRN>');
  return lines;
}

function ofxBody(movements: WrittenMovement[], options: OfxWriteOptions, close: (tag: string) => string): string[] {
  const [messages, transactions, statement, account] = options.card
    ? ['CREDITCARDMSGSRSV1', 'CCSTMTTRNRS', 'CCSTMTRS', `<CCACCTFROM><ACCTID>4111${close('ACCTID')}</CCACCTFROM>`]
    : [
        'BANKMSGSRSV1',
        'STMTTRNRS',
        'STMTRS',
        `<BANKACCTFROM><BANKID>0999${close('BANKID')}<ACCTID>1${close('ACCTID')}</BANKACCTFROM>`,
      ];
  return [
    '<OFX>',
    `<${messages}>`,
    `<${transactions}>`,
    `<${statement}>`,
    `<CURDEF>BRL${close('CURDEF')}`,
    account,
    '<BANKTRANLIST>',
    ...movements.flatMap((movement) => ofxTransaction(movement, options, close)),
    '</BANKTRANLIST>',
    `</${statement}>`,
    `</${transactions}>`,
    `</${messages}>`,
    '</OFX>',
  ];
}

/** OFX 1.x SGML. Line n of the returned text is line n of the file; each <STMTTRN> starts a line. */
export function writeOfx1(movements: WrittenMovement[], options: OfxWriteOptions = {}): Buffer {
  const close = (tag: string) => (options.closingTags ? `</${tag}>` : '');
  const charset = options.charset ?? 'utf-8';
  const header = ['OFXHEADER:100', 'DATA:OFXSGML', 'VERSION:102', 'SECURITY:NONE', 'ENCODING:USASCII'];
  header.push(
    `CHARSET:${charset === 'windows-1252' ? '1252' : 'NONE'}`,
    'COMPRESSION:NONE',
    'OLDFILEUID:NONE',
    'NEWFILEUID:NONE',
    '',
  );
  const text = [...header, ...ofxBody(movements, options, close)].join('\r\n');
  return iconv.encode(text, charset);
}

/** OFX 2.x XML, UTF-8. */
export function writeOfx2(movements: WrittenMovement[], options: OfxWriteOptions = {}): Buffer {
  const close = (tag: string) => `</${tag}>`;
  const header = [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>',
  ];
  return Buffer.from([...header, ...ofxBody(movements, options, close)].join('\n'), 'utf-8');
}

function csvCell(text: string, delimiter: string): string {
  // The app's export neutralises formula-looking cells but leaves plain numbers ("-1250") alone;
  // the reader takes the quote off again.
  const isPlainNumber = /^-?\d+(\.\d+)?$/.test(text);
  const guarded = !isPlainNumber && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  const needsQuotes = guarded.includes(delimiter) || /["\r\n]/.test(guarded) || guarded !== guarded.trim();
  return needsQuotes ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

function brDate(isoDay: string): string {
  const [year, month, day] = isoDay.split('-');
  return `${day}/${month}/${year}`;
}

/** CSV in one of the presets' layouts, "\r\n" line endings (UTF-8 with BOM for vai_de_pix). */
export function writeCsv(movements: WrittenMovement[], options: CsvWriteOptions = {}): Buffer {
  const layout = options.layout ?? 'nubank_account';
  const rows = csvRows(movements, layout, options.accountId ?? '0197a000-0000-7000-8000-000000000001');
  const text = rows.join('\r\n');
  return layout === 'vai_de_pix' ? Buffer.from(`\ufeff${text}`, 'utf-8') : Buffer.from(text, 'utf-8');
}

function csvRows(movements: WrittenMovement[], layout: CsvLayout, accountId: string): string[] {
  if (layout === 'nubank_account') {
    return [
      'Data,Valor,Identificador,Descrição',
      ...movements.map((movement) =>
        [brDate(movement.occurredOn), formatAmount(movement.amountCents, 'dot'), movement.fitid ?? '', movement.description]
          .map((cell) => csvCell(cell, ','))
          .join(','),
      ),
    ];
  }
  if (layout === 'santander') {
    return [
      'Conta Corrente: 0999 01 012345-6',
      'Pessoa Exemplo',
      'Data;Histórico;Documento;Valor (R$);Saldo (R$)',
      ...movements.map((movement) =>
        [brDate(movement.occurredOn), movement.description, movement.fitid ?? '', formatAmount(movement.amountCents, 'comma'), '']
          .map((cell) => csvCell(cell, ';'))
          .join(';'),
      ),
    ];
  }
  const header =
    'entry_id,transaction_id,account_id,account_name,occurred_on,kind,description,category_name,amount_cents,balance_after_cents,created_at';
  return [
    header,
    ...movements.map((movement, index) =>
      [movement.fitid ?? `entry-${index + 1}`, `transaction-${index + 1}`, accountId, 'Conta', movement.occurredOn, 'expense']
        .concat([movement.description, '', String(movement.amountCents), '0', `${movement.occurredOn}T12:00:00.000Z`])
        .map((cell) => csvCell(cell, ','))
        .join(','),
    ),
  ];
}
