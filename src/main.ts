import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import pino from 'pino';
import { buildApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import { createPool, sessionConnection } from './db/pool.js';
import { drainable, type HttpDrain } from './http/drain.js';
import { isDatabaseUnavailable } from './http/errors.js';
import { createMetrics, type Metrics, observeLedger } from './http/metrics.js';
import { seedBackupLastSuccess } from './jobs/backup.js';
import { createJobMetrics } from './jobs/metrics.js';
import { allJobs } from './jobs/registry.js';
import { type Scheduler, startScheduler } from './jobs/scheduler.js';
import { withTestOverrides } from './jobs/test-overrides.js';
import { startWorkerHttp, type WorkerHttp } from './jobs/worker-http.js';
import { type Clock, clockStartingAt, systemClock } from './lib/clock.js';
import { Operators } from './modules/admin/operators.js';
import { serializeError } from './observability/errors.js';
import { embeddedPostgresLogWriter, loggerOptions } from './observability/logging.js';
import { type ErrorReporter, initSentry } from './observability/sentry.js';
import { unexpectedErrorHandler } from './process-errors.js';

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
      const { applied, ahead } = await migrate(pool);
      if (applied.length > 0) logger.info({ applied }, 'applied migrations');
      if (ahead.length > 0)
        logger.warn(
          { ahead },
          `the database has ${ahead.length} migration(s) of a newer release (${ahead.join(', ')}), none breaking this one: starting; deploy the newer release again when it is fixed`,
        );
      return;
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() > deadline) throw error;
      logger.warn({ code: databaseErrorCode(error) }, 'the database is not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, BOOT_DATABASE_RETRY_MS));
    }
  }
}

/**
 * The migrations hold a session advisory lock from the first file to the last: behind a
 * transaction pooler they run on a connection of their own to PostgreSQL itself.
 */
async function migrateDirectly(pool: pg.Pool, logger: pino.Logger): Promise<void> {
  const direct = sessionConnection(pool);
  if (direct.connectionString === pool.options.connectionString) return migrateWhenReachable(pool, logger);
  const migrations = createPool(String(direct.connectionString), { max: 1, applicationName: 'vai-de-pix-migrate' });
  try {
    await migrateWhenReachable(migrations, logger);
  } finally {
    await migrations.end();
  }
}

/** The parts of a running process, each present once started; shutdown stops them in reverse. */
interface Running {
  embedded?: EmbeddedDatabase;
  pool?: ReturnType<typeof createPool>;
  scheduler?: Scheduler;
  workerHttp?: WorkerHttp;
  app?: FastifyInstance;
  drain?: HttpDrain;
  /** The stop under way, once one has begun: a second caller waits for the same one. */
  stopped?: Promise<void>;
}

type Reporter = ErrorReporter | undefined;

function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`vai-de-pix: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

/** The signals that stop the process gracefully (systemd, Docker and Kubernetes send SIGTERM; a terminal, SIGINT). */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Stops taking requests and lets those under way finish: new connections are refused at once
 * (the socket stops listening), idle keep-alive connections are closed, a request arriving on
 * a busy one is answered 503 draining, and each response closes its connection. Resolves once
 * the last connection has closed, then runs the app's own onClose hooks.
 */
async function closeHttp(app: FastifyInstance, drain: HttpDrain | undefined): Promise<void> {
  drain?.begin();
  await new Promise<void>((resolve) => {
    // Not listening (yet, or any more) is no error here: there is nothing to close.
    if (app.server.listening) app.server.close(() => resolve());
    else resolve();
  });
  await app.close();
}

/**
 * The HTTP side and the jobs drain together; the pool closes once both are done (a request
 * or a job's batch still needs it until then), and the embedded database last. Called twice
 * (a signal, then an unexpected error), it waits for the stop already under way.
 */
function shutdown(running: Running): Promise<void> {
  running.stopped ??= (async () => {
    await Promise.all([
      running.app ? closeHttp(running.app, running.drain) : undefined,
      running.workerHttp?.close(),
      running.scheduler?.stop(),
    ]);
    await running.pool?.end();
    await running.embedded?.stop();
  })();
  return running.stopped;
}

/** What was still running when the grace period ran out, for the one line the operator reads. */
function logStillRunning(running: Running, logger: pino.Logger, grace_seconds: number): void {
  const requests = running.drain?.inFlight() ?? { count: 0, listed: [] };
  const jobs = running.scheduler?.runningJobs() ?? [];
  logger.error(
    { grace_seconds, requests_in_flight: requests.count, requests: requests.listed, jobs },
    `the shutdown grace period (SHUTDOWN_GRACE_SECONDS=${grace_seconds}) ran out with ${requests.count} request(s) and ${jobs.length} job run(s) still going (${jobs.join(', ') || 'no job'}); exiting with 1`,
  );
}

/**
 * The drain after SIGTERM or SIGINT, bounded by the grace period: exit 0 once everything has
 * stopped, or exit 1 when the grace runs out (saying what was still running) or the stop failed.
 */
async function drainAndExit(running: Running, logger: pino.Logger, signal: string, grace_seconds: number): Promise<never> {
  logger.info({ signal, grace_seconds }, 'stopping: no new requests or job runs; letting those under way finish');
  const deadline = setTimeout(() => {
    logStillRunning(running, logger, grace_seconds);
    process.exit(1);
  }, grace_seconds * 1_000);
  try {
    await shutdown(running);
  } catch (error) {
    logger.error({ err: error }, 'the shutdown failed; exiting with 1');
    process.exit(1);
  }
  clearTimeout(deadline);
  logger.info('stopped');
  process.exit(0);
}

/**
 * SIGTERM and SIGINT drain and stop within SHUTDOWN_GRACE_SECONDS. A second one during the drain
 * is logged and changes nothing (cutting the drain short would cut responses mid-write; the
 * grace bound still holds, and SIGKILL stops at once). An uncaught error is reported, then the
 * process stops.
 */
function handleSignalsAndCrashes(running: Running, logger: pino.Logger, reporter: Reporter, grace_seconds: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      const requests = running.drain?.inFlight().count ?? 0;
      const jobs = running.scheduler?.runningJobs().length ?? 0;
      logger.warn(
        { signal, requests_in_flight: requests, jobs_running: jobs },
        `already stopping: ${requests} request(s) and ${jobs} job run(s) left; the stop ends within SHUTDOWN_GRACE_SECONDS=${grace_seconds} (SIGKILL stops at once)`,
      );
      return;
    }
    stopping = true;
    void drainAndExit(running, logger, signal, grace_seconds);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  const onUnexpectedError = unexpectedErrorHandler({
    logger,
    report: (error) => reporter?.processFailed(error),
    shutdown: async () => {
      await shutdown(running);
      await reporter?.flush();
    },
    uninstall: () => {
      for (const signal of STOP_SIGNALS) process.removeListener(signal, onSignal);
    },
    grace_ms: grace_seconds * 1_000,
  });
  process.on('uncaughtException', onUnexpectedError);
  process.on('unhandledRejection', onUnexpectedError);
}

interface Database {
  url: string;
  pool: pg.Pool;
}

/** An ADMIN_EMAILS address no account holds yet goes to whoever registers it first: say so. */
async function warnAboutUnclaimedOperatorAddresses(config: Config, pool: pg.Pool, logger: pino.Logger): Promise<void> {
  const operators = new Operators({ pool, clock: systemClock, adminEmails: config.adminEmails });
  const unclaimed = await operators.unclaimedAddresses();
  if (unclaimed.length > 0) {
    logger.warn(
      { unclaimed: unclaimed.length },
      `${unclaimed.length} ADMIN_EMAILS address(es) belong to no account yet: whoever registers one becomes an operator; register them first or remove them`,
    );
  }
}

/** The configured PostgreSQL server, or an embedded one when none is configured, migrated. */
async function openDatabase(config: Config, logger: pino.Logger, running: Running): Promise<Database> {
  if (config.databaseUrl === undefined) {
    logger.info({ data_dir: config.dataDir }, 'starting the embedded PostgreSQL');
    running.embedded = await startEmbeddedDatabase({
      dataDir: config.dataDir,
      onLog: embeddedPostgresLogWriter((line) => logger.debug({ postgres: line })),
      onUnexpectedExit: (message) => logger.error(message),
      onNotice: (message) => logger.warn(message),
    });
    if (running.embedded.relocated) {
      logger.info(
        { data_dir: running.embedded.dataDir, cluster_dir: running.embedded.clusterDir },
        `the embedded PostgreSQL keeps its cluster in ${running.embedded.clusterDir} (linked from ${running.embedded.dataDir}/pg): as root it runs as the postgres user, which cannot reach DATA_DIR`,
      );
    }
  }
  const databaseUrl = config.databaseUrl ?? (running.embedded as EmbeddedDatabase).url;
  const pool = createPool(databaseUrl, {
    max: config.databasePoolMax,
    onIdleConnectionLost: (error) =>
      logger.warn({ code: databaseErrorCode(error) }, 'lost an idle database connection; a new one opens when needed'),
    ...(config.databaseDirectUrl ? { directUrl: config.databaseDirectUrl } : {}),
  });
  running.pool = pool;
  await migrateDirectly(pool, logger);
  await warnAboutUnclaimedOperatorAddresses(config, pool, logger);
  return { url: databaseUrl, pool };
}

/**
 * The scheduler with every job, its metrics in the process's registry (the API's /metrics
 * shows them under ROLE=all), and under METRICS_PORT its own /metrics and /health.
 */
async function startWorker(
  config: Config,
  pool: pg.Pool,
  clock: Clock,
  logger: pino.Logger,
  reporter: Reporter,
  metrics: Metrics,
  running: Running,
): Promise<void> {
  // The jobs post (recurring occurrences) and use the pool: counted here even without the API.
  metrics.watchPool(pool);
  observeLedger(metrics);
  const jobs = withTestOverrides(allJobs(config), config);
  const jobMetrics = createJobMetrics(
    metrics.registry,
    jobs.map((job) => job.name),
  );
  // The last backup survives a restart in job_runs; without it the gauge stays absent.
  if (jobs.some((job) => job.name === 'backup'))
    await seedBackupLastSuccess(pool, jobMetrics).catch((error: unknown) =>
      logger.warn({ err: serializeError(error) }, 'could not read the last backup from job_runs'),
    );
  running.scheduler = startScheduler({
    pool,
    logger,
    clock,
    jobs,
    metrics: jobMetrics,
    ...(reporter
      ? {
          onJobFailed: (error, job) => reporter.jobFailed(error, { job: job.name }),
          onFinding: (error, context) => reporter.jobFailed(error, { job: String(context.job) }),
        }
      : {}),
  });
  if (config.metricsPort !== undefined) {
    running.workerHttp = await startWorkerHttp({
      port: config.metricsPort,
      host: config.host,
      registry: metrics.registry,
      token: config.metricsToken,
    });
    logger.info({ port: running.workerHttp.port }, `worker metrics and health on port ${running.workerHttp.port}`);
  }
}

async function startApi(
  config: Config,
  database: Database & { clock: Clock },
  running: Running,
  logger: pino.Logger,
  reporter: Reporter,
  metrics: Metrics,
) {
  running.app = await buildApp({
    config,
    metrics,
    pool: database.pool,
    clock: database.clock,
    logger: loggerOptions(config.logLevel),
    ...(reporter ? { onServerError: (error, context) => reporter.requestFailed(error, context) } : {}),
  });
  running.drain = drainable(running.app);
  const address = await running.app.listen({ port: config.port, host: config.host });
  logger.info(
    { address, role: config.role, database_mode: running.embedded ? 'embedded' : 'server' },
    `Vai de Pix listening on ${address} (role ${config.role}; database: ${describeDatabase(database.url, running.embedded)})`,
  );
}

async function failStart(error: unknown, running: Running, logger: pino.Logger, reporter: Reporter): Promise<never> {
  // The message of a failed start can be a database error carrying values; the
  // serialized form keeps only what is safe to print.
  const described = serializeError(error);
  logger.fatal({ err: error }, `could not start: ${described.message || described.type}`);
  process.stderr.write(`vai-de-pix: could not start: ${described.message || described.type}\n`);
  reporter?.processFailed(error);
  await reporter?.flush();
  await shutdown(running).catch(() => {});
  process.exit(1);
}

/** Config, database, then the worker and/or the API, as ROLE says. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = pino(loggerOptions(config.logLevel));
  const reporter = await initSentry(config.sentryDsn);
  // The system clock, or in a test run (NODE_ENV=test) one that starts at TEST_CLOCK_START.
  const clock = clockStartingAt(config.testClockStart);
  const running: Running = {};
  handleSignalsAndCrashes(running, logger, reporter, config.shutdownGraceSeconds);
  try {
    const database = await openDatabase(config, logger, running);
    // One registry per process: under ROLE=all the API's /metrics shows the jobs' too.
    const metrics = createMetrics({ commit: config.gitCommit });
    if (config.role === 'all' || config.role === 'worker') {
      await startWorker(config, database.pool, clock, logger, reporter, metrics, running);
    }
    if (config.role === 'all' || config.role === 'api') {
      await startApi(config, { ...database, clock }, running, logger, reporter, metrics);
    }
  } catch (error) {
    await failStart(error, running, logger, reporter);
  }
}

await main();
