/**
 * docs/INCIDENT-PLAYBOOK.md, "A partial restore": a backup restored by hand table by table and
 * left without its ledger entries is found by `npm run ops -- restore-check --in FILE` and
 * `npm run ops -- check-ledger`; redoing it with `npm run restore` into an empty database makes
 * both pass.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool.js';
import { deleteGoal } from '../../src/modules/goals/goals.repository.js';
import { findTool } from '../../src/ops/backup/tools.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { backupCommand, ops, shown } from './runbook-support.js';

let testApp: TestApp;
let directory: string;
const databases: TestDatabase[] = [];

beforeAll(async () => {
  testApp = await startTestApp();
  directory = await mkdtemp(path.join(tmpdir(), 'vdp-runbook-'));
});

afterAll(async () => {
  for (const database of databases) await database.drop();
  await testApp?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** pg_restore run by hand, as the playbook warns against: no single transaction, some tables only. */
function pgRestore(args: readonly string[]): Promise<number | null> {
  return findTool('pg_restore').then(
    (tool) =>
      new Promise((resolve, reject) => {
        if (!tool) return reject(new Error('no pg_restore'));
        const child = spawn(tool.path, [...args], { stdio: 'ignore' });
        child.on('error', reject);
        child.on('close', resolve);
      }),
  );
}

describe('a partial restore', () => {
  it('restore-check and check-ledger find it; npm run restore into an empty database makes it whole', async () => {
    const { client } = await signedIn(testApp.app);
    const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 50_000 });
    for (const amount of [1_000, 2_000, 3_000]) {
      const spent = await client.post('/api/transactions', {
        account_id: checking.id,
        type: 'expense',
        amount_cents: amount,
        description: 'Mercado',
      });
      expect(spent.statusCode).toBe(201);
    }
    const file = path.join(directory, 'before.dump');
    const backup = await backupCommand('backup', ['--out', file], testApp.database.url);
    expect(backup.code, shown(backup)).toBe(0);

    const partial = await createTestDatabase();
    databases.push(partial);
    expect(await pgRestore(['--no-owner', '--schema-only', '--dbname', partial.url, file])).toBe(0);
    const tables = ['schema_migrations', 'users', 'accounts', 'categories', 'transactions'];
    const someData = ['--no-owner', '--data-only', '--disable-triggers', ...tables.flatMap((table) => ['-t', table])];
    expect(await pgRestore([...someData, '--dbname', partial.url, file])).toBe(0);

    const found = await ops(['restore-check', '--in', file], partial.url);
    expect(found.code, shown(found)).toBe(1);
    expect(found.stdout).toMatch(/^ledger_entries archive_rows=8 database_rows=0 missing$/m);
    expect(found.stdout).toMatch(/^transactions archive_rows=4 database_rows=4 ok$/m);
    expect(found.stdout).toContain('restore partial: 1 table(s) hold fewer rows than the backup');
    const ledger = await ops(['check-ledger'], partial.url);
    expect(ledger.code, shown(ledger)).toBe(1);
    expect(ledger.stdout).toMatch(/unbalanced_transaction .* 0 legs summing to 0/);

    const whole = await createTestDatabase();
    databases.push(whole);
    const restored = await backupCommand('restore', ['--in', file, '--into', whole.url], whole.url);
    expect(restored.code, shown(restored)).toBe(0);
    const complete = await ops(['restore-check', '--in', file], whole.url);
    expect(complete.code, shown(complete)).toBe(0);
    expect(complete.stdout).toMatch(/^ledger_entries archive_rows=8 database_rows=8 ok$/m);
    expect(complete.stdout).toContain('restore complete');
    const balanced = await ops(['check-ledger'], whole.url);
    expect(balanced.code, shown(balanced)).toBe(0);
  });

  it("is not fooled by rows the app deletes by design: a goal never funded (with its account), a deleted person's categories", async () => {
    const { client } = await signedIn(testApp.app);
    const goal = await client.post('/api/goals', { name: 'Viagem', target_cents: 100_000 });
    expect(goal.statusCode).toBe(201);
    const leaving = await signedIn(testApp.app);
    const file = path.join(directory, 'shrinking.dump');
    const backup = await backupCommand('backup', ['--out', file], testApp.database.url);
    expect(backup.code, shown(backup)).toBe(0);
    const whole = await createTestDatabase();
    databases.push(whole);
    const restored = await backupCommand('restore', ['--in', file, '--into', whole.url], whole.url);
    expect(restored.code, shown(restored)).toBe(0);
    // What the app does once it runs on the restored database: DELETE /api/goals/:id, and an account's deletion.
    const pool = createPool(whole.url, { max: 1 });
    try {
      const stored = await pool.query<{ user_id: string; account_id: string }>(
        'SELECT user_id, account_id FROM goals WHERE id = $1',
        [goal.json().id],
      );
      const { user_id: userId, account_id: accountId } = stored.rows[0] as { user_id: string; account_id: string };
      await deleteGoal(pool, { userId, goalId: goal.json().id, accountId });
      await pool.query('DELETE FROM categories WHERE user_id = $1', [leaving.user.id]);
    } finally {
      await pool.end();
    }
    const checked = await ops(['restore-check', '--in', file], whole.url);
    expect(checked.code, shown(checked)).toBe(0);
    expect(checked.stdout).toMatch(/^accounts archive_rows=\d+ database_rows=\d+ missing$/m);
    expect(checked.stdout).toMatch(/^categories archive_rows=\d+ database_rows=\d+ missing$/m);
    expect(checked.stdout).toContain('restore complete');
  });
});
