import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectStatus } from '../helpers/problem.js';
import { unzip } from '../helpers/zip.js';

/**
 * CSV injection: a person (or a bank statement, or anybody who can get text into a person's
 * data) writes text that a spreadsheet would run as a formula when the export is opened:
 * =, +, -, @, a tab or a carriage return first (OWASP). Every free-text field a person can
 * write is filled with each of them, the ZIP export is read back cell by cell, and no cell in
 * any of its files may start a formula; each hostile text must be there, behind a leading '.
 * Plain numbers (negative amounts) stay numbers.
 */

let t: TestApp;
let person: Awaited<ReturnType<typeof signedIn>>;

const FORMULAS = [
  '=HYPERLINK("http://mal.example","clique")',
  '+SUM(1+1)',
  "-2+3+cmd|' /C calc'!A0",
  '@SUM(1+1)',
  '\t=1+1',
  '\r=1+1',
  '=1+1, "quoted", and more',
];

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

beforeAll(async () => {
  t = await startTestApp();
  person = await signedIn(t.app);
  const { client } = person;
  expectStatus(await client.patch('/api/me', { name: FORMULAS[0] }), 200);
  const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
  for (const [index, text] of FORMULAS.entries()) {
    await client.account({ name: `${text}`.slice(0, 100) + String(index), type: 'cash' });
    expectStatus(await client.post('/api/categories', { name: `${text}`.slice(0, 90) + String(index), kind: 'expense' }), 201);
    const movement = { account_id: account.id, type: 'expense', amount_cents: 100 + index, description: text, notes: text };
    expectStatus(await client.post('/api/transactions', movement), 201);
    expectStatus(await client.post('/api/goals', { name: `${text}`.slice(0, 90) + String(index), target_cents: 1_000 }), 201);
    const rule = { ...movement, schedule: { kind: 'monthly', day: 1 }, start_on: '2026-12-01' };
    delete (rule as { notes?: string }).notes;
    expectStatus(await client.post('/api/recurring', rule), 201);
  }
});
afterAll(async () => {
  await t?.close();
});

async function exportedCells(): Promise<Array<{ file: string; cell: string }>> {
  const response = expectStatus(await person.client.get('/api/privacy/export?format=zip'), 200);
  const cells: Array<{ file: string; cell: string }> = [];
  for (const [file, content] of await unzip(response.rawPayload)) {
    if (!file.endsWith('.csv')) continue;
    const rows = parse(content.toString('utf8'), { bom: true, relax_column_count: false }) as string[][];
    for (const row of rows) for (const cell of row) cells.push({ file, cell });
  }
  return cells;
}

describe('CSV injection in the export', () => {
  it('no cell of any exported CSV starts a formula, and every hostile text is there behind a quote', async () => {
    const cells = await exportedCells();
    const formulas = cells.filter(({ cell }) => FORMULA_START.test(cell) && !PLAIN_NUMBER.test(cell));
    expect(formulas).toEqual([]);
    for (const text of FORMULAS) {
      expect(
        cells.some(({ cell }) => cell === `'${text}`),
        JSON.stringify(text),
      ).toBe(true);
    }
    // The fields reached several files: the movements, the ledger, the accounts, the goals.
    const files = new Set(cells.filter(({ cell }) => cell.startsWith("'")).map(({ file }) => file));
    expect([...files].sort()).toEqual(expect.arrayContaining(['accounts.csv', 'goals.csv', 'transactions.csv']));
  });

  it('negative amounts stay plain numbers, so the file still sums', async () => {
    const cells = await exportedCells();
    expect(cells.some(({ cell }) => /^-\d+$/.test(cell))).toBe(true);
    expect(cells.some(({ cell }) => /^'-\d+$/.test(cell))).toBe(false);
  });
});
