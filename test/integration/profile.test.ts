import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createPool } from '../../src/db/pool.js';
import { AUTH_RATE_LIMITS_DEFAULT } from '../../src/modules/auth/auth.routes.js';
import { NAME_LENGTH_MAX, PASSWORD_LENGTH_MAX } from '../../src/modules/auth/auth.schemas.js';
import { bearer, clientFor, PASSWORD, registerUser, startTestApp, type TestApp, uniqueEmail } from '../helpers/app.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

/**
 * The profile routes (/api/me): name and language, e-mail with the password re-entered,
 * password change ending the other sessions. A second app instance with its own pool and
 * session cache stands for another API process on the same database.
 */
let t: TestApp;
let other: FastifyInstance;
let otherPool: pg.Pool;

const NEW_PASSWORD = 'outra-senha-forte-456';

beforeAll(async () => {
  t = await startTestApp();
  otherPool = createPool(t.database.url, { max: 3 });
  other = await buildApp({ config: t.config, pool: otherPool });
  await other.ready();
});
afterAll(async () => {
  await other?.close();
  await otherPool?.end();
  await t?.close();
});

async function login(app: FastifyInstance, email: string, password: string) {
  return app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
}

async function me(app: FastifyInstance, token: string) {
  return app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
}

/** Polls until check() holds: another process learns of a change when the database tells it. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not within ${timeoutMs} ms: ${what}`);
}

describe('GET and PATCH /api/me', () => {
  it('starts with no saved language, and saves the name and the language with row_version', async () => {
    const { token, user } = await registerUser(t.app, { name: 'Ana Antes' });
    const client = clientFor(t.app, token);
    const read = expectStatus(await client.get('/api/me'), 200).json();
    expect(read).toMatchObject({ id: user.id, name: 'Ana Antes', language: null, row_version: 1 });

    const renamed = expectStatus(await client.patch('/api/me', { name: '  Ana Depois ', row_version: 1 }), 200).json();
    expect(renamed).toMatchObject({ name: 'Ana Depois', language: null, row_version: 2 });
    const english = expectStatus(await client.patch('/api/me', { language: 'en', row_version: 2 }), 200).json();
    expect(english).toMatchObject({ name: 'Ana Depois', language: 'en', row_version: 3 });

    // A stale version is refused with the current person, and changes nothing.
    const stale = await client.patch('/api/me', { name: 'Ana Velha', row_version: 1 });
    expectProblem(stale, 409, 'row_version_conflict');
    expect(stale.json().current).toMatchObject({ name: 'Ana Depois', row_version: 3 });

    // Without row_version, the last choice wins (the header's language switch); null clears it.
    const cleared = expectStatus(await client.patch('/api/me', { language: null }), 200).json();
    expect(cleared).toMatchObject({ language: null, row_version: 4 });
    expect((await me(t.app, token)).json()).toMatchObject({ name: 'Ana Depois', language: null, row_version: 4 });
  });

  it('the saved language comes back with a sign-in on another device', async () => {
    const { token, user } = await registerUser(t.app);
    expectStatus(await clientFor(t.app, token).patch('/api/me', { language: 'en' }), 200);
    const elsewhere = expectStatus(await login(other, user.email, PASSWORD), 200).json();
    expect(elsewhere.user).toMatchObject({ id: user.id, language: 'en' });
  });

  it.each([
    ['an empty body', {}, 'body'],
    ['only row_version', { row_version: 1 }, 'body'],
    ['a blank name', { name: '   ' }, 'body/name'],
    ['an overlong name', { name: 'x'.repeat(NAME_LENGTH_MAX + 1) }, 'body/name'],
    ['an unknown language', { language: 'fr' }, 'body/language'],
    ['a NUL byte', { name: 'Ana\u0000' }, 'body/name'],
    ['a lone surrogate', { name: 'Ana\ud800' }, 'body/name'],
    ['an unknown field', { name: 'Ana', email: 'x@example.com' }, 'body'],
  ])('refuses %s with 400 and changes nothing', async (_label, payload, field) => {
    const { token } = await registerUser(t.app, { name: 'Ana Intacta' });
    const response = await clientFor(t.app, token).patch('/api/me', payload);
    expectProblem(response, 400, 'validation_failed');
    expect(JSON.stringify(response.json().errors)).toContain(field);
    expect((await me(t.app, token)).json()).toMatchObject({ name: 'Ana Intacta', row_version: 1 });
  });

  it('a name change reaches another process that had the person cached', async () => {
    const { token } = await registerUser(t.app, { name: 'Bia Antes' });
    expect((await me(other, token)).json().name).toBe('Bia Antes');
    expectStatus(await clientFor(t.app, token).patch('/api/me', { name: 'Bia Depois' }), 200);
    expect((await me(t.app, token)).json().name).toBe('Bia Depois');
    await eventually(async () => (await me(other, token)).json().name === 'Bia Depois', 'the other process shows the new name');
  });
});

describe('PUT /api/me/email', () => {
  it('moves the person to the normalised new e-mail when the password is right', async () => {
    const { token, user } = await registerUser(t.app);
    const next = uniqueEmail('Nova');
    const response = await clientFor(t.app, token).put('/api/me/email', {
      email: `  ${next.toUpperCase()} `,
      password: PASSWORD,
    });
    expect(expectStatus(response, 200).json()).toMatchObject({ id: user.id, email: next.toLowerCase(), row_version: 2 });
    expectStatus(await login(t.app, next, PASSWORD), 200);
    expectProblem(await login(t.app, user.email, PASSWORD), 401, 'invalid_credentials');
    // Sessions stay open: the caller's keeps working.
    expect((await me(t.app, token)).json().email).toBe(next.toLowerCase());
  });

  it('refuses a wrong password with 403 wrong_password and keeps the e-mail', async () => {
    const { token, user } = await registerUser(t.app);
    const response = await clientFor(t.app, token).put('/api/me/email', { email: uniqueEmail(), password: 'nao-e-a-senha-1' });
    expectProblem(response, 403, 'wrong_password');
    expect((await me(t.app, token)).json().email).toBe(user.email);
  });

  it("refuses another person's e-mail, whatever its case, with 409 email_taken as registration does", async () => {
    const taken = await registerUser(t.app);
    const { token, user } = await registerUser(t.app);
    const response = await clientFor(t.app, token).put('/api/me/email', {
      email: taken.user.email.toUpperCase(),
      password: PASSWORD,
    });
    expectProblem(response, 409, 'email_taken');
    expect((await me(t.app, token)).json().email).toBe(user.email);
  });

  it.each([
    ['a malformed e-mail', { email: 'sem-arroba', password: PASSWORD }],
    ['a NUL byte in the e-mail', { email: 'a\u0000@example.com', password: PASSWORD }],
    ['a lone surrogate in the password', { email: 'a@example.com', password: 'x\udc00' }],
    ['a huge password', { email: 'a@example.com', password: 'x'.repeat(PASSWORD_LENGTH_MAX + 1) }],
    ['a missing password', { email: 'a@example.com' }],
  ])('refuses %s with 400', async (_label, payload) => {
    const { token } = await registerUser(t.app);
    expectProblem(await clientFor(t.app, token).put('/api/me/email', payload), 400, 'validation_failed');
  });
});

describe('PUT /api/me/password', () => {
  it('changes the password, ends every other session in every process, and keeps this one', async () => {
    const { token, user } = await registerUser(t.app);
    const phone = expectStatus(await login(t.app, user.email, PASSWORD), 200).json().token as string;
    const laptop = expectStatus(await login(other, user.email, PASSWORD), 200).json().token as string;
    // Both processes hold the other sessions in their caches before the change.
    expectStatus(await me(t.app, phone), 200);
    expectStatus(await me(other, laptop), 200);

    const response = await clientFor(t.app, token).put('/api/me/password', {
      current_password: PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(expectStatus(response, 200).json()).toEqual({ other_sessions_ended: 2 });

    expectStatus(await me(t.app, token), 200);
    expectProblem(await me(t.app, phone), 401, 'unauthenticated');
    await eventually(async () => (await me(other, laptop)).statusCode === 401, 'the other process refuses the laptop');
    expectProblem(await login(t.app, user.email, PASSWORD), 401, 'invalid_credentials');
    expectStatus(await login(t.app, user.email, NEW_PASSWORD), 200);
  });

  it('a retry of a change already made answers success again and ends nothing more', async () => {
    const { token, user } = await registerUser(t.app);
    const body = { current_password: PASSWORD, new_password: NEW_PASSWORD };
    expectStatus(await clientFor(t.app, token).put('/api/me/password', body), 200);
    const later = expectStatus(await login(t.app, user.email, NEW_PASSWORD), 200).json().token as string;
    const retry = await clientFor(t.app, token).put('/api/me/password', body);
    expect(expectStatus(retry, 200).json()).toEqual({ other_sessions_ended: 0 });
    expectStatus(await me(t.app, later), 200);
  });

  it('refuses a wrong current password with 403 wrong_password, ending nothing', async () => {
    const { token, user } = await registerUser(t.app);
    const phone = expectStatus(await login(t.app, user.email, PASSWORD), 200).json().token as string;
    const response = await clientFor(t.app, token).put('/api/me/password', {
      current_password: 'nao-e-a-senha-1',
      new_password: NEW_PASSWORD,
    });
    expectProblem(response, 403, 'wrong_password');
    expectStatus(await me(t.app, phone), 200);
    expectStatus(await login(t.app, user.email, PASSWORD), 200);
  });

  it.each([
    ['a short new password', { new_password: 'curta123' }, 'validation_failed'],
    ['a common new password', { new_password: 'password123' }, 'validation_failed'],
    ['a blank new password', { new_password: ' '.repeat(12) }, 'validation_failed'],
    ['a NUL byte', { new_password: 'senha-nova-\u0000-123' }, 'validation_failed'],
    ['a huge new password', { new_password: 'x'.repeat(100_000) }, 'validation_failed'],
  ])('refuses %s with 400 under the registration policy', async (_label, override, code) => {
    const { token, user } = await registerUser(t.app);
    const response = await clientFor(t.app, token).put('/api/me/password', { current_password: PASSWORD, ...override });
    expectProblem(response, 400, code);
    expectStatus(await login(t.app, user.email, PASSWORD), 200);
  });
});

describe('isolation and authentication', () => {
  it('each change touches only the caller', async () => {
    const maria = await registerUser(t.app, { name: 'Maria Isolada' });
    const joao = await registerUser(t.app, { name: 'Joao Isolado' });
    const client = clientFor(t.app, joao.token);
    expectStatus(await client.patch('/api/me', { name: 'Joao Novo', language: 'en' }), 200);
    expectStatus(await client.put('/api/me/email', { email: uniqueEmail(), password: PASSWORD }), 200);
    expectStatus(await client.put('/api/me/password', { current_password: PASSWORD, new_password: NEW_PASSWORD }), 200);
    expect((await me(t.app, maria.token)).json()).toMatchObject({
      email: maria.user.email,
      name: 'Maria Isolada',
      language: null,
      row_version: 1,
    });
    expectStatus(await login(t.app, maria.user.email, PASSWORD), 200);
  });

  it.each([
    ['PATCH', '/api/me'],
    ['PUT', '/api/me/email'],
    ['PUT', '/api/me/password'],
  ] as const)('%s %s without a session is 401', async (method, url) => {
    const response = await t.app.inject({ method, url, payload: { name: 'x' } });
    expectProblem(response, 401, 'unauthenticated');
  });
});

describe('rate limits on re-entering the password', () => {
  const PER_PERSON_MAX = 3;
  let limited: FastifyInstance;
  beforeAll(async () => {
    limited = await buildApp({
      config: t.config,
      pool: t.pool,
      rateLimits: {
        ...AUTH_RATE_LIMITS_DEFAULT,
        per_ip: { max: 1_000, window_ms: 60_000 },
        per_network: { max: 1_000, window_ms: 60_000 },
        per_email: { max: PER_PERSON_MAX, window_ms: 60_000 },
      },
    });
    await limited.ready();
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('counts e-mail and password attempts together per person, then answers 429 even to the right password', async () => {
    const { token, user } = await registerUser(limited);
    const client = clientFor(limited, token);
    for (let attempt = 0; attempt < PER_PERSON_MAX; attempt += 1) {
      const guess = `palpite-errado-${attempt}`;
      const response =
        attempt % 2 === 0
          ? await client.put('/api/me/email', { email: uniqueEmail(), password: guess })
          : await client.put('/api/me/password', { current_password: guess, new_password: NEW_PASSWORD });
      expectProblem(response, 403, 'wrong_password');
    }
    const blocked = await client.put('/api/me/password', { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expectProblem(blocked, 429, 'rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // The guesses count against signing in with that e-mail too: a stolen session gets no extra ones.
    const login = await limited.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: PASSWORD },
    });
    expectProblem(login, 429, 'rate_limited');

    // Another person is not affected, and the name can still be changed.
    const someoneElse = await registerUser(limited);
    expectStatus(
      await clientFor(limited, someoneElse.token).put('/api/me/email', { email: uniqueEmail(), password: PASSWORD }),
      200,
    );
    expectStatus(await client.patch('/api/me', { name: 'Ainda Posso' }), 200);
  });
});
