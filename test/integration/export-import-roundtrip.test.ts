import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CSV_PRESETS } from '../../src/modules/imports/readers/index.js';
import { ledgerEntriesColumn } from '../../src/modules/imports/statement.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectStatus } from '../helpers/problem.js';
import { unzip } from '../helpers/zip.js';
import { upload } from './imports-support.js';

/**
 * LGPD portability, proved end to end: one person's export (the ZIP of GET
 * /api/privacy/export) imported by another person, account by account, reproduces every
 * balance — opening balances, incomes, expenses, transfers, reversals and a goal contribution
 * included — and importing the same file again adds nothing.
 */
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

/** The column of ledger_entries.csv that names the account . */
const ACCOUNT_ID_COLUMN = ledgerEntriesColumn('account_id');

async function personWithHistory() {
  const owner = await signedIn(t.app, 'Joana Exportadora');
  const { client } = owner;
  const checking = await client.account({ name: 'Conta corrente', type: 'checking', initial_balance_cents: 150_000 });
  const savings = await client.account({ name: 'Poupança', type: 'savings', initial_balance_cents: 20_000 });
  const cash = await client.account({ name: 'Carteira', type: 'cash' });
  const post = async (body: Record<string, unknown>) =>
    expectStatus(await client.post('/api/transactions', body), 201).json().transaction as { id: string };
  await post({ account_id: checking.id, type: 'income', amount_cents: 512_345, description: 'Salário' });
  await post({ account_id: checking.id, type: 'expense', amount_cents: 1_250, description: 'Pão, "quente"\nda esquina' });
  await post({ account_id: checking.id, type: 'expense', amount_cents: 1_250, description: 'Pão, "quente"\nda esquina' });
  await post({ account_id: checking.id, type: 'expense', amount_cents: 9_999, description: '=SOMA(1;2)' });
  const mistake = await post({ account_id: checking.id, type: 'expense', amount_cents: 33_300, description: 'Lançado errado' });
  expectStatus(await client.post(`/api/transactions/${mistake.id}/reverse`, {}), 201);
  for (const [from, to, amount] of [
    [checking.id, savings.id, 40_000],
    [checking.id, cash.id, 5_000],
  ] as const) {
    expectStatus(await client.post('/api/transfers', { from_account_id: from, to_account_id: to, amount_cents: amount }), 201);
  }
  await post({ account_id: cash.id, type: 'expense', amount_cents: 700, description: '-café' });
  const goal = expectStatus(await client.post('/api/goals', { name: 'Viagem', target_cents: 100_000 }), 201).json();
  expectStatus(
    await client.post(`/api/goals/${goal.id}/contributions`, { from_account_id: savings.id, amount_cents: 3_000 }),
    201,
  );
  return { ...owner, accounts: [checking, savings, cash] };
}

describe('export → import', () => {
  it("one person's ZIP export, imported by another, reproduces every account's balance; again, nothing new", async () => {
    const owner = await personWithHistory();
    const exported = await owner.client.get('/api/privacy/export?format=zip');
    expectStatus(exported, 200);
    const ledgerCsv = (await unzip(exported.rawPayload)).get('ledger_entries.csv');
    if (ledgerCsv === undefined) throw new Error('the export has no ledger_entries.csv');

    const heir = await signedIn(t.app, 'Joana Importadora');
    for (const source of owner.accounts) {
      const expected = expectStatus(await owner.client.get(`/api/accounts/${source.id}`), 200).json();
      const target = await heir.client.account({ name: `Cópia de ${expected.name}`, type: expected.type });
      const mapping = JSON.stringify({
        ...CSV_PRESETS.vai_de_pix?.mapping,
        filter: { column: ACCOUNT_ID_COLUMN, value: source.id },
      });
      const importOnce = async (key: string) => {
        const preview = expectStatus(
          await upload(t.app, heir.token, {
            accountId: target.id,
            file: ledgerCsv,
            filename: 'ledger_entries.csv',
            fields: { mapping },
          }),
          201,
        ).json();
        expectStatus(await heir.client.post(`/api/imports/${preview.id}/confirm`, {}, { 'idempotency-key': key }), 201);
        return preview as { new_count: number; duplicate_count: number };
      };
      const first = await importOnce(`first-${source.id}`);
      expect(first.new_count).toBeGreaterThan(0);
      const copied = expectStatus(await heir.client.get(`/api/accounts/${target.id}`), 200).json();
      expect({ account: expected.name, balance_cents: copied.balance_cents }).toEqual({
        account: expected.name,
        balance_cents: expected.balance_cents,
      });
      const again = await importOnce(`again-${source.id}`);
      expect(again).toMatchObject({ new_count: 0, duplicate_count: first.new_count });
      expect(expectStatus(await heir.client.get(`/api/accounts/${target.id}`), 200).json().balance_cents).toBe(
        expected.balance_cents,
      );
    }
  });
});
