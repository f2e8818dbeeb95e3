import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BALANCE_ABS_MAX_CENTS } from '../../src/policies/ledger_v1.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';
import { type OfxMovement, ofx, upload } from './imports-support.js';

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

/** The largest amount one movement may have: R$ 999.999.999,99. */
const LINE_MAX = '999999999.99';

describe('a statement past what a balance can hold', () => {
  it('is refused with 422 balance_out_of_range and nothing posted, not a crash', async () => {
    const person = await signedIn(t.app);
    const account = await person.client.account({ name: 'Conta', type: 'checking' });
    const lines = Math.floor(BALANCE_ABS_MAX_CENTS / 99_999_999_999) + 1;
    const movements: OfxMovement[] = Array.from({ length: lines }, (_, index) => ({
      date: '2026-11-10',
      amount: LINE_MAX,
      memo: `Crédito ${index}`,
      fitid: `F${index}`,
    }));
    const preview = expectStatus(await upload(t.app, person.token, { accountId: account.id, file: ofx(movements) }), 201).json();
    expect(preview.new_count).toBe(lines);
    expectProblem(
      await person.client.post(`/api/imports/${preview.id}/confirm`, {}, { 'idempotency-key': 'huge' }),
      422,
      'balance_out_of_range',
    );
    expect(expectStatus(await person.client.get(`/api/accounts/${account.id}`), 200).json().balance_cents).toBe(0);
    const posted = await t.pool.query('SELECT 1 FROM import_dedupe WHERE account_id = $1', [account.id]);
    expect(posted.rowCount).toBe(0);
  }, 120_000);
});
