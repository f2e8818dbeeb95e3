/**
 * Behind PgBouncer in transaction pooling the deployment's environment (the systemd env file
 * that docs/OPERATIONS.md sources before `npm run job`) has DATABASE_URL on the pooler and
 * DATABASE_DIRECT_URL on PostgreSQL. The operator commands open sessions of their own (the
 * migrations' session lock in `npm run job`, named statements, pg_dump), so they must go to
 * DATABASE_DIRECT_URL. Here DATABASE_URL points at a port where nothing listens: a command that
 * still used it fails to connect.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let testApp: TestApp;
let other: TestDatabase;
let nowhere: string;

beforeAll(async () => {
  testApp = await startTestApp();
  other = await createTestDatabase();
  nowhere = `postgresql://postgres@127.0.0.1:${await freePort()}/nowhere`;
});

afterAll(async () => {
  await testApp?.close();
  await other?.drop();
});

/** A URL with a password (the test server trusts it anyway), to see that no output shows it. */
function withPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = 'pw-not-to-print';
  return parsed.toString();
}

function command(
  file: string,
  args: readonly string[],
  urls: { pooled: string; direct: string } = { pooled: nowhere, direct: testApp.database.url },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { DATABASE_URL: _url, TEST_DATABASE_URL: _test, VDP_TEST_ADMIN_URL: _admin, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      env: { ...inherited, LOG_LEVEL: 'silent', DATABASE_URL: urls.pooled, DATABASE_DIRECT_URL: urls.direct },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the operator commands behind a transaction pooler', () => {
  it('npm run ops connects to DATABASE_DIRECT_URL', async () => {
    const result = await command('src/cli/ops.ts', ['check-ledger']);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('ledger whole');
  });

  it('npm run job migrates and runs on DATABASE_DIRECT_URL', async () => {
    const result = await command('src/cli/job.ts', ['expire_idempotency_keys']);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ job: 'expire_idempotency_keys', ran: true });
    const runs = await testApp.pool.query(`SELECT count(*)::int AS n FROM job_runs WHERE trigger = 'command'`);
    expect(runs.rows[0].n).toBe(1);
  });

  it('refuses (78) when DATABASE_URL alone is pointed at another database, and prints no password', async () => {
    // How docs/INCIDENT-PLAYBOOK.md checks a restored copy: DATABASE_URL=<the copy> npm run ops -- …
    // with the deployment's environment (DATABASE_DIRECT_URL on the live database) loaded.
    const urls = { pooled: withPassword(other.url), direct: withPassword(testApp.database.url) };
    for (const [file, args] of [
      ['src/cli/ops.ts', ['check-ledger']],
      ['src/cli/job.ts', ['expire_idempotency_keys']],
    ] as const) {
      const result = await command(file, args, urls);
      expect(result.code, `${file}\n${result.stdout}\n${result.stderr}`).toBe(78);
      expect(result.stderr).toContain('DATABASE_URL and DATABASE_DIRECT_URL reach different databases');
      expect(`${result.stdout}${result.stderr}`).not.toContain('pw-not-to-print');
    }
    const runs = await testApp.pool.query(`SELECT count(*)::int AS n FROM job_runs WHERE trigger = 'command'`);
    expect(runs.rows[0].n).toBe(1);
  });

  it('goes on when both reach the one database', async () => {
    const same = { pooled: withPassword(testApp.database.url), direct: testApp.database.url };
    const result = await command('src/cli/ops.ts', ['check-ledger'], same);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('ledger whole');
  });
});
