import { parseArgs } from 'node:util';
import type { OpsContext } from '../command.js';

export const EXIT_DONE = 0;
export const EXIT_FOUND = 1;
export const EXIT_USAGE = 64;

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

/**
 * The command's options and positionals, or undefined after telling the operator the usage
 * (the caller then exits 64). Unknown options are refused, as in the other CLIs.
 */
export function parseOptions(
  args: readonly string[],
  spec: { options: OptionSpec; positionals: number; usage: string },
  context: OpsContext,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } | undefined {
  try {
    const parsed = parseArgs({ args: [...args], options: spec.options, strict: true, allowPositionals: spec.positionals > 0 });
    if (parsed.positionals.length !== spec.positionals) throw new Error(`expected ${spec.positionals} argument(s)`);
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (error) {
    context.say(`${(error as Error).message}. Usage: ${spec.usage}`);
    return undefined;
  }
}

/** A whole number of at least `min` from an option, or undefined when it is not one. */
export function wholeNumber(value: string | boolean | undefined, fallback: number, min: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return undefined;
  const parsed = Number(value);
  return parsed >= min ? parsed : undefined;
}
