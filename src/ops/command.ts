import type pg from 'pg';
import type { Clock } from '../lib/clock.js';

/** What an `npm run ops` command is given: the app's database, its clock, and where to write. */
export interface OpsContext {
  pool: pg.Pool;
  clock: Clock;
  /** A line for the operator (stdout): tables, diffs, reports. */
  out: (line: string) => void;
  /** A line about the command itself (stderr): progress, warnings. */
  say: (line: string) => void;
}

/**
 * One operator command of `npm run ops -- <name> [options]`. `run` gets the arguments after the
 * name and resolves with the exit code: 0 done (or nothing to do), 1 failed or found a problem,
 * 64 bad usage.
 */
export interface OpsCommand {
  name: string;
  /** One line for `npm run ops -- help`. */
  summary: string;
  usage: string;
  run(args: readonly string[], context: OpsContext): Promise<number>;
}
