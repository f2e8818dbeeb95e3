import type { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { emailRateLimitKeys } from '../../src/http/rate-limit.js';
import { accessLogCutoff, purgeOldAccessLog } from '../../src/jobs/purge-access-log.js';
import { fixedClock } from '../../src/lib/clock.js';
import { csvPage, jsonPage, LEDGER_ENTRIES_COLUMNS, purgeAccessLog } from '../../src/modules/privacy/privacy.repository.js';
import { type ExportPages, PrivacyService } from '../../src/modules/privacy/privacy.service.js';
import { PASSWORD, registerUser, signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';
import { unzip } from '../helpers/zip.js';

const NOW = '2026-12-01T15:00:00.000Z';
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock: fixedClock(NOW) });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
});
afterAll(async () => {
  await t?.close();
});

/** A person with two accounts, a formula-looking description, a refund and an expense. */
async function personWithMoney(name: string) {
  const person = await signedIn(t.app, name);
  const bank = await person.client.account({ name: `Banco de ${name}`, type: 'checking', initial_balance_cents: 10_000 });
  const food = await person.client.category('expense', 'food');
  expectStatus(
    await person.client.post('/api/transactions', {
      account_id: bank.id,
      type: 'expense',
      amount_cents: 500,
      description: '=HYPERLINK("http://mal.example")',
      category_id: food,
      occurred_on: '2026-11-20',
    }),
    201,
  );
  expectStatus(
    await person.client.post('/api/transactions', {
      account_id: bank.id,
      type: 'income',
      amount_cents: 1_234,
      description: `Salário, "${name}"`,
      occurred_on: '2026-11-25',
    }),
    201,
  );
  return { ...person, bankId: bank.id };
}

describe('GET /api/privacy/export', () => {
  it('answers 401 without a session, for the export and the deletion', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/api/privacy/export' }), 401, 'unauthenticated');
    expectProblem(
      await t.app.inject({ method: 'POST', url: '/api/privacy/delete-account', payload: { password: PASSWORD } }),
      401,
      'unauthenticated',
    );
  });

  it('downloads everything the person has as JSON, and nothing of anyone else', async () => {
    const ana = await personWithMoney('Ana');
    const bruno = await personWithMoney('Bruno');
    const response = expectStatus(await ana.client.get('/api/privacy/export'), 200);
    expect(response.headers['content-disposition']).toBe('attachment; filename="vai-de-pix-dados-2026-12-01.json"');
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json();
    expect(body.profile).toEqual([expect.objectContaining({ id: ana.user.id, email: ana.user.email, name: 'Ana' })]);
    expect(body.sessions.length).toBeGreaterThan(0);
    expect(Object.keys(body.sessions[0])).not.toContain('token_hash');
    expect(response.body).not.toMatch(/token_hash|password_hash/);
    expect(body.accounts.map((account: { name: string }) => account.name)).toContain('Banco de Ana');
    expect(body.transactions.map((row: { description: string }) => row.description)).toContain('Salário, "Ana"');
    expect(body.ledger_entries.map((row: { amount_cents: number }) => row.amount_cents)).toEqual([10_000, -500, 1_234]);
    expect(body.access_log).toEqual([expect.objectContaining({ ip: '127.0.0.1' })]);
    for (const section of ['categories', 'goals', 'budgets', 'recurring_rules', 'notifications', 'pix_keys', 'pix_charges']) {
      expect(Array.isArray(body[section]), section).toBe(true);
    }
    expect(response.body).not.toContain('Bruno');
    expect(response.body).not.toContain(bruno.user.id);
    expect(response.body).not.toContain(bruno.bankId);
  });

  it('downloads a ZIP of CSVs with a BOM, RFC 4180 quoting and formulas neutralised', async () => {
    const carla = await personWithMoney('Carla');
    await personWithMoney('Davi');
    const response = expectStatus(await carla.client.get('/api/privacy/export?format=zip'), 200);
    expect(response.headers['content-disposition']).toBe('attachment; filename="vai-de-pix-dados-2026-12-01.zip"');
    expect(response.headers['content-type']).toBe('application/zip');
    const files = await unzip(response.rawPayload);
    expect([...files.keys()]).toEqual(
      expect.arrayContaining(['profile.csv', 'transactions.csv', 'ledger_entries.csv', 'accounts.csv']),
    );
    for (const [name, content] of files) {
      expect(content.subarray(0, 3), name).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      expect(content.toString('utf8'), name).not.toContain('Davi');
    }
    const ledger = (files.get('ledger_entries.csv') ?? Buffer.alloc(0)).toString('utf8').slice(1).split('\r\n');
    expect(ledger[0]).toBe(LEDGER_ENTRIES_COLUMNS.join(','));
    expect(ledger[0]).toBe(
      'entry_id,transaction_id,account_id,account_name,occurred_on,kind,description,category_name,amount_cents,balance_after_cents,created_at',
    );
    const rows = ledger.slice(1).filter((line) => line !== '');
    expect(rows).toHaveLength(3);
    // Oldest first: the opening, the expense (a negative amount stays a plain number), the income.
    expect(rows[1]).toContain(`,2026-11-20,expense,"'=HYPERLINK(""http://mal.example"")",Alimentação,-500,9500,`);
    expect(rows[2]).toContain(',2026-11-25,income,"Salário, ""Carla""",,1234,10734,');
    // The file alone gives back each account's balance: what the app's own import preset relies on.
    const legs = parse((files.get('ledger_entries.csv') ?? Buffer.alloc(0)).toString('utf8'), {
      bom: true,
      columns: true,
    }) as Array<Record<string, string>>;
    const accounts = parse((files.get('accounts.csv') ?? Buffer.alloc(0)).toString('utf8'), {
      bom: true,
      columns: true,
    }) as Array<Record<string, string>>;
    const bank = accounts.find((account) => account.id === carla.bankId);
    const bankLegs = legs.filter((leg) => leg.account_id === carla.bankId);
    expect(bankLegs.reduce((sum, leg) => sum + Number(leg.amount_cents), 0)).toBe(Number(bank?.balance_cents));
    expect(bankLegs.at(-1)?.balance_after_cents).toBe(bank?.balance_cents);
    expect(bank?.balance_cents).toBe('10734');
    const transactions = (files.get('transactions.csv') ?? Buffer.alloc(0)).toString('utf8');
    expect(transactions).toContain(`"'=HYPERLINK(""http://mal.example"")"`);
    expect(transactions).not.toMatch(/(^|,)=HYPERLINK/m);
  });

  it('reads keyset pages of bounded size, one after another as the download is read', async () => {
    const eva = await personWithMoney('Eva');
    for (let index = 0; index < 6; index += 1) {
      expectStatus(
        await eva.client.post('/api/transactions', {
          account_id: eva.bankId,
          type: 'expense',
          amount_cents: 10 + index,
          description: `Compra ${index}`,
        }),
        201,
      );
    }
    const calls: Array<{ table: string; limit: number; rows: number }> = [];
    const pages: ExportPages = {
      jsonPage: async (client, spec, options) => {
        const rows = await jsonPage(client, spec, options);
        calls.push({ table: spec.from.split(' ')[0] ?? '', limit: options.limit, rows: rows.length });
        return rows;
      },
      csvPage,
    };
    const privacy = new PrivacyService({ pool: t.pool, clock: fixedClock(NOW), pageRows: 2, pages, rateLimitKeysOf: () => [] });
    const download = await privacy.export(eva.user.id, 'json');
    const stream: Readable = download.stream;
    const reader = stream[Symbol.asyncIterator]();
    const chunks: string[] = [];
    // Read up to the first page of transactions, then stop reading for a while.
    while (!chunks.join('').includes('"transactions":[')) chunks.push(String((await reader.next()).value));
    chunks.push(String((await reader.next()).value));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const transactionPagesWhilePaused = calls.filter((call) => call.table === 'transactions').length;
    for (let next = await reader.next(); !next.done; next = await reader.next()) chunks.push(String(next.value));
    const document = JSON.parse(chunks.join(''));

    expect(document.transactions).toHaveLength(9);
    expect(calls.every((call) => call.limit === 2 && call.rows <= 2)).toBe(true);
    // Nine transactions in pages of two: five queries, not one.
    expect(calls.filter((call) => call.table === 'transactions')).toHaveLength(5);
    // While the reader waited after the first page, at most a page or two more were read.
    expect(transactionPagesWhilePaused).toBeLessThanOrEqual(3);
  });

  it('limits exports per person', async () => {
    const fabio = await signedIn(t.app, 'Fábio');
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt += 1) statuses.push((await fabio.client.get('/api/privacy/export')).statusCode);
    expect(statuses.slice(0, 10).every((status) => status === 200)).toBe(true);
    expect(statuses[10]).toBe(429);
  });
});

describe('POST /api/privacy/delete-account', () => {
  it('refuses a wrong password with 403 wrong_password and changes nothing', async () => {
    const gil = await personWithMoney('Gil');
    expectProblem(await gil.client.post('/api/privacy/delete-account', { password: 'errada-123456' }), 403, 'wrong_password');
    expect((await gil.client.get('/api/me')).json()).toMatchObject({ name: 'Gil', email: gil.user.email });
    expect(
      (await t.pool.query('SELECT 1 FROM privacy_requests WHERE user_id = $1 AND kind = $2', [gil.user.id, 'deletion'])).rowCount,
    ).toBe(0);
  });

  it('erases the person, ends every session, clears the cookie; the e-mail can register again', async () => {
    const helena = await personWithMoney('Helena');
    const email = helena.user.email;
    const other = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD } });
    const otherToken = expectStatus(other, 200).json().token;

    const response = expectStatus(await helena.client.post('/api/privacy/delete-account', { password: PASSWORD }), 204);
    // Checked first: the sign-in attempt below counts in a fresh row of its own.
    expect((await t.pool.query('SELECT 1 FROM rate_limits WHERE key = ANY ($1)', [emailRateLimitKeys(email)])).rowCount).toBe(0);
    expect(String(response.headers['set-cookie'])).toMatch(/vdp_session=;.*(Expires=Thu, 01 Jan 1970|Max-Age=0)/);
    expectProblem(await helena.client.get('/api/me'), 401, 'unauthenticated');
    expectProblem(
      await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${otherToken}` } }),
      401,
      'unauthenticated',
    );
    expectProblem(
      await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD } }),
      401,
      'invalid_credentials',
    );
    const [row] = (await t.pool.query('SELECT email, name, deleted_at FROM users WHERE id = $1', [helena.user.id])).rows;
    expect(row.email).toBe(`deleted-${helena.user.id}@deleted.invalid`);
    expect(row.name).not.toContain('Helena');
    expect(row.deleted_at).not.toBeNull();
    expect((await t.pool.query('SELECT 1 FROM sessions WHERE user_id = $1', [helena.user.id])).rowCount).toBe(0);
    const requests = await t.pool.query('SELECT kind, completed_at FROM privacy_requests WHERE user_id = $1 AND kind = $2', [
      helena.user.id,
      'deletion',
    ]);
    expect(requests.rows).toEqual([{ kind: 'deletion', completed_at: expect.any(Date) }]);
    // The books: the entries are all still there, the descriptions are not.
    const described = await t.pool.query(`SELECT 1 FROM transactions WHERE user_id = $1 AND description <> ''`, [helena.user.id]);
    expect(described.rowCount).toBe(0);
    expect((await t.pool.query('SELECT 1 FROM ledger_entries WHERE user_id = $1', [helena.user.id])).rowCount).toBe(6);

    const again = await registerUser(t.app, { email, name: 'Helena de novo' });
    expect(again.user.id).not.toBe(helena.user.id);
  });

  it('a double click deletes once and both clicks succeed or find the session gone', async () => {
    const igor = await personWithMoney('Igor');
    const answers = await Promise.all([
      igor.client.post('/api/privacy/delete-account', { password: PASSWORD }),
      igor.client.post('/api/privacy/delete-account', { password: PASSWORD }),
    ]);
    const statuses = answers.map((answer) => answer.statusCode).sort();
    expect(statuses[0]).toBe(204);
    expect([204, 401]).toContain(statuses[1]);
    const deletions = await t.pool.query('SELECT 1 FROM privacy_requests WHERE user_id = $1 AND kind = $2', [
      igor.user.id,
      'deletion',
    ]);
    expect(deletions.rowCount).toBe(1);
    expectProblem(await igor.client.post('/api/privacy/delete-account', { password: PASSWORD }), 401, 'unauthenticated');
  });

  it('a failure in the middle leaves the account exactly as it was', async () => {
    const julia = await personWithMoney('Julia');
    expectStatus(await julia.client.put(`/api/accounts/${julia.bankId}/pix-key`, { key: 'julia@example.com' }), 200);
    // Rows in tables erased before the Pix keys, which a deletion that is not one transaction would lose.
    expectStatus(
      await julia.client.put('/api/notifications/preferences', { items: [{ kind: 'budget_alert', in_app: true, email: true }] }),
      200,
    );
    expectStatus(
      await julia.client.post(
        '/api/transactions',
        { account_id: julia.bankId, type: 'expense', amount_cents: 5, description: 'Chave' },
        { 'idempotency-key': 'julia-1' },
      ),
      201,
    );
    const erasedEarly = `SELECT (SELECT count(*) FROM notification_preferences WHERE user_id = $1)::int AS preferences,
                                (SELECT count(*) FROM idempotency_keys WHERE user_id = $1)::int AS keys`;
    const before = (await t.pool.query(erasedEarly, [julia.user.id])).rows[0];
    expect(before).toEqual({ preferences: 1, keys: 1 });
    // Pix keys are erased after the transactions are anonymised and before the profile: a failure in the middle.
    await t.pool.query(`
      CREATE FUNCTION privacy_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'simulated crash'; END; $$;
      CREATE TRIGGER privacy_test_refuse BEFORE DELETE ON pix_keys FOR EACH ROW EXECUTE FUNCTION privacy_test_refuse();`);
    try {
      expectStatus(await julia.client.post('/api/privacy/delete-account', { password: PASSWORD }), 500);
    } finally {
      await t.pool.query('DROP TRIGGER privacy_test_refuse ON pix_keys; DROP FUNCTION privacy_test_refuse()');
    }
    expect((await julia.client.get('/api/me')).json()).toMatchObject({ name: 'Julia', email: julia.user.email });
    const descriptions = await t.pool.query('SELECT description FROM transactions WHERE user_id = $1 ORDER BY occurred_on', [
      julia.user.id,
    ]);
    expect(descriptions.rows.map((row) => row.description)).toContain('Salário, "Julia"');
    expect((await t.pool.query('SELECT 1 FROM sessions WHERE user_id = $1', [julia.user.id])).rowCount).toBe(1);
    expect((await t.pool.query(erasedEarly, [julia.user.id])).rows[0]).toEqual(before);
    expect((await t.pool.query('SELECT 1 FROM privacy_requests WHERE user_id = $1', [julia.user.id])).rowCount).toBe(0);
    expectStatus(await julia.client.post('/api/privacy/delete-account', { password: PASSWORD }), 204);
  });
});

describe('access log (Marco Civil art. 15)', () => {
  it('records each sign-in and the purge deletes only rows older than six months, in bounded batches', async () => {
    const karla = await signedIn(t.app, 'Karla');
    const now = new Date(NOW);
    const cutoff = accessLogCutoff(now);
    expect(cutoff.toISOString()).toBe('2026-06-01T15:00:00.000Z');
    await t.pool.query(
      `INSERT INTO access_log (user_id, ip, at)
       SELECT $1, '203.0.113.7', $2::timestamptz - make_interval(days => n) FROM generate_series(1, 5) n`,
      [karla.user.id, cutoff],
    );
    await t.pool.query(
      `INSERT INTO access_log (user_id, ip, at) VALUES ($1, '203.0.113.8', $2::timestamptz + interval '1 day')`,
      [karla.user.id, cutoff],
    );
    expect(await purgeAccessLog(t.pool, { before: cutoff, batchMax: 2 })).toBe(2);
    expect(await purgeOldAccessLog(t.pool, now)).toBe(3);
    const left = await t.pool.query<{ ip: string }>('SELECT host(ip) AS ip FROM access_log WHERE user_id = $1 ORDER BY at', [
      karla.user.id,
    ]);
    expect(left.rows.map((row) => row.ip)).toEqual(['203.0.113.8', '127.0.0.1']);
  });
});
