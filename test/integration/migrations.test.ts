import { spawn } from 'node:child_process';
import { appendFile, cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, MigrationHistoryError, migrate, migrationsCurrent, readMigrationFiles } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  return database;
}

async function copyOfMigrations(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'vdp-migrations-'));
  await cp(MIGRATIONS_DIR, directory, { recursive: true });
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

describe('migrations', () => {
  it('apply every file once and record it; a second run applies nothing', async () => {
    const database = await freshDatabase();
    const pool = createPool(database.url);
    cleanups.push(() => pool.end());
    const files = await readMigrationFiles();
    expect(await migrationsCurrent(pool, files)).toBe(false);
    const first = await migrate(pool);
    expect(first.applied).toEqual(files.map((file) => file.name));
    expect((await migrate(pool)).applied).toEqual([]);
    expect(await migrationsCurrent(pool, files)).toBe(true);
  });

  it('start on a current database that refuses writes (default_transaction_read_only): nothing to apply, nothing written', async () => {
    const database = await freshDatabase();
    const setup = createPool(database.url);
    await migrate(setup);
    const name = new URL(database.url).pathname.slice(1);
    await setup.query(`ALTER DATABASE "${name}" SET default_transaction_read_only = on`);
    await setup.end();
    // A new pool: the setting applies to sessions opened after it.
    const pool = createPool(database.url);
    cleanups.push(async () => {
      await pool.query(`ALTER DATABASE "${name}" SET default_transaction_read_only = off`).catch(() => {});
      await pool.end();
    });
    const readOnly = await pool.query<{ transaction_read_only: string }>('SHOW transaction_read_only');
    expect(readOnly.rows[0]?.transaction_read_only).toBe('on');
    expect(await migrate(pool)).toEqual({ applied: [], ahead: [] });
    expect(await migrationsCurrent(pool, await readMigrationFiles())).toBe(true);
  });

  it('refuse a database whose history was changed after it ran', async () => {
    const database = await freshDatabase();
    const pool = createPool(database.url);
    cleanups.push(() => pool.end());
    const directory = await copyOfMigrations();
    await migrate(pool, directory);
    const [first] = (await readdir(directory)).sort();
    await appendFile(path.join(directory, String(first)), '\n-- edited after landing\n');
    await expect(migrate(pool, directory)).rejects.toThrow(MigrationHistoryError);
    await expect(migrate(pool, directory)).rejects.toThrow(/changed after it was applied/);
    expect(await migrationsCurrent(pool, await readMigrationFiles(directory))).toBe(false);
  });

  it('refuse a database that ran a migration this code does not have and that breaks older releases', async () => {
    const database = await freshDatabase();
    const pool = createPool(database.url);
    cleanups.push(() => pool.end());
    await migrate(pool);
    await pool.query(
      "INSERT INTO schema_migrations (name, checksum, breaks_previous_release) VALUES ('29991231000000_from_the_future.sql', 'x', true)",
    );
    await expect(migrate(pool)).rejects.toThrow(
      /has migration 29991231000000_from_the_future.sql, which this release cannot run with .*deploy a release at least that new/,
    );
  });

  it('refuse a new file that sorts before one already applied', async () => {
    const database = await freshDatabase();
    const pool = createPool(database.url);
    cleanups.push(() => pool.end());
    const directory = await copyOfMigrations();
    await migrate(pool, directory);
    await writeFile(path.join(directory, '20000101000000_sneaked_in.sql'), 'SELECT 1;');
    await expect(migrate(pool, directory)).rejects.toThrow(/does not match file 20000101000000_sneaked_in.sql/);
  });

  it('roll back a failing migration whole, recording nothing', async () => {
    const database = await freshDatabase();
    const pool = createPool(database.url);
    cleanups.push(() => pool.end());
    const directory = await copyOfMigrations();
    await writeFile(
      path.join(directory, '29990101000000_broken.sql'),
      'CREATE TABLE half_done (id int); SELECT * FROM missing_table;',
    );
    await expect(migrate(pool, directory)).rejects.toThrow(/29990101000000_broken.sql failed/);
    const table = await pool.query("SELECT to_regclass('half_done') AS t");
    expect(table.rows[0].t).toBeNull();
    const history = await pool.query('SELECT name FROM schema_migrations');
    expect(history.rows.map((row) => row.name)).not.toContain('29990101000000_broken.sql');
  });

  it('are safe when two processes migrate the same empty database at once', async () => {
    const database = await freshDatabase();
    const script = `
      import { migrate } from './src/db/migrate.ts';
      import { createPool } from './src/db/pool.ts';
      const pool = createPool(process.env.URL);
      const result = await migrate(pool);
      console.log(JSON.stringify(result.applied));
      await pool.end();`;
    const run = () =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          env: { ...process.env, URL: database.url },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += chunk));
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const results = await Promise.all([run(), run(), run()]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const applied = results.map((result) => JSON.parse(result.stdout.trim()) as string[]);
    const files = (await readMigrationFiles()).map((file) => file.name);
    // Exactly one process applied the files; the others found them applied.
    expect(applied.filter((list) => list.length > 0)).toEqual([files]);
    const pool = createPool(database.url);
    cleanups.push(() => pool.end());
    const history = await pool.query('SELECT name FROM schema_migrations ORDER BY name');
    expect(history.rows.map((row) => row.name)).toEqual(files);
  });
});
