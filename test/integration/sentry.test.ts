import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scheduler, startScheduler } from '../../src/jobs/scheduler.js';
import { hashToken } from '../../src/lib/ids.js';
import { type ErrorReporter, initSentry } from '../../src/observability/sentry.js';
import { PASSWORD, startTestApp, type TestApp, uniqueEmail } from '../helpers/app.js';
import { FAILING_JOB_NAME, failingJob } from '../helpers/jobs.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';

/**
 * The real @sentry/node SDK, initialised as main.ts does, sends its envelopes to a DSN
 * on 127.0.0.1 whose port is a receiver this file runs. Requests go through a real HTTP
 * listener (not inject), so whatever the SDK could pick up from the socket it would.
 * The SDK can be initialised once per process, and it patches the process for good: this file runs
 * alone, in a process of its own (ALONE_FILES in vitest.config.ts).
 */
const envelopes: string[] = [];
let receiver: Server;
let reporter: ErrorReporter;
let t: TestApp;
let baseUrl: string;

/** How long to wait for an envelope to arrive after a flush. */
const ENVELOPE_WAIT_MS = 15_000;
const POLL_INTERVAL_MS = 50;

function startReceiver(): Promise<number> {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const gzipped = request.headers['content-encoding'] === 'gzip' || (body[0] === 0x1f && body[1] === 0x8b);
      envelopes.push((gzipped ? gunzipSync(body) : body).toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  receiver.listen(0, '127.0.0.1');
  return once(receiver, 'listening').then(() => (receiver.address() as AddressInfo).port);
}

const FAULT_SQL = `
CREATE TABLE test_fault (target text PRIMARY KEY);
CREATE FUNCTION test_fault_fire() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM test_fault WHERE target = TG_TABLE_NAME) THEN
    RAISE EXCEPTION 'refusing row %', to_jsonb(NEW) USING DETAIL = to_jsonb(NEW)::text, HINT = to_jsonb(NEW)::text;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER users_test_fault BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION test_fault_fire();
CREATE TRIGGER transactions_test_fault BEFORE INSERT ON transactions FOR EACH ROW EXECUTE FUNCTION test_fault_fire();
`;

beforeAll(async () => {
  const port = await startReceiver();
  const dsn = `http://0123456789abcdef0123456789abcdef@127.0.0.1:${port}/42`;
  reporter = (await initSentry(dsn)) as ErrorReporter;
  t = await startTestApp({ onServerError: (error, context) => reporter.requestFailed(error, context) });
  await t.pool.query(FAULT_SQL);
  baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  // This file posts money (or tries to): whatever it left must hold the ledger's invariants.
  await expectLedgerInvariants(t.pool);
  await t?.close();
  receiver?.close();
});

async function armed<T>(table: 'users' | 'transactions', action: () => Promise<T>): Promise<T> {
  await t.pool.query('INSERT INTO test_fault (target) VALUES ($1)', [table]);
  try {
    return await action();
  } finally {
    await t.pool.query('DELETE FROM test_fault');
  }
}

/** The envelope, as raw text, that mentions `needle`; waits for the SDK to send it. */
async function envelopeWith(needle: string): Promise<string> {
  await reporter.flush();
  const deadline = Date.now() + ENVELOPE_WAIT_MS;
  for (;;) {
    const found = envelopes.find((envelope) => envelope.includes(needle));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no envelope mentions ${needle}; got ${envelopes.length}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** The event item of an envelope: header line, item header line, then the event. */
function eventOf(envelope: string): Record<string, unknown> & {
  tags?: Record<string, string>;
  user?: Record<string, unknown>;
  request?: unknown;
} {
  const lines = envelope.split('\n');
  const index = lines.findIndex((line) => line.includes('"type":"event"'));
  return JSON.parse(lines[index + 1] as string);
}

function expectAbsent(envelope: string, secrets: string[]): void {
  for (const secret of secrets) expect(envelope, `envelope must not contain ${secret}`).not.toContain(secret);
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('Sentry events', () => {
  it('a 500 on register carries request id, route and status, and nothing the person sent', async () => {
    const email = uniqueEmail('maria.sentry');
    const bearerToken = 'uiI5JAimwuoArnrcYE30H9hbtEdMIS17hsTTTaZPghY';
    const response = await armed('users', () =>
      post(
        `/api/auth/register?email=${encodeURIComponent(email)}&convite=segredo-da-query`,
        { email, password: PASSWORD, name: 'Maria Sentry' },
        {
          authorization: `Bearer ${bearerToken}`,
          cookie: 'vdp_session=cookie-secreto-123; outro=valor-do-cookie',
        },
      ),
    );
    expect(response.status).toBe(500);
    const requestId = response.headers.get('x-request-id') as string;
    const envelope = await envelopeWith(requestId);
    const event = eventOf(envelope);
    expect(event.tags).toMatchObject({ request_id: requestId, route: '/api/auth/register', status: '500', method: 'POST' });
    expect(event.request).toBeUndefined();
    expect(event.user).toBeUndefined();
    expect(envelope).toContain('P0001');
    expectAbsent(envelope, [
      email,
      email.split('@')[0] as string,
      PASSWORD,
      '$argon2',
      'Maria Sentry',
      bearerToken,
      'cookie-secreto-123',
      'valor-do-cookie',
      'segredo-da-query',
      'convite',
      'refusing row',
    ]);
  });

  it('a 500 on a signed-in ledger write carries the user id only, and neither description nor amount', async () => {
    const email = uniqueEmail('joana.sentry');
    const registered = await post('/api/auth/register', { email, password: PASSWORD, name: 'Joana Sentry' });
    expect(registered.status).toBe(201);
    const { token, user } = (await registered.json()) as { token: string; user: { id: string } };
    const account = await post(
      '/api/accounts',
      { name: 'Conta', type: 'checking', initial_balance_cents: 5_000_000 },
      { authorization: `Bearer ${token}` },
    );
    expect(account.status).toBe(201);
    const accountId = ((await account.json()) as { id: string }).id;
    const description = 'Consulta psiquiatrica Dra Beatriz';
    const response = await armed('transactions', () =>
      post(
        '/api/transactions?q=busca-secreta',
        { account_id: accountId, type: 'expense', amount_cents: 987_654, description },
        { authorization: `Bearer ${token}`, 'idempotency-key': 'sentry-1' },
      ),
    );
    expect(response.status).toBe(500);
    const requestId = response.headers.get('x-request-id') as string;
    const envelope = await envelopeWith(requestId);
    const event = eventOf(envelope);
    expect(event.tags).toMatchObject({ request_id: requestId, route: '/api/transactions', status: '500' });
    expect(event.user).toEqual({ id: user.id });
    expectAbsent(envelope, [
      email,
      'Joana Sentry',
      token,
      hashToken(token).toString('hex'),
      description,
      'psiquiatrica',
      '987654',
      'busca-secreta',
      'sentry-1',
    ]);
  });

  it('a failed job is reported with its name and no values from the failing statement', async () => {
    const secretEmail = 'job.secreto@example.com';
    const logger = pino({ level: 'silent' });
    let scheduler: Scheduler | undefined;
    try {
      scheduler = startScheduler({
        pool: t.pool,
        logger,
        jobs: [failingJob(secretEmail)],
        onJobFailed: (error, job) => reporter.jobFailed(error, { job: job.name }),
      });
      const envelope = await envelopeWith(FAILING_JOB_NAME);
      expect(eventOf(envelope).tags).toMatchObject({ job: FAILING_JOB_NAME });
      expect(envelope).toContain('P0001');
      expectAbsent(envelope, [secretEmail, 'job.secreto', 'cannot notify']);
    } finally {
      await scheduler?.stop();
    }
  });
});
