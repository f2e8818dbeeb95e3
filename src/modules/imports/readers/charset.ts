/**
 * Turns a statement's bytes into text. Brazilian banks write UTF-8, ISO-8859-1 or
 * windows-1252, and some declare 1252 in an OFX header while writing UTF-8. The rule:
 * a UTF-8 byte order mark, or bytes that are valid UTF-8, mean UTF-8 whatever the header
 * says (a 1252 text with accents is almost never valid UTF-8 by accident); otherwise the
 * declared ISO-8859-1 is honoured and everything else is read as windows-1252, which agrees
 * with ISO-8859-1 on every printable character and adds the curly quotes and "€" of 0x80–0x9F.
 * iconv-lite decodes, because Node's TextDecoder('windows-1252') is really ISO-8859-1.
 */
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { StatementUnreadable } from '../statement.js';

export type Charset = 'utf-8' | 'windows-1252' | 'iso-8859-1';

/** How much of the file's start is looked at for a declared charset or for binary content. */
export const CHARSET_SNIFF_BYTES = 4096;
/** A text statement has almost no control bytes; more than this share of the sample means binary. */
export const BINARY_CONTROL_SHARE_MAX = 0.05;

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export interface DecodedText {
  text: string;
  charset: Charset;
}

export function decodeStatement(bytes: Buffer): DecodedText {
  refuseBinary(bytes);
  if (bytes.subarray(0, UTF8_BOM.length).equals(UTF8_BOM)) {
    return { text: iconv.decode(bytes.subarray(UTF8_BOM.length), 'utf-8'), charset: 'utf-8' };
  }
  // isUtf8 refuses overlongs, surrogates and truncated sequences: a 1252 text with accents fails it.
  if (isUtf8(bytes)) return { text: iconv.decode(bytes, 'utf-8'), charset: 'utf-8' };
  const charset = declaredCharset(bytes) ?? 'windows-1252';
  return { text: iconv.decode(bytes, charset), charset };
}

/** The single-byte charset an OFX header or XML declaration names, if any. */
function declaredCharset(bytes: Buffer): Charset | null {
  const head = bytes.subarray(0, CHARSET_SNIFF_BYTES).toString('latin1').toUpperCase();
  if (head.includes('ISO-8859-1') || head.includes('ISO8859-1') || head.includes('LATIN1')) return 'iso-8859-1';
  return null;
}

function refuseBinary(bytes: Buffer): void {
  const sample = bytes.subarray(0, CHARSET_SNIFF_BYTES);
  let controls = 0;
  for (const byte of sample) {
    // Tab, line feed and carriage return are text; every other C0 byte is not.
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) controls += 1;
  }
  if (sample.length > 0 && controls / sample.length > BINARY_CONTROL_SHARE_MAX) {
    throw new StatementUnreadable('the file is not text (it looks like a binary file)', null);
  }
}
