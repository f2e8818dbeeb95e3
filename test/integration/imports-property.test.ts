import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectStatus } from '../helpers/problem.js';
import { type WrittenMovement, writeCsv, writeOfx1, writeOfx2 } from '../helpers/statement-writer.js';
import { upload } from './imports-support.js';

/**
 * Statements written by the test writer (OFX 1.x and 2.x, CSV in two bank layouts) from
 * arbitrary movements, imported into a fresh account through the API: the first import posts
 * every movement and the balance is their sum; a second import of the same file posts
 * nothing and leaves the balance alone. And the app's own export format (ledger_entries.csv)
 * of one account, imported into a new account, gives the same balance.
 *
 * CI runs a fixed seed; PROPERTY_SEED and PROPERTY_RUNS change it.
 */
const SEED = Number(process.env.PROPERTY_SEED ?? 20_261_204);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 8);
const TIMEOUT_PER_RUN_MS = 6_000;
const MOVEMENTS_MAX = 25;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
});
afterAll(async () => {
  await t?.close();
});

// Words that never make a balance line ("Saldo …" lines are skipped by the readers).
const WORDS = [
  'Padaria',
  'Mercado',
  'UBER',
  'Pix',
  'Aluguel',
  'Farmácia',
  'Posto',
  'Salário',
  'Ção',
  'Loja "A"',
  'Bar; Café',
  'x, y',
];
const day = fc
  .record({
    year: fc.integer({ min: 2020, max: 2026 }),
    month: fc.integer({ min: 1, max: 12 }),
    date: fc.integer({ min: 1, max: 28 }),
  })
  .map(({ year, month, date }) => `${year}-${String(month).padStart(2, '0')}-${String(date).padStart(2, '0')}`);
const movement = fc.record({
  occurredOn: day,
  amountCents: fc.integer({ min: -5_000_000, max: 5_000_000 }).filter((cents) => cents !== 0),
  description: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }).map((words) => words.join(' ')),
  withId: fc.boolean(),
});
const statement = fc.record({
  movements: fc.array(movement, { minLength: 1, maxLength: MOVEMENTS_MAX }),
  layout: fc.constantFrom('ofx1', 'ofx2', 'nubank_account', 'santander'),
});

function write(layout: string, movements: WrittenMovement[]): { bytes: Buffer; name: string } {
  if (layout === 'ofx1') return { bytes: writeOfx1(movements), name: 'extrato.ofx' };
  if (layout === 'ofx2') return { bytes: writeOfx2(movements), name: 'extrato.ofx' };
  return { bytes: writeCsv(movements, { layout: layout as 'nubank_account' | 'santander' }), name: 'extrato.csv' };
}

describe('statement import, property', () => {
  it(
    'imports every written movement once; the same file again posts nothing',
    async () => {
      const { client, token } = await signedIn(t.app);
      let run = 0;
      await fc.assert(
        fc.asyncProperty(statement, async ({ movements, layout }) => {
          run += 1;
          const account = await client.account({ name: `Conta ${run}`, type: 'checking' });
          const written: WrittenMovement[] = movements.map((item, index) => ({
            occurredOn: item.occurredOn,
            amountCents: item.amountCents,
            description: item.description,
            fitid: item.withId ? `ID${run}-${index}` : null,
          }));
          const file = write(layout, written);
          const sum = written.reduce((total, item) => total + item.amountCents, 0);

          const first = expectStatus(
            await upload(t.app, token, { accountId: account.id, file: file.bytes, filename: file.name }),
            201,
          ).json();
          expect(first.new_count).toBe(written.length);
          expect(first.lines.map((line: { amount_cents: number }) => line.amount_cents).sort()).toEqual(
            written.map((item) => item.amountCents).sort(),
          );
          expect(first.lines.map((line: { occurred_on: string }) => line.occurred_on).sort()).toEqual(
            written.map((item) => item.occurredOn).sort(),
          );
          const posted = expectStatus(
            await client.post(`/api/imports/${first.id}/confirm`, {}, { 'idempotency-key': `p-${run}-1` }),
            201,
          ).json();
          expect(posted.posted_count).toBe(written.length);
          expect(posted.account.balance_cents).toBe(sum);

          const again = expectStatus(
            await upload(t.app, token, { accountId: account.id, file: file.bytes, filename: file.name }),
            201,
          ).json();
          expect(again).toMatchObject({ new_count: 0, duplicate_count: written.length });
          const none = expectStatus(
            await client.post(`/api/imports/${again.id}/confirm`, {}, { 'idempotency-key': `p-${run}-2` }),
            201,
          ).json();
          expect(none.posted_count).toBe(0);
          expect(none.account.balance_cents).toBe(sum);
        }),
        { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: RUNS * TIMEOUT_PER_RUN_MS },
      );
    },
    RUNS * TIMEOUT_PER_RUN_MS + 10_000,
  );

  it("an account's own export (ledger_entries.csv) imported into a new account gives the same balance", async () => {
    const { client, token } = await signedIn(t.app);
    // No opening balance here; export-import-roundtrip.test.ts covers one through the real export.
    const source = await client.account({ name: 'Conta antiga', type: 'checking' });
    const other = await client.account({ name: 'Poupança', type: 'savings' });
    const entries: Array<{ type: 'income' | 'expense'; amount_cents: number; description: string; occurred_on: string }> = [
      { type: 'income', amount_cents: 500_000, description: 'Salário, novembro', occurred_on: '2026-11-02' },
      { type: 'expense', amount_cents: 1_250, description: 'Padaria Pão Quente', occurred_on: '2026-11-01' },
      { type: 'expense', amount_cents: 1_250, description: 'Padaria Pão Quente', occurred_on: '2026-11-01' },
      { type: 'expense', amount_cents: 89_990, description: '=HYPERLINK("x")', occurred_on: '2026-11-03' },
    ];
    for (const entry of entries) expectStatus(await client.post('/api/transactions', { account_id: source.id, ...entry }), 201);
    expectStatus(
      await client.post('/api/transfers', {
        from_account_id: source.id,
        to_account_id: other.id,
        amount_cents: 10_000,
        description: 'Guardar',
      }),
      201,
    );
    const ledger = expectStatus(await client.get(`/api/accounts/${source.id}/ledger?limit=100`), 200).json();
    const balance = expectStatus(await client.get(`/api/accounts/${source.id}`), 200).json().balance_cents;
    const movements: WrittenMovement[] = ledger.items.map(
      (item: { id: number; occurred_on: string; amount_cents: number; description: string }) => ({
        occurredOn: item.occurred_on,
        amountCents: item.amount_cents,
        description: item.description,
        fitid: String(item.id),
      }),
    );
    const csv = writeCsv(movements, { layout: 'vai_de_pix', accountId: source.id });
    const target = await client.account({ name: 'Conta nova', type: 'checking' });
    const preview = expectStatus(
      await upload(t.app, token, {
        accountId: target.id,
        file: csv,
        filename: 'ledger_entries.csv',
        fields: { preset: 'vai_de_pix' },
      }),
      201,
    ).json();
    expect(preview).toMatchObject({ format: 'csv', preset: 'vai_de_pix', new_count: movements.length, duplicate_count: 0 });
    const confirmed = expectStatus(
      await client.post(`/api/imports/${preview.id}/confirm`, {}, { 'idempotency-key': 'round-trip' }),
      201,
    ).json();
    expect(confirmed.account.balance_cents).toBe(balance);
    expect(expectStatus(await client.get(`/api/accounts/${target.id}`), 200).json().balance_cents).toBe(balance);
  });
});
