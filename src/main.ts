import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { isDatabaseUnavailable } from './http/errors.js';
import { expireIdempotencyKeysJob } from './jobs/expire-idempotency-keys.js';
import { expireRateLimitsJob } from './jobs/expire-rate-limits.js';
import { materializeRecurringJob } from './jobs/materialize-recurring.js';
import { purgeSessionsJob } from './jobs/purge-sessions.js';
import { type Scheduler, startScheduler } from './jobs/scheduler.js';
import { clockStartingAt } from './lib/clock.js';
import { serializeError } from './observability/errors.js';
import { embeddedPostgresLogWriter, loggerOptions } from './observability/logging.js';
import { initSentry } from './observability/sentry.js';
import { unexpectedErrorHandler } from './process-errors.js';

/** How long in-flight requests get to finish after SIGTERM before the process exits. */
const SHUTDOWN_GRACE_MS = 10_000;

function describeDatabase(url: string, embedded: EmbeddedDatabase | undefined): string {
  if (embedded) return `embedded PostgreSQL on 127.0.0.1:${embedded.port}, data in ${embedded.dataDir}`;
  const parsed = new URL(url);
  return `PostgreSQL server at ${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

/** At boot the database may still be starting (both started together): wait this long. */
const BOOT_DATABASE_WAIT_MS = 30_000;
const BOOT_DATABASE_RETRY_MS = 1_000;

function databaseErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function migrateWhenReachable(pool: ReturnType<typeof createPool>, logger: pino.Logger): Promise<void> {
  const deadline = Date.now() + BOOT_DATABASE_WAIT_MS;
  for (;;) {
    try {
      const { applied } = await migrate(pool);
      if (applied.length > 0) logger.info({ applied }, 'applied migrations');
      return;
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() > deadline) throw error;
      logger.warn({ code: databaseErrorCode(error) }, 'the database is not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, BOOT_DATABASE_RETRY_MS));
    }
  }
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
  const clock = clockStartingAt(config.testClockStart);
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

  const grace = closeWithGrace(
    { delay: SHUTDOWN_GRACE_MS, skip: ['uncaughtException', 'unhandledRejection'] },
    async ({ signal }) => {
      logger.info({ signal }, 'stopping');
      await shutdown();
      logger.info('stopped');
    },
  );
  const onUnexpectedError = unexpectedErrorHandler({
    logger,
    report: (error) => reporter?.processFailed(error),
    shutdown: async () => {
      await shutdown();
      await reporter?.flush();
    },
    uninstall: grace.uninstall,
    grace_ms: SHUTDOWN_GRACE_MS,
  });
  process.on('uncaughtException', onUnexpectedError);
  process.on('unhandledRejection', onUnexpectedError);

  try {
    if (config.databaseUrl === undefined) {
      logger.info({ data_dir: config.dataDir }, 'starting the embedded PostgreSQL');
      embedded = await startEmbeddedDatabase({
        dataDir: config.dataDir,
        onLog: embeddedPostgresLogWriter((line) => logger.debug({ postgres: line })),
        onUnexpectedExit: (message) => logger.error(message),
      });
    }
    const databaseUrl = config.databaseUrl ?? (embedded as EmbeddedDatabase).url;
    pool = createPool(databaseUrl, {
      max: config.databasePoolMax,
      onIdleConnectionLost: (error) =>
        logger.warn({ code: databaseErrorCode(error) }, 'lost an idle database connection; a new one opens when needed'),
    });
    await migrateWhenReachable(pool, logger);

    if (config.role === 'all' || config.role === 'worker') {
      scheduler = startScheduler({
        pool,
        logger,
        clock,
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
        clock,
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
