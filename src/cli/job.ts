/**
 * `npm run job -- <name>`: runs one job once, under its lock, against the configured database
 * (DATABASE_URL, or the embedded one in DATA_DIR: the running app's, else started for the
 * run), and prints one line of JSON: {"job":…,"ran":true|false,"items":N,"ms":…}, plus "error"
 * when it failed. Like `npm start`, it first applies any pending migrations to that database.
 * Exit 0 when it ran or was skipped because another worker held the lock; 1 when it failed or
 * could not run (database unreachable: then "ran" is false); 64 for an unknown job name; 69 for a
 * job of a feature turned off on this server (ENABLE_INSIGHTS=false…: nothing runs, nothing is
 * written, the database is not touched); 78 for a bad environment.
 */
import pino from 'pino';
import { ConfigError, loadConfig } from '../config.js';
import {
  DataDirInUseError,
  type EmbeddedDatabase,
  EmbeddedStartError,
  runningEmbeddedUrl,
  startEmbeddedDatabase,
} from '../db/embedded.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { featureOfJob } from '../features.js';
import { allJobs } from '../jobs/registry.js';
import { errorSummary, runJobOnce } from '../jobs/runner.js';
import { clockStartingAt } from '../lib/clock.js';
import { loggerOptions } from '../observability/logging.js';
import { initSentry } from '../observability/sentry.js';
import { commandDatabaseUrl } from '../ops/backup/cli-support.js';

const EXIT_USAGE = 64;
/** sysexits' EX_UNAVAILABLE: the job exists but its feature is off here. */
const EXIT_FEATURE_DISABLED = 69;
const EXIT_CONFIG = 78;

function fail(message: string, code: number): never {
  process.stderr.write(`vai-de-pix job: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, EXIT_CONFIG);
    throw error;
  }
  const jobs = allJobs(config);
  const name = process.argv[2];
  const job = jobs.find((candidate) => candidate.name === name);
  const feature = name === undefined ? undefined : featureOfJob(name);
  if (!job && feature)
    fail(
      `the job ${JSON.stringify(name)} belongs to the ${feature.name} feature, which is turned off on this server (${feature.env}): nothing ran`,
      EXIT_FEATURE_DISABLED,
    );
  if (!job)
    fail(
      `${name === undefined ? 'which job?' : `no job named ${JSON.stringify(name)}`} One of: ${jobs.map((candidate) => candidate.name).join(', ')}`,
      EXIT_USAGE,
    );

  // Logs go to stderr, so stdout is the one line of JSON a script reads.
  const logger = pino(loggerOptions(config.logLevel), pino.destination(2));
  const reporter = await initSentry(config.sentryDsn);
  let embedded: EmbeddedDatabase | undefined;
  // Past a transaction pooler, PostgreSQL itself: the migrations hold a session lock.
  let url = await commandDatabaseUrl('job', config);
  if (url === undefined) {
    url = await runningEmbeddedUrl(config.dataDir);
    if (url === undefined) {
      try {
        embedded = await startEmbeddedDatabase({ dataDir: config.dataDir });
        url = embedded.url;
      } catch (error) {
        if (error instanceof DataDirInUseError) fail(`${error.message} (or set DATABASE_URL)`, 1);
        if (error instanceof EmbeddedStartError) fail(error.message, 1);
        throw error;
      }
    }
  }
  const pool = createPool(url, { max: 4 });
  const started = Date.now();
  let locked = false;
  let exitCode = 0;
  try {
    await migrate(pool);
    const outcome = await runJobOnce(pool, job, {
      clock: clockStartingAt(config.testClockStart),
      logger,
      trigger: 'command',
      onLocked: () => {
        locked = true;
      },
      ...(reporter ? { report: (error: Error) => reporter.jobFailed(error, { job: job.name }) } : {}),
    });
    const items = outcome.ran ? outcome.affected : 0;
    process.stdout.write(`${JSON.stringify({ job: job.name, ran: outcome.ran, items, ms: Date.now() - started })}\n`);
  } catch (error) {
    if (locked) reporter?.jobFailed(error, { job: job.name });
    process.stdout.write(
      `${JSON.stringify({ job: job.name, ran: locked, items: 0, ms: Date.now() - started, error: errorSummary(error) })}\n`,
    );
    exitCode = 1;
  } finally {
    await pool.end();
    await embedded?.stop();
    await reporter?.flush();
  }
  process.exit(exitCode);
}

await main();
