import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectAppendOnly, expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

const clock = fixedClock('2026-05-04T15:00:00Z');
let t: TestApp;
beforeAll(async () => {
  // The clock moves days ahead between requests: sessions must not end idle meanwhile.
  t = await startTestApp({ clock, env: { SESSION_IDLE_HOURS: '720' } });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
});
afterAll(async () => {
  await expectAppendOnly(t.pool);
  await t?.close();
});

describe('registration provisions the ledger', () => {
  it('gives each person internal accounts and the default pt-BR categories', async () => {
    const { user, client } = await signedIn(t.app);
    const internal = await t.pool.query('SELECT type, name FROM accounts WHERE user_id = $1 ORDER BY type', [user.id]);
    expect(internal.rows).toEqual([
      { type: 'equity', name: 'Saldo inicial' },
      { type: 'expense', name: 'Despesas' },
      { type: 'income', name: 'Receitas' },
    ]);
    const categories = (await client.get('/api/categories?limit=100')).json();
    const names = categories.items.map((item: { name: string }) => item.name);
    for (const name of [
      'Moradia',
      'Alimentação',
      'Transporte',
      'Saúde',
      'Educação',
      'Lazer',
      'Assinaturas',
      'Impostos e tarifas',
      'Salário',
      'Pix recebido',
      'Outros',
    ]) {
      expect(names).toContain(name);
    }
    expect(categories.items.find((item: { name: string }) => item.name === 'Salário')).toMatchObject({
      kind: 'income',
      system_key: 'salary',
    });
    // Internal accounts are not the person's accounts: they never appear in the list.
    expect((await client.get('/api/accounts')).json()).toMatchObject({ items: [], total: 0, skip: 0, limit: 50 });
  });
});

describe('accounts', () => {
  it('posts an initial balance as an opening transaction in the ledger', async () => {
    const { client } = await signedIn(t.app);
    const response = await client.post('/api/accounts', {
      name: 'Conta Itaú',
      type: 'checking',
      initial_balance_cents: 250_000,
      overdraft_limit_cents: 50_000,
    });
    expect(response.statusCode).toBe(201);
    const account = response.json();
    expect(account).toMatchObject({
      name: 'Conta Itaú',
      type: 'checking',
      currency: 'BRL',
      balance_cents: 250_000,
      overdraft_limit_cents: 50_000,
      archived: false,
      archived_at: null,
    });
    const ledger = (await client.get(`/api/accounts/${account.id}/ledger`)).json();
    expect(ledger.items).toHaveLength(1);
    expect(ledger.items[0]).toMatchObject({
      kind: 'opening',
      amount_cents: 250_000,
      balance_after_cents: 250_000,
      occurred_on: '2026-05-04',
    });
    const opening = (await client.get(`/api/transactions?account_id=${account.id}`)).json().items[0];
    expect(opening).toMatchObject({ kind: 'opening', amount_cents: 250_000, policy_version: 'ledger_v2' });
  });

  it('accepts a credit card opening debt within its limit, and refuses cash below zero', async () => {
    const { client } = await signedIn(t.app);
    const card = await client.post('/api/accounts', {
      name: 'Cartão',
      type: 'credit_card',
      initial_balance_cents: -80_000,
      overdraft_limit_cents: 100_000,
    });
    expect(card.statusCode).toBe(201);
    expect(card.json().balance_cents).toBe(-80_000);
    const cash = await client.post('/api/accounts', { name: 'Carteira', type: 'cash', initial_balance_cents: -1 });
    expect(cash.statusCode).toBe(422);
    expect(cash.json().code).toBe('insufficient_funds');
    expect((await client.get('/api/accounts')).json().total).toBe(1);
  });

  it('refuses an overdraft limit on an account type that has none', async () => {
    const { client } = await signedIn(t.app);
    const response = await client.post('/api/accounts', { name: 'Poupança', type: 'savings', overdraft_limit_cents: 100 });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0]).toMatchObject({ field: 'body/overdraft_limit_cents', code: 'not_applicable' });
  });

  it('renames and archives with row_version; a stale version is 409 with the current state', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Nubank', type: 'checking' });
    const renamed = await client.patch(`/api/accounts/${account.id}`, { name: 'Nubank PF', row_version: account.row_version });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Nubank PF', row_version: account.row_version + 1 });
    const stale = await client.patch(`/api/accounts/${account.id}`, { name: 'Outro', row_version: account.row_version });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({
      code: 'row_version_conflict',
      current: { name: 'Nubank PF', row_version: account.row_version + 1 },
    });
    const archived = await client.patch(`/api/accounts/${account.id}`, { archived: true, row_version: account.row_version + 1 });
    expect(archived.json()).toMatchObject({ archived: true, archived_at: '2026-05-04T15:00:00.000Z' });
    expect((await client.get('/api/accounts')).json().total).toBe(0);
    expect((await client.get('/api/accounts?include_archived=true')).json().total).toBe(1);
    const refused = await client.post('/api/transactions', {
      account_id: account.id,
      type: 'income',
      amount_cents: 100,
      description: 'x',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('account_archived');
  });

  it('will not lower a limit below what the account already uses', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({
      name: 'Conta',
      type: 'checking',
      overdraft_limit_cents: 10_000,
      initial_balance_cents: -8_000,
    });
    const lowered = await client.patch(`/api/accounts/${account.id}`, {
      overdraft_limit_cents: 5_000,
      row_version: account.row_version,
    });
    expect(lowered.statusCode).toBe(422);
    expect(lowered.json().code).toBe('limit_below_usage');
    const ok = await client.patch(`/api/accounts/${account.id}`, {
      overdraft_limit_cents: 8_000,
      row_version: account.row_version,
    });
    expect(ok.statusCode).toBe(200);
  });
});

describe('income and expenses', () => {
  it('moves the balance, answers the new balance, and records the category and policy', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
    const food = await client.category('expense', 'food');
    const response = await client.post('/api/transactions', {
      account_id: account.id,
      type: 'expense',
      amount_cents: 123_456 - 100_000,
      description: '  Mercado  ',
      category_id: food,
      occurred_on: '2026-05-01',
      notes: 'feira',
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.account).toEqual({ id: account.id, balance_cents: 100_000 - 23_456, row_version: account.row_version + 1 });
    expect(body.transaction).toMatchObject({
      kind: 'expense',
      account_id: account.id,
      to_account_id: null,
      amount_cents: 23_456,
      description: 'Mercado',
      category_id: food,
      notes: 'feira',
      occurred_on: '2026-05-01',
      policy_version: 'ledger_v2',
      reverses_transaction_id: null,
      reversed_by_transaction_id: null,
      row_version: 1,
      entries: [{ account_id: account.id, amount_cents: -23_456, balance_after_cents: 76_544 }],
    });
    const salary = await client.category('income', 'salary');
    const income = await client.post('/api/transactions', {
      account_id: account.id,
      type: 'income',
      amount_cents: 500_000,
      description: 'Salário',
      category_id: salary,
    });
    expect(income.json().account.balance_cents).toBe(576_544);
    expect(income.json().transaction.occurred_on).toBe('2026-05-04');
  });

  it('refuses a category of the other kind, and an archived one', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
    const salary = await client.category('income', 'salary');
    const mismatch = await client.post('/api/transactions', {
      account_id: account.id,
      type: 'expense',
      amount_cents: 100,
      description: 'x',
      category_id: salary,
    });
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.json().code).toBe('category_kind_mismatch');
    const category = expectStatus(await client.post('/api/categories', { name: 'Pets', kind: 'expense' }), 201).json();
    expectStatus(
      await client.patch(`/api/categories/${category.id}`, { archived: true, row_version: category.row_version }),
      200,
    );
    const archived = await client.post('/api/transactions', {
      account_id: account.id,
      type: 'expense',
      amount_cents: 100,
      description: 'x',
      category_id: category.id,
    });
    expect(archived.json().code).toBe('category_archived');
  });

  it('edits description, category and notes with row_version, never money', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
    const created = expectStatus(
      await client.post('/api/transactions', {
        account_id: account.id,
        type: 'expense',
        amount_cents: 1_000,
        description: 'Uber',
      }),
      201,
    ).json().transaction;
    const transport = await client.category('expense', 'transport');
    const edited = await client.patch(`/api/transactions/${created.id}`, {
      description: 'Uber para o trabalho',
      category_id: transport,
      notes: 'reembolsável',
      row_version: 1,
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({
      description: 'Uber para o trabalho',
      category_id: transport,
      notes: 'reembolsável',
      row_version: 2,
      amount_cents: 1_000,
    });
    const stale = await client.patch(`/api/transactions/${created.id}`, { description: 'outra', row_version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({
      code: 'row_version_conflict',
      current: { description: 'Uber para o trabalho', row_version: 2 },
    });
    const cleared = await client.patch(`/api/transactions/${created.id}`, { category_id: null, notes: null, row_version: 2 });
    expect(cleared.json()).toMatchObject({ category_id: null, notes: null, row_version: 3 });
    // A new amount is a correction (issue 11; test/integration/corrections.test.ts): a new posting that names this one.
    const money = expectStatus(await client.patch(`/api/transactions/${created.id}`, { amount_cents: 1, row_version: 3 }), 200);
    expect(money.json()).toMatchObject({ amount_cents: 1, corrects_transaction_id: created.id });
  });
});

describe('transfers', () => {
  it('moves money between two own accounts under transfers_v1', async () => {
    const { client } = await signedIn(t.app);
    const checking = await client.account({
      name: 'Conta',
      type: 'checking',
      initial_balance_cents: 10_000,
      overdraft_limit_cents: 5_000,
    });
    const savings = await client.account({ name: 'Poupança', type: 'savings' });
    const response = await client.post('/api/transfers', {
      from_account_id: checking.id,
      to_account_id: savings.id,
      amount_cents: 15_000,
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      transaction: {
        kind: 'transfer',
        account_id: checking.id,
        to_account_id: savings.id,
        amount_cents: 15_000,
        description: 'Transferência',
        policy_version: 'transfers_v1',
      },
      from_account: { id: checking.id, balance_cents: -5_000 },
      to_account: { id: savings.id, balance_cents: 15_000 },
    });
    const beyond = await client.post('/api/transfers', {
      from_account_id: checking.id,
      to_account_id: savings.id,
      amount_cents: 1,
    });
    expect(beyond.statusCode).toBe(422);
    expect(beyond.json()).toMatchObject({ code: 'insufficient_funds', account_id: checking.id, available_cents: 0 });
    // The refused transfer wrote nothing.
    expect((await client.get(`/api/accounts/${savings.id}`)).json().balance_cents).toBe(15_000);
    expect((await client.get(`/api/transactions?account_id=${savings.id}`)).json().total).toBe(1);
  });

  it('refuses a transfer to the same account with 400', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'cash', initial_balance_cents: 100 });
    const response = await client.post('/api/transfers', {
      from_account_id: account.id,
      to_account_id: account.id,
      amount_cents: 1,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0]).toMatchObject({ field: 'body/to_account_id', code: 'same_account' });
  });
});

describe('reversals', () => {
  it('restore the balances, link both ways, and happen once', async () => {
    const { client } = await signedIn(t.app);
    const a = await client.account({ name: 'A', type: 'checking', initial_balance_cents: 50_000 });
    const b = await client.account({ name: 'B', type: 'cash' });
    const transfer = expectStatus(
      await client.post('/api/transfers', { from_account_id: a.id, to_account_id: b.id, amount_cents: 20_000 }),
      201,
    ).json().transaction;
    const reversal = await client.post(`/api/transactions/${transfer.id}/reverse`);
    expect(reversal.statusCode).toBe(201);
    const body = reversal.json();
    expect(body.transaction).toMatchObject({
      kind: 'reversal',
      reverses_transaction_id: transfer.id,
      to_account_id: b.id,
      amount_cents: 20_000,
    });
    expect(
      body.accounts.map((account: { balance_cents: number }) => account.balance_cents).sort((x: number, y: number) => x - y),
    ).toEqual([0, 50_000]);
    expect((await client.get(`/api/transactions/${transfer.id}`)).json().reversed_by_transaction_id).toBe(body.transaction.id);

    const again = await client.post(`/api/transactions/${transfer.id}/reverse`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'already_reversed', reversed_by_transaction_id: body.transaction.id });
    const ofReversal = await client.post(`/api/transactions/${body.transaction.id}/reverse`);
    expect(ofReversal.statusCode).toBe(422);
    expect(ofReversal.json().code).toBe('cannot_reverse_reversal');
  });

  it('obey the policy: an income already spent from cash cannot be reversed below zero', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash' });
    const income = expectStatus(
      await client.post('/api/transactions', { account_id: cash.id, type: 'income', amount_cents: 5_000, description: 'Venda' }),
      201,
    ).json().transaction;
    expectStatus(
      await client.post('/api/transactions', {
        account_id: cash.id,
        type: 'expense',
        amount_cents: 4_000,
        description: 'Lanche',
      }),
      201,
    );
    const refused = await client.post(`/api/transactions/${income.id}/reverse`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'insufficient_funds', available_cents: 1_000 });
  });
});

describe('audit', () => {
  it('shows who, when, request id, idempotency key, policy, reversal links and every leg', async () => {
    const { client, user } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
    const created = await client.post(
      '/api/transactions',
      { account_id: account.id, type: 'expense', amount_cents: 2_500, description: 'Farmácia' },
      { 'idempotency-key': 'audit-key-1', 'x-request-id': 'req-audit-1' },
    );
    const id = created.json().transaction.id;
    const reversal = expectStatus(await client.post(`/api/transactions/${id}/reverse`), 201).json().transaction;
    const audit = (await client.get(`/api/transactions/${id}/audit`)).json();
    expect(audit).toMatchObject({
      transaction_id: id,
      kind: 'expense',
      created_by: user.id,
      created_at: '2026-05-04T15:00:00.000Z',
      request_id: 'req-audit-1',
      idempotency_key: 'audit-key-1',
      policy_version: 'ledger_v2',
      reverses_transaction_id: null,
      reversed_by_transaction_id: reversal.id,
    });
    expect(
      audit.entries.map((entry: { account_type: string; amount_cents: number }) => [entry.account_type, entry.amount_cents]),
    ).toEqual([
      ['checking', -2_500],
      ['expense', 2_500],
    ]);
  });

  it('rebuilds the balance at any instant from the ledger', async () => {
    const { client } = await signedIn(t.app);
    clock.set('2026-06-01T10:00:00Z');
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 1_000 });
    clock.set('2026-06-02T10:00:00Z');
    expectStatus(
      await client.post('/api/transactions', { account_id: account.id, type: 'income', amount_cents: 500, description: 'Pix' }),
      201,
    );
    clock.set('2026-06-03T10:00:00Z');
    expectStatus(
      await client.post('/api/transactions', { account_id: account.id, type: 'expense', amount_cents: 200, description: 'Café' }),
      201,
    );
    clock.set('2026-05-04T15:00:00Z');
    const at = async (instant: string) => (await client.get(`/api/accounts/${account.id}/balance?at=${instant}`)).json();
    expect(await at('2026-06-01T09:59:59Z')).toMatchObject({ balance_cents: 0, entry_count: 0 });
    expect(await at('2026-06-01T10:00:00Z')).toMatchObject({ balance_cents: 1_000, entry_count: 1 });
    expect(await at('2026-06-02T12:00:00-03:00')).toMatchObject({ balance_cents: 1_500, entry_count: 2 });
    expect(await at('2030-01-01T00:00:00Z')).toMatchObject({ balance_cents: 1_300, entry_count: 3 });
    expectProblem(await client.get(`/api/accounts/${account.id}/balance?at=ontem`), 400, 'validation_failed');
  });
});

describe('transaction list', () => {
  it('filters by account, category, dates and text, newest first, paginated', async () => {
    const { client } = await signedIn(t.app);
    const a = await client.account({ name: 'A', type: 'checking', initial_balance_cents: 100_000 });
    const b = await client.account({ name: 'B', type: 'cash' });
    const food = await client.category('expense', 'food');
    const post = (body: Record<string, unknown>) =>
      client.post('/api/transactions', { account_id: a.id, type: 'expense', amount_cents: 100, ...body });
    await post({ description: 'Padaria 50% off', occurred_on: '2026-04-01', category_id: food });
    await post({ description: 'Mercado', occurred_on: '2026-04-10', category_id: food });
    await post({ description: 'Cinema', occurred_on: '2026-04-20' });
    expectStatus(
      await client.post('/api/transfers', {
        from_account_id: a.id,
        to_account_id: b.id,
        amount_cents: 100,
        occurred_on: '2026-04-15',
      }),
      201,
    );

    const descriptions = async (query: string) =>
      (await client.get(`/api/transactions?${query}`)).json().items.map((item: { description: string }) => item.description);
    expect(await descriptions(`account_id=${a.id}&from=2026-04-01&to=2026-04-30`)).toEqual([
      'Cinema',
      'Transferência',
      'Mercado',
      'Padaria 50% off',
    ]);
    expect(await descriptions(`account_id=${b.id}`)).toEqual(['Transferência']);
    expect(await descriptions(`category_id=${food}`)).toEqual(['Mercado', 'Padaria 50% off']);
    expect(await descriptions('q=MERC')).toEqual(['Mercado']);
    expect(await descriptions('q=50%25')).toEqual(['Padaria 50% off']);
    expect(await descriptions('q=_')).toEqual([]);
    const page = (await client.get(`/api/transactions?account_id=${a.id}&from=2026-04-01&to=2026-04-30&skip=1&limit=2`)).json();
    expect(page).toMatchObject({ total: 4, skip: 1, limit: 2 });
    expect(page.items.map((item: { description: string }) => item.description)).toEqual(['Transferência', 'Mercado']);
    const badRange = await client.get('/api/transactions?from=2026-05-01&to=2026-04-01');
    expectProblem(badRange, 400, 'validation_failed');
  });
});

describe('categories', () => {
  it('creates, renames and archives; names are unique per kind, case-insensitively', async () => {
    const { client } = await signedIn(t.app);
    const created = await client.post('/api/categories', { name: 'Pets', kind: 'expense' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'Pets', kind: 'expense', system_key: null, archived: false, row_version: 1 });
    expectProblem(await client.post('/api/categories', { name: 'pets', kind: 'expense' }), 409, 'category_name_taken');
    expect((await client.post('/api/categories', { name: 'Pets', kind: 'income' })).statusCode).toBe(201);
    const renamed = await client.patch(`/api/categories/${created.json().id}`, { name: 'Animais', row_version: 1 });
    expect(renamed.json()).toMatchObject({ name: 'Animais', row_version: 2 });
    const stale = await client.patch(`/api/categories/${created.json().id}`, { archived: true, row_version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().current.name).toBe('Animais');
    const clash = await client.patch(`/api/categories/${created.json().id}`, { name: 'Lazer', row_version: 2 });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().code).toBe('category_name_taken');
  });
});
