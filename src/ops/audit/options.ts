import { parseArgs } from 'node:util';
import { isTimestamp } from '../../http/validation.js';
import { isUuid } from '../../lib/ids.js';
import { formatDecimal } from '../../lib/money.js';
import type { OpsContext } from '../command.js';

/** The exit codes every ops command shares (see src/cli/ops.ts). */
export const EXIT_OK = 0;
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 64;

/** A usage error: the command says why and how to call it, and exits 64. */
export class UsageError extends Error {}

export interface ParsedOptions {
  strings: Partial<Record<string, string>>;
  flags: Partial<Record<string, boolean>>;
  positionals: string[];
}

/** The options after the command's name; an unknown option or a value missing is a usage error. */
export function parseOptions(
  args: readonly string[],
  options: { strings: readonly string[]; flags: readonly string[]; positionals: boolean },
): ParsedOptions {
  const kinds: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of options.strings) kinds[name] = { type: 'string' };
  for (const name of options.flags) kinds[name] = { type: 'boolean' };
  try {
    const parsed = parseArgs({ args: [...args], options: kinds, strict: true, allowPositionals: options.positionals });
    const strings: Partial<Record<string, string>> = {};
    const flags: Partial<Record<string, boolean>> = {};
    for (const [name, value] of Object.entries(parsed.values)) {
      if (typeof value === 'string') strings[name] = value;
      if (typeof value === 'boolean') flags[name] = value;
    }
    return { strings, flags, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * An instant as the API takes it in `?at=` (RFC 3339 with seconds and an offset, checked by
 * the same function), read the way the API reads it (`new Date`, millisecond precision), so
 * both count the same entries.
 */
export function instantOption(text: string | undefined, name: string): Date {
  if (text === undefined || !isTimestamp(text)) {
    throw new UsageError(`--${name} must be an instant with seconds and an offset, e.g. 2026-11-03T07:00:00-03:00`);
  }
  return new Date(text);
}

export function uuidOption(text: string | undefined, name: string): string {
  if (text === undefined || !isUuid(text)) throw new UsageError(`--${name} must be an id (a UUID)`);
  return text.toLowerCase();
}

/** Runs a command body, turning a usage error into its message, the usage line and exit 64. */
export async function withUsage(context: OpsContext, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    context.say(`${error.message}\nUsage: ${usage}`);
    return EXIT_USAGE;
  }
}

/** Centavos for an operator: a machine decimal, signed when asked ("+500.00", "-120.50"). */
export function money(cents: number, options: { signed?: boolean } = {}): string {
  const text = formatDecimal(cents);
  return options.signed && cents > 0 ? `+${text}` : text;
}

/** Rows of cells as left-aligned columns two spaces apart, the last cell unpadded. */
export function columns(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows.map(
    (row) => indent + row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  '),
  );
}

/** The longest label ("corrected by") and a space. */
const FIELD_LABEL_WIDTH = 13;

/** One labelled line of a report: the label in a fixed column, so reports read down. */
export function field(label: string, value: string): string {
  return `${label.padEnd(FIELD_LABEL_WIDTH)}${value}`;
}

export function json(context: OpsContext, value: unknown): void {
  context.out(JSON.stringify(value, null, 2));
}
