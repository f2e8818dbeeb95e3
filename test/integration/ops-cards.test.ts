import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { planRepair } from '../../src/modules/ledger/index.js';
import { AUDIT_COMMANDS } from '../../src/ops/audit/commands.js';
import type { OpsContext } from '../../src/ops/command.js';
import { INCIDENT_COMMANDS } from '../../src/ops/incident/commands.js';
import { CARDS_POLICY_VERSION } from '../../src/policies/cards_v1.js';
import { balanceFloorCents } from '../../src/policies/ledger_v1.js';
import { legObeysFloor } from '../../src/policies/ledger_v2.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectStatus } from '../helpers/problem.js';
import { bought, cardOf } from './cards-support.js';

/**
 * The operator's tools on a ledger with credit cards: purchases in installments and à vista,
 * refunds (kind 'refund', policy cards_v1) of a purchase's remaining installments and of an
 * amount, an antecipação with a discount, a refund reversed, and bill payments. check-ledger
 * finds it whole; every leg obeys the floor rule of its version; a refund that lost a leg
 * would be repaired with the right one; trace-transfer follows a refund to its purchase and
 * back, and agrees with the app's audit view.
 */

const clock = fixedClock('2026-11-10T15:00:00Z');
let t: TestApp;
let world: Awaited<ReturnType<typeof cardWorld>>;

beforeAll(async () => {
  t = await startTestApp({ clock });
  world = await cardWorld();
});
afterAll(async () => {
  await t?.close();
});

async function cardWorld() {
  const person = await signedIn(t.app);
  const { client } = person;
  const checking = (await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 1_000_000 })).id;
  const card = (await cardOf(client, { closing_day: 3, due_day: 10 }, 300_000)).id;
  const buy = (amountCents: number, installments?: number) =>
    bought(client, card, amountCents, installments === undefined ? {} : { installments });
  const fridge = await buy(240_000, 12);
  const shoes = await buy(30_000, 3);
  const lunch = await buy(5_000);
  const post = async (url: string, body: unknown) => expectStatus(await client.post(url, body), 201).json();
  const refund = (await post(`/api/transactions/${shoes}/refund`, { scope: 'remaining' })).transaction.id as string;
  const partial = (await post(`/api/transactions/${lunch}/refund`, { scope: 'amount', amount_cents: 1_000 })).transaction
    .id as string;
  await post(`/api/transactions/${partial}/reverse`, {});
  await post(`/api/transactions/${fridge}/anticipate`, { count: 2, discount_cents: 2_000 });
  const bills = expectStatus(await client.get(`/api/accounts/${card}/bills?limit=100`), 200).json();
  await post('/api/transfers', {
    from_account_id: checking,
    to_account_id: card,
    amount_cents: 20_000,
    bill_id: bills.items[0].id,
  });
  await post('/api/transfers', { from_account_id: checking, to_account_id: card, amount_cents: 5_000 });
  return { person, card, fridge, shoes, lunch, refund, partial };
}

function commandOf(name: string) {
  const found = [...INCIDENT_COMMANDS, ...AUDIT_COMMANDS].find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
}

/** Runs an ops command in this process, as src/cli/ops.ts does, and keeps what it printed. */
async function runOps(name: string, args: string[]) {
  const out: string[] = [];
  const said: string[] = [];
  const context: OpsContext = { pool: t.pool, clock, out: (line) => out.push(line), say: (line) => said.push(line) };
  const code = await commandOf(name).run(args, context);
  return { code, stdout: out.join('\n'), stderr: said.join('\n') };
}

describe('a ledger with card refunds', () => {
  it('has refunds under cards_v1, and check-ledger finds it whole', async () => {
    const refunds = await t.pool.query<{ kind: string; policy_version: string }>(
      `SELECT kind, policy_version FROM transactions WHERE user_id = $1 AND kind = 'refund'`,
      [world.person.user.id],
    );
    expect(refunds.rows).toHaveLength(3);
    for (const row of refunds.rows) expect(row.policy_version).toBe(CARDS_POLICY_VERSION);
    const result = await runOps('check-ledger', []);
    expect(result.stdout).toMatch(/^ledger whole: \d+ transactions, \d+ entries, entries sum to 0$/m);
    expect(result.code, result.stdout).toBe(0);
    await expectLedgerInvariants(t.pool);
  });

  it('every leg obeys the floor rule of the version it was posted under', async () => {
    const legs = await t.pool.query<{
      policy_version: string;
      recorded_kind: string;
      amount_cents: number;
      balance_after_cents: number;
      type: string;
      overdraft_limit_cents: number;
    }>(
      `SELECT t.policy_version, coalesce(o.kind, t.kind) AS recorded_kind, e.amount_cents, e.balance_after_cents,
              a.type, a.overdraft_limit_cents
         FROM ledger_entries e
         JOIN transactions t ON t.id = e.transaction_id
         JOIN accounts a ON a.id = e.account_id
         LEFT JOIN transactions o ON o.id = t.reverses_transaction_id
        WHERE e.user_id = $1`,
      [world.person.user.id],
    );
    expect(legs.rows.some((leg) => leg.policy_version === CARDS_POLICY_VERSION && leg.amount_cents < 0)).toBe(true);
    const refused = legs.rows.filter(
      (leg) =>
        !legObeysFloor({
          policyVersion: leg.policy_version,
          recordedKind: leg.recorded_kind,
          amountCents: leg.amount_cents,
          balanceAfterCents: leg.balance_after_cents,
          floorCents: balanceFloorCents({
            type: leg.type as never,
            balance_cents: 0,
            overdraft_limit_cents: leg.overdraft_limit_cents,
          }),
        }),
    );
    expect(refused).toEqual([]);
    // The card is the one with a floor the refunds move: it owes less after each, never below minus its limit.
    const card = await t.pool.query<{ balance_cents: number }>('SELECT balance_cents FROM accounts WHERE id = $1', [world.card]);
    expect(card.rows[0]?.balance_cents).toBeGreaterThanOrEqual(-300_000);
  });

  it('a refund that lost its expense leg would get that leg back, and no other', async () => {
    const header = await t.pool.query(
      'SELECT id, user_id, account_id, counterparty_account_id, amount_cents FROM transactions WHERE id = $1',
      [world.refund],
    );
    const legs = await t.pool.query(
      'SELECT account_id, user_id, amount_cents FROM ledger_entries WHERE transaction_id = $1 ORDER BY id',
      [world.refund],
    );
    expect(legs.rows).toHaveLength(2);
    const cardLeg = legs.rows.find((leg) => leg.account_id === world.card);
    const expenseLeg = legs.rows.find((leg) => leg.account_id !== world.card);
    // Refunded on the purchase's day, the remaining installments are all three.
    expect(cardLeg.amount_cents).toBe(30_000);
    expect(planRepair(header.rows[0], [cardLeg])).toEqual({
      repairable: true,
      leg: {
        transaction_id: world.refund,
        user_id: world.person.user.id,
        account_id: expenseLeg.account_id,
        amount_cents: -30_000,
      },
    });
    expect(planRepair(header.rows[0], legs.rows)).toEqual({ repairable: false, reason: 'the transaction is balanced' });
  });

  it("trace-transfer follows a refund to its purchase and the purchase to its refunds; the app's audit view agrees", async () => {
    const fromRefund = await runOps('trace-transfer', [world.refund, '--json']);
    expect(fromRefund.code, fromRefund.stderr).toBe(0);
    const story = JSON.parse(fromRefund.stdout);
    expect(story.transactions.map((traced: { id: string }) => traced.id).sort()).toEqual([world.shoes, world.refund].sort());
    const refund = story.transactions.find((traced: { id: string }) => traced.id === world.refund);
    expect(refund).toMatchObject({ kind: 'refund', policy_version: CARDS_POLICY_VERSION, audit_view_differences: [] });
    expect(refund.links.refund_of).toMatchObject({ id: world.shoes, kind: 'expense' });
    const purchase = story.transactions.find((traced: { id: string }) => traced.id === world.shoes);
    expect(purchase.links.refunded_by).toEqual([expect.objectContaining({ id: world.refund, kind: 'refund' })]);
    const fromPurchase = JSON.parse((await runOps('trace-transfer', [world.shoes, '--json'])).stdout);
    expect(fromPurchase.transactions.map((traced: { id: string }) => traced.id).sort()).toEqual(
      [world.shoes, world.refund].sort(),
    );
    // A refund that was reversed: its story holds the purchase, the refund and its reversal.
    const reversed = await runOps('trace-transfer', [world.partial]);
    expect(reversed.code, reversed.stderr).toBe(0);
    expect(reversed.stdout).toMatch(/^trace .*: 3 transactions in its story$/m);
    expect(reversed.stdout).toMatch(new RegExp(`refund of +${world.lunch} \\(expense,`));
    expect(reversed.stdout).toMatch(new RegExp(`refunded by +${world.partial} \\(refund,`));
    expect(reversed.stdout).toMatch(/reversed by .* \(reversal,/);
  });

  it('balance-at reads the card through its refunds', async () => {
    const result = await runOps('balance-at', ['--account', world.card, '--at', '2026-11-10T23:59:59Z', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout);
    const card = await t.pool.query<{ balance_cents: number }>('SELECT balance_cents FROM accounts WHERE id = $1', [world.card]);
    expect(answer.balance_cents).toBe(card.rows[0]?.balance_cents);
  });
});
