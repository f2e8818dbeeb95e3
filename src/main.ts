import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { expireIdempotencyKeysJob } from './jobs/expire-idempotency-keys.js';
import { expireRateLimitsJob } from './jobs/expire-rate-limits.js';
import { materializeRecurringJob } from './jobs/materialize-recurring.js';
import { purgeSessionsJob } from './jobs/purge-sessions.js';
import { type Scheduler, startScheduler } from './jobs/scheduler.js';
import { serializeError } from './observability/errors.js';
import { embeddedPostgresLogLine, loggerOptions } from './observability/logging.js';
import { initSentry } from './observability/sentry.js';

/** How long in-flight requests get to finish after SIGTERM before the process exits. */
const SHUTDOWN_GRACE_MS = 10_000;

function describeDatabase(url: string, embedded: EmbeddedDatabase | undefined): string {
  if (embedded) return `embedded PostgreSQL on 127.0.0.1:${embedded.port}, data in ${embedded.dataDir}`;
  const parsed = new URL(url);
  return `PostgreSQL server at ${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`vai-de-pix: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = pino(loggerOptions(config.logLevel));
  const reporter = await initSentry(config.sentryDsn);

  let embedded: EmbeddedDatabase | undefined;
  let app: FastifyInstance | undefined;
  let scheduler: Scheduler | undefined;
  let pool: ReturnType<typeof createPool> | undefined;

  const shutdown = async () => {
    await app?.close();
    await scheduler?.stop();
    await pool?.end();
    await embedded?.stop();
  };

  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err) {
      logger.error({ err }, 'stopping after an unexpected error');
      reporter?.processFailed(err);
    } else logger.info({ signal }, 'stopping');
    await shutdown();
    await reporter?.flush();
    logger.info('stopped');
  });

  try {
    if (config.databaseUrl === undefined) {
      logger.info({ data_dir: config.dataDir }, 'starting the embedded PostgreSQL');
      embedded = await startEmbeddedDatabase({
        dataDir: config.dataDir,
        onLog: (line) => {
          const safe = embeddedPostgresLogLine(line);
          if (safe !== undefined) logger.debug({ postgres: safe });
        },
      });
    }
    const databaseUrl = config.databaseUrl ?? (embedded as EmbeddedDatabase).url;
    pool = createPool(databaseUrl, { max: config.databasePoolMax });
    const { applied } = await migrate(pool);
    if (applied.length > 0) logger.info({ applied }, 'applied migrations');

    if (config.role === 'all' || config.role === 'worker') {
      scheduler = startScheduler({
        pool,
        logger,
        jobs: [
          expireIdempotencyKeysJob,
          materializeRecurringJob,
          purgeSessionsJob({ sessionIdleHours: config.sessionIdleHours }),
          expireRateLimitsJob,
        ],
        ...(reporter ? { onJobFailed: (error, job) => reporter.jobFailed(error, { job: job.name }) } : {}),
      });
    }
    if (config.role === 'all' || config.role === 'api') {
      app = await buildApp({
        config,
        pool,
        logger: loggerOptions(config.logLevel),
        ...(reporter ? { onServerError: (error, context) => reporter.requestFailed(error, context) } : {}),
      });
      const address = await app.listen({ port: config.port, host: config.host });
      logger.info(
        { address, role: config.role, database_mode: embedded ? 'embedded' : 'server' },
        `Vai de Pix listening on ${address} (role ${config.role}; database: ${describeDatabase(databaseUrl, embedded)})`,
      );
    }
  } catch (error) {
    // The message of a failed start can be a database error carrying values; the
    // serialized form keeps only what is safe to print.
    const described = serializeError(error);
    logger.fatal({ err: error }, `could not start: ${described.message || described.type}`);
    process.stderr.write(`vai-de-pix: could not start: ${described.message || described.type}\n`);
    reporter?.processFailed(error);
    await reporter?.flush();
    await shutdown().catch(() => {});
    process.exit(1);
  }
}

await main();
