import { parseArgs } from 'node:util';
import pg from 'pg';
import { type Config, ConfigError, loadConfig } from '../../config.js';
import { DataDirInUseError, type EmbeddedDatabase, runningEmbeddedUrl, startEmbeddedDatabase } from '../../db/embedded.js';
import { isDatabaseUnavailable } from '../../http/errors.js';
import { errorSummary } from '../../jobs/runner.js';
import { BackupError } from './errors.js';

/** The exit codes of `npm run job`, which these commands share (sysexits.h for usage and configuration). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 64;
export const EXIT_CONFIG = 78;

/** One line for the operator, on stderr: stdout carries only the JSON summary a script reads. */
export function say(command: string, message: string): void {
  process.stderr.write(`vai-de-pix ${command}: ${message}\n`);
}

/** Ends the command with one JSON line on stdout saying why, and the message on stderr. */
export function fail(command: string, code: string, message: string, exitCode: number): never {
  say(command, message);
  process.stdout.write(`${JSON.stringify({ ok: false, code, error: message })}\n`);
  process.exit(exitCode);
}

export function configOrExit(command: string): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(command, 'invalid_environment', error.message, EXIT_CONFIG);
    throw error;
  }
}

/** The options after `npm run <command> --`; anything unknown, missing or given twice is a usage error. */
export function argumentsOrExit<const Names extends string>(
  command: string,
  usage: string,
  options: Record<Names, { type: 'string' | 'boolean' }>,
  required: readonly NoInfer<Names>[],
): Partial<Record<Names, string | boolean>> {
  try {
    const { values } = parseArgs({ args: process.argv.slice(2), options, strict: true, allowPositionals: false });
    const parsed = values as Partial<Record<Names, string | boolean>>;
    const missing = required.filter((name) => typeof parsed[name] !== 'string' || parsed[name] === '');
    if (missing.length > 0) throw new Error(`missing ${missing.map((name) => `--${name}`).join(', ')}`);
    return parsed;
  } catch (error) {
    fail(command, 'usage', `${(error as Error).message}. Usage: ${usage}`, EXIT_USAGE);
  }
}

export interface ResolvedDatabase {
  url: string;
  /** Set when this command started the embedded server itself; stop it at the end. */
  embedded?: EmbeddedDatabase;
}

/**
 * The database the app itself uses, as `npm run job` finds it: DATABASE_URL, else the embedded
 * server in DATA_DIR (the running app's, else started for this command).
 */
export async function configuredDatabase(command: string, config: Config): Promise<ResolvedDatabase> {
  const url = await commandDatabaseUrl(command, config);
  if (url !== undefined) return { url };
  const running = await runningEmbeddedUrl(config.dataDir);
  if (running !== undefined) return { url: running };
  try {
    const embedded = await startEmbeddedDatabase({ dataDir: config.dataDir });
    return { url: embedded.url, embedded };
  } catch (error) {
    if (error instanceof DataDirInUseError)
      fail(command, 'data_dir_in_use', `${error.message} (or set DATABASE_URL)`, EXIT_FAILURE);
    throw error;
  }
}

/** Which database a URL reaches, also through a pooler: its name, oid and server's start time. */
async function databaseIdentity(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const result = await client.query<{ id: string }>(
      `SELECT current_database() || ' ' || (SELECT oid FROM pg_database WHERE datname = current_database()) || ' ' || pg_postmaster_start_time() AS id`,
    );
    return String(result.rows[0]?.id);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The URL an operator command connects to: DATABASE_DIRECT_URL when set (past a transaction
 * pooler these commands need sessions of their own: the migrations' lock, named statements,
 * pg_dump), else DATABASE_URL. With both set they must reach one database: an operator who
 * points DATABASE_URL alone at another (a restored copy) is refused, not served the live one.
 * A pooler that does not answer is said and passed over: the commands diagnose outages.
 */
export async function commandDatabaseUrl(command: string, config: Config): Promise<string | undefined> {
  const { databaseUrl, databaseDirectUrl } = config;
  if (databaseDirectUrl === undefined || databaseUrl === undefined) return databaseUrl;
  let pooled: string;
  let direct: string;
  try {
    pooled = await databaseIdentity(databaseUrl);
  } catch (error) {
    if (!isDatabaseUnavailable(error)) fail(command, 'invalid_environment', `DATABASE_URL: ${errorSummary(error)}`, EXIT_CONFIG);
    say(command, `DATABASE_URL does not answer (${errorSummary(error)}): using DATABASE_DIRECT_URL unchecked`);
    return databaseDirectUrl;
  }
  try {
    direct = await databaseIdentity(databaseDirectUrl);
  } catch {
    return databaseDirectUrl;
  }
  if (pooled !== direct)
    fail(
      command,
      'invalid_environment',
      'DATABASE_URL and DATABASE_DIRECT_URL reach different databases: set both to the one to work on',
      EXIT_CONFIG,
    );
  return databaseDirectUrl;
}

/** A failure as the command reports it: a BackupError by its code and message, anything else scrubbed. */
export function describeFailure(error: unknown): { code: string; message: string } {
  if (error instanceof BackupError) return { code: error.code, message: error.message };
  return { code: 'unexpected', message: errorSummary(error) };
}
