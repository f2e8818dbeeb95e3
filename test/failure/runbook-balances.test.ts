/**
 * docs/INCIDENT-PLAYBOOK.md, "A divergent balance cache": the cached balances and month-end
 * snapshots are made to disagree with the ledger; `npm run ops -- rebuild-balances --dry-run`
 * prints the difference and changes nothing; `rebuild-balances` replaces them, also while a
 * transfer is in flight on the same account, and the reconcile job then finds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileJob } from '../../src/jobs/reconcile.js';
import { runJobOnce } from '../../src/jobs/runner.js';
import { postTransfer } from '../../src/modules/ledger/index.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { ops, shown, untilSomeoneWaitsOnALock } from './runbook-support.js';

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
  return { client, user, checking: checking.id, savings: savings.id };
}

const cached = async (accountId: string) =>
  Number((await testApp.pool.query('SELECT balance_cents FROM accounts WHERE id = $1', [accountId])).rows[0].balance_cents);

const openFindings = async () =>
  (await testApp.pool.query('SELECT count(*)::int AS n FROM reconcile_findings WHERE resolved_at IS NULL')).rows[0].n as number;

describe('a divergent balance cache', () => {
  it('--dry-run prints the diff and writes nothing; the rebuild replaces balances and snapshots and closes the findings', async () => {
    const person = await personWithAccounts();
    // The cache drifts (a hand-made UPDATE, a bug) and a snapshot is written wrong.
    await testApp.pool.query('UPDATE accounts SET balance_cents = balance_cents + 12345 WHERE id = $1', [person.checking]);
    await testApp.pool.query(
      `INSERT INTO account_balance_snapshots (account_id, user_id, as_of, balance_cents, entry_count, created_at)
       VALUES ($1, $2, now(), 999, 7, now())`,
      [person.savings, person.user.id],
    );
    await runJobOnce(testApp.pool, reconcileJob);
    expect(await openFindings()).toBe(2);

    const dry = await ops(['rebuild-balances', '--dry-run'], testApp.database.url);
    expect(dry.code, shown(dry)).toBe(1);
    expect(dry.stdout).toContain(`balance account=${person.checking} cached_cents=112345 ledger_cents=100000 diff_cents=-12345`);
    expect(dry.stdout).toMatch(
      new RegExp(
        `snapshot account=${person.savings} as_of=\\S+ cached_cents=999 ledger_cents=50000 cached_entries=7 ledger_entries=1`,
      ),
    );
    expect(dry.stdout).toMatch(/balances differ: 1; snapshots differ: 1/);
    expect(await cached(person.checking)).toBe(112_345);
    expect(await openFindings()).toBe(2);

    const rebuilt = await ops(['rebuild-balances'], testApp.database.url);
    expect(rebuilt.code, shown(rebuilt)).toBe(0);
    expect(rebuilt.stdout).toMatch(/balances replaced: 1; snapshots replaced: 1/);
    expect(await cached(person.checking)).toBe(100_000);
    expect(await openFindings()).toBe(0);
    await runJobOnce(testApp.pool, reconcileJob);
    expect(await openFindings()).toBe(0);
    await expectLedgerInvariants(testApp.pool);
  });

  it('a transfer in flight on the account during the rebuild is kept: the rebuild waits for its locks', async () => {
    const person = await personWithAccounts();
    const postedAt = new Date();
    // A snapshot written wrong, at an instant after the transfer below begins: its right value
    // includes the transfer, which commits only while the rebuild waits. (The cached balance is
    // left right here: a posting on a drifted cache writes a wrong balance_after, see the playbook.)
    await testApp.pool.query(
      `INSERT INTO account_balance_snapshots (account_id, user_id, as_of, balance_cents, entry_count, created_at)
       VALUES ($1, $2, $3::timestamptz + interval '1 second', 1, 1, now())`,
      [person.checking, person.user.id, postedAt],
    );
    // A transfer holds both accounts' locks and has written its legs, not yet committed.
    const held = await testApp.pool.connect();
    try {
      await held.query('BEGIN');
      await postTransfer(
        held,
        { userId: person.user.id, idempotencyKey: null, requestId: null, postedAt },
        {
          fromAccountId: person.checking,
          toAccountId: person.savings,
          amountCents: 2_500,
          description: 'Em voo',
          notes: null,
          occurredOn: postedAt.toISOString().slice(0, 10),
        },
      );
      const rebuilding = ops(['rebuild-balances'], testApp.database.url);
      await untilSomeoneWaitsOnALock(testApp.pool, testApp.database.name, rebuilding);
      await held.query('COMMIT');
      const rebuilt = await rebuilding;
      expect(rebuilt.code, shown(rebuilt)).toBe(0);
      expect(rebuilt.stdout).toMatch(/snapshots replaced: 1/);
    } finally {
      held.release();
    }
    const snapshot = await testApp.pool.query(
      'SELECT balance_cents::int AS balance, entry_count FROM account_balance_snapshots WHERE account_id = $1',
      [person.checking],
    );
    expect(snapshot.rows).toEqual([{ balance: 100_000 - 2_500, entry_count: 2 }]);
    expect(await cached(person.checking)).toBe(100_000 - 2_500);
    const after = await ops(['rebuild-balances', '--dry-run'], testApp.database.url);
    expect(after.code, shown(after)).toBe(0);
    await expectLedgerInvariants(testApp.pool);
  });
});
