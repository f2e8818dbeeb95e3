import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp, LOG_REDACT_PATHS } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { expireIdempotencyKeysJob } from './jobs/expire-idempotency-keys.js';
import { expireRateLimitsJob } from './jobs/expire-rate-limits.js';
import { materializeRecurringJob } from './jobs/materialize-recurring.js';
import { type Scheduler, startScheduler } from './jobs/scheduler.js';

/** How long in-flight requests get to finish after SIGTERM before the process exits. */
const SHUTDOWN_GRACE_MS = 10_000;

function describeDatabase(url: string, embedded: EmbeddedDatabase | undefined): string {
  if (embedded) return `embedded PostgreSQL on 127.0.0.1:${embedded.port}, data in ${embedded.dataDir}`;
  const parsed = new URL(url);
  return `PostgreSQL server at ${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

async function initSentry(config: Config): Promise<((error: unknown) => void) | undefined> {
  if (!config.sentryDsn) return undefined;
  const Sentry = await import('@sentry/node');
  Sentry.init({ dsn: config.sentryDsn });
  return (error) => Sentry.captureException(error);
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
  const logger = pino({ level: config.logLevel, redact: LOG_REDACT_PATHS });
  const reportError = await initSentry(config);

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
    if (err) logger.error({ err }, 'stopping after an unexpected error');
    else logger.info({ signal }, 'stopping');
    await shutdown();
    logger.info('stopped');
  });

  try {
    if (config.databaseUrl === undefined) {
      logger.info({ data_dir: config.dataDir }, 'starting the embedded PostgreSQL');
      embedded = await startEmbeddedDatabase({
        dataDir: config.dataDir,
        onLog: (line) => logger.debug({ postgres: line.trim() }),
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
        jobs: [expireIdempotencyKeysJob, materializeRecurringJob, expireRateLimitsJob],
      });
    }
    if (config.role === 'all' || config.role === 'api') {
      app = await buildApp({
        config,
        pool,
        logger: { level: config.logLevel, redact: LOG_REDACT_PATHS },
        ...(reportError ? { onServerError: reportError } : {}),
      });
      const address = await app.listen({ port: config.port, host: config.host });
      logger.info(
        { address, role: config.role, database_mode: embedded ? 'embedded' : 'server' },
        `Vai de Pix listening on ${address} (role ${config.role}; database: ${describeDatabase(databaseUrl, embedded)})`,
      );
    }
  } catch (error) {
    logger.fatal({ err: error }, `could not start: ${(error as Error).message}`);
    process.stderr.write(`vai-de-pix: could not start: ${(error as Error).message}\n`);
    await shutdown().catch(() => {});
    process.exit(1);
  }
}

await main();
