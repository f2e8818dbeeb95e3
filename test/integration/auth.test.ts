import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { hashToken } from '../../src/lib/ids.js';
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
    expect(viaBearer.json()).toEqual({ id: user.id, email: user.email, name: 'Joana', created_at: '2026-03-10T12:00:00.000Z' });
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
