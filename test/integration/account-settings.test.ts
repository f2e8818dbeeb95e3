import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

/**
 * Account settings: a card's limit set at creation and changed later with row_version;
 * the rule for lowering a limit below what is already used; hostile input.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

type Client = Awaited<ReturnType<typeof signedIn>>['client'];

function spend(client: Client, accountId: string, amountCents: number, extra: Record<string, unknown> = {}) {
  return client.post('/api/transactions', {
    account_id: accountId,
    type: 'expense',
    amount_cents: amountCents,
    description: 'Compra',
    ...extra,
  });
}

describe('a credit card is usable', () => {
  it('takes its limit at creation; a negative opening balance is the amount owed and needs the limit', async () => {
    const { client } = await signedIn(t.app);
    expectProblem(
      await client.post('/api/accounts', { name: 'Cartão', type: 'credit_card', initial_balance_cents: -30_000 }),
      422,
      'insufficient_funds',
    );
    const card = await client.account({
      name: 'Cartão',
      type: 'credit_card',
      overdraft_limit_cents: 100_000,
      initial_balance_cents: -30_000,
    });
    expect(card).toMatchObject({ balance_cents: -30_000, overdraft_limit_cents: 100_000 });
    expectStatus(await spend(client, card.id, 70_000), 201);
    expectProblem(await spend(client, card.id, 1), 422, 'insufficient_funds');
    await expectLedgerInvariants(t.pool);
  });

  it('raises its limit later with row_version; a stale version is 409 with the current state, and a retry with it saves', async () => {
    const { client } = await signedIn(t.app);
    const card = await client.account({ name: 'Cartão', type: 'credit_card' });
    expectProblem(await spend(client, card.id, 90_000), 422, 'insufficient_funds');

    const raised = expectStatus(
      await client.patch(`/api/accounts/${card.id}`, { overdraft_limit_cents: 100_000, row_version: card.row_version }),
      200,
    ).json();
    expect(raised).toMatchObject({ overdraft_limit_cents: 100_000, row_version: card.row_version + 1 });
    expectStatus(await spend(client, card.id, 90_000), 201);

    const stale = await client.patch(`/api/accounts/${card.id}`, {
      overdraft_limit_cents: 200_000,
      row_version: raised.row_version,
    });
    expectProblem(stale, 409, 'row_version_conflict');
    const current = stale.json().current;
    expect(current).toMatchObject({ id: card.id, balance_cents: -90_000, overdraft_limit_cents: 100_000 });
    const retried = await client.patch(`/api/accounts/${card.id}`, {
      overdraft_limit_cents: 200_000,
      name: 'Cartão Roxo',
      row_version: current.row_version,
    });
    expect(expectStatus(retried, 200).json()).toMatchObject({ name: 'Cartão Roxo', overdraft_limit_cents: 200_000 });
    await expectLedgerInvariants(t.pool);
  });
});

describe('lowering a limit below what is already used', () => {
  it('is refused with 422 limit_below_usage; down to exactly the usage is allowed', async () => {
    const { client } = await signedIn(t.app);
    const card = await client.account({ name: 'Cartão', type: 'credit_card', overdraft_limit_cents: 100_000 });
    expectStatus(await spend(client, card.id, 80_000), 201);
    const version = (await client.get(`/api/accounts/${card.id}`)).json().row_version;

    const lowered = await client.patch(`/api/accounts/${card.id}`, { overdraft_limit_cents: 79_999, row_version: version });
    expectProblem(lowered, 422, 'limit_below_usage');
    expect(lowered.json()).toMatchObject({ balance_cents: -80_000 });
    const exact = await client.patch(`/api/accounts/${card.id}`, { overdraft_limit_cents: 80_000, row_version: version });
    expect(expectStatus(exact, 200).json().overdraft_limit_cents).toBe(80_000);
  });

  it('after an overspend recorded under ledger_v2, a raise is allowed even if still short, a cut is not', async () => {
    const { client } = await signedIn(t.app);
    const checking = await client.account({ name: 'Conta', type: 'checking', overdraft_limit_cents: 50_000 });
    expectStatus(await spend(client, checking.id, 90_000, { allow_negative: true }), 201);
    let version = (await client.get(`/api/accounts/${checking.id}`)).json().row_version;

    expectProblem(
      await client.patch(`/api/accounts/${checking.id}`, { overdraft_limit_cents: 40_000, row_version: version }),
      422,
      'limit_below_usage',
    );
    const raised = await client.patch(`/api/accounts/${checking.id}`, { overdraft_limit_cents: 60_000, row_version: version });
    version = expectStatus(raised, 200).json().row_version;
    // A rename alone leaves the limit (and the overspend) as they are.
    const renamed = await client.patch(`/api/accounts/${checking.id}`, { name: 'Conta Itaú', row_version: version });
    expect(expectStatus(renamed, 200).json()).toMatchObject({ overdraft_limit_cents: 60_000, balance_cents: -90_000 });
    await expectLedgerInvariants(t.pool);
  });
});

describe('settings that do not apply, and hostile input', () => {
  it('a limit on a cash or savings account is 400 not_applicable; a name-only edit works', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash' });
    const refused = await client.patch(`/api/accounts/${cash.id}`, {
      overdraft_limit_cents: 1_000,
      row_version: cash.row_version,
    });
    expectProblem(refused, 400, 'validation_failed');
    expect(refused.json().errors).toEqual([
      expect.objectContaining({ field: 'body/overdraft_limit_cents', code: 'not_applicable' }),
    ]);
    const renamed = await client.patch(`/api/accounts/${cash.id}`, { name: 'Bolso', row_version: cash.row_version });
    expect(expectStatus(renamed, 200).json()).toMatchObject({ name: 'Bolso', overdraft_limit_cents: 0 });
  });

  it.each([
    ['a NUL byte in the name', { name: 'Cart\u0000ão' }],
    ['a lone surrogate in the name', { name: 'Cart\ud800ão' }],
    ['a huge name', { name: 'x'.repeat(100_000) }],
    ['a limit above R$ 1 bilhão', { overdraft_limit_cents: 100_000_000_001 }],
    ['a negative limit', { overdraft_limit_cents: -1 }],
    ['a fractional limit', { overdraft_limit_cents: 1.5 }],
    ['a limit as text', { overdraft_limit_cents: '1000' }],
  ])('%s is a 400 problem', async (_name, body) => {
    const { client } = await signedIn(t.app);
    const card = await client.account({ name: 'Cartão', type: 'credit_card' });
    expectProblem(
      await client.patch(`/api/accounts/${card.id}`, { ...body, row_version: card.row_version }),
      400,
      'validation_failed',
    );
  });

  it("another person's account answers 404", async () => {
    const owner = await signedIn(t.app);
    const other = await signedIn(t.app);
    const card = await owner.client.account({ name: 'Cartão', type: 'credit_card' });
    expectProblem(
      await other.client.patch(`/api/accounts/${card.id}`, { overdraft_limit_cents: 1_000, row_version: card.row_version }),
      404,
      'not_found',
    );
  });
});
