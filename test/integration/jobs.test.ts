import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireIdempotencyKeys, expireIdempotencyKeysJob } from '../../src/jobs/expire-idempotency-keys.js';
import { runJobOnce } from '../../src/jobs/scheduler.js';
import { fixedClock } from '../../src/lib/clock.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectStatus } from '../helpers/problem.js';

const clock = fixedClock('2026-08-01T00:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterAll(async () => {
  // The recurring job posts money: the ledger it leaves must hold every invariant.
  await expectLedgerInvariants(t.pool);
  await t?.close();
});

describe('idempotency-key expiry job', () => {
  it('deletes only keys past their 24 h, and exactly one of several workers runs it at a time', async () => {
    const { client, user } = await signedIn(t.app);
    expectStatus(await client.post('/api/categories', { name: 'Velha', kind: 'expense' }, { 'idempotency-key': 'old' }), 201);
    clock.advance(12 * 3_600_000);
    expectStatus(await client.post('/api/categories', { name: 'Nova', kind: 'expense' }, { 'idempotency-key': 'new' }), 201);
    const keys = async () =>
      (await t.pool.query('SELECT key FROM idempotency_keys WHERE user_id = $1 ORDER BY key', [user.id])).rows.map(
        (row) => row.key,
      );
    expect(await keys()).toEqual(['new', 'old']);

    expect(await expireIdempotencyKeys(t.pool, new Date('2026-08-01T23:59:59Z'))).toBe(0);
    clock.set('2026-08-02T00:00:00Z');
    const outcomes = await Promise.all([1, 2, 3].map(() => runJobOnce(t.pool, expireIdempotencyKeysJob, clock)));
    // The one expired key is deleted by exactly one run; every other worker either found the
    // lock taken and skipped, or ran after it and found nothing left.
    const deleting = outcomes.filter((outcome) => outcome.ran && outcome.affected === 1);
    expect(deleting).toHaveLength(1);
    for (const outcome of outcomes.filter((candidate) => !deleting.includes(candidate))) {
      expect([
        { ran: false, reason: 'locked' },
        { ran: true, affected: 0 },
      ]).toContainEqual(outcome);
    }
    expect(await keys()).toEqual(['new']);
  });

  it('skips when another worker holds the job lock', async () => {
    const holder = await t.pool.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [expireIdempotencyKeysJob.lock]);
      expect(await runJobOnce(t.pool, expireIdempotencyKeysJob, clock)).toEqual({ ran: false, reason: 'locked' });
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1)', [expireIdempotencyKeysJob.lock]);
      holder.release();
    }
    expect((await runJobOnce(t.pool, expireIdempotencyKeysJob, clock)).ran).toBe(true);
  });
});

describe('recurring materialisation job', () => {
  it("posts every person's due occurrences once, however many workers run it", async () => {
    const { materializeRecurringJob } = await import('../../src/jobs/materialize-recurring.js');
    const { client } = await signedIn(t.app);
    const account = (await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 })).id;
    expectStatus(
      await client.post('/api/recurring', {
        account_id: account,
        type: 'expense',
        amount_cents: 1_000,
        description: 'Streaming',
        schedule: { kind: 'monthly', day: 1 },
        start_on: '2026-05-01',
      }),
      201,
    );
    const jobClock = { now: () => new Date('2026-08-02T12:00:00Z') };
    const outcomes = await Promise.all([1, 2].map(() => runJobOnce(t.pool, materializeRecurringJob, jobClock)));
    const again = await runJobOnce(t.pool, materializeRecurringJob, jobClock);
    // May, June, July and August are due: one worker posts all four, the other skips or finds none left.
    expect(outcomes.map((outcome) => (outcome.ran ? outcome.affected : 0)).sort()).toEqual([0, 4]);
    expect(again).toEqual({ ran: true, affected: 0 });
    expect((await client.get(`/api/accounts/${account}`)).json().balance_cents).toBe(100_000 - 4 * 1_000);
  });
});
