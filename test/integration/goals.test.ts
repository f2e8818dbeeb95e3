import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { lockAndLoadAccounts } from '../../src/modules/ledger/index.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { lockWaiters } from '../helpers/lock-waits.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

const clock = fixedClock('2026-09-15T15:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
  clock.set('2026-09-15T15:00:00Z');
});
afterAll(async () => {
  await t?.close();
});

describe('savings goals', () => {
  it('a replayed creation with the same key creates one goal, with its own ledger account', async () => {
    const { client, user } = await signedIn(t.app);
    const body = { name: 'Viagem para Salvador', target_cents: 500_000, target_date: '2027-07-01', icon: '🏖️' };
    const responses = await Promise.all([1, 2, 3].map(() => client.post('/api/goals', body, { 'idempotency-key': 'goal-1' })));
    expect(responses.map((response) => response.statusCode)).toEqual([201, 201, 201]);
    expect(new Set(responses.map((response) => response.json().id)).size).toBe(1);
    expect(responses[0]?.json()).toMatchObject({
      name: 'Viagem para Salvador',
      target_cents: 500_000,
      target_date: '2027-07-01',
      icon: '🏖️',
      saved_cents: 0,
      remaining_cents: 500_000,
      percent: 0,
      monthly_pace_cents: 0,
      projected_completion_on: null,
      achieved: false,
      archived: false,
    });
    const goalAccounts = await t.pool.query("SELECT count(*)::int AS n FROM accounts WHERE user_id = $1 AND type = 'goal'", [
      user.id,
    ]);
    expect(goalAccounts.rows[0].n).toBe(1);
    // A goal's account is internal: not among the person's accounts, not reachable as one.
    expect((await client.get('/api/accounts')).json().total).toBe(0);
    const goalAccountId = (await t.pool.query("SELECT id FROM accounts WHERE user_id = $1 AND type = 'goal'", [user.id])).rows[0]
      .id;
    expectProblem(await client.get(`/api/accounts/${goalAccountId}`), 404, 'not_found');
    expectProblem(await client.patch(`/api/accounts/${goalAccountId}`, { name: 'x', row_version: 1 }), 404, 'not_found');
    expect(
      (await client.post('/api/transactions', { account_id: goalAccountId, type: 'income', amount_cents: 1, description: 'x' }))
        .statusCode,
    ).toBe(404);
  });

  it('contributions and withdrawals move money both ways with exact balances; beyond the goal is 422 and writes nothing', async () => {
    const { client } = await signedIn(t.app);
    const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
    const goal = expectStatus(await client.post('/api/goals', { name: 'Reserva', target_cents: 60_000 }), 201).json();
    const contribution = await client.post(`/api/goals/${goal.id}/contributions`, {
      from_account_id: checking.id,
      amount_cents: 40_000,
    });
    expect(contribution.statusCode).toBe(201);
    expect(contribution.json()).toMatchObject({
      goal: { saved_cents: 40_000, remaining_cents: 20_000, percent: 66 },
      transaction: {
        kind: 'goal_contribution',
        policy_version: 'goals_v1',
        amount_cents: 40_000,
        entries: [{ account_id: checking.id, amount_cents: -40_000 }],
      },
      account: { id: checking.id, balance_cents: 60_000 },
    });
    const withdrawal = await client.post(`/api/goals/${goal.id}/withdrawals`, {
      to_account_id: checking.id,
      amount_cents: 15_000,
    });
    expect(withdrawal.json()).toMatchObject({ goal: { saved_cents: 25_000 }, account: { balance_cents: 75_000 } });
    const beyond = await client.post(`/api/goals/${goal.id}/withdrawals`, { to_account_id: checking.id, amount_cents: 25_001 });
    expect(beyond.statusCode).toBe(422);
    expect(beyond.json()).toMatchObject({ code: 'insufficient_funds', available_cents: 25_000 });
    expect((await client.get(`/api/goals/${goal.id}`)).json().saved_cents).toBe(25_000);
    expect((await client.get(`/api/accounts/${checking.id}`)).json().balance_cents).toBe(75_000);
    // The source account obeys its own floor (transfers_v1).
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 100 });
    expectProblem(
      await client.post(`/api/goals/${goal.id}/contributions`, { from_account_id: cash.id, amount_cents: 101 }),
      422,
      'insufficient_funds',
    );
  });

  it('30 concurrent contributions from an account that can fund 12: exactly 12', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 12_000 });
    const goal = expectStatus(await client.post('/api/goals', { name: 'Bicicleta', target_cents: 1_000_000 }), 201).json();
    const responses = await Promise.all(
      Array.from({ length: 30 }, () =>
        client.post(`/api/goals/${goal.id}/contributions`, { from_account_id: cash.id, amount_cents: 1_000 }),
      ),
    );
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 201)).toHaveLength(12);
    expect(statuses.filter((status) => status === 422)).toHaveLength(18);
    expect((await client.get(`/api/goals/${goal.id}`)).json().saved_cents).toBe(12_000);
    expect((await client.get(`/api/accounts/${cash.id}`)).json().balance_cents).toBe(0);
  });

  it('is marked achieved on reaching the target, can be reopened, and projects at the recent pace', async () => {
    const { client } = await signedIn(t.app);
    const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 1_000_000 });
    clock.set('2026-06-15T15:00:00Z');
    const goal = expectStatus(await client.post('/api/goals', { name: 'Notebook', target_cents: 90_000 }), 201).json();
    clock.set('2026-07-20T15:00:00Z');
    expectStatus(
      await client.post(`/api/goals/${goal.id}/contributions`, { from_account_id: checking.id, amount_cents: 10_000 }),
      201,
    );
    clock.set('2026-08-20T15:00:00Z');
    expectStatus(
      await client.post(`/api/goals/${goal.id}/contributions`, { from_account_id: checking.id, amount_cents: 10_000 }),
      201,
    );
    clock.set('2026-09-15T15:00:00Z');
    expectStatus(
      await client.post(`/api/goals/${goal.id}/contributions`, { from_account_id: checking.id, amount_cents: 10_000 }),
      201,
    );
    const progress = (await client.get(`/api/goals/${goal.id}`)).json();
    expect(progress).toMatchObject({
      saved_cents: 30_000,
      remaining_cents: 60_000,
      // R$ 300 over the 92 days after 15 Jun is R$ 99,25 an average month; R$ 600 left is 7 months.
      monthly_pace_cents: 9_925,
      projected_completion_on: '2027-04-15',
      achieved: false,
    });

    const reached = await client.post(`/api/goals/${goal.id}/contributions`, {
      from_account_id: checking.id,
      amount_cents: 60_000,
    });
    expect(reached.json().goal).toMatchObject({
      achieved: true,
      achieved_at: '2026-09-15T15:00:00.000Z',
      percent: 100,
      projected_completion_on: null,
    });
    const reopened = await client.patch(`/api/goals/${goal.id}`, {
      achieved: false,
      row_version: reached.json().goal.row_version,
    });
    expect(reopened.statusCode).toBe(200);
    expect(reopened.json()).toMatchObject({ achieved: false, achieved_at: null });
    const raised = await client.patch(`/api/goals/${goal.id}`, {
      target_cents: 120_000,
      row_version: reopened.json().row_version,
    });
    expect(raised.json()).toMatchObject({ target_cents: 120_000, remaining_cents: 30_000, achieved: false });
    const stale = await client.patch(`/api/goals/${goal.id}`, { name: 'x', row_version: reopened.json().row_version });
    expectProblem(stale, 409, 'row_version_conflict');
    expect(stale.json().current.target_cents).toBe(120_000);
  });

  it('archiving with money asks for a withdrawal first; deleting is refused once it has entries', async () => {
    const { client } = await signedIn(t.app);
    const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
    const goal = expectStatus(await client.post('/api/goals', { name: 'Carro', target_cents: 1_000_000 }), 201).json();
    expectStatus(
      await client.post(`/api/goals/${goal.id}/contributions`, { from_account_id: checking.id, amount_cents: 5_000 }),
      201,
    );
    let current = (await client.get(`/api/goals/${goal.id}`)).json();
    const refused = await client.patch(`/api/goals/${goal.id}`, { archived: true, row_version: current.row_version });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'goal_has_balance', saved_cents: 5_000 });
    expectProblem(await client.request('DELETE', `/api/goals/${goal.id}`), 409, 'goal_has_entries');
    expectStatus(
      await client.post(`/api/goals/${goal.id}/withdrawals`, { to_account_id: checking.id, amount_cents: 5_000 }),
      201,
    );
    current = (await client.get(`/api/goals/${goal.id}`)).json();
    const archived = await client.patch(`/api/goals/${goal.id}`, { archived: true, row_version: current.row_version });
    expect(archived.json().archived).toBe(true);
    expect((await client.get('/api/goals')).json().total).toBe(0);
    expect((await client.get('/api/goals?include_archived=true')).json().total).toBe(1);
    expectProblem(
      await client.post(`/api/goals/${goal.id}/contributions`, { from_account_id: checking.id, amount_cents: 1 }),
      422,
      'goal_archived',
    );
    expect((await client.request('DELETE', `/api/goals/${goal.id}`)).json().code).toBe('goal_has_entries');

    const empty = expectStatus(await client.post('/api/goals', { name: 'Nunca usada', target_cents: 100 }), 201).json();
    expect((await client.request('DELETE', `/api/goals/${empty.id}`)).statusCode).toBe(204);
    expectProblem(await client.get(`/api/goals/${empty.id}`), 404, 'not_found');
  });

  it('a contribution, a withdrawal or an edit that waited on the goal being deleted is 404, not a 500', async () => {
    const { client, user } = await signedIn(t.app);
    const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
    const goal = expectStatus(await client.post('/api/goals', { name: 'Viagem', target_cents: 100_000 }), 201).json();
    // The test holds the goal account's lock, so each request below finds the goal and then waits.
    const { rows } = await t.pool.query<{ account_id: string }>('SELECT account_id FROM goals WHERE id = $1', [goal.id]);
    const holder = await t.pool.connect();
    try {
      await holder.query('BEGIN');
      await lockAndLoadAccounts(holder, user.id, [rows[0]?.account_id ?? '']);
      const deletion = client.request('DELETE', `/api/goals/${goal.id}`);
      await lockWaiters(t.pool, 1);
      const contribution = client.post(`/api/goals/${goal.id}/contributions`, {
        from_account_id: checking.id,
        amount_cents: 100,
      });
      await lockWaiters(t.pool, 2);
      const withdrawal = client.post(`/api/goals/${goal.id}/withdrawals`, { to_account_id: checking.id, amount_cents: 100 });
      await lockWaiters(t.pool, 3);
      const edit = client.patch(`/api/goals/${goal.id}`, { name: 'Outra viagem', row_version: goal.row_version });
      await lockWaiters(t.pool, 4);
      await holder.query('COMMIT');
      expect((await deletion).statusCode).toBe(204);
      expectProblem(await contribution, 404, 'not_found');
      expectProblem(await withdrawal, 404, 'not_found');
      expectProblem(await edit, 404, 'not_found');
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      holder.release();
    }
    expect((await client.get(`/api/accounts/${checking.id}`)).json().balance_cents).toBe(10_000);
  });

  it("another person's goal is 404 everywhere; bad input is 400", async () => {
    const alice = await signedIn(t.app, 'Alice');
    const bob = await signedIn(t.app, 'Bob');
    const goal = expectStatus(await alice.client.post('/api/goals', { name: 'Dela', target_cents: 1_000 }), 201).json();
    const bobAccount = await bob.client.account({ name: 'Bob', type: 'cash', initial_balance_cents: 1_000 });
    const aliceAccount = await alice.client.account({ name: 'Alice', type: 'cash', initial_balance_cents: 1_000 });
    for (const response of await Promise.all([
      bob.client.get(`/api/goals/${goal.id}`),
      bob.client.patch(`/api/goals/${goal.id}`, { name: 'x', row_version: 1 }),
      bob.client.post(`/api/goals/${goal.id}/contributions`, { from_account_id: bobAccount.id, amount_cents: 1 }),
      bob.client.request('DELETE', `/api/goals/${goal.id}`),
    ])) {
      expectProblem(response, 404, 'not_found');
    }
    const myGoal = expectStatus(await bob.client.post('/api/goals', { name: 'Meu', target_cents: 1_000 }), 201).json();
    expect(
      (await bob.client.post(`/api/goals/${myGoal.id}/contributions`, { from_account_id: aliceAccount.id, amount_cents: 1 }))
        .statusCode,
    ).toBe(404);
    for (const body of [
      { name: 'x', target_cents: 0 },
      { name: 'x', target_cents: 1.5 },
      { name: '', target_cents: 10 },
      { name: 'x', target_cents: 10, extra: 1 },
    ]) {
      expectProblem(await bob.client.post('/api/goals', body), 400, 'validation_failed');
    }
    expect(
      (await bob.client.post(`/api/goals/${myGoal.id}/contributions`, { from_account_id: bobAccount.id, amount_cents: -5 }))
        .statusCode,
    ).toBe(400);
    expect((await alice.client.get(`/api/goals/${goal.id}`)).json().saved_cents).toBe(0);
  });

  it('a new goal with a 13-month deadline and a first deposit has no pace until its first month has passed', async () => {
    // Signed in at the latest instant the test reaches, so the session outlives the clock's moves.
    clock.set('2026-12-29T03:00:00Z');
    const { client } = await signedIn(t.app);
    clock.set('2026-11-30T02:59:00Z'); // 29 Nov, 23:59 in São Paulo
    const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 1_000_000 });
    const goal = expectStatus(
      await client.post('/api/goals', { name: 'Carro', target_cents: 1_300_000, target_date: '2027-12-29' }),
      201,
    ).json();
    const deposit = await client.post(`/api/goals/${goal.id}/contributions`, {
      from_account_id: checking.id,
      amount_cents: 100_000,
    });
    expect(expectStatus(deposit, 201).json().goal).toMatchObject({
      monthly_pace_cents: 0,
      projected_completion_on: null,
      projection_unavailable_reason: 'first_month',
    });
    clock.set('2026-12-29T02:59:00Z'); // 28 Dec, a day short of a month
    expect((await client.get(`/api/goals/${goal.id}`)).json()).toMatchObject({ projection_unavailable_reason: 'first_month' });
    clock.set('2026-12-29T03:00:00Z'); // 29 Dec, 00:00 in São Paulo: a month old
    // R$ 1.000 over the 31 days from 29 Nov to 29 Dec: R$ 981,83 an average month; R$ 12.000 left is 13 months.
    expect((await client.get(`/api/goals/${goal.id}`)).json()).toMatchObject({
      monthly_pace_cents: 98_183,
      projected_completion_on: '2028-01-29',
      projection_unavailable_reason: null,
    });
  });

  it('a pace that would take past the horizon (or past year 9999) projects null with a reason, and the goal stays readable', async () => {
    const { client } = await signedIn(t.app);
    const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 1_000_000 });
    clock.set('2026-06-15T15:00:00Z');
    const goal = expectStatus(await client.post('/api/goals', { name: 'Um bilhão', target_cents: 100_000_000_000 }), 201).json();
    expect(goal).toMatchObject({ projected_completion_on: null, projection_unavailable_reason: 'first_month' });
    clock.set('2026-09-15T15:00:00Z');
    // Four centavos over three months (92 days) is a pace of one centavo a month: the year 8.3 billion.
    const contribution = await client.post(`/api/goals/${goal.id}/contributions`, {
      from_account_id: checking.id,
      amount_cents: 4,
    });
    expect(contribution.statusCode).toBe(201);
    expect(contribution.json().goal).toMatchObject({
      monthly_pace_cents: 1,
      projected_completion_on: null,
      projection_unavailable_reason: 'too_far',
    });
    const read = await client.get(`/api/goals/${goal.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ saved_cents: 4, projection_unavailable_reason: 'too_far' });
    const listed = await client.get('/api/goals');
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items.find((item: { id: string }) => item.id === goal.id)).toMatchObject({
      projection_unavailable_reason: 'too_far',
    });
    // A target the pace meets within the horizon gets its date back, and no reason.
    const edited = await client.patch(`/api/goals/${goal.id}`, { target_cents: 1_204, row_version: read.json().row_version });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ projected_completion_on: '2126-09-15', projection_unavailable_reason: null });
    expectStatus(
      await client.post(`/api/goals/${goal.id}/contributions`, { from_account_id: checking.id, amount_cents: 1_200 }),
      201,
    );
    expect((await client.get(`/api/goals/${goal.id}`)).json()).toMatchObject({
      achieved: true,
      projected_completion_on: null,
      projection_unavailable_reason: 'reached',
    });
  });
});
