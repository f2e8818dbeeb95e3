import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { PREVIEW_TTL_MS, PREVIEWS_OPEN_MAX } from '../../src/modules/imports/imports.service.js';
import { BALANCE_ABS_MAX_CENTS } from '../../src/policies/ledger_v1.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';
import { type OfxMovement, ofx, upload } from './imports-support.js';

const clock = fixedClock('2026-12-01T12:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
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

describe('previews that are never confirmed', () => {
  const statement = (n: number) => ofx([{ date: '2026-11-10', amount: '-10.00', memo: `Padaria ${n}`, fitid: `P${n}` }]);

  it('expire after a day, at the next upload: their lines go and a confirm answers 409 import_expired', async () => {
    const person = await signedIn(t.app);
    const account = await person.client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
    const stale = expectStatus(await upload(t.app, person.token, { accountId: account.id, file: statement(1) }), 201).json();
    clock.advance(PREVIEW_TTL_MS + 1);
    expectStatus(await upload(t.app, person.token, { accountId: account.id, file: statement(2) }), 201);
    const lines = await t.pool.query('SELECT 1 FROM import_lines WHERE import_id = $1', [stale.id]);
    expect(lines.rowCount).toBe(0);
    expectProblem(
      await person.client.post(`/api/imports/${stale.id}/confirm`, {}, { 'idempotency-key': 'late' }),
      409,
      'import_expired',
    );
    expect(expectStatus(await person.client.get(`/api/imports/${stale.id}`), 200).json().status).toBe('expired');
  });

  it(`stay at most ${PREVIEWS_OPEN_MAX} open per person: the oldest ends when another comes`, async () => {
    const person = await signedIn(t.app);
    const account = await person.client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
    const ids: string[] = [];
    for (let n = 0; n <= PREVIEWS_OPEN_MAX; n += 1) {
      clock.advance(1_000);
      ids.push(expectStatus(await upload(t.app, person.token, { accountId: account.id, file: statement(n) }), 201).json().id);
    }
    const statuses = await t.pool.query<{ id: string; status: string }>('SELECT id, status FROM imports WHERE user_id = $1', [
      person.user.id,
    ]);
    const byId = new Map(statuses.rows.map((row) => [row.id, row.status]));
    expect(ids.map((id) => byId.get(id))).toEqual(['expired', ...ids.slice(1).map(() => 'preview')]);
    // The newest still confirms.
    expectStatus(await person.client.post(`/api/imports/${ids.at(-1)}/confirm`, {}, { 'idempotency-key': 'newest' }), 201);
  });
});
