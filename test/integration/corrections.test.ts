import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { encodeBrCode } from '../../src/modules/pix/brcode.js';
import { bearer, signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectAppendOnly, expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

/**
 * Corrections the way an append-only ledger does them (issue 11): a new amount, date or
 * account is a reversal of the original plus a new posting that names it, in one batch;
 * a deletion is a reversal; both leave the default lists and come back with a filter.
 */
const clock = fixedClock('2026-11-20T15:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
});
afterAll(async () => {
  await expectAppendOnly(t.pool);
  await t?.close();
});

type Client = Awaited<ReturnType<typeof signedIn>>['client'];

async function expense(client: Client, accountId: string, amountCents: number, description = 'Mercado') {
  const response = expectStatus(
    await client.post('/api/transactions', {
      account_id: accountId,
      type: 'expense',
      amount_cents: amountCents,
      description,
      occurred_on: '2026-11-10',
    }),
    201,
  );
  return response.json().transaction as { id: string; row_version: number };
}

function patchWithKey(token: string, id: string, payload: object, key: string) {
  return t.app.inject({
    method: 'PATCH',
    url: `/api/transactions/${id}`,
    headers: { ...bearer(token), 'idempotency-key': key },
    payload,
  });
}

async function balanceOf(client: Client, accountId: string): Promise<number> {
  return (await client.get(`/api/accounts/${accountId}`)).json().balance_cents;
}

async function countTransactions(userId: string): Promise<number> {
  const result = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM transactions WHERE user_id = $1', [userId]);
  return result.rows[0]?.n ?? 0;
}

describe('a correction', () => {
  it('reverses the original and posts the new amount, date and account, linked both ways', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 10_000 });
    const bank = await client.account({ name: 'Banco', type: 'checking', initial_balance_cents: 20_000 });
    const original = await expense(client, cash.id, 5_000);

    const response = expectStatus(
      await client.patch(`/api/transactions/${original.id}`, {
        amount_cents: 4_500,
        occurred_on: '2026-11-11',
        account_id: bank.id,
        row_version: original.row_version,
      }),
      200,
    );
    const corrected = response.json();
    expect(corrected).toMatchObject({
      kind: 'expense',
      amount_cents: 4_500,
      occurred_on: '2026-11-11',
      account_id: bank.id,
      description: 'Mercado',
      corrects_transaction_id: original.id,
      corrected_by_transaction_id: null,
    });
    expect(await balanceOf(client, cash.id)).toBe(10_000);
    expect(await balanceOf(client, bank.id)).toBe(15_500);

    const before = (await client.get(`/api/transactions/${original.id}`)).json();
    expect(before.corrected_by_transaction_id).toBe(corrected.id);
    expect(before.reversed_by_transaction_id).not.toBeNull();

    const audit = (await client.get(`/api/transactions/${original.id}/audit`)).json();
    expect(audit.chain.corrected_by).toMatchObject({ id: corrected.id, amount_cents: 4_500, occurred_on: '2026-11-11' });
    expect(audit.chain.reversed_by).toMatchObject({ kind: 'reversal', amount_cents: 5_000 });
    const auditOfNew = (await client.get(`/api/transactions/${corrected.id}/audit`)).json();
    expect(auditOfNew.chain.corrects).toMatchObject({ id: original.id, amount_cents: 5_000 });
  });

  it('changes only the details in place when the money fields are unchanged', async () => {
    const { client, user } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 10_000 });
    const original = await expense(client, cash.id, 5_000);
    const count = await countTransactions(user.id);
    const response = expectStatus(
      await client.patch(`/api/transactions/${original.id}`, {
        amount_cents: 5_000,
        description: 'Feira',
        row_version: original.row_version,
      }),
      200,
    );
    expect(response.json()).toMatchObject({ id: original.id, description: 'Feira', row_version: original.row_version + 1 });
    expect(await countTransactions(user.id)).toBe(count);
  });

  it('is all or nothing: a refused new posting leaves no reversal behind', async () => {
    const { client, user } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 10_000 });
    const original = await expense(client, cash.id, 5_000);
    const count = await countTransactions(user.id);
    // The reversal gives back 50,00 (100,00 available); the new 200,00 does not fit.
    const refused = await client.patch(`/api/transactions/${original.id}`, { amount_cents: 20_000, row_version: 1 });
    expectProblem(refused, 422, 'insufficient_funds');
    expect(await countTransactions(user.id)).toBe(count);
    expect(await balanceOf(client, cash.id)).toBe(5_000);
    const after = (await client.get(`/api/transactions/${original.id}`)).json();
    expect(after).toMatchObject({ reversed_by_transaction_id: null, corrected_by_transaction_id: null, row_version: 1 });
  });

  it('refuses a stale row_version with the current state, and a second correction with a stable code', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 10_000 });
    const original = await expense(client, cash.id, 5_000);
    expectStatus(await client.patch(`/api/transactions/${original.id}`, { description: 'Feira', row_version: 1 }), 200);
    const stale = await client.patch(`/api/transactions/${original.id}`, { amount_cents: 4_000, row_version: 1 });
    expectProblem(stale, 409, 'row_version_conflict');
    expect(stale.json().current).toMatchObject({ id: original.id, row_version: 2, description: 'Feira' });

    expectStatus(await client.patch(`/api/transactions/${original.id}`, { amount_cents: 4_000, row_version: 2 }), 200);
    const again = await client.patch(`/api/transactions/${original.id}`, { amount_cents: 3_000, row_version: 3 });
    expectProblem(again, 409, 'already_corrected');
    expectProblem(await client.post(`/api/transactions/${original.id}/reverse`), 409, 'already_corrected');
    expect(await balanceOf(client, cash.id)).toBe(6_000);
  });

  it('refuses to correct a reversed transaction, a reversal and a transfer', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 10_000 });
    const bank = await client.account({ name: 'Banco', type: 'checking', initial_balance_cents: 0 });
    const original = await expense(client, cash.id, 5_000);
    const reversal = expectStatus(await client.post(`/api/transactions/${original.id}/reverse`), 201).json().transaction;
    expectProblem(
      await client.patch(`/api/transactions/${original.id}`, { amount_cents: 1, row_version: 1 }),
      409,
      'already_reversed',
    );
    expectProblem(
      await client.patch(`/api/transactions/${reversal.id}`, { amount_cents: 1, row_version: 1 }),
      422,
      'correction_not_supported',
    );
    const transfer = expectStatus(
      await client.post('/api/transfers', {
        from_account_id: cash.id,
        to_account_id: bank.id,
        amount_cents: 1_000,
        description: 'Depósito',
      }),
      201,
    ).json().transaction;
    expectProblem(
      await client.patch(`/api/transactions/${transfer.id}`, { amount_cents: 2_000, row_version: 1 }),
      422,
      'correction_not_supported',
    );
  });

  it('replays under the same Idempotency-Key and refuses the key with another payload', async () => {
    const { client, token, user } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 10_000 });
    const original = await expense(client, cash.id, 5_000);
    const payload = { amount_cents: 4_500, row_version: 1 };
    const first = expectStatus(await patchWithKey(token, original.id, payload, 'fix-1'), 200);
    const count = await countTransactions(user.id);
    const replay = expectStatus(await patchWithKey(token, original.id, payload, 'fix-1'), 200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(first.body);
    expect(await countTransactions(user.id)).toBe(count);
    expectProblem(
      await patchWithKey(token, original.id, { amount_cents: 4_000, row_version: 1 }, 'fix-1'),
      422,
      'idempotency_key_reused',
    );
    expect(await balanceOf(client, cash.id)).toBe(5_500);
  });

  it('lets exactly one of two tabs correcting the same transaction at once win', async () => {
    const { client, user } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 100_000 });
    for (let round = 0; round < 5; round += 1) {
      const original = await expense(client, cash.id, 5_000);
      const count = await countTransactions(user.id);
      const answers = await Promise.all([
        client.patch(`/api/transactions/${original.id}`, { amount_cents: 4_000, row_version: 1 }),
        client.patch(`/api/transactions/${original.id}`, { amount_cents: 3_000, row_version: 1 }),
      ]);
      const statuses = answers.map((answer) => answer.statusCode).sort();
      expect(statuses, answers.map((answer) => answer.body).join('\n')).toEqual([200, 409]);
      const loser = answers.find((answer) => answer.statusCode === 409);
      expect(['already_corrected', 'row_version_conflict']).toContain(loser?.json().code);
      // One reversal and one new posting, never two.
      expect(await countTransactions(user.id)).toBe(count + 2);
    }
  });

  it('answers hostile input with 400 problem+json', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 10_000 });
    const original = await expense(client, cash.id, 5_000);
    for (const payload of [
      { amount_cents: 0, row_version: 1 },
      { amount_cents: 100_000_000_001, row_version: 1 },
      { occurred_on: '1999-12-31', row_version: 1 },
      { occurred_on: '2026-02-30', row_version: 1 },
      { account_id: 'not-a-uuid', row_version: 1 },
      { description: 'a\u0000b', row_version: 1 },
      { description: '\ud800', row_version: 1 },
      { description: 'x'.repeat(100_000), row_version: 1 },
    ]) {
      expectProblem(await client.patch(`/api/transactions/${original.id}`, payload), 400, 'validation_failed');
    }
    expectProblem(await client.get('/api/transactions?include_reversed=talvez'), 400, 'validation_failed');
    expectProblem(await client.get(`/api/accounts/${cash.id}/ledger?include_reversed=%00`), 400, 'validation_failed');
    const other = await signedIn(t.app);
    const theirs = await other.client.account({ name: 'Outra', type: 'cash', initial_balance_cents: 0 });
    expectProblem(
      await client.patch(`/api/transactions/${original.id}`, { account_id: theirs.id, row_version: 1 }),
      404,
      'not_found',
    );
  });
});

describe('a correction where the parts of the app meet', () => {
  it('takes an income up, or down by less than was spent, without refusing on the way', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash' });
    const income = expectStatus(
      await client.post('/api/transactions', { account_id: cash.id, type: 'income', amount_cents: 1_000, description: 'Bico' }),
      201,
    ).json().transaction;
    await expense(client, cash.id, 900);

    // R$ 10 in, R$ 9 spent: the income told right as R$ 11 ends at R$ 2, as R$ 9,50 at R$ 0,50.
    const up = expectStatus(
      await client.patch(`/api/transactions/${income.id}`, { amount_cents: 1_100, row_version: income.row_version }),
      200,
    ).json();
    expect(await balanceOf(client, cash.id)).toBe(200);
    expectStatus(await client.patch(`/api/transactions/${up.id}`, { amount_cents: 950, row_version: up.row_version }), 200);
    expect(await balanceOf(client, cash.id)).toBe(50);
    // No entry on the way went below the floor.
    const entries = await t.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ledger_entries WHERE account_id = $1 AND balance_after_cents < 0',
      [cash.id],
    );
    expect(entries.rows[0]?.n).toBe(0);
  });

  it('names the refused account and its debit when the old account would go negative', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash' });
    const bank = await client.account({ name: 'Banco', type: 'checking', initial_balance_cents: 5_000 });
    const income = expectStatus(
      await client.post('/api/transactions', { account_id: cash.id, type: 'income', amount_cents: 1_000, description: 'Bico' }),
      201,
    ).json().transaction;
    await expense(client, cash.id, 900);

    // Moving the income to the bank takes R$ 10 back from a wallet holding R$ 1.
    const refused = await client.patch(`/api/transactions/${income.id}`, {
      account_id: bank.id,
      row_version: income.row_version,
    });
    expectProblem(refused, 422, 'insufficient_funds');
    expect(refused.json()).toMatchObject({ account_id: cash.id, balance_cents: 100, floor_cents: 0, debit_cents: 1_000 });
    expect(await balanceOf(client, cash.id)).toBe(100);
  });

  it('deletes an income whose money was spent only when the person confirms going negative', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash' });
    const income = expectStatus(
      await client.post('/api/transactions', { account_id: cash.id, type: 'income', amount_cents: 1_000, description: 'Bico' }),
      201,
    ).json().transaction;
    await expense(client, cash.id, 900);

    const refused = await client.post(`/api/transactions/${income.id}/reverse`, {});
    expectProblem(refused, 422, 'insufficient_funds');
    expect(refused.json()).toMatchObject({ account_id: cash.id, balance_cents: 100, debit_cents: 1_000 });
    expectStatus(await client.post(`/api/transactions/${income.id}/reverse`, { allow_negative: true }), 201);
    expect(await balanceOf(client, cash.id)).toBe(-900);
    // A transfer's reversal keeps the floor whatever the request says (the wallet stands at -R$ 4,00).
    const bank = await client.account({ name: 'Banco', type: 'savings', initial_balance_cents: 500 });
    const transfer = expectStatus(
      await client.post('/api/transfers', { from_account_id: bank.id, to_account_id: cash.id, amount_cents: 500 }),
      201,
    ).json().transaction;
    expectProblem(
      await client.post(`/api/transactions/${transfer.id}/reverse`, { allow_negative: true }),
      422,
      'insufficient_funds',
    );
  });

  it("refuses to correct a Pix charge's receipt, which the charge names, and keeps a paid Pix's payee", async () => {
    const { client } = await signedIn(t.app);
    const bank = await client.account({ name: 'Banco', type: 'checking', initial_balance_cents: 10_000 });
    expectStatus(await client.put(`/api/accounts/${bank.id}/pix-key`, { key: '529.982.247-25' }), 200);
    const charge = expectStatus(await client.post('/api/pix/charges', { account_id: bank.id, amount_cents: 2_500 }), 201).json();
    const receipt = expectStatus(await client.post(`/api/pix/charges/${charge.id}/receive`), 201).json().transaction;

    const refused = await client.patch(`/api/transactions/${receipt.id}`, {
      amount_cents: 2_600,
      row_version: receipt.row_version,
    });
    expectProblem(refused, 422, 'correction_not_supported');
    expect(refused.json()).toMatchObject({ reason: 'pix_charge_receipt' });
    expect((await client.get(`/api/pix/charges/${charge.id}`)).json()).toMatchObject({ status: 'received' });
    expectProblem(await client.post(`/api/pix/charges/${charge.id}/receive`), 409, 'charge_already_received');
    expect(await balanceOf(client, bank.id)).toBe(12_500);

    const encoded = encodeBrCode({ key: '+5511987654321', name: 'Padaria', city: 'Recife', amountCents: 2_350, txid: 'PAD9' });
    if (!encoded.ok) throw new Error(JSON.stringify(encoded.errors));
    const paid = expectStatus(
      await client.post('/api/pix/payments', { account_id: bank.id, payload: encoded.payload }),
      201,
    ).json().transaction;
    const corrected = expectStatus(
      await client.patch(`/api/transactions/${paid.id}`, { amount_cents: 2_530, row_version: paid.row_version }),
      200,
    ).json();
    expect(corrected).toMatchObject({ amount_cents: 2_530, payee_name: 'Padaria', payee_city: 'Recife', pix_txid: 'PAD9' });
  });
});

describe('the default lists', () => {
  it('hide reversed and corrected originals and their reversals; include_reversed shows them', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 10_000 });
    const kept = await expense(client, cash.id, 1_000, 'Padaria');
    const deleted = await expense(client, cash.id, 2_000, 'Engano');
    const fixed = await expense(client, cash.id, 3_000, 'Farmácia');
    expectStatus(await client.post(`/api/transactions/${deleted.id}/reverse`), 201);
    const corrected = expectStatus(
      await client.patch(`/api/transactions/${fixed.id}`, { amount_cents: 2_500, row_version: 1 }),
      200,
    ).json();

    const list = (await client.get(`/api/transactions?account_id=${cash.id}`)).json();
    const ids = list.items.map((item: { id: string }) => item.id);
    expect(ids).toContain(kept.id);
    expect(ids).toContain(corrected.id);
    expect(ids).not.toContain(deleted.id);
    expect(ids).not.toContain(fixed.id);
    expect(list.items.some((item: { kind: string }) => item.kind === 'reversal')).toBe(false);
    expect(list.total).toBe(list.items.length);

    const all = (await client.get(`/api/transactions?account_id=${cash.id}&include_reversed=true`)).json();
    expect(all.total).toBe(list.total + 4);

    const statement = (await client.get(`/api/accounts/${cash.id}/ledger`)).json();
    const lines = statement.items.map((line: { transaction_id: string }) => line.transaction_id);
    expect(lines).not.toContain(deleted.id);
    expect(lines).not.toContain(fixed.id);
    expect(lines).toContain(corrected.id);
    expect(statement.total).toBe(statement.items.length);
    const full = (await client.get(`/api/accounts/${cash.id}/ledger?include_reversed=true`)).json();
    expect(full.total).toBe(statement.total + 4);
    const deletedLine = full.items.find((line: { transaction_id: string }) => line.transaction_id === deleted.id);
    expect(deletedLine.reversed_by_transaction_id).not.toBeNull();
    const reversalLine = full.items.find(
      (line: { reverses_transaction_id: string | null }) => line.reverses_transaction_id === deleted.id,
    );
    expect(reversalLine).toMatchObject({ kind: 'reversal', amount_cents: 2_000 });
  });

  it('show a reversed transfer in the statement of both accounts, each leg opposite to its original', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 10_000 });
    const bank = await client.account({ name: 'Banco', type: 'checking', initial_balance_cents: 0 });
    const transfer = expectStatus(
      await client.post('/api/transfers', {
        from_account_id: cash.id,
        to_account_id: bank.id,
        amount_cents: 1_000,
        description: 'Depósito',
      }),
      201,
    ).json().transaction;
    expectStatus(await client.post(`/api/transactions/${transfer.id}/reverse`), 201);
    const lines = (await client.get(`/api/accounts/${bank.id}/ledger?include_reversed=true`)).json().items;
    expect(lines.map((line: { amount_cents: number; kind: string }) => [line.kind, line.amount_cents])).toEqual([
      ['reversal', -1_000],
      ['transfer', 1_000],
    ]);
    expect(lines[1].reversed_by_transaction_id).toBe(lines[0].transaction_id);
    expect((await client.get(`/api/accounts/${bank.id}/ledger`)).json().items).toEqual([]);
    expect(await balanceOf(client, bank.id)).toBe(0);
    expect(await balanceOf(client, cash.id)).toBe(10_000);
  });
});
