import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScheduler } from '../../src/jobs/scheduler.js';
import { hashToken } from '../../src/lib/ids.js';
import { loggerOptions } from '../../src/observability/logging.js';
import { bearer, PASSWORD, startTestApp, type TestApp, uniqueEmail } from '../helpers/app.js';
import { FAILING_JOB_NAME, failingJob } from '../helpers/jobs.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';

/**
 * Database errors carry row values: a failing row's contents (e-mail, password hash,
 * description, amount), a unique key's value, a trigger's RAISE text, and the query
 * builder's "Failed query … params: …". This file arms one fault at a time on the
 * tables that register, login and a ledger write insert into, and reads every log line
 * the app wrote with the real logger options.
 */
const lines: string[] = [];
const stream = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});

const FAULT_TABLES = ['users', 'sessions', 'transactions'] as const;
type FaultTable = (typeof FAULT_TABLES)[number];
type FaultKind = 'unique' | 'check' | 'not_null' | 'foreign_key' | 'raise' | 'timeout';

/**
 * Each armed fault is a real constraint failure (check, not-null, unique, foreign key
 * on the real row) or a RAISE from a trigger that puts the whole row in its message,
 * detail and hint; a statement timeout is raised with its real SQLSTATE and message.
 */
const FAULT_SQL = `
CREATE TABLE test_fault (target text PRIMARY KEY, kind text NOT NULL);
CREATE FUNCTION test_fault_fire() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  armed text;
BEGIN
  SELECT kind INTO armed FROM test_fault WHERE target = TG_TABLE_NAME;
  IF armed IS NULL THEN RETURN NEW; END IF;
  IF armed = 'check' THEN NEW.test_flag := true;
  ELSIF armed = 'not_null' THEN NEW.test_required := NULL;
  ELSIF armed = 'raise' THEN
    RAISE EXCEPTION 'refusing row %', to_jsonb(NEW) USING DETAIL = to_jsonb(NEW)::text, HINT = to_jsonb(NEW)::text;
  ELSIF armed = 'timeout' THEN
    RAISE EXCEPTION USING ERRCODE = 'query_canceled', MESSAGE = 'canceling statement due to statement timeout',
      DETAIL = to_jsonb(NEW)::text;
  ELSIF armed = 'unique' AND TG_TABLE_NAME = 'sessions' THEN
    NEW.token_hash := (SELECT token_hash FROM sessions WHERE user_id = NEW.user_id LIMIT 1);
  ELSIF armed = 'unique' AND TG_TABLE_NAME = 'transactions' THEN
    NEW.id := (SELECT id FROM transactions WHERE user_id = NEW.user_id LIMIT 1);
  ELSIF armed = 'foreign_key' THEN
    NEW.user_id := '00000000-0000-4000-8000-000000000000';
  END IF;
  RETURN NEW;
END $$;
`;

function armSql(table: FaultTable): string {
  return `
ALTER TABLE ${table} ADD COLUMN test_flag boolean, ADD COLUMN test_required text NOT NULL DEFAULT 'x',
  ADD CONSTRAINT ${table}_test_flag_unset CHECK (test_flag IS NOT TRUE);
CREATE TRIGGER ${table}_test_fault BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION test_fault_fire();`;
}

/**
 * The profile changes a person's row and revokes sessions with UPDATE: the same faults,
 * armed on UPDATE too (check, not-null, raise and timeout apply to an updated row as to a
 * new one).
 */
const ARM_UPDATES_SQL = `
CREATE TRIGGER users_test_fault_update BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION test_fault_fire();
CREATE TRIGGER sessions_test_fault_update BEFORE UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION test_fault_fire();`;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ logger: loggerOptions('info', stream) });
  await t.pool.query(FAULT_SQL);
  for (const table of FAULT_TABLES) await t.pool.query(armSql(table));
  await t.pool.query(ARM_UPDATES_SQL);
});
afterAll(async () => {
  // This file posts money (or tries to): whatever it left must hold the ledger's invariants.
  await expectLedgerInvariants(t.pool);
  await t?.close();
});

async function withFault<T>(table: FaultTable, kind: FaultKind, action: () => Promise<T>): Promise<T> {
  await t.pool.query('INSERT INTO test_fault (target, kind) VALUES ($1, $2)', [table, kind]);
  try {
    return await action();
  } finally {
    await t.pool.query('DELETE FROM test_fault');
  }
}

interface Person {
  email: string;
  name: string;
  token: string;
  userId: string;
}

async function register(email = uniqueEmail('maria.privada'), name = 'Maria Privada Souza') {
  return t.app.inject({
    method: 'POST',
    url: `/api/auth/register?email=${encodeURIComponent(email)}`,
    payload: { email, password: PASSWORD, name },
  });
}

async function person(): Promise<Person> {
  const email = uniqueEmail('joana.sigilo');
  const name = 'Joana Sigilo Lima';
  const response = await register(email, name);
  expect(response.statusCode).toBe(201);
  const body = response.json();
  return { email, name, token: body.token, userId: body.user.id };
}

/** Everything secret about a person, as it could appear in a log line. */
async function secretsOf(who: { email: string; name: string; token?: string }): Promise<string[]> {
  const row = await t.pool.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = $1', [who.email]);
  const secrets = [who.email, who.email.split('@')[0] as string, who.name, PASSWORD, '$argon2'];
  if (row.rows[0]) secrets.push(row.rows[0].password_hash);
  if (who.token) secrets.push(who.token, hashToken(who.token).toString('hex'), hashToken(who.token).toString('base64'));
  return secrets;
}

/**
 * The shapes in which PostgreSQL and the query builder carry values nobody can name in
 * advance (the hash of a token never shown, a row's other columns, bytea as \x… in
 * JSON): their presence means values leaked, whatever they were.
 */
const VALUE_MARKERS = ['Failed query', 'params', 'Failing row contains', 'Key (', 'refusing row', '\\\\x'];

function expectNoneInLogs(secrets: string[], from: number): void {
  const text = lines.slice(from).join('\n');
  for (const secret of [...secrets, ...VALUE_MARKERS]) expect(text, `log must not contain ${secret}`).not.toContain(secret);
}

/** The error line the app wrote for the failed request, to prove the fault did reach the log. */
function errorLines(from: number): Array<{ err?: { code?: string; type?: string; stack?: string } }> {
  return lines
    .slice(from)
    .map((line) => JSON.parse(line))
    .filter((entry) => entry.msg === 'unexpected error');
}

const SQLSTATE: Record<FaultKind, string> = {
  unique: '23505',
  check: '23514',
  not_null: '23502',
  foreign_key: '23503',
  raise: 'P0001',
  timeout: '57014',
};

describe('database errors in the log', () => {
  it.each(['check', 'not_null', 'raise', 'timeout'] as const)(
    'register failing with a %s error logs its SQLSTATE and no personal data',
    async (kind) => {
      const from = lines.length;
      const email = uniqueEmail('maria.privada');
      const response = await withFault('users', kind, () => register(email));
      expect(response.statusCode).toBe(500);
      expect(response.body).not.toContain(email);
      expectNoneInLogs([...(await secretsOf({ email, name: 'Maria Privada Souza' })), email], from);
      const [logged] = errorLines(from);
      expect(logged?.err?.code).toBe(SQLSTATE[kind]);
      expect(logged?.err?.stack).toMatch(/^\s+at /);
    },
  );

  it.each(['unique', 'foreign_key', 'check', 'not_null', 'raise', 'timeout'] as const)(
    'login failing with a %s error on the new session logs its SQLSTATE and no personal data',
    async (kind) => {
      const who = await person();
      const from = lines.length;
      const response = await withFault('sessions', kind, () =>
        t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: who.email, password: PASSWORD } }),
      );
      expect(response.statusCode).toBe(500);
      expectNoneInLogs(await secretsOf(who), from);
      expect(errorLines(from)[0]?.err?.code).toBe(SQLSTATE[kind]);
    },
  );

  it.each(['unique', 'foreign_key', 'check', 'not_null', 'raise', 'timeout'] as const)(
    'a ledger write failing with a %s error logs its SQLSTATE and neither amount nor description',
    async (kind) => {
      const who = await person();
      const account = await t.app.inject({
        method: 'POST',
        url: '/api/accounts',
        headers: bearer(who.token),
        payload: { name: 'Conta da Joana', type: 'checking', initial_balance_cents: 5_000_000 },
      });
      expect(account.statusCode).toBe(201);
      const from = lines.length;
      const description = 'Consulta psiquiatrica Dra Beatriz';
      const response = await withFault('transactions', kind, () =>
        t.app.inject({
          method: 'POST',
          url: '/api/transactions?q=segredo-na-query',
          headers: { ...bearer(who.token), 'idempotency-key': `fault-${kind}` },
          payload: { account_id: account.json().id, type: 'expense', amount_cents: 987_654, description },
        }),
      );
      expect(response.statusCode, response.body).toBe(500);
      expectNoneInLogs([...(await secretsOf(who)), description, 'psiquiatrica', '987654', 'segredo-na-query'], from);
      expect(errorLines(from)[0]?.err?.code).toBe(SQLSTATE[kind]);
    },
  );

  it('a failed job is logged with its SQLSTATE and no values, even through a logger without our serializers', async () => {
    const from = lines.length;
    const secretEmail = 'job.sigilo@example.com';
    // A bare pino logger: the scheduler must put the serializer in itself.
    const scheduler = startScheduler({
      pool: t.pool,
      logger: pino({ level: 'info' }, stream),
      jobs: [failingJob(secretEmail)],
    });
    try {
      const deadline = Date.now() + JOB_WAIT_MS;
      while (!lines.slice(from).some((line) => line.includes('job failed')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      }
    } finally {
      await scheduler.stop();
    }
    const failed = lines
      .slice(from)
      .map((line) => JSON.parse(line))
      .find((entry) => entry.msg === 'job failed');
    expect(failed).toMatchObject({ job: FAILING_JOB_NAME, err: { code: 'P0001' } });
    expectNoneInLogs([secretEmail, 'job.sigilo', 'cannot notify'], from);
  });
});

describe('profile changes in the log', () => {
  const NEW_PASSWORD = 'segredo-novo-da-joana-42';
  const NEW_NAME = 'Joana Renomeada Secreta';

  /** The new e-mail and password and the old ones, in every form a log line could carry them. */
  async function profileSecrets(who: Person, newEmail: string): Promise<string[]> {
    return [...(await secretsOf(who)), newEmail, newEmail.split('@')[0] as string, NEW_PASSWORD, NEW_NAME];
  }

  it('successful and refused changes of name, e-mail and password log neither old nor new values', async () => {
    const who = await person();
    const newEmail = uniqueEmail('joana.nova.sigilo');
    const secrets = await profileSecrets(who, newEmail);
    const from = lines.length;
    const headers = bearer(who.token);
    const put = (url: string, payload: object) => t.app.inject({ method: 'PUT', url, headers, payload });
    expect((await put('/api/me/email', { email: newEmail, password: NEW_PASSWORD })).statusCode).toBe(403);
    expect((await put('/api/me/password', { current_password: NEW_PASSWORD, new_password: 'password123' })).statusCode).toBe(400);
    expect((await put('/api/me/password', { current_password: NEW_PASSWORD, new_password: NEW_PASSWORD })).statusCode).toBe(403);
    const patch = await t.app.inject({ method: 'PATCH', url: '/api/me', headers, payload: { name: NEW_NAME } });
    expect(patch.statusCode).toBe(200);
    expect((await put('/api/me/email', { email: newEmail, password: PASSWORD })).statusCode).toBe(200);
    expect((await put('/api/me/password', { current_password: PASSWORD, new_password: NEW_PASSWORD })).statusCode).toBe(200);
    expect(lines.length).toBeGreaterThan(from);
    expectNoneInLogs(secrets, from);
  });

  it.each(['check', 'not_null', 'raise', 'timeout'] as const)(
    'an e-mail change failing with a %s error logs its SQLSTATE and neither address nor hash',
    async (kind) => {
      const who = await person();
      const newEmail = uniqueEmail('joana.nova.sigilo');
      const secrets = await profileSecrets(who, newEmail);
      const from = lines.length;
      const response = await withFault('users', kind, () =>
        t.app.inject({
          method: 'PUT',
          url: '/api/me/email',
          headers: bearer(who.token),
          payload: { email: newEmail, password: PASSWORD },
        }),
      );
      expect(response.statusCode, response.body).toBe(500);
      expect(response.body).not.toContain(newEmail);
      expectNoneInLogs(secrets, from);
      expect(errorLines(from)[0]?.err?.code).toBe(SQLSTATE[kind]);
    },
  );

  it.each(['check', 'raise', 'timeout'] as const)(
    'a password change failing with a %s error on the revoked sessions logs its SQLSTATE and no hash, and changes nothing',
    async (kind) => {
      const who = await person();
      // A second session, so the change has another session to revoke.
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: who.email, password: PASSWORD },
      });
      expect(login.statusCode).toBe(200);
      const secrets = await profileSecrets(who, 'nobody@example.com');
      const from = lines.length;
      const response = await withFault('sessions', kind, () =>
        t.app.inject({
          method: 'PUT',
          url: '/api/me/password',
          headers: bearer(who.token),
          payload: { current_password: PASSWORD, new_password: NEW_PASSWORD },
        }),
      );
      expect(response.statusCode, response.body).toBe(500);
      expectNoneInLogs(secrets, from);
      expect(errorLines(from)[0]?.err?.code).toBe(SQLSTATE[kind]);
      // One transaction: the password did not change either.
      const again = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: who.email, password: PASSWORD },
      });
      expect(again.statusCode).toBe(200);
    },
  );
});

/** How long the job test waits for its every-second job to fail once. */
const JOB_WAIT_MS = 10_000;
const POLL_INTERVAL_MS = 50;
