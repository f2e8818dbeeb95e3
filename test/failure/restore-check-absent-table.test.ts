/**
 * `npm run ops -- restore-check` after a restore that left a table out altogether (a hand-run
 * pg_restore that stopped in the schema, a `-t` list that missed one): the app never drops a
 * table, so a table of the backup that the database lacks is a partial restore, whichever it is.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { backupCommand, ops, shown } from './runbook-support.js';

let testApp: TestApp;
let directory: string;
let restored: TestDatabase;

beforeAll(async () => {
  testApp = await startTestApp();
  restored = await createTestDatabase();
  directory = await mkdtemp(path.join(tmpdir(), 'vdp-restore-check-'));
});

afterAll(async () => {
  await restored?.drop();
  await testApp?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('restore-check', () => {
  it('exits 1 when a table of the backup is absent from the database', async () => {
    await signedIn(testApp.app);
    const file = path.join(directory, 'backup.dump');
    const backup = await backupCommand('backup', ['--out', file], testApp.database.url);
    expect(backup.code, shown(backup)).toBe(0);
    const restore = await backupCommand('restore', ['--in', file, '--into', restored.url], restored.url);
    expect(restore.code, shown(restore)).toBe(0);
    const whole = await ops(['restore-check', '--in', file], restored.url);
    expect(whole.code, shown(whole)).toBe(0);

    const admin = new (await import('pg')).default.Client({ connectionString: restored.url });
    await admin.connect();
    await admin.query('DROP TABLE access_log');
    await admin.end();
    const found = await ops(['restore-check', '--in', file], restored.url);
    expect(found.code, shown(found)).toBe(1);
    expect(found.stdout).toMatch(/^access_log archive_rows=\d+ database_rows=- missing$/m);
    expect(found.stdout).toContain('restore partial');
  });
});
