/**
 * `npm run backup -- --out FILE`: a pg_dump (custom format) of the configured database
 * (DATABASE_URL, or the embedded one in DATA_DIR: the running app's, else started for the
 * run) into FILE, with FILE.sha256 beside it. FILE is written whole or not at all, mode 0600;
 * an existing FILE is refused. Human lines on stderr, one JSON line on stdout:
 * {"ok":true,"file":…,"bytes":N,"sha256":…,"server_version":…,"pg_dump_version":…,"ms":…}, or
 * {"ok":false,"code":…,"error":…}. Exit 0 when written, 1 when not (pg_dump missing or too old:
 * the message names the package), 64 for bad arguments, 78 for a bad environment.
 */
import {
  argumentsOrExit,
  configOrExit,
  configuredDatabase,
  describeFailure,
  EXIT_FAILURE,
  EXIT_OK,
  fail,
  type ResolvedDatabase,
  say,
} from '../ops/backup/cli-support.js';
import { describeTarget } from '../ops/backup/connection.js';
import { writeBackup } from '../ops/backup/dump.js';

const COMMAND = 'backup';
const USAGE = 'npm run backup -- --out FILE';

async function main(): Promise<void> {
  const config = configOrExit(COMMAND);
  const { out } = argumentsOrExit(COMMAND, USAGE, { out: { type: 'string' } }, ['out']);
  const started = Date.now();
  let database: ResolvedDatabase | undefined;
  try {
    database = await configuredDatabase(COMMAND, config);
    say(COMMAND, `dumping ${describeTarget(database.url)}`);
    const backup = await writeBackup({ url: database.url, file: String(out) });
    say(
      COMMAND,
      `wrote ${backup.file} (${backup.bytes} bytes, sha256 ${backup.sha256}) from PostgreSQL ${backup.serverVersion} with pg_dump ${backup.pgDumpVersion}`,
    );
    process.stdout.write(
      `${JSON.stringify({
        ok: true,
        file: backup.file,
        bytes: backup.bytes,
        sha256: backup.sha256,
        server_version: backup.serverVersion,
        pg_dump_version: backup.pgDumpVersion,
        ms: Date.now() - started,
      })}\n`,
    );
  } catch (error) {
    const failure = describeFailure(error);
    await database?.embedded?.stop();
    fail(COMMAND, failure.code, failure.message, EXIT_FAILURE);
  }
  await database?.embedded?.stop();
  process.exit(EXIT_OK);
}

await main();
