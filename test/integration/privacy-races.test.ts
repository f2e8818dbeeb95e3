import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetAlertJob } from '../../src/jobs/budget-alert.js';
import { runJobOnce } from '../../src/jobs/runner.js';
import { calendarMonth } from '../../src/lib/calendar.js';
import { systemClock } from '../../src/lib/clock.js';
import { lockAndLoadAccounts, postEntry } from '../../src/modules/ledger/index.js';
import { PrivacyService } from '../../src/modules/privacy/privacy.service.js';
import { clientFor, PASSWORD, registerUser, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { lockWaiters } from '../helpers/lock-waits.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

/**
 * Races around an account deletion, made deterministic: the test holds the lock the deletion
 * holds, lets the other request reach the point where it must wait, then commits.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('signing in while the account is being deleted', () => {
  it('opens no session: the sign-in waits for the deletion and then finds nobody', async () => {
    const { user } = await registerUser(t.app);
    const deletion = new pg.Client({ connectionString: t.database.url });
    await deletion.connect();
    try {
      // What the deletion does first: lock the person's row, then erase (here: mark deleted and
      // end the sessions), all before its COMMIT.
      await deletion.query('BEGIN');
      await deletion.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [user.id]);
      await deletion.query(`UPDATE users SET deleted_at = now(), email = 'deleted-' || id || '@deleted.invalid' WHERE id = $1`, [
        user.id,
      ]);
      await deletion.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1', [user.id]);
      // The sign-in reads the person as not deleted yet (the deletion has not committed) and
      // checks the password; opening its session must wait for the deletion's lock.
      const signIn = t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: PASSWORD } });
      await lockWaiters(t.pool);
      await deletion.query('COMMIT');
      expectProblem(await signIn, 401, 'invalid_credentials');
      const live = await t.pool.query('SELECT 1 FROM sessions WHERE user_id = $1 AND revoked_at IS NULL', [user.id]);
      expect(live.rowCount).toBe(0);
    } finally {
      await deletion.end();
    }
  });
});

describe('a posting under way when the account is deleted', () => {
  it('commits first, and the deletion then anonymises it too', async () => {
    const { token, user } = await registerUser(t.app);
    const account = await clientFor(t.app, token).account({ name: 'Conta', type: 'checking', initial_balance_cents: 50_000 });
    const posting = await t.pool.connect();
    try {
      // A posting that has taken its account locks (another tab, a job) and has not written yet.
      await posting.query('BEGIN');
      await lockAndLoadAccounts(posting, user.id, [account.id]);
      const deletion = t.app.inject({
        method: 'POST',
        url: '/api/privacy/delete-account',
        headers: { authorization: `Bearer ${token}` },
        payload: { password: PASSWORD },
      });
      await lockWaiters(t.pool);
      // It writes and commits while the deletion waits: no deadlock, nothing refused.
      const posted = await postEntry(
        posting,
        { userId: user.id, idempotencyKey: null, requestId: null, postedAt: new Date() },
        {
          kind: 'expense',
          accountId: account.id,
          amountCents: 1_234,
          description: 'Consulta na clínica da Dra. Segredo',
          categoryId: null,
          notes: 'nota pessoal',
          occurredOn: '2026-11-20',
        },
      );
      await posting.query('COMMIT');
      expectStatus(await deletion, 204);
      const row = await t.pool.query('SELECT description, notes FROM transactions WHERE id = $1', [posted.transaction.id]);
      expect(row.rows[0]).toEqual({ description: '', notes: null });
      await expectLedgerInvariants(t.pool);
    } finally {
      posting.release();
    }
  });
});

/**
 * An account deletion stopped mid-erasure with the person's row locked, as one with much to erase
 * would be: the deletion locks the person's row first, and `held` holds a category row it erases.
 * COMMIT on `held` lets it go on; release `held` afterwards.
 */
async function deletionHeldMidErasure(token: string, categoryId: string) {
  const held = await t.pool.connect();
  await held.query('BEGIN');
  await held.query('SELECT 1 FROM categories WHERE id = $1 FOR UPDATE', [categoryId]);
  const deletion = t.app.inject({
    method: 'POST',
    url: '/api/privacy/delete-account',
    headers: { authorization: `Bearer ${token}` },
    payload: { password: PASSWORD },
  });
  await lockWaiters(t.pool);
  return { held, deletion };
}

describe('writes under way when the account is deleted', () => {
  it('wait for the deletion and are refused (401): nothing of the person is written after the erasure', async () => {
    const { token, user } = await registerUser(t.app);
    const client = clientFor(t.app, token);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
    const category = await client.category('expense', 'housing');
    const spent = expectStatus(
      await client.post('/api/transactions', {
        account_id: account.id,
        type: 'expense',
        amount_cents: 1_000,
        description: 'Consulta da Dra. Segredo',
      }),
      201,
    ).json().transaction;
    const { held, deletion } = await deletionHeldMidErasure(token, category);
    try {
      // Signed in before the deletion, from other tabs: each write reaches its insert.
      const writes = [
        client.post('/api/categories', { name: 'Terapia da Dra. Segredo', kind: 'expense' }),
        client.put(`/api/accounts/${account.id}/pix-key`, { key: '529.982.247-25' }),
        client.put('/api/notifications/preferences', { items: [{ kind: 'budget_alert', in_app: true, email: true }] }),
        client.post('/api/accounts', { name: 'Poupança da família Segredo', type: 'savings', initial_balance_cents: 500 }),
        // A reversal may post on archived accounts: it waits for the accounts' locks, not for the archiving.
        client.post(`/api/transactions/${spent.id}/reverse`),
      ];
      await lockWaiters(t.pool, 1 + writes.length);
      await held.query('COMMIT');
      expectStatus(await deletion, 204);
      for (const write of await Promise.all(writes)) {
        expectProblem(write, 401, 'unauthenticated');
        expect(write.headers['www-authenticate']).toBe('Bearer');
      }
    } finally {
      held.release();
    }
    for (const table of ['categories', 'pix_keys', 'notification_preferences']) {
      const left = await t.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [user.id]);
      expect(left.rows[0].n, table).toBe(0);
    }
    // The account and the expense the person had, anonymised; nothing new, nothing with their words.
    const accounts = await t.pool.query('SELECT name FROM accounts WHERE user_id = $1 AND type = $2', [user.id, 'savings']);
    expect(accounts.rowCount).toBe(0);
    const texts = await t.pool.query(
      `SELECT count(*)::int AS n FROM transactions WHERE user_id = $1 AND (description LIKE '%Segredo%' OR reverses_transaction_id IS NOT NULL)`,
      [user.id],
    );
    expect(texts.rows[0].n).toBe(0);
  });
});

describe('a job under way when the account is deleted', () => {
  it('budget_alert waits for the deletion, writes nothing of the person and does not fail', async () => {
    const { token, user } = await registerUser(t.app);
    const client = clientFor(t.app, token);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
    const food = await client.category('expense', 'food');
    const housing = await client.category('expense', 'housing');
    const month = calendarMonth(new Date());
    expectStatus(await client.put(`/api/budgets/${month}/${food}`, { limit_cents: 1_000 }), 201);
    expectStatus(
      await client.post('/api/transactions', {
        account_id: account.id,
        type: 'expense',
        amount_cents: 5_000,
        description: 'Feira',
        category_id: food,
      }),
      201,
    );
    const { held, deletion } = await deletionHeldMidErasure(token, housing);
    try {
      // The job read the budgets as committed (the deletion has not committed) and records the crossing.
      const run = runJobOnce(t.pool, budgetAlertJob, systemClock);
      await lockWaiters(t.pool, 2);
      await held.query('COMMIT');
      expectStatus(await deletion, 204);
      expect(await run).toMatchObject({ ran: true });
    } finally {
      held.release();
    }
    for (const table of ['budget_alerts', 'notifications', 'email_outbox']) {
      const left = await t.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [user.id]);
      expect(left.rows[0].n, table).toBe(0);
    }
  });
});

describe('export slots', () => {
  it('one export at a time per person: a second one waits its turn, another person does not', async () => {
    const first = await registerUser(t.app);
    const second = await registerUser(t.app);
    const privacy = new PrivacyService({ pool: t.pool, clock: systemClock, rateLimitKeysOf: () => [] });
    // A download nobody reads yet holds its slot (and its snapshot) until it ends.
    const held = await privacy.export(first.user.id, 'json');
    try {
      await expect(privacy.export(first.user.id, 'zip')).rejects.toMatchObject({ code: 'export_busy', status: 429 });
      const other = await privacy.export(second.user.id, 'json');
      other.stream.destroy();
    } finally {
      held.stream.destroy();
    }
    await new Promise((resolve) => setImmediate(resolve));
    const again = await privacy.export(first.user.id, 'json');
    again.stream.destroy();
  });

  it('a zip download ends only once its slot is free, so the same person can export again as soon as it arrives', async () => {
    const { user } = await registerUser(t.app);
    const privacy = new PrivacyService({ pool: t.pool, clock: systemClock, rateLimitKeysOf: () => [] });
    // An export is recorded after its last table is read; holding that insert back keeps any
    // cleanup that waits for the record waiting, as a slow database does.
    const blocker = new pg.Client({ connectionString: t.database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE privacy_requests IN SHARE MODE');
      const download = await privacy.export(user.id, 'zip');
      const reading = new Promise<void>((resolve, reject) => {
        download.stream.on('end', resolve);
        download.stream.on('error', reject);
      });
      download.stream.resume();
      await reading;
      // Asked for the moment the first arrived, while its record still waits.
      const again = await privacy.export(user.id, 'zip');
      again.stream.destroy();
    } finally {
      await blocker.query('COMMIT').catch(() => {});
      await blocker.end();
    }
  });

  it('a zip download cut short at once stops reading without an uncaught error (Vitest fails the run on one)', async () => {
    const { user } = await registerUser(t.app);
    const privacy = new PrivacyService({ pool: t.pool, clock: systemClock, rateLimitKeysOf: () => [] });
    const download = await privacy.export(user.id, 'zip');
    download.stream.destroy();
    // The page under way when the connection went back fails on its own time.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const again = await privacy.export(user.id, 'json');
    again.stream.destroy();
  });

  it('a download that takes longer than it may is cut, and its slot freed', async () => {
    const { user } = await registerUser(t.app);
    const privacy = new PrivacyService({ pool: t.pool, clock: systemClock, rateLimitKeysOf: () => [], exportDurationMs: 300 });
    // Nobody reads it: the socket's stall and the snapshot's idle timeouts are what a slow reader resets.
    const download = await privacy.export(user.id, 'zip');
    const closed = new Promise<unknown>((resolve) => download.stream.on('error', resolve));
    const cut = await Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve('still open'), 10_000))]);
    expect(String(cut)).toContain('the export took longer than it may');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = await privacy.export(user.id, 'json');
    again.stream.destroy();
  });

  it("a refusal for want of a slot does not spend one of the person's hourly exports", async () => {
    const { token } = await registerUser(t.app);
    const exportNow = () =>
      t.app.inject({ method: 'GET', url: '/api/privacy/export', headers: { authorization: `Bearer ${token}` } });
    // The last table an export reads, locked: the first export holds its slot while it waits.
    const blocker = new pg.Client({ connectionString: t.database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE card_payments IN ACCESS EXCLUSIVE MODE');
      const first = exportNow();
      await lockWaiters(t.pool);
      for (let attempt = 0; attempt < 10; attempt += 1) expectProblem(await exportNow(), 429, 'export_busy');
      await blocker.query('COMMIT');
      expectStatus(await first, 200);
    } finally {
      await blocker.query('ROLLBACK').catch(() => {});
      await blocker.end();
    }
    expectStatus(await exportNow(), 200);
  });

  it("refuses another site's link before counting it, so it cannot spend the person's exports", async () => {
    const { token } = await registerUser(t.app);
    const exportFrom = (site: string) =>
      t.app.inject({
        method: 'GET',
        url: '/api/privacy/export',
        headers: { authorization: `Bearer ${token}`, 'sec-fetch-site': site },
      });
    for (let attempt = 0; attempt < 12; attempt += 1) expectProblem(await exportFrom('cross-site'), 403, 'cross_site_request');
    expectProblem(await exportFrom('same-site'), 403, 'cross_site_request');
    expectStatus(await exportFrom('same-origin'), 200);
    expectStatus(await exportFrom('none'), 200);
  });
});
