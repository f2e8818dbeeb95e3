import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppProcess,
  childrenOf,
  isRunning,
  postmasterPid,
  readBalances,
  startApp,
  stopLeftoverServer,
  waitUntil,
  writeData,
} from './embedded-support.js';

/**
 * A crash must not lock a person out of their data: after kill -9 of the app in embedded
 * mode, the next start comes up with the data written before, whether the embedded server
 * stopped by itself or was left running as an orphan.
 */
const MAIN = path.resolve('dist/main.js');
/** How long the orphan may take to notice its app is gone and shut down. */
const ORPHAN_GONE_MAX_MS = 60_000;
const FILE_TIMEOUT_MS = 300_000;

let dataDir: string;
const started: AppProcess[] = [];

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error('build first: npm run build (npm test does it before the integration tests)');
  dataDir = await mkdtemp(path.join(tmpdir(), 'vdp-embedded-crash-'));
});

afterAll(async () => {
  for (const app of started) {
    if (app.child.exitCode === null) {
      app.child.kill('SIGTERM');
      await app.exited;
    }
  }
  await stopLeftoverServer(dataDir);
  await rm(dataDir, { recursive: true, force: true });
}, FILE_TIMEOUT_MS);

async function start(): Promise<AppProcess> {
  const app = await startApp({ main: MAIN, cwd: process.cwd(), env: { DATA_DIR: dataDir } });
  started.push(app);
  return app;
}

async function killHard(app: AppProcess, alsoKilled: number[] = []): Promise<void> {
  for (const pid of alsoKilled) process.kill(pid, 'SIGKILL');
  app.child.kill('SIGKILL');
  await app.exited;
}

describe('kill -9 of the app in embedded mode', () => {
  it(
    'leaves an orphaned server that the next start stops through postmaster.pid; the data is there',
    async () => {
      const first = await start();
      await writeData(first.url, 'orfao@example.com', 12_345);
      const orphan = await postmasterPid(dataDir);
      // The watchdog is killed too, as a crash of the whole process tree but the server would.
      const watchdogs = (await childrenOf(first.child.pid as number)).filter((child) =>
        child.commandLine.includes('vai-de-pix-watchdog'),
      );
      expect(watchdogs).toHaveLength(1);
      await killHard(
        first,
        watchdogs.map((watchdog) => watchdog.pid),
      );
      expect(await isRunning(orphan)).toBe(true);

      const second = await start();
      expect(second.output()).toContain(`stopping the embedded PostgreSQL (pid ${orphan})`);
      expect(await isRunning(orphan)).toBe(false);
      expect(await readBalances(second.url, 'orfao@example.com')).toEqual([12_345]);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    },
    FILE_TIMEOUT_MS,
  );

  it(
    'takes the embedded server down with it soon after; the next start finds the data',
    async () => {
      const first = await start();
      await writeData(first.url, 'sozinho@example.com', 6_789);
      const server = await postmasterPid(dataDir);
      await killHard(first);
      await waitUntil(async () => !(await isRunning(server)), ORPHAN_GONE_MAX_MS, `the server ${server} to stop`);

      const second = await start();
      expect(await readBalances(second.url, 'sozinho@example.com')).toEqual([6_789]);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    },
    FILE_TIMEOUT_MS,
  );
});
