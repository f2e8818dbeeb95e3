import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestApp, type TestApp, uniqueEmail } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  // Behind one TLS-terminating proxy (TRUST_PROXY=1: one hop), X-Forwarded-Proto tells
  // the app whether the request was HTTPS.
  t = await startTestApp({ env: { TRUST_PROXY: '1' } });
});
afterAll(async () => {
  await t?.close();
});

const HTTPS = { 'x-forwarded-proto': 'https' };
const CSRF = { 'x-requested-with': 'vai-de-pix' };

async function register(headers: Record<string, string>) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/auth/register',
    headers,
    payload: { email: uniqueEmail(), password: PASSWORD, name: 'Ana' },
  });
  expect(response.statusCode).toBe(201);
  // The answer also sets the device cookie; the tests here are about the session cookie.
  const cookies = [response.headers['set-cookie'] ?? []].flat();
  const setCookie = cookies.find((cookie) => /^(__Host-)?vdp_session=/.test(cookie));
  return { token: response.json().token as string, setCookie: String(setCookie) };
}

/** The attributes of one Set-Cookie header, lower-cased names, in order. */
function attributes(setCookie: string): string[] {
  return setCookie
    .split(';')
    .slice(1)
    .map((part) => part.trim().split('=')[0]?.toLowerCase() ?? '');
}

async function me(headers: Record<string, string>) {
  return (await t.app.inject({ method: 'GET', url: '/api/me', headers })).statusCode;
}

describe('session cookie over HTTPS', () => {
  it('is __Host- prefixed, Secure, HttpOnly, SameSite=Lax, Path=/ and has no Domain', async () => {
    const { token, setCookie } = await register(HTTPS);
    expect(setCookie.startsWith(`__Host-vdp_session=${token};`)).toBe(true);
    expect(setCookie).toMatch(/; Secure(;|$)/);
    expect(setCookie).toMatch(/; HttpOnly(;|$)/);
    expect(setCookie).toMatch(/; SameSite=Lax(;|$)/);
    expect(setCookie).toMatch(/; Path=\/(;|$)/);
    expect(attributes(setCookie)).not.toContain('domain');
  });

  it('is read under its prefixed name only: an unprefixed cookie, which anyone on the path could set, is ignored', async () => {
    const { token } = await register(HTTPS);
    expect(await me({ ...HTTPS, cookie: `__Host-vdp_session=${token}` })).toBe(200);
    expect(await me({ ...HTTPS, cookie: `vdp_session=${token}` })).toBe(401);
  });

  it('is cleared on logout with the same attributes, or the browser would keep it', async () => {
    const { token } = await register(HTTPS);
    const logout = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { ...HTTPS, ...CSRF, cookie: `__Host-vdp_session=${token}` },
    });
    expect(logout.statusCode).toBe(204);
    const cleared = String(logout.headers['set-cookie']);
    expect(cleared).toMatch(/^__Host-vdp_session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(cleared).toMatch(/; Secure(;|$)/);
    expect(cleared).toMatch(/; Path=\/(;|$)/);
    expect(await me({ ...HTTPS, cookie: `__Host-vdp_session=${token}` })).toBe(401);
  });
});

describe('session cookie over plain HTTP (a home-network install)', () => {
  it('has no prefix and no Secure, so the browser keeps and sends it, and it works', async () => {
    const { token, setCookie } = await register({});
    expect(setCookie.startsWith(`vdp_session=${token};`)).toBe(true);
    expect(attributes(setCookie)).not.toContain('secure');
    expect(setCookie).toMatch(/; HttpOnly(;|$)/);
    expect(await me({ cookie: `vdp_session=${token}` })).toBe(200);
    // A prefixed cookie cannot have come from this app over HTTP; it is not read.
    expect(await me({ cookie: `__Host-vdp_session=${token}` })).toBe(401);
  });

  it('an X-Forwarded-Proto from an untrusted client does not make the app think it is HTTPS', async () => {
    const untrusted = await startTestApp({ env: { TRUST_PROXY: '0' } });
    try {
      const response = await untrusted.app.inject({
        method: 'POST',
        url: '/api/auth/register',
        headers: HTTPS,
        payload: { email: uniqueEmail(), password: PASSWORD, name: 'Bia' },
      });
      expect(response.statusCode).toBe(201);
      expect(String(response.headers['set-cookie'])).toMatch(/^vdp_session=/);
    } finally {
      await untrusted.close();
    }
  });
});
