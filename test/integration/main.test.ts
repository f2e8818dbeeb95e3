import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { createTestDatabase } from '../helpers/db.js';

/**
 * The real process, as `npm start` runs it: node dist/main.js (npm test builds it
 * first). Each run gets its own port, database or DATA_DIR.
 */
const STARTUP_TIMEOUT_MS = 60_000;
const MAIN = 'dist/main.js';

interface Running {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  url: string;
  exited: Promise<number | null>;
}

function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1' };
  for (const name of ['DATABASE_URL', 'TEST_DATABASE_URL', 'VDP_TEST_ADMIN_URL', 'DATA_DIR', 'PORT']) delete env[name];
  return env;
}

function launch(env: NodeJS.ProcessEnv): {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [MAIN], { env });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function start(env: NodeJS.ProcessEnv): Promise<Running> {
  const port = await freePort();
  const launched = launch({ ...env, PORT: String(port) });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!launched.output().includes('Vai de Pix listening on')) {
    if (launched.child.exitCode !== null || Date.now() > deadline) {
      launched.child.kill('SIGKILL');
      throw new Error(`did not start:\n${launched.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ...launched, url: `http://127.0.0.1:${port}` };
}

async function stop(running: Running): Promise<number | null> {
  running.child.kill('SIGTERM');
  return running.exited;
}

async function checkEndpoints(url: string) {
  const health = await fetch(`${url}/health`);
  expect(health.status).toBe(200);
  const apiHealth = await fetch(`${url}/api/health`);
  expect(apiHealth.status).toBe(200);
  expect(await apiHealth.json()).toEqual({ status: 'ok', database: 'up', migrations: 'current' });
  const metrics = await fetch(`${url}/metrics`);
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toContain('http_request_duration_seconds_bucket');
  const openapi = await fetch(`${url}/api/openapi.json`);
  expect(((await openapi.json()) as { paths: Record<string, unknown> }).paths['/api/me']).toBeDefined();
  for (const page of ['/', '/entrar', '/cadastro']) {
    const response = await fetch(`${url}${page}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toContain('<div id="root">');
  }
  const unknownApi = await fetch(`${url}/api/unknown`);
  expect(unknownApi.status).toBe(404);
  expect(unknownApi.headers.get('content-type')).toMatch(/problem\+json/);
}

async function register(url: string, email: string) {
  return fetch(`${url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'senha-forte-123', name: 'Processo' }),
  });
}

beforeAll(() => {
  if (!existsSync(MAIN) || !existsSync('web/dist/index.html')) {
    throw new Error('build first: npm run build (npm test does it before the integration tests)');
  }
});

describe('npm start with DATABASE_URL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('migrates, serves the API and the web app, and stops gracefully on SIGTERM', async () => {
    const running = await start({ ...baseEnv(), DATABASE_URL: database.url });
    try {
      const line = running
        .output()
        .split('\n')
        .find((entry) => entry.includes('Vai de Pix listening on'));
      expect(JSON.parse(String(line))).toMatchObject({ database_mode: 'server', role: 'all' });
      expect(line).not.toContain('password');
      await checkEndpoints(running.url);
      expect((await register(running.url, 'servidor@example.com')).status).toBe(201);
    } finally {
      expect(await stop(running)).toBe(0);
    }
    expect(running.output()).toContain('"msg":"stopped"');
  });

  it('stops at start with a message naming a bad variable', async () => {
    const launched = launch({ ...baseEnv(), DATABASE_URL: database.url, PORT: 'porta' });
    expect(await launched.exited).toBe(78);
    expect(launched.output()).toMatch(/invalid environment:\s+PORT:/);
  });

  it('runs as a worker only with ROLE=worker, serving no HTTP', async () => {
    const port = await freePort();
    const launched = launch({ ...baseEnv(), DATABASE_URL: database.url, ROLE: 'worker', PORT: String(port) });
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (!launched.output().includes('worker started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(launched.output()).toContain('worker started');
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    launched.child.kill('SIGTERM');
    expect(await launched.exited).toBe(0);
  });
});

describe('npm start without DATABASE_URL (embedded PostgreSQL)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'vdp-main-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts its own database in DATA_DIR, refuses a second process on it, keeps data across restarts', async () => {
    const env = { ...baseEnv(), DATA_DIR: dataDir };
    const first = await start(env);
    let embeddedPort: number;
    try {
      const line = first
        .output()
        .split('\n')
        .find((entry) => entry.includes('Vai de Pix listening on'));
      expect(JSON.parse(String(line))).toMatchObject({ database_mode: 'embedded' });
      embeddedPort = Number(/embedded PostgreSQL on 127\.0\.0\.1:(\d+)/.exec(String(line))?.[1]);
      expect(embeddedPort).toBeGreaterThan(0);
      await checkEndpoints(first.url);
      expect((await register(first.url, 'embutido@example.com')).status).toBe(201);

      const second = launch({ ...env, PORT: String(await freePort()) });
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/DATA_DIR .* is already in use by Vai de Pix process \d+/);
      // The refused start did not disturb the running one.
      expect((await fetch(`${first.url}/api/health`)).status).toBe(200);
    } finally {
      expect(await stop(first)).toBe(0);
    }

    // The embedded server stopped with the process.
    const probe = new pg.Client({ host: '127.0.0.1', port: embeddedPort, user: 'postgres', connectionTimeoutMillis: 2_000 });
    await expect(probe.connect()).rejects.toThrow();

    const again = await start(env);
    try {
      const login = await fetch(`${again.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'embutido@example.com', password: 'senha-forte-123' }),
      });
      expect(login.status).toBe(200);
    } finally {
      expect(await stop(again)).toBe(0);
    }
  });
});
