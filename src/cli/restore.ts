/**
 * `npm run restore -- --in FILE [--into DATABASE_URL] [--force]`: restores a backup made by
 * `npm run backup` (or the backup job) into DATABASE_URL given with --into, else into the
 * configured database (DATABASE_URL, or the embedded one in DATA_DIR). The whole file is
 * checked first (its .sha256 when beside it, then every block of the archive); a target with
 * any table is refused unless --force; the restore is one transaction, so a failure leaves the
 * target as it was. Then, as `npm run job` does, pending migrations are applied and the
 * reconcile job runs, and its result is printed. Human lines on stderr, one JSON line on
 * stdout: {"ok":true,…,"reconcile":{"accounts":N,"open_findings":N}}, or {"ok":false,"code":…,"error":…}.
 * Exit 0 when restored, 1 when not (or the reconcile run failed), 64 for bad arguments (a --into
 * URL with a password among them: the command line is public), 78 for a bad environment.
 */
import pino from 'pino';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { reconcileJob } from '../jobs/reconcile.js';
import { runJobOnce } from '../jobs/runner.js';
import { clockStartingAt } from '../lib/clock.js';
import { loggerOptions } from '../observability/logging.js';
import { initSentry } from '../observability/sentry.js';
import {
  argumentsOrExit,
  configOrExit,
  configuredDatabase,
  describeFailure,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  fail,
  type ResolvedDatabase,
  say,
} from '../ops/backup/cli-support.js';
import { restoreBackup } from '../ops/backup/restore.js';

const COMMAND = 'restore';
const USAGE = 'npm run restore -- --in FILE [--into DATABASE_URL] [--force]';
const DATABASE_URL_PATTERN = /^postgres(ql)?:\/\//;

/**
 * Whether a connection URL carries a password (user:password@, or ?password=), which --into
 * would show to every user of the machine; an unparsable URL counts as one, to be safe.
 */
function hasPassword(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.password !== '' || parsed.searchParams.has('password');
  } catch {
    return true;
  }
}

interface ReconcileSummary {
  ran: boolean;
  accounts: number;
  open_findings: number;
}

/** The reconcile job once, through the runner `npm run job` uses (its lock, job_runs, Sentry for findings). */
async function reconcileRestored(url: string, config: ReturnType<typeof configOrExit>): Promise<ReconcileSummary> {
  const logger = pino(loggerOptions(config.logLevel), pino.destination(2));
  const reporter = await initSentry(config.sentryDsn);
  const pool = createPool(url, { max: 4 });
  try {
    await migrate(pool);
    const outcome = await runJobOnce(pool, reconcileJob, {
      clock: clockStartingAt(config.testClockStart),
      logger,
      trigger: 'command',
      ...(reporter ? { report: (error: Error) => reporter.jobFailed(error, { job: reconcileJob.name }) } : {}),
    });
    const open = await pool.query<{ findings: number }>(
      'SELECT count(*)::int AS findings FROM reconcile_findings WHERE resolved_at IS NULL',
    );
    return {
      ran: outcome.ran,
      accounts: outcome.ran ? outcome.affected : 0,
      open_findings: open.rows[0]?.findings ?? 0,
    };
  } finally {
    await pool.end();
    await reporter?.flush();
  }
}

async function main(): Promise<void> {
  const config = configOrExit(COMMAND);
  const options = argumentsOrExit(
    COMMAND,
    USAGE,
    { in: { type: 'string' }, into: { type: 'string' }, force: { type: 'boolean' } },
    ['in'],
  );
  if (options.into !== undefined && !DATABASE_URL_PATTERN.test(String(options.into)))
    fail(COMMAND, 'usage', `--into must be a postgresql:// URL. Usage: ${USAGE}`, EXIT_USAGE);
  if (options.into !== undefined && hasPassword(String(options.into)))
    fail(
      COMMAND,
      'password_in_url',
      '--into must not carry a password: a command line is readable by every user of the machine (ps). Give it in PGPASSWORD or ~/.pgpass, or use DATABASE_URL in the environment without --into',
      EXIT_USAGE,
    );
  const started = Date.now();
  let database: ResolvedDatabase | undefined;
  try {
    database = options.into === undefined ? await configuredDatabase(COMMAND, config) : { url: String(options.into) };
    const restored = await restoreBackup({ file: String(options.in), url: database.url, force: options.force === true });
    say(
      COMMAND,
      `restored ${restored.file} into ${restored.target}: ${restored.tables} tables (${restored.checksumVerified ? 'checksum verified' : 'no .sha256 beside it; archive checked by pg_restore'}; dumped from PostgreSQL ${restored.dumpedFrom ?? '?'})`,
    );
    const reconcile = await reconcileRestored(database.url, config);
    say(
      COMMAND,
      reconcile.ran
        ? `reconcile compared ${reconcile.accounts} accounts: ${reconcile.open_findings} open findings${reconcile.open_findings > 0 ? ' (see the admin page: the backup holds balances that disagree with the ledger)' : ''}`
        : 'reconcile did not run: another worker holds its lock; run `npm run job -- reconcile` later',
    );
    process.stdout.write(
      `${JSON.stringify({
        ok: true,
        file: restored.file,
        target: restored.target,
        checksum_verified: restored.checksumVerified,
        tables: restored.tables,
        reconcile,
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
