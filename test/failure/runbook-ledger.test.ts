/**
 * docs/INCIDENT-PLAYBOOK.md, "An inconsistent ledger" and "A divergent balance cache": each test
 * breaks the database the way the section describes, runs the section's own commands
 * (`npm run ops -- …`, as subprocesses against the test database) and checks it is whole again.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { ops, shown, withChecksOff } from './runbook-support.js';

let testApp: TestApp;

beforeAll(async () => {
  testApp = await startTestApp();
});

afterAll(async () => {
  await testApp?.close();
});

async function personWithAccounts() {
  const { client, user } = await signedIn(testApp.app);
  const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
  const savings = await client.account({ name: 'Poupança', type: 'savings', initial_balance_cents: 50_000 });
  const spent = await client.post('/api/transactions', {
    account_id: checking.id,
    type: 'expense',
    amount_cents: 1_234,
    description: 'Feira',
  });
  expect(spent.statusCode).toBe(201);
  return { client, user, checking: checking.id, savings: savings.id };
}

async function internalAccount(userId: string, type: 'expense' | 'income'): Promise<string> {
  const found = await testApp.pool.query('SELECT id FROM accounts WHERE user_id = $1 AND type = $2', [userId, type]);
  return found.rows[0].id;
}

/**
 * An expense of which only the account's leg was written (its counterparty leg lost), with the
 * account's cached balance moved as a posting moves it: possible only with the checks off.
 */
async function stageHalfPosting(options: { userId: string; accountId: string; counterpartyId: string; amountCents: number }) {
  const id = randomUUID();
  await withChecksOff(testApp.database.url, async (client) => {
    const account = (
      await client.query('SELECT balance_cents, row_version FROM accounts WHERE id = $1 FOR UPDATE', [options.accountId])
    ).rows[0];
    const balanceAfter = Number(account.balance_cents) - options.amountCents;
    await client.query(
      `INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description, occurred_on, policy_version)
       VALUES ($1, $2, 'expense', $3, $4, $5, 'Mercado', current_date, 'ledger_v1')`,
      [id, options.userId, options.accountId, options.counterpartyId, options.amountCents],
    );
    await client.query(
      `INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, options.accountId, options.userId, -options.amountCents, balanceAfter, account.row_version + 1],
    );
    await client.query('UPDATE accounts SET balance_cents = $2, row_version = $3 WHERE id = $1', [
      options.accountId,
      balanceAfter,
      account.row_version + 1,
    ]);
  });
  return id;
}

const entryCount = async () => (await testApp.pool.query('SELECT count(*)::int AS n FROM ledger_entries')).rows[0].n as number;

describe('an inconsistent ledger', () => {
  it('check-ledger finds a half-written posting; repair-ledger --dry-run writes nothing; repair-ledger makes the ledger whole', async () => {
    const person = await personWithAccounts();
    const before = await ops(['check-ledger'], testApp.database.url);
    expect(before.code, shown(before)).toBe(0);
    expect(before.stdout).toMatch(/ledger whole: .* entries sum to 0/);

    const broken = await stageHalfPosting({
      userId: person.user.id,
      accountId: person.checking,
      counterpartyId: await internalAccount(person.user.id, 'expense'),
      amountCents: 700,
    });
    const found = await ops(['check-ledger'], testApp.database.url);
    expect(found.code, shown(found)).toBe(1);
    expect(found.stdout).toContain(`unbalanced_transaction transaction=${broken} entry=- account=- 1 legs summing to -700`);
    expect(found.stdout).toMatch(/1 finding\(s\): .* entries sum to -700/);

    const entries = await entryCount();
    const dry = await ops(['repair-ledger', broken, '--dry-run'], testApp.database.url);
    expect(dry.code, shown(dry)).toBe(0);
    const expense = await internalAccount(person.user.id, 'expense');
    expect(dry.stdout).toContain(`would append leg transaction=${broken} account=${expense} amount_cents=700`);
    expect(await entryCount()).toBe(entries);

    const repaired = await ops(['repair-ledger', broken], testApp.database.url);
    expect(repaired.code, shown(repaired)).toBe(0);
    expect(repaired.stdout).toContain(`appended leg transaction=${broken} account=${expense} amount_cents=700`);
    expect(await entryCount()).toBe(entries + 1);

    const after = await ops(['check-ledger'], testApp.database.url);
    expect(after.code, shown(after)).toBe(0);
    await expectLedgerInvariants(testApp.pool);
    // The app posts on the repaired accounts again.
    const spent = await person.client.post('/api/transactions', {
      account_id: person.checking,
      type: 'expense',
      amount_cents: 100,
      description: 'Café',
    });
    expect(spent.statusCode, spent.body).toBe(201);
    await expectLedgerInvariants(testApp.pool);
  });

  it("check-ledger finds a leg on another person's account; repair-ledger refuses to guess", async () => {
    const first = await personWithAccounts();
    const second = await personWithAccounts();
    const id = randomUUID();
    await withChecksOff(testApp.database.url, async (client) => {
      await client.query(
        `INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description, occurred_on, policy_version)
         VALUES ($1, $2, 'transfer', $3, $4, 300, 'Desvio', current_date, 'transfers_v1')`,
        [id, first.user.id, first.checking, first.savings],
      );
      await client.query(
        `INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version)
         VALUES ($1, $2, $3, -300, 0, 1000), ($1, $4, $3, 300, 0, 1000)`,
        [id, first.checking, first.user.id, second.savings],
      );
    });
    const found = await ops(['check-ledger'], testApp.database.url);
    expect(found.code, shown(found)).toBe(1);
    expect(found.stdout).toContain(`entry_on_foreign_account transaction=${id}`);
    expect(found.stdout).toContain(`leg_off_header transaction=${id}`);
    const refused = await ops(['repair-ledger', id], testApp.database.url);
    expect(refused.code, shown(refused)).toBe(1);
    expect(refused.stdout).toContain(`not repaired: transaction=${id}`);
  });
});
