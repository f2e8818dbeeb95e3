import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES, LOG_REDACT_PATHS } from '../../src/app.js';
import { bearer, PASSWORD, registerUser, startTestApp, type TestApp, uniqueEmail } from '../helpers/app.js';
import { expectProblem } from '../helpers/problem.js';

const METRICS_TOKEN = 'metrics-token-0123456789';
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({
    env: { METRICS_TOKEN },
    logger: { level: 'info', redact: LOG_REDACT_PATHS, stream: logStream },
  });
});
afterAll(async () => {
  await t?.close();
});

describe('problem+json', () => {
  it('answers an unknown /api route with 404 not_found', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/nothing-here?x=1' });
    expectProblem(response, 404, 'not_found');
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      type: 'urn:vai-de-pix:problem:not_found',
      title: 'Not Found',
      status: 404,
      code: 'not_found',
      instance: '/api/nothing-here',
      detail: 'No route for GET /api/nothing-here.',
    });
  });

  it('answers a body over the limit with 413 before reading it', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(BODY_LIMIT_BYTES) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('answers malformed JSON and a wrong media type with stable codes', async () => {
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().code).toBe('malformed_body');
    const wrongType = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().code).toBe('unsupported_media_type');
  });

  it('does not coerce body types: a number where a string is asked is a 400', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'a@b.co', password: 12345678901 },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ field: 'body/password', message: 'must be string', code: 'type' }]);
  });

  it('hides internals of an unexpected error behind a 500', async () => {
    const broken = await startTestApp();
    try {
      const { token } = await registerUser(broken.app);
      // A schema the code does not expect: the session lookup now fails in SQL.
      await broken.pool.query('ALTER TABLE sessions RENAME TO sessions_gone');
      const response = await broken.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
      expect(response.statusCode).toBe(500);
      const body = response.json();
      expect(body.code).toBe('internal_error');
      expect(response.body).not.toContain('sessions');
      expect(response.body).not.toMatch(/relation|\.ts|\.js|at /);
      expect(body.request_id).toBe(response.headers['x-request-id']);
    } finally {
      await broken.close();
    }
  });
});

describe('request id', () => {
  it('echoes a plain incoming X-Request-Id', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123.def' } });
    expect(response.headers['x-request-id']).toBe('abc-123.def');
  });

  it('replaces an id with odd characters or length by a new UUID', async () => {
    for (const incoming of ['bad id\nwith newline', 'x'.repeat(200)]) {
      const response = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': incoming } });
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('puts the id in problem bodies', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/me', headers: { 'x-request-id': 'trace-42' } });
    expect(response.json().request_id).toBe('trace-42');
  });
});

describe('logs', () => {
  it('write one JSON line per request with its id, and never credentials or e-mails', async () => {
    const email = uniqueEmail('segredo');
    const { token } = await registerUser(t.app, { email });
    await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password: PASSWORD },
      headers: { 'x-request-id': 'log-probe-1' },
    });
    await t.app.inject({ method: 'GET', url: '/api/me', headers: { ...bearer(token), cookie: `vdp_session=${token}` } });
    const joined = logLines.join('\n');
    expect(joined).not.toContain(email);
    expect(joined).not.toContain(PASSWORD);
    expect(joined).not.toContain(token);
    const probe = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.reqId === 'log-probe-1');
    expect(probe).toHaveLength(1);
    expect(probe[0]).toMatchObject({ msg: 'request', method: 'POST', route: '/api/auth/login', status: 200 });
  });
});

describe('security headers', () => {
  it('come from helmet on every answer', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    // HSTS only over HTTPS (this request is plain HTTP); security-headers.test.ts covers both.
    expect(response.headers['strict-transport-security']).toBeUndefined();
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
  });
});

describe('metrics', () => {
  it('needs the METRICS_TOKEN when one is set', async () => {
    const refused = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('unauthenticated');
  });

  it('expose request latency by method, route template and status, and process metrics', async () => {
    await t.app.inject({ method: 'GET', url: '/api/me' });
    await t.app.inject({ method: 'GET', url: '/api/nope' });
    const response = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(
      /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/me",status_code="401"\} \d+/,
    );
    expect(response.body).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} \d+/);
    expect(response.body).toMatch(/http_problems_total\{route="\/api\/me",code="unauthenticated"\} [1-9]/);
    expect(response.body).toContain('process_cpu_seconds_total');
    expect(response.body).toContain('nodejs_eventloop_lag_seconds');
  });
});

describe('OpenAPI', () => {
  it('is generated from the route schemas at /api/openapi.json', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toMatch(/^3\.1/);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/auth/register', '/api/auth/login', '/api/auth/logout', '/api/me', '/api/health', '/health']),
    );
    expect(document.paths['/api/auth/register'].post.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['email', 'password', 'name']),
    );
    expect(document.components.schemas.Problem).toBeDefined();
    expect(document.components.schemas.User).toBeDefined();
    expect(document.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
  });

  it('is browsable at /api/docs', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('swagger');
  });
});
