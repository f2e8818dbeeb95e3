/**
 * The statement readers: bytes of an OFX or CSV file in, the movements it lists out
 * (see ../statement.ts for the contract). Pure functions; they never touch the database.
 */
import {
  type CsvMapping,
  IMPORT_LINES_MAX,
  type ParsedStatement,
  type StatementFormat,
  StatementTooLarge,
  StatementUnreadable,
} from '../statement.js';
import { decodeStatement } from './charset.js';
import { readCsv } from './csv.js';
import { looksLikeOfx, readOfx } from './ofx.js';
import { CSV_PRESETS, detectInText } from './presets.js';
import { assignDedupeKeys } from './text.js';

export { CSV_PRESETS, type CsvPreset, detectCsvPreset } from './presets.js';

export interface ReadOptions {
  format?: StatementFormat;
  /** A key of CSV_PRESETS. */
  preset?: string;
  /** The person's own mapping; wins over `preset`. */
  mapping?: CsvMapping;
}

function countMovement(count: number): void {
  if (count > IMPORT_LINES_MAX) throw new StatementTooLarge(IMPORT_LINES_MAX);
}

export function readStatement(bytes: Buffer, options: ReadOptions = {}): ParsedStatement {
  const { text, charset } = decodeStatement(bytes);
  const format = options.format ?? (looksLikeOfx(text) ? 'ofx' : 'csv');
  if (format === 'ofx') {
    const result = readOfx(text, countMovement);
    assignDedupeKeys(result.lines);
    return { format, charset, mapping: null, ...result };
  }
  const mapping = chooseMapping(text, options);
  const result = readCsv(text, mapping, countMovement);
  assignDedupeKeys(result.lines);
  return { format, charset, mapping, ...result };
}

function chooseMapping(text: string, options: ReadOptions): CsvMapping {
  if (options.mapping !== undefined) return options.mapping;
  if (options.preset !== undefined) {
    // Own keys only: "constructor" or "__proto__" is no preset, not Object's.
    const preset = Object.hasOwn(CSV_PRESETS, options.preset) ? CSV_PRESETS[options.preset] : undefined;
    if (preset === undefined) throw new StatementUnreadable(`unknown CSV preset: ${options.preset}`, null);
    // The preamble's length varies with the period and the account; the header says where it ends.
    const found = detectInText(text);
    return found?.preset === options.preset ? found : preset.mapping;
  }
  const detected = detectInText(text);
  if (detected === null) {
    throw new StatementUnreadable('the columns were not recognised: choose a bank preset or map the columns', null);
  }
  return detected;
}
