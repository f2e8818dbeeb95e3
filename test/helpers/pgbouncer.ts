import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/db/embedded.js';

/** Debian's pgbouncer package (1.18 on bookworm); .ci/run installs it. */
export const PGBOUNCER = '/usr/sbin/pgbouncer';
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * Why PgBouncer cannot run here, or undefined when it can. It refuses to run as root, so as
 * root it runs as the `postgres` account (the one the PostgreSQL packages create).
 */
export function pgbouncerMissing(): string | undefined {
  if (!existsSync(PGBOUNCER)) return `${PGBOUNCER} is not installed (apt-get install pgbouncer)`;
  if (process.getuid?.() === 0 && runAsPostgres() === undefined)
    return 'running as root and no postgres account to run pgbouncer as (it refuses root)';
  return undefined;
}

function runAsPostgres(): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return uid === undefined || gid === undefined ? undefined : { uid: Number(uid), gid: Number(gid) };
}

export interface PgBouncer {
  port: number;
  /** PgBouncer's process, e.g. for its CPU time. */
  pid: number;
  /** The URL of `database` through PgBouncer, in transaction pooling. */
  url(database: string): string;
  /** SHOW-style counters from the admin console, e.g. SHOW POOLS. */
  show(what: 'POOLS' | 'STATS'): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

export interface PgBouncerDatabase {
  /** The name clients connect to. */
  alias: string;
  /** The server database behind it. */
  url: string;
  /** Server connections for this database; default_pool_size when unset. */
  poolSize?: number;
}

/**
 * PgBouncer in front of the test server, in transaction pooling, on a free loopback port, with
 * a generated ini: clients are trusted (loopback only), the server connections use the URL's
 * own user and password. `statement_timeout`, which node-postgres sends at connection start,
 * is a startup parameter PgBouncer 1.18 refuses unless told to ignore it.
 */
export async function startPgBouncer(options: { databases: PgBouncerDatabase[]; defaultPoolSize: number }): Promise<PgBouncer> {
  const missing = pgbouncerMissing();
  if (missing) throw new Error(missing);
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'vdp-pgbouncer-'));
  const lines = options.databases.map((database) => {
    const server = new URL(database.url);
    const settings = [
      `host=${server.hostname}`,
      `port=${server.port || '5432'}`,
      `dbname=${server.pathname.slice(1)}`,
      `user=${decodeURIComponent(server.username || 'postgres')}`,
      ...(server.password ? [`password=${decodeURIComponent(server.password)}`] : []),
      ...(database.poolSize ? [`pool_size=${database.poolSize}`] : []),
    ];
    return `${database.alias} = ${settings.join(' ')}`;
  });
  const user = decodeURIComponent(new URL(options.databases[0]?.url ?? 'postgresql://postgres@x').username || 'postgres');
  writeFileSync(path.join(dir, 'users.txt'), `"${user}" ""\n`);
  writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      ...lines,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'users.txt')}`,
      `admin_users = ${user}`,
      'pool_mode = transaction',
      `default_pool_size = ${options.defaultPoolSize}`,
      'max_client_conn = 500',
      // The most recently used server connection first (the default, written down because the
      // session-lock demonstration relies on it).
      'server_round_robin = 0',
      'ignore_startup_parameters = statement_timeout',
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  const runAs = process.getuid?.() === 0 ? runAsPostgres() : undefined;
  if (runAs) {
    chownSync(dir, runAs.uid, runAs.gid);
    for (const file of ['users.txt', 'pgbouncer.ini']) chownSync(path.join(dir, file), runAs.uid, runAs.gid);
  }
  const child: ChildProcess = spawn(PGBOUNCER, [path.join(dir, 'pgbouncer.ini')], {
    stdio: 'ignore',
    ...(runAs ?? {}),
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = (database: string) => `postgresql://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`;
  const log = () => (existsSync(path.join(dir, 'pgbouncer.log')) ? readFileSync(path.join(dir, 'pgbouncer.log'), 'utf8') : '');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const client = new pg.Client({ connectionString: url('pgbouncer') });
    try {
      await client.connect();
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        const output = log();
        await stop();
        throw new Error(`pgbouncer did not start: ${(error as Error).message}\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => {});
    }
  }
  return {
    port,
    pid: child.pid ?? 0,
    url,
    async show(what) {
      // The admin console speaks only the simple query protocol.
      const client = new pg.Client({ connectionString: url('pgbouncer') });
      await client.connect();
      try {
        return (await client.query(`SHOW ${what}`)).rows;
      } finally {
        await client.end();
      }
    },
    stop,
  };
}
