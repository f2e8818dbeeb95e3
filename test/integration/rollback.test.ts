import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import {
  BREAKS_PREVIOUS_RELEASE_HEADER,
  MIGRATIONS_DIR,
  marksBreaking,
  migrate,
  migrationsCurrent,
  readMigrationFiles,
} from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * Rolling back a release whose migration already ran: the release before the latest migration
 * file (the tree of the commit before the one that added it) runs against a database migrated
 * by the current code, and its API works. And the rule that makes that safe: a migration marked
 * as breaking older releases makes older code refuse to start, with one line saying so.
 */
const run = promisify(execFile);
const STARTUP_TIMEOUT_MS = 90_000;
const TEST_TIMEOUT_MS = 240_000;
const MIGRATIONS_PATH = 'src/db/migrations';
const MIGRATE_PATH = 'src/db/migrate.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function git(...args: string[]): Promise<string> {
  try {
    return (await run('git', args, { maxBuffer: 64 * 1024 * 1024, encoding: 'buffer' })).stdout.toString('utf8').trim();
  } catch (error) {
    throw new Error(
      `git ${args.join(' ')} failed: the rollback test needs the repository's history (a full git clone, not a shallow one or an export): ${String((error as Error).message).slice(0, 500)}`,
    );
  }
}

/**
 * The release just before the latest migration landed: the first parent of the newest commit on
 * the first-parent line (the main branch's own history, merges included) that added a migration
 * file, and the migrations it lacks. Branches land in any order, so the newest file by name is
 * not always the last to land; the first-parent line says what was deployed before what.
 */
async function previousRelease(): Promise<{ commit: string; newer: string[] }> {
  const landed = await git('log', '--first-parent', '--diff-filter=A', '--format=%H', '-1', '--', MIGRATIONS_PATH);
  if (!/^[0-9a-f]{40}$/.test(landed))
    throw new Error('git log finds no commit adding a migration: run this test in a full clone (history needed)');
  const commit = await git('rev-parse', '--verify', `${landed}^1`);
  const before = new Set((await git('ls-tree', '--name-only', `${commit}:${MIGRATIONS_PATH}`)).split('\n'));
  const newer = (await readMigrationFiles()).map((file) => file.name).filter((name) => !before.has(name));
  if (newer.length === 0) throw new Error(`${landed} added no migration file to ${MIGRATIONS_PATH} that its parent lacks`);
  return { commit, newer };
}

/**
 * The release's dependencies: this checkout's packages (links, so nothing is copied), plus any
 * package the release depends on that this checkout no longer has (a dependency removed since),
 * installed from npm's cache into a directory of their own and linked in beside the others.
 */
async function linkDependencies(directory: string): Promise<void> {
  const current = await realpath('node_modules');
  const modules = path.join(directory, 'node_modules');
  await mkdir(modules);
  const released = JSON.parse(await readFile(path.join(directory, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const missing = Object.entries(released.dependencies ?? {}).filter(([name]) => !existsSync(path.join(current, name)));
  const extra = path.join(directory, '.removed-dependencies');
  if (missing.length > 0) {
    await mkdir(extra);
    await writeFile(path.join(extra, 'package.json'), '{"private":true}\n');
    await run(
      'npm',
      ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--no-save'].concat(
        missing.map(([name, version]) => `${name}@${version}`),
      ),
      { cwd: extra },
    );
  }
  const sources = [current, ...(missing.length > 0 ? [path.join(extra, 'node_modules')] : [])];
  for (const source of sources) {
    for (const entry of await readdir(source)) {
      if (!existsSync(path.join(modules, entry))) await symlink(path.join(source, entry), path.join(modules, entry));
    }
  }
}

/** The tree of `commit` in a directory of its own, with the dependencies it was released with. */
async function checkOut(commit: string): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'vdp-previous-release-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  const archive = path.join(directory, '..', `${path.basename(directory)}.tar`);
  cleanups.push(() => rm(archive, { force: true }));
  await git('archive', '--format=tar', '-o', archive, commit);
  await run('tar', ['-x', '-f', archive, '-C', directory]);
  await linkDependencies(directory);
  return directory;
}

interface Launched {
  output(): string;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function launch(directory: string, databaseUrl: string, port: number): Launched {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['TEST_DATABASE_URL', 'VDP_TEST_ADMIN_URL', 'DATA_DIR', 'TEST_CLOCK_START', 'METRICS_PORT'])
    delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: directory,
    env: {
      ...env,
      NODE_ENV: 'test',
      ROLE: 'api',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_MAX: '5',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return { output: () => output, exited, kill: (signal) => child.kill(signal) };
}

/** Resolves once the process listens, or with its exit code when it stops first. */
async function listeningOrExit(launched: Launched): Promise<'listening' | number | null> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void launched.exited.then((code) => (exitCode = code ?? -1));
  while (Date.now() < deadline) {
    if (launched.output().includes('Vai de Pix listening on')) return 'listening';
    if (exitCode !== undefined) return exitCode;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`neither listening nor stopped:\n${launched.output().slice(-4_000)}`);
}

async function call(url: string, method: string, route: string, token: string | null, body?: unknown) {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text.length > 0 ? JSON.parse(text) : null, text };
}

/** What a person does on the release: sign up, accounts, an income, a transfer, and reading them back. */
async function exerciseTheApi(url: string): Promise<void> {
  const registered = await call(url, 'POST', '/api/auth/register', null, {
    email: 'volta@example.com',
    password: 'senha-forte-123',
    name: 'Pessoa da Volta',
  });
  expect(registered.status, registered.text).toBe(201);
  const token = registered.body.token as string;
  const checking = await call(url, 'POST', '/api/accounts', token, {
    name: 'Conta',
    type: 'checking',
    initial_balance_cents: 10_000,
  });
  expect(checking.status, checking.text).toBe(201);
  const savings = await call(url, 'POST', '/api/accounts', token, { name: 'Poupança', type: 'savings' });
  expect(savings.status, savings.text).toBe(201);
  const income = await call(url, 'POST', '/api/transactions', token, {
    account_id: checking.body.id,
    type: 'income',
    amount_cents: 5_000,
    description: 'Salário',
  });
  expect(income.status, income.text).toBe(201);
  const transfer = await call(url, 'POST', '/api/transfers', token, {
    from_account_id: checking.body.id,
    to_account_id: savings.body.id,
    amount_cents: 2_500,
    description: 'Guardar',
  });
  expect(transfer.status, transfer.text).toBe(201);
  const accounts = await call(url, 'GET', '/api/accounts', token);
  expect(accounts.status, accounts.text).toBe(200);
  const balances = Object.fromEntries(
    (accounts.body.items as Array<{ id: string; balance_cents: number }>).map((account) => [account.id, account.balance_cents]),
  );
  expect(balances).toEqual({ [checking.body.id]: 12_500, [savings.body.id]: 2_500 });
  const transactions = await call(url, 'GET', '/api/transactions', token);
  expect(transactions.status, transactions.text).toBe(200);
  expect((transactions.body.items as Array<{ description: string }>).map((item) => item.description)).toEqual(
    expect.arrayContaining(['Salário', 'Guardar']),
  );
  const me = await call(url, 'GET', '/api/me', token);
  expect(me.status, me.text).toBe(200);
}

describe('rolling back to the release before the latest migration', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it(
    'the previous release runs against the current schema (with the rule, when it predates it) and its API works',
    async () => {
      const { commit, newer } = await previousRelease();
      const directory = await checkOut(commit);
      for (const name of newer) expect(existsSync(path.join(directory, MIGRATIONS_PATH, name))).toBe(false);
      const pool = createPool(database.url);
      cleanups.push(() => pool.end());
      expect((await migrate(pool)).applied).toEqual(expect.arrayContaining(newer));
      const breaking = (await readMigrationFiles()).find((file) => newer.includes(file.name) && file.breaksPreviousRelease);

      const previousMigrate = await readFile(path.join(directory, MIGRATE_PATH), 'utf8');
      if (!previousMigrate.includes(BREAKS_PREVIOUS_RELEASE_HEADER)) {
        // A release from before the rule refuses any newer database, compatible or not: that is
        // the finding the rule answers. Its application code is then run with the rule.
        const asReleased = launch(directory, database.url, await freePort());
        expect(await listeningOrExit(asReleased)).toBe(1);
        expect(asReleased.output()).toContain('database has migrations this code does not know');
        await copyFile(MIGRATE_PATH, path.join(directory, MIGRATE_PATH));
      }
      const port = await freePort();
      const previous = launch(directory, database.url, port);
      const started = await listeningOrExit(previous);
      if (breaking !== undefined) {
        // A contract step: the previous release must refuse it, saying which release to deploy.
        expect(started).toBe(1);
        expect(previous.output()).toContain(`has migration ${breaking.name}, which this release cannot run with`);
        return;
      }
      expect(started, previous.output().slice(-4_000)).toBe('listening');
      const url = `http://127.0.0.1:${port}`;
      const health = await call(url, 'GET', '/api/health', null);
      expect(health.status, health.text).toBe(200);
      await exerciseTheApi(url);
      previous.kill('SIGTERM');
      expect(await previous.exited).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('a database newer than the code', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it(
    'starts, warns and stays ready when the newer migrations are expand steps; refuses with one line when one breaks it',
    async () => {
      const pool = createPool(database.url);
      cleanups.push(() => pool.end());
      await migrate(pool);
      // A newer release's migrations, one of them landed late with an older timestamp than ours.
      await pool.query(
        "INSERT INTO schema_migrations (name, checksum) VALUES ('29990101000000_add_a_column.sql', 'x'), ('20000101000000_landed_late.sql', 'z')",
      );
      expect(await migrationsCurrent(pool, await readMigrationFiles())).toBe(true);

      const port = await freePort();
      const tolerant = launch(process.cwd(), database.url, port);
      expect(await listeningOrExit(tolerant), tolerant.output().slice(-4_000)).toBe('listening');
      expect(tolerant.output()).toContain(
        'migration(s) of a newer release (20000101000000_landed_late.sql, 29990101000000_add_a_column.sql)',
      );
      expect((await call(`http://127.0.0.1:${port}`, 'GET', '/api/health', null)).status).toBe(200);
      tolerant.kill('SIGTERM');
      expect(await tolerant.exited).toBe(0);

      await pool.query(
        "INSERT INTO schema_migrations (name, checksum, breaks_previous_release) VALUES ('29990102000000_drop_a_column.sql', 'y', true)",
      );
      expect(await migrationsCurrent(pool, await readMigrationFiles())).toBe(false);
      const refusing = launch(process.cwd(), database.url, await freePort());
      expect(await listeningOrExit(refusing)).toBe(1);
      const lines = refusing
        .output()
        .split('\n')
        .filter((line) => line.includes('29990102000000_drop_a_column.sql'));
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('\n')).toContain(
        'the database has migration 29990102000000_drop_a_column.sql, which this release cannot run with (it breaks older releases): deploy a release at least that new',
      );
    },
    TEST_TIMEOUT_MS,
  );
});

describe('the breaks-previous-release mark', () => {
  it.each([
    [`${BREAKS_PREVIOUS_RELEASE_HEADER}\nALTER TABLE t DROP COLUMN c;`, true],
    [`${BREAKS_PREVIOUS_RELEASE_HEADER}  \r\nALTER TABLE t DROP COLUMN c;`, true],
    [`${BREAKS_PREVIOUS_RELEASE_HEADER}`, true],
    [`-- Why this migration exists.\n${BREAKS_PREVIOUS_RELEASE_HEADER}\nSELECT 1;`, false],
    [`-- vai-de-pix: breaks-previous-releases\nSELECT 1;`, false],
    [` ${BREAKS_PREVIOUS_RELEASE_HEADER}\nSELECT 1;`, false],
    ['ALTER TABLE t ADD COLUMN c int;', false],
    ['', false],
  ])('is read from the first line only (%#)', (sql, marked) => {
    expect(marksBreaking(sql)).toBe(marked);
  });

  it('is recorded with the migration when it is applied', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const pool = createPool(database.url);
    cleanups.push(() => pool.end());
    const directory = await mkdtemp(path.join(tmpdir(), 'vdp-migrations-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    await cp(MIGRATIONS_DIR, directory, { recursive: true });
    await writeFile(
      path.join(directory, '29990101000000_drop_a_column.sql'),
      `${BREAKS_PREVIOUS_RELEASE_HEADER}\n-- The column the previous release still read goes.\nCREATE TABLE marked_drill (id int);\n`,
    );
    await writeFile(path.join(directory, '29990101000100_add_a_column.sql'), 'CREATE TABLE unmarked_drill (id int);\n');
    await migrate(pool, directory);
    const rows = await pool.query<{ name: string; breaks_previous_release: boolean }>(
      "SELECT name, breaks_previous_release FROM schema_migrations WHERE name LIKE '2999%' ORDER BY name",
    );
    expect(rows.rows).toEqual([
      { name: '29990101000000_drop_a_column.sql', breaks_previous_release: true },
      { name: '29990101000100_add_a_column.sql', breaks_previous_release: false },
    ]);
    // The code without those files refuses the database, naming the marked one.
    await expect(migrate(pool)).rejects.toThrow(
      'the database has migration 29990101000000_drop_a_column.sql, which this release cannot run with (it breaks older releases): deploy a release at least that new',
    );
  });
});
