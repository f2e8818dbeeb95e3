import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../../src/db/embedded.js';
import { createPool } from '../../src/db/pool.js';
import { calendarMonth } from '../../src/lib/calendar.js';
import { fixedClock } from '../../src/lib/clock.js';
import { BackupError } from '../../src/ops/backup/errors.js';
import { checkArchive, restoreBackup } from '../../src/ops/backup/restore.js';
import { clientFor, signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';
import { type OfxMovement, ofx, upload } from './imports-support.js';

/**
 * The backup round trip, through the real commands as child processes: a realistic data set
 * (people, thousands of imported transactions, transfers, goals, budgets, recurring rules,
 * Pix charges, idempotency keys) is backed up, restored into a new database, and compared
 * table by table (every row's hash), balance by balance, with the entry count, the ledger sum
 * and the sequences; the restored app takes new writes and replays stored keys. Broken files
 * are refused and leave the target exactly as it was.
 */
const NOW = '2026-12-01T12:00:00Z';
const clock = fixedClock(NOW);
/** Imported movements per person: with the rest, a few thousand transactions in all. */
const IMPORTED_PER_PERSON = 1_200;
const PEOPLE = 2;
const COMMAND_TIMEOUT_MS = 240_000;
const TEST_TIMEOUT_MS = 600_000;

let t: TestApp;
let work: string;
let restoredDatabase: TestDatabase | undefined;
let backupFile: string;
const idempotent = {
  key: 'backup-roundtrip-1',
  token: '',
  payload: {} as Record<string, unknown>,
  body: '',
};

beforeAll(async () => {
  t = await startTestApp({ clock });
  work = await mkdtemp(path.join(tmpdir(), 'vdp-backup-test-'));
  backupFile = path.join(work, 'seeded.dump');
}, TEST_TIMEOUT_MS);
afterAll(async () => {
  await t?.close();
  await restoredDatabase?.drop();
  if (work) await rm(work, { recursive: true, force: true });
});

interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

/** `npm run backup` / `npm run restore` as an operator runs them, with the environment given. */
function runCommand(command: 'backup' | 'restore', args: string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const { DATABASE_URL: _url, TEST_DATABASE_URL: _test, VDP_TEST_ADMIN_URL: _admin, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${command}.ts`, ...args], {
      env: { ...inherited, LOG_LEVEL: 'silent', ...env },
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
    child.on('close', (code) => {
      const lines = stdout.trim().split('\n');
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(lines.at(-1) ?? '{}');
      } catch {
        json = { unparsed: stdout };
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

function movements(person: number): OfxMovement[] {
  return Array.from({ length: IMPORTED_PER_PERSON }, (_, index) => {
    const day = String(1 + (index % 28)).padStart(2, '0');
    const month = index % 2 === 0 ? '10' : '11';
    const credit = index % 5 === 0;
    const cents = 1_000 + ((index * 37 + person * 11) % 50_000);
    const amount = `${credit ? '' : '-'}${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    return { date: `2026-${month}-${day}`, amount, memo: `COMPRA ${person}-${index} LOJA`, fitid: `P${person}N${index}` };
  });
}

/** One person's year, written through the API the way the screens write it. */
async function seedPerson(app: FastifyInstance, index: number): Promise<void> {
  const { client, token } = await signedIn(app, `Pessoa ${index} do Backup`);
  const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 50_000_000 });
  const savings = await client.account({ name: 'Poupança', type: 'savings', initial_balance_cents: 1_000_000 });
  const card = await client.account({ name: 'Cartão', type: 'credit_card', overdraft_limit_cents: 500_000 });
  const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 20_000 });
  expect(card.id).toBeTruthy();

  const preview = expectStatus(await upload(app, token, { accountId: checking.id, file: ofx(movements(index)) }), 201).json();
  expectStatus(await client.post(`/api/imports/${preview.id}/confirm`, {}, { 'idempotency-key': `import-${index}` }), 201);

  for (let transfer = 0; transfer < 20; transfer += 1)
    expectStatus(
      await client.post('/api/transfers', {
        from_account_id: transfer % 2 === 0 ? checking.id : savings.id,
        to_account_id: transfer % 2 === 0 ? savings.id : cash.id,
        amount_cents: 1_000 + transfer,
      }),
      201,
    );
  const goal = expectStatus(await client.post('/api/goals', { name: `Viagem ${index}`, target_cents: 900_000 }), 201).json();
  for (let contribution = 0; contribution < 5; contribution += 1)
    expectStatus(
      await client.post(`/api/goals/${goal.id}/contributions`, { from_account_id: checking.id, amount_cents: 10_000 }),
      201,
    );
  expectStatus(await client.post(`/api/goals/${goal.id}/withdrawals`, { to_account_id: cash.id, amount_cents: 5_000 }), 201);

  const housing = await client.category('expense', 'housing');
  expectStatus(
    await client.put(`/api/budgets/${calendarMonth(new Date(NOW))}/${housing}`, {
      limit_cents: 300_000,
      alert_thresholds: [50, 80, 100],
    }),
    201,
  );
  expectStatus(
    await client.post('/api/recurring', {
      account_id: checking.id,
      type: 'expense',
      amount_cents: 150_000,
      description: `Aluguel ${index}`,
      category_id: housing,
      schedule: { kind: 'monthly', day: 5 },
      start_on: '2026-06-01',
    }),
    201,
  );
  expectStatus(await client.post('/api/recurring/run-due'), 200);

  const key = index === 0 ? '529.982.247-25' : `pessoa${index}@example.org`;
  expectStatus(await client.put(`/api/accounts/${checking.id}/pix-key`, { key, merchant_city: 'Recife' }), 200);
  for (let charge = 0; charge < 3; charge += 1) {
    const created = expectStatus(
      await client.post('/api/pix/charges', {
        account_id: checking.id,
        amount_cents: 2_500 + charge,
        description: `Cobrança ${charge}`,
        txid: `BK${index}C${charge}`,
      }),
      201,
    ).json();
    if (charge < 2) expectStatus(await client.post(`/api/pix/charges/${created.id}/receive`), 201);
  }

  if (index === 0) {
    idempotent.token = token;
    idempotent.payload = {
      account_id: checking.id,
      type: 'expense',
      amount_cents: 4_321,
      description: 'Mercado com chave',
      category_id: housing,
    };
    const first = expectStatus(
      await client.post('/api/transactions', idempotent.payload, { 'idempotency-key': idempotent.key }),
      201,
    );
    idempotent.body = first.body;
  }
}

interface Fingerprint {
  /**
   * A hash of the schema's constraints (by table, name, kind and columns: PostgreSQL prints a
   * restored CHECK with other parentheses), indexes, triggers, views and functions.
   */
  schema: string;
  tables: Record<string, { rows: number; md5: string }>;
  balances: Array<{ id: string; balance_cents: number; row_version: number }>;
  entries: number;
  ledgerSum: string;
  sequences: Record<string, string | null>;
}

/**
 * Everything a restore must bring back, read from the database: the schema's objects, each
 * table's row count and a hash of all its rows (sorted as text), each account's balance and
 * version, the ledger, and where each sequence stands. The reconcile run the restore adds to
 * job_runs is left out.
 */
async function fingerprint(pool: pg.Pool): Promise<Fingerprint> {
  const tables = await pool.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  const hashes: Fingerprint['tables'] = {};
  for (const { name } of tables.rows) {
    const filter = name === 'job_runs' ? `WHERE NOT (job = 'reconcile' AND trigger = 'command')` : '';
    const result = await pool.query<{ rows: number; md5: string }>(
      `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5
         FROM public.${JSON.stringify(name)} t ${filter}`,
    );
    hashes[name] = result.rows[0] as { rows: number; md5: string };
  }
  const schema = await pool.query<{ md5: string }>(
    `SELECT md5(string_agg(definition, E'\\n' ORDER BY definition)) AS md5 FROM (
       SELECT concat_ws(' ', conrelid::regclass, conname, contype, confrelid::regclass, conkey, confkey) AS definition
         FROM pg_constraint WHERE connamespace = 'public'::regnamespace
       UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
       UNION ALL SELECT tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal
       UNION ALL SELECT viewname || ' ' || definition FROM pg_views WHERE schemaname = 'public'
       UNION ALL SELECT oid::regprocedure::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace) objects`,
  );
  const balances = await pool.query('SELECT id, balance_cents, row_version FROM accounts ORDER BY id');
  const ledger = await pool.query<{ entries: number; sum: string }>(
    'SELECT count(*)::int AS entries, coalesce(sum(amount_cents), 0)::text AS sum FROM ledger_entries',
  );
  const sequences = await pool.query<{ name: string; last_value: string | null }>(
    `SELECT sequencename AS name, last_value::text FROM pg_sequences
      WHERE schemaname = 'public' AND sequencename NOT LIKE 'job_runs%' ORDER BY sequencename`,
  );
  return {
    schema: schema.rows[0]?.md5 ?? '',
    tables: hashes,
    balances: balances.rows,
    entries: ledger.rows[0]?.entries ?? -1,
    ledgerSum: ledger.rows[0]?.sum ?? '',
    sequences: Object.fromEntries(sequences.rows.map((row) => [row.name, row.last_value])),
  };
}

async function withPool<T>(url: string, use: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = createPool(url, { max: 4 });
  try {
    return await use(pool);
  } finally {
    await pool.end();
  }
}

describe('backup and restore of a realistic data set', () => {
  let source: Fingerprint;

  it(
    'backs up, restores into a new database and finds every table, balance and entry equal; reconcile runs and finds nothing',
    async () => {
      for (let index = 0; index < PEOPLE; index += 1) await seedPerson(t.app, index);
      await expectLedgerInvariants(t.pool);
      source = await fingerprint(t.pool);
      const transactions = source.tables.transactions?.rows ?? 0;
      expect(transactions).toBeGreaterThan(PEOPLE * IMPORTED_PER_PERSON);
      expect(source.tables.goals?.rows).toBe(PEOPLE);
      expect(source.tables.pix_charges?.rows).toBe(PEOPLE * 3);
      expect(source.tables.idempotency_keys?.rows).toBeGreaterThan(0);

      const backup = await runCommand('backup', ['--out', backupFile], { DATABASE_URL: t.database.url });
      expect(backup.code, backup.stderr).toBe(0);
      expect(backup.json).toMatchObject({ ok: true, file: backupFile, server_version: expect.stringMatching(/^\d+/) });
      expect(backup.stdout.trim().split('\n')).toHaveLength(1);
      expect(((await stat(backupFile)).mode & 0o777).toString(8)).toBe('600');
      expect(backup.json.bytes).toBe((await stat(backupFile)).size);
      expect(backup.stderr).not.toContain('password');

      restoredDatabase = await createTestDatabase();
      const restore = await runCommand('restore', ['--in', backupFile, '--into', restoredDatabase.url], {
        DATABASE_URL: t.database.url,
      });
      expect(restore.code, restore.stderr).toBe(0);
      expect(restore.json).toMatchObject({
        ok: true,
        checksum_verified: true,
        reconcile: { ran: true, accounts: source.balances.length, open_findings: 0 },
      });
      expect(restore.stderr).toContain('reconcile compared');

      const restored = await withPool(restoredDatabase.url, async (pool) => {
        await expectLedgerInvariants(pool);
        return fingerprint(pool);
      });
      expect(restored.schema).toBe(source.schema);
      expect(restored.entries).toBe(source.entries);
      expect(restored.ledgerSum).toBe('0');
      expect(restored.balances).toEqual(source.balances);
      expect(restored.sequences).toEqual(source.sequences);
      expect(restored.tables).toEqual(source.tables);
    },
    TEST_TIMEOUT_MS,
  );

  it('the restored app takes new writes and replays a stored Idempotency-Key with the stored answer', async () => {
    if (!restoredDatabase) throw new Error('the round trip did not run');
    const pool = createPool(restoredDatabase.url, { max: 4 });
    const app = await buildApp({ config: loadConfig({ DATA_DIR: '/nonexistent' }), pool, clock });
    try {
      await app.ready();
      const client = clientFor(app, idempotent.token);
      const replayed = await client.post('/api/transactions', idempotent.payload, { 'idempotency-key': idempotent.key });
      expect(replayed.statusCode).toBe(201);
      expect(replayed.headers['idempotent-replayed']).toBe('true');
      expect(replayed.json()).toEqual(JSON.parse(idempotent.body));
      expectProblem(
        await client.post('/api/transactions', { ...idempotent.payload, amount_cents: 1 }, { 'idempotency-key': idempotent.key }),
        422,
        'idempotency_key_reused',
      );

      const accountId = String(idempotent.payload.account_id);
      const before = expectStatus(await client.get(`/api/accounts/${accountId}`), 200).json().balance_cents;
      const fresh = await client.post(
        '/api/transactions',
        { ...idempotent.payload, description: 'Depois do restore' },
        { 'idempotency-key': 'after-restore-1' },
      );
      expect(fresh.statusCode, fresh.body).toBe(201);
      expect(fresh.headers['idempotent-replayed']).toBeUndefined();
      const after = expectStatus(await client.get(`/api/accounts/${accountId}`), 200).json().balance_cents;
      expect(after).toBe(before - Number(idempotent.payload.amount_cents));
      await expectLedgerInvariants(pool);
    } finally {
      await app.close();
      await pool.end();
    }
  });

  describe('a file or a target that must not be restored', () => {
    /** Each refusal names its cause, and the target's every row is as it was. */
    async function expectRefusedUntouched(file: string, code: string, options: { force: boolean } = { force: true }) {
      if (!restoredDatabase) throw new Error('the round trip did not run');
      const url = restoredDatabase.url;
      const before = await withPool(url, fingerprint);
      const refusal = await restoreBackup({ file, url, force: options.force }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(BackupError);
      expect(refusal).toMatchObject({ code });
      expect(await withPool(url, fingerprint)).toEqual(before);
      return (refusal as BackupError).message;
    }

    it(
      'refuses a truncated file, without its checksum file, before touching the target',
      async () => {
        const truncated = path.join(work, 'truncated.dump');
        await copyFile(backupFile, truncated);
        await truncate(truncated, Math.floor((await stat(backupFile)).size / 2));
        expect(await expectRefusedUntouched(truncated, 'archive_invalid')).toMatch(
          /truncated or corrupted.*nothing was restored/,
        );
      },
      COMMAND_TIMEOUT_MS,
    );

    it(
      'refuses a file with corrupted bytes: by its checksum file, and by pg_restore without one',
      async () => {
        const corrupted = path.join(work, 'corrupted.dump');
        const bytes = await readFile(backupFile);
        const middle = Math.floor(bytes.length * 0.6);
        bytes.fill(0xa5, middle, middle + 64);
        await writeFile(corrupted, bytes);
        // The checksum file names the original: what matters is the hash it holds.
        await copyFile(`${backupFile}.sha256`, `${corrupted}.sha256`);
        expect(await expectRefusedUntouched(corrupted, 'checksum_mismatch')).toContain('does not match its checksum');
        await rm(`${corrupted}.sha256`);
        await expectRefusedUntouched(corrupted, 'archive_invalid');
      },
      COMMAND_TIMEOUT_MS,
    );

    it(
      'refuses a target that already has tables unless --force (exit 1, with its code), and a missing file',
      async () => {
        if (!restoredDatabase) throw new Error('the round trip did not run');
        const before = await withPool(restoredDatabase.url, fingerprint);
        const refused = await runCommand('restore', ['--in', backupFile, '--into', restoredDatabase.url], {});
        expect(refused.code, refused.stderr).toBe(1);
        expect(refused.json).toMatchObject({ ok: false, code: 'target_not_empty' });
        expect(refused.stderr).toContain('add --force');
        expect(await withPool(restoredDatabase.url, fingerprint)).toEqual(before);
        await expectRefusedUntouched(path.join(work, 'no-such.dump'), 'file_unreadable', { force: false });
      },
      COMMAND_TIMEOUT_MS,
    );

    it(
      'rolls a restore that fails half-way back whole: the target keeps every row',
      async () => {
        if (!restoredDatabase) throw new Error('the round trip did not run');
        // A table of the target's own that depends on accounts: --force's DROP TABLE accounts fails,
        // after the archive's other objects were already dropped in the same transaction.
        await withPool(restoredDatabase.url, (pool) =>
          pool.query('CREATE TABLE operator_notes (account_id uuid REFERENCES accounts (id))'),
        );
        expect(await expectRefusedUntouched(backupFile, 'restore_failed')).toContain('is as it was');
        await withPool(restoredDatabase.url, (pool) => pool.query('DROP TABLE operator_notes'));
      },
      COMMAND_TIMEOUT_MS,
    );

    it(
      'with --force replaces the data with the backup’s',
      async () => {
        if (!restoredDatabase) throw new Error('the round trip did not run');
        await withPool(restoredDatabase.url, (pool) => pool.query(`UPDATE users SET name = 'Outro nome'`));
        await restoreBackup({ file: backupFile, url: restoredDatabase.url, force: true });
        const replaced = await withPool(restoredDatabase.url, fingerprint);
        expect(replaced.tables).toEqual(source.tables);
        expect(replaced.balances).toEqual(source.balances);
      },
      COMMAND_TIMEOUT_MS,
    );

    it(
      'refuses --force over a database with migrations the backup lacks, before touching it',
      async () => {
        if (!restoredDatabase) throw new Error('the round trip did not run');
        const url = restoredDatabase.url;
        // The target as a newer release left it: a migration the backup does not know, with its table.
        await withPool(url, async (pool) => {
          await pool.query('CREATE TABLE from_a_newer_release (id int PRIMARY KEY)');
          await pool.query(`INSERT INTO schema_migrations (name, checksum) VALUES ('99991231000000_newer_release.sql', 'x')`);
        });
        try {
          const message = await expectRefusedUntouched(backupFile, 'target_newer_than_backup');
          expect(message).toContain('99991231000000_newer_release.sql');
          expect(message).toContain('restore into a new empty database');
        } finally {
          await withPool(url, async (pool) => {
            await pool.query(`DELETE FROM schema_migrations WHERE name = '99991231000000_newer_release.sql'`);
            await pool.query('DROP TABLE from_a_newer_release');
          });
        }
        // The same target at the backup's migrations is restored as before.
        await expect(restoreBackup({ file: backupFile, url, force: true })).resolves.toMatchObject({ file: backupFile });
      },
      COMMAND_TIMEOUT_MS,
    );
  });

  it(
    'restores into the running embedded database of a DATA_DIR, and backs up one it starts itself, without DATABASE_URL',
    async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'vdp-backup-embedded-'));
      let embedded: EmbeddedDatabase | undefined = await startEmbeddedDatabase({ dataDir });
      try {
        const restore = await runCommand('restore', ['--in', backupFile], { DATA_DIR: dataDir });
        expect(restore.code, restore.stderr).toBe(0);
        expect(restore.json).toMatchObject({ ok: true, target: expect.stringContaining(`:${embedded.port}/vaidepix`) });
        const inEmbedded = await withPool(embedded.url, fingerprint);
        expect(inEmbedded.balances).toEqual(source.balances);
        expect(inEmbedded.tables).toEqual(source.tables);
        expect(inEmbedded.schema).toBe(source.schema);
        await embedded.stop();
        embedded = undefined;

        const again = path.join(work, 'from-embedded.dump');
        const backup = await runCommand('backup', ['--out', again], { DATA_DIR: dataDir });
        expect(backup.code, backup.stderr).toBe(0);
        expect(backup.json.server_version).toMatch(/^15\./);
        await expect(checkArchive(again)).resolves.toMatchObject({ checksumVerified: true });
      } finally {
        await embedded?.stop();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT_MS,
  );
});

describe('bad arguments', () => {
  it('is a usage error (64) with the usage line', async () => {
    const result = await runCommand('restore', ['--into', 'postgresql://x@127.0.0.1:1/none'], {});
    expect(result.code).toBe(64);
    expect(result.json).toMatchObject({ ok: false, code: 'usage' });
    expect(result.stderr).toContain('npm run restore -- --in FILE');
  });

  it.each(['postgresql://vaidepix:s3cr3t-pw@127.0.0.1:1/none', 'postgres://vaidepix@127.0.0.1:1/none?password=s3cr3t-pw'])(
    'refuses a --into URL with a password (64), before touching anything, without repeating it: %s',
    async (url) => {
      const result = await runCommand('restore', ['--in', path.join(tmpdir(), 'no-such.dump'), '--into', url], {});
      expect(result.code, result.stderr).toBe(64);
      expect(result.json).toMatchObject({ ok: false, code: 'password_in_url' });
      expect(result.stderr).toContain('PGPASSWORD');
      expect(`${result.stdout}${result.stderr}`).not.toContain('s3cr3t-pw');
    },
  );
});
