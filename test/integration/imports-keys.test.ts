import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectStatus } from '../helpers/problem.js';
import { type OfxMovement, ofx, upload } from './imports-support.js';

/**
 * What a dedupe key still means after the books change: a corrected imported movement keeps
 * its key (it lives on in the correction), and a bank that reuses an id for another amount
 * brings another movement, not a duplicate.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock: fixedClock('2026-12-20T12:00:00Z') });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
});
afterAll(async () => {
  await t?.close();
});

async function importAndConfirm(
  person: Awaited<ReturnType<typeof signedIn>>,
  accountId: string,
  movements: OfxMovement[],
  key: string,
) {
  const preview = expectStatus(await upload(t.app, person.token, { accountId, file: ofx(movements) }), 201).json();
  const confirmed = expectStatus(
    await person.client.post(`/api/imports/${preview.id}/confirm`, {}, { 'idempotency-key': key }),
    201,
  );
  return { preview, confirmed: confirmed.json() };
}

const NOVEMBER: OfxMovement[] = [
  { date: '2026-11-03', amount: '5000.00', memo: 'SALARIO EMPRESA X', fitid: 'N1' },
  { date: '2026-11-10', amount: '-1200.00', memo: 'ALUGUEL NOVEMBRO', fitid: 'N4' },
];

describe('dedupe keys after the books change', () => {
  it('a corrected imported movement is not posted again when the same file comes back', async () => {
    const person = await signedIn(t.app);
    const account = await person.client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
    const { preview } = await importAndConfirm(person, account.id, NOVEMBER, 'first');
    const rentId = expectStatus(await person.client.get(`/api/imports/${preview.id}`), 200).json().lines[1].transaction_id;
    const rent = expectStatus(await person.client.get(`/api/transactions/${rentId}`), 200).json();
    // The day the rent was really paid: a correction (a reversal and a new posting naming the original).
    expectStatus(
      await person.client.patch(`/api/transactions/${rentId}`, { occurred_on: '2026-11-09', row_version: rent.row_version }),
      200,
    );
    const before = expectStatus(await person.client.get(`/api/accounts/${account.id}`), 200).json().balance_cents;

    const again = await importAndConfirm(person, account.id, NOVEMBER, 'again');
    expect(again.preview).toMatchObject({ new_count: 0, duplicate_count: 2 });
    expect(again.confirmed.posted_count).toBe(0);
    expect(expectStatus(await person.client.get(`/api/accounts/${account.id}`), 200).json().balance_cents).toBe(before);
  });

  it('a movement deleted by hand (reversed) is new again in the next import of its file', async () => {
    const person = await signedIn(t.app);
    const account = await person.client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
    const { preview } = await importAndConfirm(person, account.id, NOVEMBER, 'first');
    const rentId = expectStatus(await person.client.get(`/api/imports/${preview.id}`), 200).json().lines[1].transaction_id;
    expectStatus(await person.client.post(`/api/transactions/${rentId}/reverse`), 201);
    const again = await importAndConfirm(person, account.id, NOVEMBER, 'again');
    expect(again.preview).toMatchObject({ new_count: 1, duplicate_count: 1 });
    expect(again.confirmed.posted_count).toBe(1);
  });

  it('an id the bank reuses for another amount is another movement', async () => {
    const person = await signedIn(t.app);
    const account = await person.client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 600_000 });
    await importAndConfirm(person, account.id, [{ date: '2026-11-03', amount: '-10.00', memo: 'PADARIA', fitid: '1' }], 'nov');
    const december = await importAndConfirm(
      person,
      account.id,
      [{ date: '2026-12-03', amount: '-4999.00', memo: 'ALUGUEL DEZEMBRO', fitid: '1' }],
      'dec',
    );
    expect(december.preview).toMatchObject({ new_count: 1, duplicate_count: 0 });
    expect(december.confirmed.posted_count).toBe(1);
    expect(expectStatus(await person.client.get(`/api/accounts/${account.id}`), 200).json().balance_cents).toBe(
      600_000 - 1_000 - 499_900,
    );
  });
});
