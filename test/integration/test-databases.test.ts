import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findTool } from '../../src/ops/backup/tools.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, migrateDatabase, TEMPLATE_DATABASE_KEY, type TestDatabase } from '../helpers/db.js';

const run = promisify(execFile);

// The test apps' databases are copies of a template the global setup migrated
// (test/helpers/global-setup.ts): a copy must be the database a fresh migration gives, or every
// integration file would test a schema the app never runs on.

let testApp: TestApp;
/** A database migrated afresh, and a copy of the template made here, before anything migrated it. */
let fresh: TestDatabase;
let copy: TestDatabase;
let migratedOnCopy: string[];

beforeAll(async () => {
  testApp = await startTestApp();
  fresh = await createTestDatabase();
  await migrateDatabase(fresh.url);
  copy = await createTestDatabase(undefined, { template: inject(TEMPLATE_DATABASE_KEY) });
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
    return Number(result.rows[0]?.oid);
  } finally {
    await client.end();
  }
}

/** The schema as pg_dump writes it: tables, columns, constraints, indexes, triggers, functions, extensions, owners, grants. */
async function schemaOf(url: string): Promise<string> {
  const tool = await findTool('pg_dump');
  if (!tool) throw new Error('pg_dump not found: install the PostgreSQL client tools');
  const { stdout } = await run(tool.path, ['--schema-only', '--dbname', url], {
    maxBuffer: 64 * 1024 * 1024,
  });
  // Since 15.14 a dump is fenced by \restrict and \unrestrict lines with a random key of its own.
  return stdout.replace(/^\\(un)?restrict \S+$/gm, '');
}

/**
 * What is not in the schema dump but comes with a database, or does not: its settings, grants,
 * connection limit and comment (PostgreSQL copies none of these from a template), the history of
 * its migrations and how many rows each table holds.
 */
async function contentsOf(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const database = await client.query<{
      settings: string[] | null;
      acl: string | null;
      connlimit: number;
      comment: string | null;
    }>(
      `SELECT (SELECT setconfig FROM pg_db_role_setting WHERE setdatabase = d.oid AND setrole = 0) AS settings,
              d.datacl::text AS acl, d.datconnlimit AS connlimit, shobj_description(d.oid, 'pg_database') AS comment
         FROM pg_database d WHERE d.datname = current_database()`,
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
    return { database: database.rows[0], migrations: migrations.rows.map((row) => row.entry), rows };
  } finally {
    await client.end();
  }
}

describe('test databases', () => {
  it("a copy of the global setup's template is current as copied, and is what a fresh migration gives", async () => {
    expect(inject(TEMPLATE_DATABASE_KEY), 'the global setup provided its template').toMatch(/^vdp_test_template_/);
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
