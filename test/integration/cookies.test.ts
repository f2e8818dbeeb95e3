import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestApp, type TestApp, uniqueEmail } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  // Behind a TLS-terminating proxy, X-Forwarded-Proto tells the app the request was HTTPS.
  t = await startTestApp({ env: { TRUST_PROXY: 'true' } });
});
afterAll(async () => {
  await t?.close();
});

describe('session cookie', () => {
  it('is Secure when the request came over HTTPS, and not over plain HTTP', async () => {
    const overHttps = await t.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { email: uniqueEmail(), password: PASSWORD, name: 'Ana' },
    });
    expect(overHttps.statusCode).toBe(201);
    expect(String(overHttps.headers['set-cookie'])).toMatch(/; Secure/);
    expect(String(overHttps.headers['set-cookie'])).toMatch(/HttpOnly/);
    const overHttp = await t.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: uniqueEmail(), password: PASSWORD, name: 'Bia' },
    });
    expect(String(overHttp.headers['set-cookie'])).not.toMatch(/Secure/);
  });
});
