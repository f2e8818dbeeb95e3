import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../../src/db/embedded.js';

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

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A new empty database on the test server (or on `adminUrl`'s, see startOwnServer); drop()
 * removes it.
 */
export async function createTestDatabase(adminUrl?: string): Promise<TestDatabase> {
  const name = `vdp_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const server = adminUrl ?? (await resolveAdminUrl());
  await admin(server, (client) => client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`));
  return {
    name,
    url: withDatabase(server, name),
    drop: () => admin(server, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
