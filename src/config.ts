import path from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Cron } from 'croner';
import { FEATURES, type Features } from './features.js';
import { parseTrustProxy, type TrustProxy } from './http/client-address.js';
import type { RateLimitRule } from './http/rate-limit.js';

/**
 * The one environment schema. It is validated once at start; a bad value stops the
 * process with a message naming the variable, before anything listens or connects.
 */
const Flag = Type.Union([Type.Literal('true'), Type.Literal('false'), Type.Literal('1'), Type.Literal('0')]);

type FeatureVariable = (typeof FEATURES)[number]['env'];

/** ENABLE_INSIGHTS, ENABLE_PIX…: one variable per feature of src/features.ts. */
const FEATURE_FLAG_SCHEMA = Object.fromEntries(FEATURES.map((feature) => [feature.env, Flag])) as Record<
  FeatureVariable,
  typeof Flag
>;

export const EnvSchema = Type.Object({
  ROLE: Type.Union([Type.Literal('all'), Type.Literal('api'), Type.Literal('worker')], { default: 'all' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, maxLength: 255, default: '0.0.0.0' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', maxLength: 2048 })),
  /**
   * PostgreSQL itself, when DATABASE_URL goes through a pooler in transaction mode (PgBouncer
   * pool_mode=transaction): what needs a session of its own (the migrations' lock, the session
   * cache's LISTEN, pg_dump) connects here, and statements through DATABASE_URL go unnamed.
   */
  DATABASE_DIRECT_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', maxLength: 2048 })),
  DATA_DIR: Type.String({ minLength: 1, maxLength: 4096, default: './data' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  SESSION_TTL_HOURS: Type.Integer({ minimum: 1, maximum: 24 * 365, default: 24 * 30 }),
  SESSION_IDLE_HOURS: Type.Integer({ minimum: 1, maximum: 24 * 365, default: 72 }),
  SESSION_CACHE_SECONDS: Type.Integer({ minimum: 0, maximum: 300, default: 30 }),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, maxLength: 256 })),
  /** The commit the build was made from, shown by vai_de_pix_build_info (else "unknown"). */
  GIT_COMMIT: Type.Optional(Type.String({ pattern: '^[0-9a-f]{7,40}$' })),
  /** Where a process that runs the worker serves /metrics and /health (ROLE=worker: 9464 unless set). */
  METRICS_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  /** Comma-separated e-mails of the operators (the admin pages); the first person registered is one too. */
  ADMIN_EMAILS: Type.String({ maxLength: 4096, default: '' }),
  SENTRY_DSN: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
  /** false, a hop count, or a comma-separated list of proxy addresses/CIDRs; see parseTrustProxy. */
  TRUST_PROXY: Type.String({ maxLength: 4096, default: 'false' }),
  AUTH_RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 24 * 3600, default: 15 * 60 }),
  AUTH_RATE_LIMIT_PER_IP: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 30 }),
  AUTH_RATE_LIMIT_PER_NETWORK: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 300 }),
  AUTH_RATE_LIMIT_PER_EMAIL: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10 }),
  AUTH_RATE_LIMIT_PER_DEVICE: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 30 }),
  ...FEATURE_FLAG_SCHEMA,
  /** true: every write answers 503 read_only (reads keep working), e.g. during a migration of the server. */
  READ_ONLY: Flag,
  /** After SIGTERM, how long in-flight requests and a running job's batch get before the process exits. */
  SHUTDOWN_GRACE_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 10 }),
  /** When the worker takes a backup (croner pattern, UTC); unset: no automatic backup. */
  BACKUP_CRON: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  /** Where automatic backups are written; default DATA_DIR/backups. */
  BACKUP_DIR: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  /** How many of the latest daily backups are kept. */
  BACKUP_KEEP_DAILY: Type.Integer({ minimum: 1, maximum: 3650, default: 7 }),
  /** How many monthly backups (the first of each month) are kept besides the daily ones. */
  BACKUP_KEEP_MONTHLY: Type.Integer({ minimum: 0, maximum: 1200, default: 12 }),
  /**
   * Browser tests only: the server's clock starts at this instant and then runs in real
   * time. An instant with its offset, e.g. 2028-02-29T12:00:00-03:00.
   */
  TEST_CLOCK_START: Type.Optional(Type.String({ maxLength: 64 })),
  /**
   * Tests only: a croner pattern every job runs on instead of its own, e.g. every second
   * (six fields: "* * * * * *"), so a test sees many ticks without waiting for cron minutes.
   */
  JOB_SCHEDULE_OVERRIDE: Type.Optional(Type.String({ maxLength: 128 })),
  /** Tests only: each job waits this long before each statement or transaction, so a test can stop a worker mid-run. */
  JOB_TEST_PAUSE_MS: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
  /** Where e-mail goes, e.g. smtp://user:pass@host:587 (smtps:// for TLS from the start); unset: no e-mail is sent. */
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://', maxLength: 2048 })),
  /** The From of every e-mail: an address, or a name and an address. */
  MAIL_FROM: Type.String({ minLength: 3, maxLength: 320, pattern: '@', default: 'Vai de Pix <no-reply@localhost>' }),
  /** The public base URL people reach the app at; links in e-mails start with it. */
  APP_URL: Type.String({ pattern: '^https?://[^/?#]+', maxLength: 2048, default: 'http://localhost:3000' }),
});
export type Env = Static<typeof EnvSchema>;

export interface Config {
  role: 'all' | 'api' | 'worker';
  port: number;
  host: string;
  databaseUrl: string | undefined;
  /** PostgreSQL without the transaction pooler DATABASE_URL goes through; undefined: DATABASE_URL is direct. */
  databaseDirectUrl: string | undefined;
  dataDir: string;
  logLevel: string;
  sessionTtlHours: number;
  /** A session unused for this long ends, even before SESSION_TTL_HOURS. */
  sessionIdleHours: number;
  /** How long a process may answer "who is this" from memory; 0 asks the database every time. */
  sessionCacheSeconds: number;
  metricsToken: string | undefined;
  gitCommit: string | undefined;
  /** Where the worker serves /metrics and /health; undefined: not served apart from the API. */
  metricsPort: number | undefined;
  /** Lower-cased operator e-mails, besides the first person registered. */
  adminEmails: string[];
  sentryDsn: string | undefined;
  databasePoolMax: number;
  /** Whose X-Forwarded-For is believed: nobody, the nearest N hops, or these proxies. */
  trustProxy: TrustProxy;
  /**
   * Sign-in and registration attempts per window, per client address, IPv6 /48, e-mail
   * and known device.
   */
  authRateLimits: {
    per_ip: RateLimitRule;
    per_network: RateLimitRule;
    per_email: RateLimitRule;
    per_device: RateLimitRule;
  };
  /** Which features of src/features.ts are on (ENABLE_*). */
  features: Features;
  /** READ_ONLY=true: writes answer 503 read_only. */
  readOnly: boolean;
  shutdownGraceSeconds: number;
  /** Automatic backups; cron undefined: none. */
  backup: { cron: string | undefined; dir: string; keepDaily: number; keepMonthly: number };
  /** E-mail delivery; smtpUrl undefined: the outbox is not sent (see docs/OPERATIONS.md). */
  mail: { smtpUrl: string | undefined; from: string; appUrl: string };
  /** Set only under NODE_ENV=test: the instant the server's clock starts at (TEST_CLOCK_START). */
  testClockStart?: Date;
  /** Set only under NODE_ENV=test: the pattern every job runs on (JOB_SCHEDULE_OVERRIDE). */
  jobScheduleOverride?: string;
  /** Set only under NODE_ENV=test: the pause before each of a job's statements (JOB_TEST_PAUSE_MS). */
  jobTestPauseMs?: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A worker's /metrics port when METRICS_PORT is not set (the Prometheus exporters' usual range). */
export const WORKER_METRICS_PORT_DEFAULT = 9464;

const FLAG_DEFAULTS: Record<string, string> = {
  ...Object.fromEntries(FEATURES.map((feature) => [feature.env, String(feature.default)])),
  READ_ONLY: 'false',
};

/**
 * Variables whose value may be or contain a secret (a URL can carry a password, a DSN
 * a key): an error about them never repeats the value, since start-up errors end up in
 * terminals, CI logs and support tickets.
 */
const SECRET_NAME_PATTERN = /TOKEN|SECRET|PASSWORD|DSN|URL|KEY/;

function describeValue(name: string, value: string | undefined): string {
  if (value === undefined) return 'not set';
  if (SECRET_NAME_PATTERN.test(name)) return 'value not shown: it may hold a secret';
  return `got ${JSON.stringify(value)}`;
}

/** An ISO 8601 instant with a date, a time and an explicit offset; no local-time guessing. */
const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A clock that starts elsewhere in time is a test device: in production it would date
 * every posting wrongly, so any other NODE_ENV refuses it rather than ignore it silently.
 */
function readTestClockStart(environment: NodeJS.ProcessEnv, problems: string[]): Date | undefined {
  const value = environment.TEST_CLOCK_START;
  if (value === undefined || value === '') return undefined;
  if (environment.NODE_ENV !== 'test') {
    problems.push(
      `TEST_CLOCK_START: only allowed when NODE_ENV=test (NODE_ENV is ${environment.NODE_ENV === undefined ? 'not set' : JSON.stringify(environment.NODE_ENV)})`,
    );
    return undefined;
  }
  const start = new Date(value);
  // Date rolls 30 February over into March; a calendar day that does not exist is a typo.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const realDay = new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
  if (!INSTANT_PATTERN.test(value) || Number.isNaN(start.getTime()) || !realDay) {
    problems.push(
      `TEST_CLOCK_START: must be an instant with its offset, e.g. 2028-02-29T12:00:00-03:00 (got ${JSON.stringify(value)})`,
    );
    return undefined;
  }
  return start;
}

/** A test-only variable set under another NODE_ENV is refused, not ignored: it would change what runs when. */
function refuseOutsideTests(name: string, environment: NodeJS.ProcessEnv, problems: string[]): boolean {
  const value = environment[name];
  if (value === undefined || value === '') return false;
  if (environment.NODE_ENV === 'test') return true;
  problems.push(
    `${name}: only allowed when NODE_ENV=test (NODE_ENV is ${environment.NODE_ENV === undefined ? 'not set' : JSON.stringify(environment.NODE_ENV)})`,
  );
  return false;
}

function readJobScheduleOverride(environment: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  if (!refuseOutsideTests('JOB_SCHEDULE_OVERRIDE', environment, problems)) return undefined;
  const pattern = String(environment.JOB_SCHEDULE_OVERRIDE);
  try {
    new Cron(pattern, { paused: true, timezone: 'UTC' }).stop();
  } catch (error) {
    problems.push(`JOB_SCHEDULE_OVERRIDE: not a cron pattern: ${(error as Error).message} (got ${JSON.stringify(pattern)})`);
    return undefined;
  }
  return pattern;
}

/**
 * BACKUP_CRON is checked at start like every other variable: a typo found only when the
 * worker builds its timers would leave the installation without backups and nobody told.
 */
function checkBackupCron(environment: NodeJS.ProcessEnv, problems: string[]): void {
  const pattern = environment.BACKUP_CRON;
  if (pattern === undefined || pattern === '') return;
  try {
    new Cron(pattern, { paused: true, timezone: 'UTC' }).stop();
  } catch (error) {
    problems.push(`BACKUP_CRON: not a cron pattern: ${(error as Error).message} (got ${JSON.stringify(pattern)})`);
  }
}

/** Reads the configuration from an environment; throws ConfigError naming each bad variable. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = environment[key];
    if (value !== undefined && value !== '') raw[key] = value;
    else if (FLAG_DEFAULTS[key] !== undefined) raw[key] = FLAG_DEFAULTS[key];
  }
  const withDefaults = Value.Default(EnvSchema, raw);
  const converted = Value.Convert(EnvSchema, withDefaults);
  const problems = [...Value.Errors(EnvSchema, converted)].map((error) => {
    const name = error.path.replace(/^\//, '') || '(environment)';
    return `${name}: ${error.message} (${describeValue(name, environment[name])})`;
  });
  let trustProxy: TrustProxy = false;
  try {
    trustProxy = parseTrustProxy(environment.TRUST_PROXY);
  } catch (error) {
    problems.push(`TRUST_PROXY: ${(error as Error).message}`);
  }
  const testClockStart = readTestClockStart(environment, problems);
  const jobScheduleOverride = readJobScheduleOverride(environment, problems);
  const jobTestPause = refuseOutsideTests('JOB_TEST_PAUSE_MS', environment, problems);
  checkBackupCron(environment, problems);
  if (environment.DATABASE_DIRECT_URL && !environment.DATABASE_URL) {
    problems.push('DATABASE_DIRECT_URL: only with DATABASE_URL (the pooler it bypasses); the embedded server needs neither');
  }
  if (environment.SMTP_URL && !URL.canParse(environment.SMTP_URL)) {
    problems.push('SMTP_URL: not a URL, e.g. smtp://user:password@host:587 (value not shown: it may hold a secret)');
  }
  if (problems.length > 0) throw new ConfigError(`invalid environment:\n  ${problems.join('\n  ')}`);
  const env = converted as Env;
  const window_ms = env.AUTH_RATE_LIMIT_WINDOW_SECONDS * 1000;
  const flag = (value: string) => value === 'true' || value === '1';
  return {
    role: env.ROLE,
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    databaseDirectUrl: env.DATABASE_DIRECT_URL,
    dataDir: env.DATA_DIR,
    logLevel: env.LOG_LEVEL,
    sessionTtlHours: env.SESSION_TTL_HOURS,
    sessionIdleHours: env.SESSION_IDLE_HOURS,
    sessionCacheSeconds: env.SESSION_CACHE_SECONDS,
    metricsToken: env.METRICS_TOKEN,
    gitCommit: env.GIT_COMMIT,
    metricsPort: env.METRICS_PORT ?? (env.ROLE === 'worker' ? WORKER_METRICS_PORT_DEFAULT : undefined),
    adminEmails: env.ADMIN_EMAILS.split(',')
      .map((email) => email.trim().toLowerCase())
      .filter((email) => email.length > 0),
    sentryDsn: env.SENTRY_DSN,
    databasePoolMax: env.DATABASE_POOL_MAX,
    trustProxy,
    authRateLimits: {
      per_ip: { max: env.AUTH_RATE_LIMIT_PER_IP, window_ms },
      per_network: { max: env.AUTH_RATE_LIMIT_PER_NETWORK, window_ms },
      per_email: { max: env.AUTH_RATE_LIMIT_PER_EMAIL, window_ms },
      per_device: { max: env.AUTH_RATE_LIMIT_PER_DEVICE, window_ms },
    },
    features: Object.fromEntries(FEATURES.map((feature) => [feature.name, flag(env[feature.env])])) as Features,
    readOnly: flag(env.READ_ONLY),
    shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
    backup: {
      cron: env.BACKUP_CRON,
      dir: env.BACKUP_DIR ?? path.join(env.DATA_DIR, 'backups'),
      keepDaily: env.BACKUP_KEEP_DAILY,
      keepMonthly: env.BACKUP_KEEP_MONTHLY,
    },
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, appUrl: env.APP_URL.replace(/\/+$/, '') },
    ...(testClockStart ? { testClockStart } : {}),
    ...(jobScheduleOverride ? { jobScheduleOverride } : {}),
    ...(jobTestPause && env.JOB_TEST_PAUSE_MS !== undefined ? { jobTestPauseMs: env.JOB_TEST_PAUSE_MS } : {}),
  };
}
