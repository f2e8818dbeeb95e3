import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';

/**
 * Where test databases are created, in order: VDP_TEST_ADMIN_URL (set by the global
 * setup for its workers), TEST_DATABASE_URL, DATABASE_URL, the PostgreSQL at
 * 127.0.0.1:5432 when it answers, else a throwaway embedded server.
 */
const LOCAL_SERVER_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const PROBE_TIMEOUT_MS = 2_000;

let embedded: EmbeddedDatabase | undefined;
let embeddedDir: string | undefined;

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function resolveAdminUrl(): Promise<string> {
  const given = process.env.VDP_TEST_ADMIN_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (given) return given;
  if (await answers(LOCAL_SERVER_URL)) return LOCAL_SERVER_URL;
  embeddedDir = await mkdtemp(path.join(tmpdir(), 'vdp-test-pg-'));
  embedded = await startEmbeddedDatabase({ dataDir: embeddedDir });
  return embedded.url;
}

/** Stops the throwaway embedded server, if resolveAdminUrl started one. */
export async function stopAdminServer(): Promise<void> {
  await embedded?.stop();
  if (embeddedDir) await rm(embeddedDir, { recursive: true, force: true });
  embedded = undefined;
  embeddedDir = undefined;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * The name of the migrated template an integration project's global setup made on the shared
 * test server (createMigratedTemplate), as its files `inject` it: a copy of it is ready in a
 * third of the time a new database takes to migrate (docs/PERFORMANCE.md, "The test suite's time").
 */
export const TEMPLATE_DATABASE_KEY = 'testTemplateDatabase';
declare module 'vitest' {
  export interface ProvidedContext {
    testTemplateDatabase: string;
  }
}
const TEMPLATE_NAME = /^vdp_test_template_[0-9a-f]{16}$/;

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates database `name` on `server` as a copy of what `templateClause` names (CREATE DATABASE … TEMPLATE). */
async function newDatabase(server: string, name: string, templateClause: string): Promise<TestDatabase> {
  await admin(server, (client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${templateClause}`));
  return {
    name,
    url: withDatabase(server, name),
    drop: () => admin(server, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

const EMPTY = "template0 ENCODING 'UTF8'";

/**
 * A new database on the test server (or on `adminUrl`'s, see startOwnServer); drop() removes
 * it. Empty, unless `template` names a template of that server's to copy (createMigratedTemplate).
 */
export async function createTestDatabase(adminUrl?: string, options: { template?: string } = {}): Promise<TestDatabase> {
  const { template } = options;
  if (template !== undefined && !TEMPLATE_NAME.test(template)) throw new Error(`not a test template database: ${template}`);
  const name = `vdp_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  return newDatabase(adminUrl ?? (await resolveAdminUrl()), name, template ?? EMPTY);
}

/** Applies the pending migrations to the database at `url` on a connection of its own, closed after; returns their names. */
export async function migrateDatabase(url: string): Promise<string[]> {
  const pool = createPool(url, { max: 1 });
  try {
    return (await migrate(pool)).applied;
  } finally {
    await pool.end();
  }
}

/**
 * A database migrated to the current schema, for test databases to be copied from
 * (createTestDatabase's `template`); drop() removes it. It takes no connection once migrated:
 * PostgreSQL copies only a database nobody is connected to, and nobody can write to it.
 */
export async function createMigratedTemplate(adminUrl: string): Promise<TestDatabase> {
  const template = await newDatabase(adminUrl, `vdp_test_template_${randomBytes(8).toString('hex')}`, EMPTY);
  try {
    await migrateDatabase(template.url);
    await admin(adminUrl, (client) => client.query(`ALTER DATABASE ${template.name} ALLOW_CONNECTIONS false`));
  } catch (error) {
    await template.drop().catch(() => {});
    throw error;
  }
  return template;
}
