import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeSessionsJob, SESSION_REVOKED_RETENTION_MS } from '../../src/jobs/purge-sessions.js';
import { runJobOnce } from '../../src/jobs/scheduler.js';
import { fixedClock } from '../../src/lib/clock.js';
import { hashToken } from '../../src/lib/ids.js';
import { AuthRepository } from '../../src/modules/auth/auth.repository.js';
import { AuthService, SESSION_TOUCH_INTERVAL_MS } from '../../src/modules/auth/auth.service.js';
import { COMMON_PASSWORDS_FILE, loadCommonPasswords } from '../../src/modules/auth/password-policy.js';
import { bearer, PASSWORD, registerUser, startTestApp, type TestApp, uniqueEmail } from '../helpers/app.js';

const clock = fixedClock('2026-03-10T12:00:00Z');
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '2' } });
});
afterAll(async () => {
  await t?.close();
});

function expectProblem(
  response: { statusCode: number; headers: Record<string, unknown>; json(): any },
  status: number,
  code: string,
) {
  expect(response.statusCode).toBe(status);
  expect(String(response.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = response.json();
  expect(body).toMatchObject({ status, code, type: `urn:vai-de-pix:problem:${code}` });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body;
}

describe('register', () => {
  it('creates a person, normalises the e-mail, hashes the password and opens a session', async () => {
    const email = uniqueEmail('Registro');
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: `  ${email.toUpperCase()} `, password: PASSWORD, name: '  Ana Souza ' },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.user).toMatchObject({ email: email.toLowerCase(), name: 'Ana Souza', created_at: '2026-03-10T12:00:00.000Z' });
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.expires_at).toBe('2026-03-10T14:00:00.000Z');

    const stored = await t.pool.query('SELECT password_hash FROM users WHERE id = $1', [body.user.id]);
    expect(stored.rows[0].password_hash).toMatch(/^\$argon2id\$/);
    expect(stored.rows[0].password_hash).not.toContain(PASSWORD);

    const sessions = await t.pool.query('SELECT token_hash FROM sessions WHERE user_id = $1', [body.user.id]);
    expect(sessions.rows).toHaveLength(1);
    expect(Buffer.compare(sessions.rows[0].token_hash, hashToken(body.token))).toBe(0);

    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toContain(`vdp_session=${body.token}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
  });

  it('refuses a taken e-mail whatever its case, with 409 email_taken', async () => {
    const email = uniqueEmail();
    await registerUser(t.app, { email });
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: email.toUpperCase(), password: PASSWORD, name: 'Outra' },
    });
    expectProblem(response, 409, 'email_taken');
    const count = await t.pool.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]);
    expect(count.rows[0].n).toBe(1);
  });

  it.each([
    ['a short password', { password: 'curta123' }, 'body/password'],
    ['an overlong password', { password: 'x'.repeat(257) }, 'body/password'],
    ['a malformed e-mail', { email: 'sem-arroba' }, 'body/email'],
    ['a blank name', { name: '   ' }, 'body/name'],
    ['an e-mail longer than the column allows once trimmed', { email: `${'a'.repeat(250)}@example.com` }, 'body/email'],
    ['an unknown field', { is_admin: true }, 'body/is_admin'],
  ])('refuses %s with 400 naming the field, and writes nothing', async (_label, change, field) => {
    const before = await t.pool.query('SELECT count(*)::int AS n FROM users');
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: uniqueEmail(), password: PASSWORD, name: 'Nome', ...change },
    });
    const body = expectProblem(response, 400, 'validation_failed');
    expect(body.errors.map((error: { field: string }) => error.field)).toContain(field);
    const after = await t.pool.query('SELECT count(*)::int AS n FROM users');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  // Validation stops at the first error, so a hostile body costs no more than one check.
  it('names the first missing field', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: {} });
    const body = expectProblem(response, 400, 'validation_failed');
    expect(body.errors).toEqual([{ field: 'body/email', message: "must have required property 'email'", code: 'required' }]);
  });
});

describe('login', () => {
  it('opens a new session with the right password, any e-mail case', async () => {
    const email = uniqueEmail();
    const registered = await registerUser(t.app, { email });
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: ` ${email.toUpperCase()}`, password: PASSWORD },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.user.id).toBe(registered.user.id);
    expect(body.token).not.toBe(registered.token);
    expect(String(response.headers['set-cookie'])).toContain(`vdp_session=${body.token}`);
  });

  it('answers a wrong password and an unknown e-mail with the same 401', async () => {
    const email = uniqueEmail();
    await registerUser(t.app, { email });
    const wrongPassword = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password: 'errada-123456' },
    });
    const unknownEmail = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: uniqueEmail('ninguem'), password: PASSWORD },
    });
    const first = expectProblem(wrongPassword, 401, 'invalid_credentials');
    const second = expectProblem(unknownEmail, 401, 'invalid_credentials');
    expect({ ...first, request_id: undefined }).toEqual({ ...second, request_id: undefined });
    expect(wrongPassword.headers['set-cookie']).toBeUndefined();
  });
});

describe('sessions', () => {
  it('GET /api/me answers with the bearer token and with the cookie', async () => {
    const { token, cookie, user } = await registerUser(t.app, { name: 'Joana' });
    const viaBearer = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
    expect(viaBearer.statusCode).toBe(200);
    expect(viaBearer.json()).toEqual({
      id: user.id,
      email: user.email,
      name: 'Joana',
      language: null,
      row_version: 1,
      created_at: '2026-03-10T12:00:00.000Z',
      // Not the first person of this database (other tests registered before), not in ADMIN_EMAILS.
      is_operator: expect.any(Boolean),
      // Registered without the versions of the terms and the privacy policy: both still to accept.
      pending_consents: ['terms', 'privacy'],
    });
    const viaCookie = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
    expect(viaCookie.statusCode).toBe(200);
    expect(viaCookie.json().id).toBe(user.id);
  });

  it.each([
    ['no credentials', {}],
    ['an unknown token', bearer('A'.repeat(43))],
    ['a malformed header', { authorization: 'Basic abc' }],
    ['an overlong token', bearer('A'.repeat(500))],
    ['an unknown cookie', { cookie: 'vdp_session=nope' }],
  ])('GET /api/me with %s is 401 unauthenticated', async (_label, headers) => {
    const response = await t.app.inject({ method: 'GET', url: '/api/me', headers });
    expectProblem(response, 401, 'unauthenticated');
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('a token stops working once it expires', async () => {
    const { token } = await registerUser(t.app);
    clock.advance(2 * 3_600_000 - 1_000);
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })).statusCode).toBe(200);
    clock.advance(2_000);
    const expired = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
    expectProblem(expired, 401, 'unauthenticated');
    clock.set('2026-03-10T12:00:00Z');
  });

  it('logout ends only that session and clears the cookie', async () => {
    const email = uniqueEmail();
    const first = await registerUser(t.app, { email });
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD } });
    const second = login.json().token as string;

    const logout = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(first.token) });
    expect(logout.statusCode).toBe(204);
    expect(logout.body).toBe('');
    expect(String(logout.headers['set-cookie'])).toMatch(/vdp_session=;.*Expires=Thu, 01 Jan 1970/);

    expectProblem(await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(first.token) }), 401, 'unauthenticated');
    expectProblem(
      await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(first.token) }),
      401,
      'unauthenticated',
    );
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(second) })).statusCode).toBe(200);
  });
});

describe('CSRF defence', () => {
  it('refuses a cookie-authenticated change without the X-Requested-With header', async () => {
    const { cookie, token } = await registerUser(t.app);
    const refused = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
    expectProblem(refused, 403, 'csrf_failed');
    // The session survived the forged request.
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })).statusCode).toBe(200);

    const allowed = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie, 'x-requested-with': 'vai-de-pix' },
    });
    expect(allowed.statusCode).toBe(204);
  });

  it('refuses any unsafe request whose Origin is another site', async () => {
    const { cookie } = await registerUser(t.app);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie, 'x-requested-with': 'x', origin: 'https://evil.example', host: 'localhost:3000' },
    });
    expectProblem(response, 403, 'csrf_failed');
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { origin: 'https://evil.example', host: 'localhost:3000' },
      payload: { email: uniqueEmail(), password: PASSWORD },
    });
    expectProblem(login, 403, 'csrf_failed');
  });

  it('accepts a same-origin request', async () => {
    const { cookie } = await registerUser(t.app);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie, 'x-requested-with': 'x', origin: 'http://localhost:3000', host: 'localhost:3000' },
    });
    expect(response.statusCode).toBe(204);
  });

  it('does not apply to bearer-token clients, which browsers never send on their own', async () => {
    const { token } = await registerUser(t.app);
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(token) });
    expect(response.statusCode).toBe(204);
  });
});

describe('new passwords', () => {
  it.each([
    ['only spaces', ' '.repeat(12), 'password_blank'],
    ['only tabs and newlines', '\t\t\t\t\t\n\n\n\n\n', 'password_blank'],
    ['a common password', 'password123', 'password_common'],
    ['a common password in another case, padded with spaces', '  PassWord123  ', 'password_common'],
    ['a keyboard walk from the list', '1q2w3e4r5t', 'password_common'],
  ])('refuses %s with 400 naming the field and the reason, and writes nothing', async (_label, password, code) => {
    const email = uniqueEmail();
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email, password, name: 'Nome' },
    });
    const body = expectProblem(response, 400, 'validation_failed');
    expect(body.errors).toEqual([{ field: 'body/password', code, message: expect.any(String) }]);
    const count = await t.pool.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]);
    expect(count.rows[0].n).toBe(0);
  });

  it('names a blank name and a common password in one answer', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: uniqueEmail(), password: 'qwertyuiop', name: '   ' },
    });
    const body = expectProblem(response, 400, 'validation_failed');
    expect(body.errors.map((error: { code: string }) => error.code).sort()).toEqual(['blank', 'password_common']);
  });

  it('ships a list of a few thousand entries whose first line names its source and licence', () => {
    const firstLine = readFileSync(COMMON_PASSWORDS_FILE, 'utf8').split('\n')[0] ?? '';
    expect(firstLine).toMatch(/^# .*@zxcvbn-ts\/language-common.*MIT/);
    const list = loadCommonPasswords();
    expect(list.size).toBeGreaterThan(2_000);
    expect(list.size).toBeLessThan(10_000);
    expect(list.has(firstLine.toLowerCase())).toBe(false);
  });

  it('does not hold the passwords the tests, browser tests and benchmark register with', () => {
    const declared = (file: string, name: string) => {
      const match = new RegExp(`${name} = '([^']+)'`).exec(readFileSync(file, 'utf8'));
      if (!match?.[1]) throw new Error(`no ${name} in ${file}`);
      return match[1];
    };
    const used = [
      PASSWORD,
      declared('test/e2e/support.ts', 'PASSWORD'),
      declared('bench/support.ts', 'BENCH_PASSWORD'),
      declared('bench/scale.ts', 'BENCH_PASSWORD'),
      declared('bench/first-load.ts', 'BENCH_PASSWORD'),
    ];
    for (const password of used) expect(loadCommonPasswords().has(password.trim().toLowerCase()), password).toBe(false);
  });
});

describe('register with an e-mail that is taken', () => {
  it('hashes the password exactly as for a new account before answering 409', async () => {
    const hashed: string[] = [];
    const service = new AuthService({
      repository: new AuthRepository(t.pool),
      clock,
      sessionTtlHours: 2,
      sessionIdleHours: 1,
      hashPassword: async (password) => {
        hashed.push(password);
        return `not-a-real-hash-${hashed.length}`;
      },
    });
    const email = uniqueEmail();
    await service.register({ email, password: PASSWORD, name: 'Primeira' });
    expect(hashed).toEqual([PASSWORD]);
    await expect(service.register({ email, password: 'outra-senha-456', name: 'Segunda' })).rejects.toMatchObject({
      code: 'email_taken',
      status: 409,
    });
    // The second, refused registration cost one hash too: the answer took the same work.
    expect(hashed).toEqual([PASSWORD, 'outra-senha-456']);
  });
});

describe('sign out everywhere', () => {
  it('ends every session of the person at once, this one included, clears the cookie, and leaves others alone', async () => {
    const email = uniqueEmail();
    const first = await registerUser(t.app, { email });
    const login = async () =>
      (await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD } })).json()
        .token as string;
    const second = await login();
    const third = await login();
    const stranger = await registerUser(t.app);
    for (const token of [first.token, second, third]) {
      expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })).statusCode).toBe(200);
    }

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout-all',
      headers: { cookie: first.cookie, 'x-requested-with': 'vai-de-pix' },
    });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(String(response.headers['set-cookie'])).toMatch(/vdp_session=;.*Expires=Thu, 01 Jan 1970/);
    for (const token of [first.token, second, third]) {
      expectProblem(await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) }), 401, 'unauthenticated');
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(stranger.token) })).statusCode).toBe(200);
  });

  it('needs a session, and the CSRF header when the session comes from a cookie', async () => {
    expectProblem(await t.app.inject({ method: 'POST', url: '/api/auth/logout-all' }), 401, 'unauthenticated');
    const { cookie, token } = await registerUser(t.app);
    expectProblem(await t.app.inject({ method: 'POST', url: '/api/auth/logout-all', headers: { cookie } }), 403, 'csrf_failed');
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })).statusCode).toBe(200);
  });
});

describe('idle sessions', () => {
  const idleClock = fixedClock('2026-05-04T09:00:00Z');
  let idle: TestApp;
  beforeAll(async () => {
    idle = await startTestApp({ clock: idleClock, env: { SESSION_IDLE_HOURS: '1', SESSION_TTL_HOURS: '24' } });
  });
  afterAll(async () => {
    await idle?.close();
  });
  const me = (token: string) => idle.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
  const lastSeen = async (token: string) =>
    (
      await idle.pool.query<{ last_seen_at: Date }>('SELECT last_seen_at FROM sessions WHERE token_hash = $1', [hashToken(token)])
    ).rows[0]?.last_seen_at.toISOString();

  it('a session unused for SESSION_IDLE_HOURS ends, long before its expiry', async () => {
    idleClock.set('2026-05-04T09:00:00Z');
    const { token } = await registerUser(idle.app);
    idleClock.advance(3_600_000 - 1_000);
    expect((await me(token)).statusCode).toBe(200);
    // That request was the first in nearly an hour, so it counted as use.
    idleClock.advance(3_600_000 - 1_000);
    expect((await me(token)).statusCode).toBe(200);
    idleClock.advance(3_600_000);
    expectProblem(await me(token), 401, 'unauthenticated');
  });

  it('records use at most once per touch interval, so most requests write nothing', async () => {
    idleClock.set('2026-05-04T09:00:00Z');
    const { token } = await registerUser(idle.app);
    expect(await lastSeen(token)).toBe('2026-05-04T09:00:00.000Z');
    idleClock.advance(SESSION_TOUCH_INTERVAL_MS - 60_000);
    expect((await me(token)).statusCode).toBe(200);
    expect(await lastSeen(token)).toBe('2026-05-04T09:00:00.000Z');
    idleClock.advance(60_000);
    expect((await me(token)).statusCode).toBe(200);
    expect(await lastSeen(token)).toBe('2026-05-04T09:10:00.000Z');
  });
});

describe('session purge job', () => {
  it('deletes expired, idle and long-revoked sessions, keeps the rest, and a second run finds nothing', async () => {
    const purgeClock = fixedClock('2026-06-01T12:00:00Z');
    const { user, token } = await registerUser(t.app);
    const insert = (label: string, fields: { created: string; expires: string; seen: string; revoked?: string }) =>
      t.pool.query(
        `INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at, revoked_at)
         VALUES (gen_random_uuid(), $1, sha256($2::bytea), $3, $4, $5, $6)`,
        [user.id, Buffer.from(label), fields.created, fields.expires, fields.seen, fields.revoked ?? null],
      );
    const day = (date: string) => `2026-${date}T12:00:00Z`;
    await insert('live', { created: day('05-31'), expires: day('06-30'), seen: day('06-01') });
    await insert('expired', { created: day('05-01'), expires: day('06-01'), seen: day('05-31') });
    await insert('idle', { created: day('05-20'), expires: day('06-19'), seen: day('05-29') });
    await insert('revoked-recently', { created: day('05-20'), expires: day('06-19'), seen: day('05-30'), revoked: day('05-30') });
    await insert('revoked-long-ago', { created: day('04-01'), expires: day('06-19'), seen: day('04-20'), revoked: day('04-20') });
    expect(new Date(day('06-01')).getTime() - new Date(day('04-20')).getTime()).toBeGreaterThan(SESSION_REVOKED_RETENTION_MS);

    const job = purgeSessionsJob({ sessionIdleHours: 72 });
    const outcomes = await Promise.all([1, 2, 3].map(() => runJobOnce(t.pool, job, purgeClock)));
    const affected = outcomes.reduce((sum, outcome) => sum + (outcome.ran ? outcome.affected : 0), 0);
    const left = await t.pool.query<{ label: string }>(
      `SELECT convert_from(l.label, 'UTF8') AS label FROM sessions s
         JOIN unnest($2::bytea[]) AS l (label) ON s.token_hash = sha256(l.label)
        WHERE s.user_id = $1 ORDER BY 1`,
      [user.id, ['live', 'expired', 'idle', 'revoked-recently', 'revoked-long-ago'].map((label) => Buffer.from(label))],
    );
    expect(left.rows.map((row) => row.label)).toEqual(['live', 'revoked-recently']);
    // The person's registration session (opened 2026-03-10, two-hour TTL) was expired
    // too, as were the other tests' sessions in this database.
    expect(affected).toBeGreaterThanOrEqual(4);
    expect(await t.pool.query('SELECT 1 FROM sessions WHERE token_hash = $1', [hashToken(token)])).toHaveProperty('rowCount', 0);
    const again = await runJobOnce(t.pool, job, purgeClock);
    expect(again).toEqual({ ran: true, affected: 0 });
  });
});
