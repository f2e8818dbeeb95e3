import type { OpsCommand } from '../command.js';
import { archiveRowCounts } from './archive-rows.js';
import { EXIT_DONE, EXIT_FOUND, EXIT_USAGE, parseOptions } from './args.js';
import { tableRowCounts } from './incident.repository.js';

const USAGE = 'npm run ops -- restore-check --in FILE';

/**
 * Tables whose rows are never removed by the app: after a restore of FILE, each must hold at
 * least the archive's rows. Others shrink by design once the app runs again: sessions, expired
 * idempotency keys, old job runs, rate-limit windows, a deleted person's categories and other
 * rows, and accounts (a goal that never held money is deleted with its ledger account).
 */
export const NEVER_SHRINKING_TABLES: readonly string[] = ['schema_migrations', 'transactions', 'ledger_entries'];

/**
 * `restore-check --in FILE`: the rows of each table of the backup FILE against the database's.
 * One line per table: archive rows, database rows, and `missing` (fewer rows than the backup),
 * `ok`, `more` (written since) or `only_in_database`. Exit 1 when a never-shrinking table has
 * fewer rows than the backup, or any table of the backup is missing (a partial restore), else 0.
 */
export const restoreCheckCommand: OpsCommand = {
  name: 'restore-check',
  summary: "compare each table's rows with a backup file's (exit 1 when a restore is partial)",
  usage: USAGE,
  async run(args, context) {
    const parsed = parseOptions(args, { options: { in: { type: 'string' } }, positionals: 0, usage: USAGE }, context);
    const file = parsed?.values.in;
    if (!parsed || typeof file !== 'string' || file === '') {
      if (parsed) context.say(`missing --in. Usage: ${USAGE}`);
      return EXIT_USAGE;
    }
    const archive = await archiveRowCounts(file);
    const database = await tableRowCounts(context.pool);
    let partial = 0;
    for (const table of [...new Set([...archive.keys(), ...database.keys()])].sort()) {
      const expected = archive.get(table);
      const found = database.get(table);
      let status = 'ok';
      if (expected === undefined) status = 'only_in_database';
      else if (found === undefined || found < expected) status = 'missing';
      else if (found > expected) status = 'more';
      // The app never drops a table: one of the backup's that the database lacks is always partial.
      if (status === 'missing' && (found === undefined || NEVER_SHRINKING_TABLES.includes(table))) partial += 1;
      context.out(`${table} archive_rows=${expected ?? '-'} database_rows=${found ?? '-'} ${status}`);
    }
    context.out(partial === 0 ? 'restore complete' : `restore partial: ${partial} table(s) hold fewer rows than the backup`);
    return partial === 0 ? EXIT_DONE : EXIT_FOUND;
  },
};
