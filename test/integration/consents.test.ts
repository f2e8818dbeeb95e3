import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { PRIVACY_POLICY_VERSION, TERMS_VERSION } from '../../src/modules/privacy/consents.js';
import { PRIVACY_TABLES } from '../../src/modules/privacy/privacy.repository.js';
import { clientFor, PASSWORD, registerUser, startTestApp, type TestApp, uniqueEmail } from '../helpers/app.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

const clock = fixedClock('2026-12-01T12:00:00Z');
const CURRENT = { accepted_terms_version: TERMS_VERSION, accepted_privacy_version: PRIVACY_POLICY_VERSION };
const NEXT_TERMS_VERSION = '2027-03-01';

let t: TestApp;
/** The same database, after a new version of the terms was published. */
let bumped: FastifyInstance;

beforeAll(async () => {
  t = await startTestApp({ clock });
  bumped = await buildApp({
    config: t.config,
    pool: t.pool,
    clock,
    consentVersions: { terms: NEXT_TERMS_VERSION, privacy: PRIVACY_POLICY_VERSION },
  });
  await bumped.ready();
});
afterAll(async () => {
  await bumped?.close();
  await t?.close();
});

async function register(app: FastifyInstance, extra: Record<string, unknown> = {}) {
  return app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email: uniqueEmail(), password: PASSWORD, name: 'Ana Souza', ...extra },
  });
}

async function consentRows(userId: string) {
  const result = await t.pool.query('SELECT document, version, accepted_at FROM consents WHERE user_id = $1 ORDER BY document', [
    userId,
  ]);
  return result.rows;
}

describe('consent log', () => {
  it('a registration with the current versions records both with the person, and nothing is pending', async () => {
    const response = expectStatus(await register(t.app, CURRENT), 201);
    const { user, token } = response.json();
    expect(user.pending_consents).toEqual([]);
    expect(await consentRows(user.id)).toEqual([
      { document: 'privacy', version: PRIVACY_POLICY_VERSION, accepted_at: new Date('2026-12-01T12:00:00Z') },
      { document: 'terms', version: TERMS_VERSION, accepted_at: new Date('2026-12-01T12:00:00Z') },
    ]);
    const client = clientFor(t.app, token);
    expect((await client.get('/api/me')).json().pending_consents).toEqual([]);
    expect(expectStatus(await client.get('/api/privacy/consents'), 200).json()).toEqual({
      items: [
        { document: expect.any(String), version: expect.any(String), accepted_at: '2026-12-01T12:00:00.000Z' },
        { document: expect.any(String), version: expect.any(String), accepted_at: '2026-12-01T12:00:00.000Z' },
      ],
      current: { terms: TERMS_VERSION, privacy: PRIVACY_POLICY_VERSION },
      pending: [],
    });
  });

  it('a registration without versions still works, records nothing, and both documents are pending', async () => {
    const { user, token } = expectStatus(await register(t.app), 201).json();
    expect(user.pending_consents).toEqual(['terms', 'privacy']);
    expect(await consentRows(user.id)).toEqual([]);
    expect((await clientFor(t.app, token).get('/api/me')).json().pending_consents).toEqual(['terms', 'privacy']);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: PASSWORD },
    });
    expect(expectStatus(login, 200).json().user.pending_consents).toEqual(['terms', 'privacy']);
  });

  it('a registration with a stale version is 422 and creates neither the person nor a consent', async () => {
    const email = uniqueEmail('stale');
    const before = (await t.pool.query('SELECT count(*)::int AS n FROM consents')).rows[0].n;
    expectProblem(
      await register(t.app, { email, accepted_terms_version: '2020-01-01', accepted_privacy_version: PRIVACY_POLICY_VERSION }),
      422,
      'consent_version_not_current',
    );
    expect((await t.pool.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email])).rows[0].n).toBe(0);
    expect((await t.pool.query('SELECT count(*)::int AS n FROM consents')).rows[0].n).toBe(before);
  });

  it('the consents are written in the transaction that creates the person: when they cannot be, no person is left', async () => {
    // A trigger refuses this one version, so the consent fails after the person's row was inserted.
    const refused = '2099-01-01';
    await t.pool.query(`CREATE FUNCTION test_refuse_consent() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.version = '${refused}' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END; $$`);
    await t.pool.query(
      'CREATE TRIGGER test_refuse_consent BEFORE INSERT ON consents FOR EACH ROW EXECUTE FUNCTION test_refuse_consent()',
    );
    const broken = await buildApp({
      config: t.config,
      pool: t.pool,
      clock,
      consentVersions: { terms: refused, privacy: PRIVACY_POLICY_VERSION },
    });
    try {
      const email = uniqueEmail('atomic');
      const response = await broken.inject({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email, password: PASSWORD, name: 'Ana Souza', accepted_terms_version: refused },
      });
      expect(response.statusCode, response.body).toBe(500);
      expect((await t.pool.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email])).rows[0].n).toBe(0);
    } finally {
      await broken.close();
      await t.pool.query('DROP TRIGGER test_refuse_consent ON consents');
      await t.pool.query('DROP FUNCTION test_refuse_consent()');
    }
  });

  it('a new version of the terms is pending at the next sign-in, and accepting it clears it', async () => {
    const { user } = expectStatus(await register(t.app, CURRENT), 201).json();
    const login = await bumped.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: PASSWORD },
    });
    const { token } = expectStatus(login, 200).json();
    expect(login.json().user.pending_consents).toEqual(['terms']);
    const client = clientFor(bumped, token);
    expect((await client.get('/api/me')).json().pending_consents).toEqual(['terms']);
    // The old version is no longer acceptable.
    expectProblem(
      await client.post('/api/privacy/consents', { document: 'terms', version: TERMS_VERSION }),
      422,
      'consent_version_not_current',
    );

    clock.set('2026-12-01T12:05:00Z');
    const accepted = expectStatus(
      await client.post('/api/privacy/consents', { document: 'terms', version: NEXT_TERMS_VERSION }),
      201,
    );
    expect(accepted.json().pending).toEqual([]);
    expect(accepted.json().current).toEqual({ terms: NEXT_TERMS_VERSION, privacy: PRIVACY_POLICY_VERSION });
    // The old acceptance stays in the history: a new acceptance is a new row, newest first.
    expect(accepted.json().items[0]).toEqual({
      document: 'terms',
      version: NEXT_TERMS_VERSION,
      accepted_at: '2026-12-01T12:05:00.000Z',
    });
    expect(accepted.json().items).toHaveLength(3);
    expect((await client.get('/api/me')).json().pending_consents).toEqual([]);
    clock.set('2026-12-01T12:00:00Z');
  });

  it('POST records an acceptance; the same Idempotency-Key replays it; accepting again adds no row', async () => {
    const { token, user } = await registerUser(t.app);
    const client = clientFor(t.app, token);
    const body = { document: 'privacy', version: PRIVACY_POLICY_VERSION };
    const first = expectStatus(await client.post('/api/privacy/consents', body, { 'idempotency-key': 'consent-1' }), 201);
    expect(first.json().pending).toEqual(['terms']);
    const replay = expectStatus(await client.post('/api/privacy/consents', body, { 'idempotency-key': 'consent-1' }), 201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(first.body);
    expectProblem(
      await client.post(
        '/api/privacy/consents',
        { document: 'terms', version: TERMS_VERSION },
        { 'idempotency-key': 'consent-1' },
      ),
      422,
      'idempotency_key_reused',
    );
    expectStatus(await client.post('/api/privacy/consents', body), 201);
    expect(await consentRows(user.id)).toHaveLength(1);
    const both = expectStatus(await client.post('/api/privacy/consents', { document: 'terms', version: TERMS_VERSION }), 201);
    expect(both.json().pending).toEqual([]);
    expect((await client.get('/api/me')).json().pending_consents).toEqual([]);
  });

  it("one person's acceptances are not another's, and a consent row is never edited", async () => {
    const ana = expectStatus(await register(t.app, CURRENT), 201).json();
    const bruno = await registerUser(t.app);
    const brunoState = expectStatus(await clientFor(t.app, bruno.token).get('/api/privacy/consents'), 200).json();
    expect(brunoState.items).toEqual([]);
    expect(brunoState.pending).toEqual(['terms', 'privacy']);
    expect((await clientFor(t.app, ana.token).get('/api/privacy/consents')).json().items).toHaveLength(2);
    await expect(t.pool.query("UPDATE consents SET version = '1999-01-01' WHERE user_id = $1", [ana.user.id])).rejects.toThrow(
      /never edited/,
    );
  });

  it("erasing a person's log (account deletion) removes their rows and nobody else's", async () => {
    const carla = expectStatus(await register(t.app, CURRENT), 201).json();
    const davi = expectStatus(await register(t.app, CURRENT), 201).json();
    // The step the account deletion runs for this table (src/modules/privacy/privacy.repository.ts).
    const consents = PRIVACY_TABLES.find((table) => table.name === 'consents');
    const erased = await consents?.erase?.(t.pool, {
      userId: carla.user.id,
      email: carla.user.email,
      now: new Date(),
      unusablePasswordHash: '',
      rateLimitKeys: [],
    });
    expect((erased as { rowCount: number } | undefined)?.rowCount).toBe(2);
    expect(await consentRows(carla.user.id)).toEqual([]);
    expect(await consentRows(davi.user.id)).toHaveLength(2);
  });

  it('refuses unknown documents and extra fields, and answers 401 without a session', async () => {
    const { token } = await registerUser(t.app);
    const client = clientFor(t.app, token);
    expectProblem(
      await client.post('/api/privacy/consents', { document: 'cookies', version: TERMS_VERSION }),
      400,
      'validation_failed',
    );
    expectProblem(
      await client.post('/api/privacy/consents', {
        document: 'terms',
        version: TERMS_VERSION,
        accepted_at: '2020-01-01T00:00:00Z',
      }),
      400,
      'validation_failed',
    );
    expectProblem(await t.app.inject({ method: 'GET', url: '/api/privacy/consents' }), 401, 'unauthenticated');
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/api/privacy/consents',
        payload: { document: 'terms', version: TERMS_VERSION },
      }),
      401,
      'unauthenticated',
    );
  });
});
