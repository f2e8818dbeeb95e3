import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestApp, type TestApp, uniqueEmail } from '../helpers/app.js';

let t: TestApp;
const WINDOW_MS = 60_000;

beforeAll(async () => {
  t = await startTestApp({
    rateLimits: { per_ip: { max: 6, window_ms: WINDOW_MS }, per_email: { max: 3, window_ms: WINDOW_MS } },
  });
});
afterAll(async () => {
  await t?.close();
});

function login(email: string, ip: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: ip, payload: { email, password: PASSWORD } });
}

describe('auth rate limits', () => {
  it('stops guessing one e-mail after the per-e-mail limit, from any address, with Retry-After', async () => {
    const email = uniqueEmail('alvo');
    const statuses: number[] = [];
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']) statuses.push((await login(email, ip)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const limited = await login(email.toUpperCase(), '10.0.0.5');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.json()).toMatchObject({ code: 'rate_limited', status: 429 });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
    // Another e-mail is not affected.
    expect((await login(uniqueEmail(), '10.0.0.5')).statusCode).toBe(401);
  });

  it('stops one address after the per-address limit, whatever e-mails it tries', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 7; attempt += 1) statuses.push((await login(uniqueEmail(), '10.9.9.9')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429]);
    expect((await login(uniqueEmail(), '10.9.9.8')).statusCode).toBe(401);
  });

  it('limits registration per address too', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 7; attempt += 1) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/auth/register',
        remoteAddress: '10.7.7.7',
        payload: { email: uniqueEmail(), password: PASSWORD, name: 'Robô' },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 429]);
    const users = await t.pool.query('SELECT count(*)::int AS n FROM users');
    expect(users.rows[0].n).toBe(6);
  });
});
