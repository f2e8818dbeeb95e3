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

let testApp: TestApp;
let nowhere: string;

beforeAll(async () => {
  testApp = await startTestApp();
  nowhere = `postgresql://postgres@127.0.0.1:${await freePort()}/nowhere`;
});

afterAll(async () => {
  await testApp?.close();
});

function command(file: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { DATABASE_URL: _url, TEST_DATABASE_URL: _test, VDP_TEST_ADMIN_URL: _admin, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', file, ...args], {
      env: { ...inherited, LOG_LEVEL: 'silent', DATABASE_URL: nowhere, DATABASE_DIRECT_URL: testApp.database.url },
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
});
