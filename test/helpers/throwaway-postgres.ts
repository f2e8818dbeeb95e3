import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedDatabase } from '../../src/db/embedded.js';
import { placeEmbeddedServer } from '../../src/db/embedded-placement.js';

const run = promisify(execFile);

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

/**
 * `settings`: server settings for its command line, e.g. `['max_connections=400']`. `trust`: no
 * password is checked on 127.0.0.1, as on the shared test server (the embedded server checks one
 * against its SCRAM verifier on every connection, work a test of many processes need not pay).
 */
export async function startThrowawayPostgres(
  options: { settings?: readonly string[]; trust?: boolean } = {},
): Promise<ThrowawayPostgres> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vdp-throwaway-pg-'));
  const embedded = await startEmbeddedDatabase({ dataDir });
  await embedded.stop();
  // pg_ctl of the same PostgreSQL 15 the app embeds, run as the account the app runs it as
  // (as root: postgres, with the programs where that account can reach them).
  const placement = await placeEmbeddedServer(dataDir);
  const databaseDir = placement.clusterDir;
  if (options.trust) {
    const hba = path.join(databaseDir, 'pg_hba.conf');
    await writeFile(hba, 'host all all 127.0.0.1/32 trust\n', { mode: 0o600 });
    if (placement.runAs) await chown(hba, placement.runAs.uid, placement.runAs.gid);
  }
  const pgCtlPath = path.join(placement.binDir, 'pg_ctl');
  const pgCtl = async (args: string[]) => {
    await run(pgCtlPath, [...args, '-D', databaseDir, '-t', String(PG_CTL_WAIT_SECONDS)], { ...placement.runAs, cwd: '/' });
  };
  const serverOptions = [
    `-p ${embedded.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
    ...(options.settings ?? []).map((setting) => `-c ${setting}`),
  ].join(' ');
  let running = false;
  const server: ThrowawayPostgres = {
    url: embedded.url,
    port: embedded.port,
    async start() {
      await pgCtl(['start', '-w', '-l', path.join(databaseDir, 'server.log'), '-o', serverOptions]);
      running = true;
    },
    async stop(mode = 'fast') {
      await pgCtl(['stop', '-w', '-m', mode]);
      running = false;
    },
    async restartImmediately() {
      await pgCtl(['restart', '-w', '-m', 'immediate', '-l', path.join(databaseDir, 'server.log'), '-o', serverOptions]);
      running = true;
    },
    async destroy() {
      if (running) await server.stop('immediate').catch(() => {});
      // As root, a cluster the postgres account could not reach in dataDir lives elsewhere.
      if (placement.relocated) await rm(path.dirname(databaseDir), { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    // pg_ctl gave up waiting, but the server may still be starting: stop it before the files go.
    await pgCtl(['stop', '-w', '-m', 'immediate']).catch(() => {});
    await server.destroy();
    throw error;
  }
  return server;
}
