import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { findTool } from '../../src/ops/backup/tools.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, TEMPLATE_DATABASE_VARIABLE, type TestDatabase } from '../helpers/db.js';

const run = promisify(execFile);

/**
 * The test apps' databases are copies of one template the global setup migrated
 * (test/helpers/global-setup.ts): a copy must be the database a fresh migration gives, or every
 * integration file would test a schema the app never runs on.
 */
let testApp: TestApp;
/** A database migrated afresh, and a copy of the template made here, before anything migrated it. */
let fresh: TestDatabase;
let copy: TestDatabase;
let migratedOnCopy: string[];

async function migrateDatabase(url: string): Promise<string[]> {
  const pool = createPool(url, { max: 1 });
  try {
    return (await migrate(pool)).applied;
  } finally {
    await pool.end();
  }
}

beforeAll(async () => {
  testApp = await startTestApp();
  fresh = await createTestDatabase();
  await migrateDatabase(fresh.url);
  copy = await createTestDatabase(undefined, { template: process.env[TEMPLATE_DATABASE_VARIABLE] ?? '' });
  migratedOnCopy = await migrateDatabase(copy.url);
});

afterAll(async () => {
  await copy?.drop();
  await fresh?.drop();
  await testApp?.close();
});

/** A copy keeps its template's catalogue, object ids included; a database migrated afresh gets new ones. */
async function accountsTableOid(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ oid: number }>("SELECT 'accounts'::regclass::oid::integer AS oid");
    return result.rows[0]?.oid ?? Number.NaN;
  } finally {
    await client.end();
  }
}

/** The schema as pg_dump writes it: tables, columns, constraints, indexes, triggers, functions, extensions. */
async function schemaOf(url: string): Promise<string> {
  const tool = await findTool('pg_dump');
  if (!tool) throw new Error('pg_dump not found: install the PostgreSQL client tools');
  const { stdout } = await run(tool.path, ['--schema-only', '--no-owner', '--no-privileges', '--dbname', url], {
    maxBuffer: 64 * 1024 * 1024,
  });
  // Since 15.14 a dump is fenced by \restrict and \unrestrict lines with a random key of its own.
  return stdout.replace(/^\\(un)?restrict \S+$/gm, '');
}

/** What is not schema but still comes with a database: its settings, and the rows the migrations wrote. */
async function contentsOf(url: string): Promise<{ settings: string[]; migrations: string[]; rows: Record<string, number> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const settings = await client.query<{ setting: string }>(
      `SELECT unnest(setconfig) AS setting FROM pg_db_role_setting
        WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY 1`,
    );
    const migrations = await client.query<{ entry: string }>(
      "SELECT name || ' ' || checksum || ' ' || breaks_previous_release AS entry FROM schema_migrations ORDER BY name",
    );
    const tables = await client.query<{ name: string }>(
      "SELECT format('%I.%I', schemaname, relname) AS name FROM pg_stat_user_tables WHERE relname <> 'schema_migrations' ORDER BY 1",
    );
    const rows: Record<string, number> = {};
    for (const { name } of tables.rows) {
      const counted = await client.query<{ count: string }>(`SELECT count(*) FROM ${name}`);
      rows[name] = Number(counted.rows[0]?.count);
    }
    return {
      settings: settings.rows.map((row) => row.setting),
      migrations: migrations.rows.map((row) => row.entry),
      rows,
    };
  } finally {
    await client.end();
  }
}

describe('test databases', () => {
  it("a copy of the global setup's template is current as copied, and is what a fresh migration gives", async () => {
    expect(process.env[TEMPLATE_DATABASE_VARIABLE], 'the global setup published its template').toMatch(/^vdp_test_template_/);
    expect(migratedOnCopy, 'migrations the copy still needed').toEqual([]);
    const [copied, migrated] = await Promise.all([schemaOf(copy.url), schemaOf(fresh.url)]);
    expect(copied.length).toBeGreaterThan(10_000);
    expect(copied).toBe(migrated);
    expect(await contentsOf(copy.url)).toEqual(await contentsOf(fresh.url));
  });

  it("a test app's database is such a copy", async () => {
    const [app, copied, migrated] = await Promise.all([
      accountsTableOid(testApp.database.url),
      accountsTableOid(copy.url),
      accountsTableOid(fresh.url),
    ]);
    expect(app).toBe(copied);
    expect(migrated).not.toBe(copied);
  });

  it('copies only a test template: any other name is refused before it reaches SQL', async () => {
    for (const template of ['template1', 'postgres', 'vdp_test_template_0011223344556677; DROP DATABASE postgres', '']) {
      await expect(createTestDatabase(undefined, { template })).rejects.toThrow(/not a test template database/);
    }
  });
});
