/**
 * `npm run ops -- <command> [options]`: the operator commands of docs/INCIDENT-PLAYBOOK.md and
 * docs/AUDITABILITY.md, against the configured database (DATABASE_URL, or the embedded one in
 * DATA_DIR, as `npm run job` finds it). `npm run ops -- help` lists them. Exit codes: 0 done,
 * 1 failed or found a problem, 64 bad usage or unknown command, 78 bad environment.
 *
 * Unlike `npm start` and `npm run job`, it never migrates: it diagnoses databases in trouble (half
 * restored, read-only), which a migration would change or fail on. It says so when the schema
 * is not this release's, and runs against the schema as it is.
 */
import { migrationsCurrent, readMigrationFiles } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { clockStartingAt } from '../lib/clock.js';
import { AUDIT_COMMANDS } from '../ops/audit/commands.js';
import { configOrExit, configuredDatabase, EXIT_USAGE, say } from '../ops/backup/cli-support.js';
import type { OpsCommand } from '../ops/command.js';
import { INCIDENT_COMMANDS } from '../ops/incident/commands.js';

const COMMANDS: readonly OpsCommand[] = [...INCIDENT_COMMANDS, ...AUDIT_COMMANDS];

function help(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length), 4);
  return [
    'Usage: npm run ops -- <command> [options]',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
  ].join('\n');
}

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  if (name === undefined || name === 'help' || name === '--help') {
    process.stdout.write(`${help()}\n`);
    process.exit(name === undefined ? EXIT_USAGE : 0);
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    say('ops', `no command named ${JSON.stringify(name)}\n${help()}`);
    process.exit(EXIT_USAGE);
  }
  const config = configOrExit('ops');
  const database = await configuredDatabase('ops', config);
  const pool = createPool(database.url, { max: 4 });
  let exitCode = 1;
  try {
    if (!(await migrationsCurrent(pool, await readMigrationFiles())))
      say(
        'ops',
        "this database's schema is not this release's (migrations pending, or a history that differs): nothing is migrated here; the command reads the schema as it is",
      );
    exitCode = await command.run(args, {
      pool,
      clock: clockStartingAt(config.testClockStart),
      out: (line) => process.stdout.write(`${line}\n`),
      say: (line) => say(`ops ${command.name}`, line),
    });
  } catch (error) {
    say(`ops ${command.name}`, `failed: ${(error as Error).message}`);
    exitCode = 1;
  } finally {
    await pool.end();
    await database.embedded?.stop();
  }
  process.exit(exitCode);
}

await main();
