import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { parseBrCode } from '../../src/modules/pix/brcode.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

/** Pix charge descriptions keep their accents in the app, and "Já recebi" can be undone. */
const clock = fixedClock('2026-05-04T15:00:00Z');
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

async function personWithKey() {
  const person = await signedIn(t.app, 'João Araújo');
  const account = await person.client.account({ name: 'Conta corrente', type: 'checking', initial_balance_cents: 10_000 });
  expectStatus(await person.client.put(`/api/accounts/${account.id}/pix-key`, { key: '529.982.247-25' }), 200);
  return { ...person, account };
}

async function balanceOf(client: Awaited<ReturnType<typeof signedIn>>['client'], accountId: string): Promise<number> {
  return (await client.get(`/api/accounts/${accountId}`)).json().balance_cents;
}

describe('charge descriptions', () => {
  it('are stored and shown as typed, while the BR Code carries the ASCII spelling', async () => {
    const { client, account } = await personWithKey();
    const created = expectStatus(
      await client.post('/api/pix/charges', {
        account_id: account.id,
        amount_cents: 2_500,
        description: '  Açaí   da Conceição ',
      }),
      201,
    ).json();
    expect(created.description).toBe('Açaí da Conceição');
    const parsed = parseBrCode(created.payload);
    expect(parsed.ok && parsed.code.description).toBe('Acai da Conceicao');
    expect(created.payload).toMatch(/^[\x20-\x7e]+$/);
    expect((await client.get(`/api/pix/charges/${created.id}`)).json().description).toBe('Açaí da Conceição');
    // The income posted on receipt carries the same words.
    const received = expectStatus(await client.post(`/api/pix/charges/${created.id}/receive`), 201).json();
    expect(received.transaction.description).toBe('Açaí da Conceição');
  });
});

describe('undoing "Já recebi"', () => {
  it('reverses the income, returns the charge to pending, answers 409 once undone, and lets it be received again', async () => {
    const { client, account } = await personWithKey();
    const charge = expectStatus(await client.post('/api/pix/charges', { account_id: account.id, amount_cents: 700 }), 201).json();
    const received = expectStatus(await client.post(`/api/pix/charges/${charge.id}/receive`), 201).json();
    expect(await balanceOf(client, account.id)).toBe(10_700);

    const key = { 'idempotency-key': 'undo-1' };
    const undone = expectStatus(await client.post(`/api/pix/charges/${charge.id}/receive/undo`, undefined, key), 201).json();
    expect(undone.charge).toMatchObject({ id: charge.id, status: 'pending', received_transaction_id: null });
    expect(undone.transaction).toMatchObject({ kind: 'reversal', reverses_transaction_id: received.transaction.id });
    expect(undone.account).toMatchObject({ id: account.id, balance_cents: 10_000 });
    // A double click sends the same key: the first answer again, no second reversal.
    const replay = await client.post(`/api/pix/charges/${charge.id}/receive/undo`, undefined, key);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    // A new request to undo what is already undone is a conflict.
    expectProblem(await client.post(`/api/pix/charges/${charge.id}/receive/undo`), 409, 'charge_not_received');
    expect(await balanceOf(client, account.id)).toBe(10_000);
    expect((await client.get('/api/pix/charges?status=pending')).json().items.map((item: { id: string }) => item.id)).toEqual([
      charge.id,
    ]);

    const again = expectStatus(await client.post(`/api/pix/charges/${charge.id}/receive`), 201).json();
    expect(again.charge).toMatchObject({ status: 'received', received_transaction_id: again.transaction.id });
    expect(again.transaction.id).not.toBe(received.transaction.id);
    expect(await balanceOf(client, account.id)).toBe(10_700);
    expectProblem(await client.post(`/api/pix/charges/${charge.id}/receive`), 409, 'charge_already_received');
  });

  it("answers 409 for a charge never received, 404 for another person's, and undoes once under a race", async () => {
    const { client, account } = await personWithKey();
    const charge = expectStatus(await client.post('/api/pix/charges', { account_id: account.id, amount_cents: 300 }), 201).json();
    expectProblem(await client.post(`/api/pix/charges/${charge.id}/receive/undo`), 409, 'charge_not_received');
    const stranger = await signedIn(t.app, 'Outra pessoa');
    expectProblem(await stranger.client.post(`/api/pix/charges/${charge.id}/receive/undo`), 404, 'not_found');

    expectStatus(await client.post(`/api/pix/charges/${charge.id}/receive`), 201);
    const racing = await Promise.all([1, 2, 3].map(() => client.post(`/api/pix/charges/${charge.id}/receive/undo`)));
    expect(racing.map((response) => response.statusCode).sort()).toEqual([201, 409, 409]);
    expect(await balanceOf(client, account.id)).toBe(10_000);
  });

  it('receives once under a race of "Já recebi"', async () => {
    const { client, account } = await personWithKey();
    const charge = expectStatus(await client.post('/api/pix/charges', { account_id: account.id, amount_cents: 300 }), 201).json();
    const racing = await Promise.all([1, 2, 3].map(() => client.post(`/api/pix/charges/${charge.id}/receive`)));
    expect(racing.map((response) => response.statusCode).sort()).toEqual([201, 409, 409]);
    expect(await balanceOf(client, account.id)).toBe(10_300);
  });

  it('shows a receipt reversed from the statement as pending, and it can be received again', async () => {
    const { client, account } = await personWithKey();
    const charge = expectStatus(await client.post('/api/pix/charges', { account_id: account.id, amount_cents: 300 }), 201).json();
    const received = expectStatus(await client.post(`/api/pix/charges/${charge.id}/receive`), 201).json();
    expectStatus(await client.post(`/api/transactions/${received.transaction.id}/reverse`, {}), 201);
    expect((await client.get(`/api/pix/charges/${charge.id}`)).json()).toMatchObject({ status: 'pending' });
    expectStatus(await client.post(`/api/pix/charges/${charge.id}/receive`), 201);
    expect(await balanceOf(client, account.id)).toBe(10_300);
  });
});
