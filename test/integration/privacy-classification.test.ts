import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailRateLimitKeys } from '../../src/http/rate-limit.js';
import { PRIVACY_TABLES } from '../../src/modules/privacy/privacy.repository.js';
import { PASSWORD, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectStatus } from '../helpers/problem.js';
import { type SeededPerson, seedEverything } from './privacy-seed.js';

const CLASSES = new Set(['personal', 'financial', 'secret', 'operational']);
const ON_DELETION = new Set(['erased', 'anonymised', 'kept', '—']);
/** What an anonymised personal column may hold afterwards: nothing of the person's. */
const REPLACEMENTS = new Set(['', 'Pessoa excluída', 'Conta excluída']);

interface Classified {
  table: string;
  column: string;
  class: string;
  onDeletion: string;
}

/** The machine-readable table of docs/DATA-CLASSIFICATION.md (the rows under "## Columns"). */
async function readClassification(): Promise<Classified[]> {
  const text = await readFile(new URL('../../docs/DATA-CLASSIFICATION.md', import.meta.url), 'utf8');
  const section = text.split('## Columns')[1] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| table ') && !line.startsWith('| ---'))
    .map((line) => {
      const [table = '', column = '', kind = '', onDeletion = ''] = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      return { table, column, class: kind, onDeletion };
    });
}

let t: TestApp;
let classified: Classified[];
beforeAll(async () => {
  t = await startTestApp();
  classified = await readClassification();
});
afterAll(async () => {
  await t?.close();
});

describe('docs/DATA-CLASSIFICATION.md', () => {
  it('classifies every column of the migrated database, and only those', async () => {
    const columns = await t.pool.query<{ name: string }>(
      `SELECT table_name || '.' || column_name AS name FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const inDatabase = columns.rows.map((row) => row.name).sort();
    const inDocument = classified.map((row) => `${row.table}.${row.column}`).sort();
    expect(new Set(inDocument).size).toBe(inDocument.length);
    expect(inDocument).toEqual(inDatabase);
    for (const row of classified) {
      expect(CLASSES.has(row.class), `${row.table}.${row.column}: class ${row.class}`).toBe(true);
      expect(ON_DELETION.has(row.onDeletion), `${row.table}.${row.column}: ${row.onDeletion}`).toBe(true);
    }
  });

  it('has an erasure in the privacy registry for every table it says deletion erases or anonymises', () => {
    const changed = new Set(
      classified.filter((row) => ['erased', 'anonymised'].includes(row.onDeletion)).map((row) => row.table),
    );
    const erasing = new Set(PRIVACY_TABLES.filter((entry) => entry.erase !== undefined).map((entry) => entry.table));
    expect([...changed].sort()).toEqual([...erasing].sort());
  });
});

/**
 * Tables of a person's rows that take no guard against writes after the deletion, each for its
 * reason (see the migration that adds refuse_write_for_deleted_person).
 */
const UNGUARDED = {
  ledger_entries: 'written only with a transaction of the same person (guarded)',
  card_installments: 'written only with a transaction of the same person (guarded)',
  card_refunds: 'written only with a transaction of the same person (guarded)',
  card_payments: 'written only with a transaction of the same person (guarded)',
  recurring_occurrences: 'written with a posting, or as a failure of a rule the deletion erases',
  account_balance_snapshots: "the ledger's balances, by account",
  idempotency_keys: 'written only in the transaction of the write it answers',
  privacy_requests: "the deletion's own record",
  access_log: 'kept six months by law',
  reconcile_findings: "the operators' record",
};

describe('writes for a deleted person', () => {
  it("every table of a person's rows refuses a new one once they are deleted, but those listed with a reason", async () => {
    const owned = await t.pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'user_id' ORDER BY 1`,
    );
    const guarded = await t.pool.query<{ table_name: string }>(
      `SELECT tgrelid::regclass::text AS table_name FROM pg_trigger
        WHERE tgfoid = 'refuse_write_for_deleted_person'::regproc AND tgenabled <> 'D' ORDER BY 1`,
    );
    const expected = owned.rows.map((row) => row.table_name).filter((table) => !(table in UNGUARDED));
    expect(guarded.rows.map((row) => row.table_name)).toEqual(expected);
  });
});

/** Every personal column's values in the person's own rows. */
async function personalValuesOf(person: SeededPerson, columns: Classified[]): Promise<Map<string, string[]>> {
  const values = new Map<string, string[]>();
  for (const { table, column } of columns) {
    if (table === 'rate_limits') continue;
    const owner = table === 'users' ? 'id' : 'user_id';
    const result = await t.pool.query<{ value: string | null }>(
      `SELECT "${column}"::text AS value FROM "${table}" WHERE ${owner} = $1`,
      [person.id],
    );
    values.set(
      `${table}.${column}`,
      result.rows.map((row) => row.value).filter((value): value is string => value !== null),
    );
  }
  return values;
}

/** Every row of every table that has a user_id, for one person, as JSON, in a stable order. */
async function rowsOf(userId: string): Promise<Record<string, string[]>> {
  const tables = await t.pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'user_id' ORDER BY 1`,
  );
  const rows: Record<string, string[]> = {};
  for (const { table_name: table } of tables.rows) {
    const result = await t.pool.query<{ row: string }>(
      `SELECT to_jsonb(x)::text AS row FROM "${table}" x WHERE user_id = $1 ORDER BY 1`,
      [userId],
    );
    rows[table] = result.rows.map((row) => row.row);
  }
  return rows;
}

describe('deleting a person who has data in every table', () => {
  it('leaves no personal column holding anything of theirs, and the other person and the books intact', async () => {
    const alice = await seedEverything(t, 'ALICE');
    const bob = await seedEverything(t, 'BOB');
    const personal = classified.filter((row) => row.class === 'personal');
    const erasable = personal.filter((row) => row.onDeletion !== 'kept');

    // Before: Alice has rows in every table that holds people's rows, and her marker is found.
    const before = await rowsOf(alice.id);
    for (const [table, rows] of Object.entries(before)) expect(rows.length, `${table} seeded`).toBeGreaterThan(0);
    const aliceBefore = await personalValuesOf(alice, erasable);
    expect([...aliceBefore.values()].flat().some((value) => value.includes(alice.marker))).toBe(true);
    const bobBefore = await rowsOf(bob.id);

    expectStatus(await alice.client.post('/api/privacy/delete-account', { password: PASSWORD }), 204);

    // Her own rows: every personal column is empty, NULL or a replacement with nothing of hers.
    const after = await personalValuesOf(alice, erasable);
    for (const [column, values] of after) {
      for (const value of values) {
        const allowed = REPLACEMENTS.has(value) || value === `deleted-${alice.id}@deleted.invalid`;
        expect(allowed, `${column} still holds ${value}`).toBe(true);
      }
    }
    // Anywhere in the database: no personal column holds her marker or her e-mail. (Her CPF is
    // Bob's too in this seed; her own rows were checked above, and her Pix keys are gone.)
    for (const { table, column } of personal) {
      const found = await t.pool.query(
        `SELECT 1 FROM "${table}" WHERE "${column}"::text ILIKE '%' || $1 || '%' OR "${column}"::text ILIKE '%' || $2 || '%'`,
        [alice.marker, alice.email],
      );
      expect(found.rowCount, `${table}.${column}`).toBe(0);
    }
    const cpfKeys = await t.pool.query(`SELECT 1 FROM pix_keys WHERE user_id = $1`, [alice.id]);
    expect(cpfKeys.rowCount).toBe(0);
    const rateLimitRows = await t.pool.query('SELECT 1 FROM rate_limits WHERE key = ANY ($1)', [emailRateLimitKeys(alice.email)]);
    expect(rateLimitRows.rowCount).toBe(0);
    // What is kept by law is still there (docs/DATA-RETENTION.md).
    expect((await t.pool.query('SELECT 1 FROM access_log WHERE user_id = $1', [alice.id])).rowCount).toBeGreaterThan(0);
    expect((await t.pool.query('SELECT 1 FROM ledger_entries WHERE user_id = $1', [alice.id])).rowCount).toBe(
      before.ledger_entries?.length,
    );

    // Bob: every row as it was, and his rate-limit rows untouched.
    expect(await rowsOf(bob.id)).toEqual(bobBefore);
    expect((await t.pool.query('SELECT 1 FROM rate_limits WHERE key = ANY ($1)', [emailRateLimitKeys(bob.email)])).rowCount).toBe(
      2,
    );
    await expectLedgerInvariants(t.pool);

    // The exception the deletion needed is narrow: money columns stay immutable, for her too.
    await expect(
      t.pool.query('UPDATE transactions SET amount_cents = amount_cents + 1 WHERE user_id = $1', [alice.id]),
    ).rejects.toThrow(/immutable/);
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('vai_de_pix.anonymising_user', $1, true)`, [alice.id]);
      await expect(
        client.query('UPDATE transactions SET amount_cents = amount_cents + 1, payee_name = NULL WHERE user_id = $1', [alice.id]),
      ).rejects.toThrow(/immutable/);
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await client.query(`SELECT set_config('vai_de_pix.anonymising_user', $1, true)`, [alice.id]);
      await expect(
        client.query(
          'UPDATE transactions SET payee_name = NULL, payee_city = NULL, pix_txid = NULL, idempotency_key = NULL, request_id = NULL WHERE user_id = $1',
          [bob.id],
        ),
      ).rejects.toThrow(/immutable/);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    await expect(t.pool.query('DELETE FROM ledger_entries WHERE user_id = $1', [alice.id])).rejects.toThrow(/append-only/);
  });
});
