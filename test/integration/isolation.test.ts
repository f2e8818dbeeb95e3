import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

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

describe("another person's data", () => {
  it('answers 404 to every read and write, and leaks nothing', async () => {
    const alice = await signedIn(t.app, 'Alice');
    const bob = await signedIn(t.app, 'Bob');
    const aliceAccount = await alice.client.account({ name: 'Segredo', type: 'checking', initial_balance_cents: 100_000 });
    const aliceOther = await alice.client.account({ name: 'Outra', type: 'cash' });
    const bobAccount = await bob.client.account({ name: 'Minha', type: 'cash', initial_balance_cents: 1_000 });
    const aliceTransaction = expectStatus(
      await alice.client.post(
        '/api/transactions',
        { account_id: aliceAccount.id, type: 'expense', amount_cents: 100, description: 'Privado' },
        { 'idempotency-key': 'alice-key' },
      ),
      201,
    ).json().transaction;
    const aliceCategory = expectStatus(
      await alice.client.post('/api/categories', { name: 'Só minha', kind: 'expense' }),
      201,
    ).json();

    const attempts = [
      bob.client.get(`/api/accounts/${aliceAccount.id}`),
      bob.client.get(`/api/accounts/${aliceAccount.id}/ledger`),
      bob.client.get(`/api/accounts/${aliceAccount.id}/balance?at=2030-01-01T00:00:00Z`),
      bob.client.patch(`/api/accounts/${aliceAccount.id}`, { name: 'Hack', row_version: 1 }),
      bob.client.get(`/api/transactions/${aliceTransaction.id}`),
      bob.client.get(`/api/transactions/${aliceTransaction.id}/audit`),
      bob.client.patch(`/api/transactions/${aliceTransaction.id}`, { description: 'Hack', row_version: 1 }),
      bob.client.post(`/api/transactions/${aliceTransaction.id}/reverse`),
      bob.client.post('/api/transactions', { account_id: aliceAccount.id, type: 'expense', amount_cents: 1, description: 'x' }),
      bob.client.post('/api/transactions', {
        account_id: bobAccount.id,
        type: 'expense',
        amount_cents: 1,
        description: 'x',
        category_id: aliceCategory.id,
      }),
      bob.client.post('/api/transfers', { from_account_id: aliceAccount.id, to_account_id: bobAccount.id, amount_cents: 1_000 }),
      bob.client.post('/api/transfers', { from_account_id: bobAccount.id, to_account_id: aliceAccount.id, amount_cents: 100 }),
      bob.client.post('/api/transfers', { from_account_id: aliceAccount.id, to_account_id: aliceOther.id, amount_cents: 100 }),
      bob.client.patch(`/api/categories/${aliceCategory.id}`, { name: 'Hack', row_version: 1 }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.statusCode, response.body).toBe(404);
      expect(response.json().code).toBe('not_found');
      expect(response.body).not.toContain('Segredo');
      expect(response.body).not.toContain('Privado');
    }

    // Bob's lists show none of Alice's rows, even filtered by her ids.
    expectProblem(await bob.client.get(`/api/transactions?account_id=${aliceAccount.id}`), 404, 'not_found');
    expectProblem(await bob.client.get(`/api/transactions?category_id=${aliceCategory.id}`), 404, 'not_found');
    expect((await bob.client.get('/api/transactions?q=Privado')).json().total).toBe(0);
    expect((await bob.client.get('/api/accounts')).json().items.map((item: { id: string }) => item.id)).toEqual([bobAccount.id]);
    expect(
      (await bob.client.get('/api/categories?limit=100')).json().items.some((item: { name: string }) => item.name === 'Só minha'),
    ).toBe(false);

    // Bob reusing Alice's idempotency key gets no replay of her answer.
    const replay = await bob.client.post(
      '/api/transactions',
      { account_id: aliceAccount.id, type: 'expense', amount_cents: 100, description: 'Privado' },
      { 'idempotency-key': 'alice-key' },
    );
    expectProblem(replay, 404, 'not_found');
    expect(replay.headers['idempotent-replayed']).toBeUndefined();

    // Nothing of Alice's moved.
    expect((await alice.client.get(`/api/accounts/${aliceAccount.id}`)).json()).toMatchObject({
      name: 'Segredo',
      balance_cents: 99_900,
    });
    expect((await alice.client.get(`/api/transactions/${aliceTransaction.id}`)).json()).toMatchObject({
      description: 'Privado',
      reversed_by_transaction_id: null,
    });
    expect((await bob.client.get(`/api/accounts/${bobAccount.id}`)).json().balance_cents).toBe(1_000);
  });

  it('the database itself refuses a leg whose user differs from its account', async () => {
    const alice = await signedIn(t.app, 'Alice');
    const bob = await signedIn(t.app, 'Bob');
    const aliceAccount = await alice.client.account({ name: 'A', type: 'cash', initial_balance_cents: 100 });
    const [row] = (await t.pool.query('SELECT id FROM transactions WHERE account_id = $1', [aliceAccount.id])).rows;
    await expect(
      t.pool.query(
        'INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version) VALUES ($1, $2, $3, 1, 1, 99)',
        [row.id, aliceAccount.id, bob.user.id],
      ),
    ).rejects.toThrow(/foreign key/);
  });
});
