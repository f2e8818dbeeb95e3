import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HSTS_VALUE } from '../../src/http/transport-security.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/**
 * HSTS and upgrade-insecure-requests tell a browser to use HTTPS from now on; sent over
 * plain HTTP (a LAN install without TLS) they break the app's own assets. Behind one
 * trusted proxy, X-Forwarded-Proto says whether the browser's request was HTTPS.
 */
let behindProxy: TestApp;
let direct: TestApp;
beforeAll(async () => {
  behindProxy = await startTestApp({ env: { TRUST_PROXY: '1' } });
  direct = await startTestApp();
});
afterAll(async () => {
  await behindProxy?.close();
  await direct?.close();
});

const PATHS = ['/health', '/api/nothing-here', '/some/page'];

function policyOf(headers: Record<string, unknown>): string {
  return String(headers['content-security-policy'] ?? '');
}

describe('transport security headers', () => {
  it.each(PATHS)('over plain HTTP, %s has neither HSTS nor upgrade-insecure-requests', async (url) => {
    const response = await behindProxy.app.inject({ method: 'GET', url, headers: { 'x-forwarded-proto': 'http' } });
    expect(response.headers['strict-transport-security']).toBeUndefined();
    expect(policyOf(response.headers)).not.toBe('');
    expect(policyOf(response.headers)).not.toContain('upgrade-insecure-requests');
    // The rest of helmet's protection stays on.
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('the API docs page, which brings its own policy, does not ask for the upgrade over plain HTTP either', async () => {
    const response = await behindProxy.app.inject({ method: 'GET', url: '/api/docs', headers: { 'x-forwarded-proto': 'http' } });
    expect(response.statusCode).toBe(200);
    expect(policyOf(response.headers)).toContain('validator.swagger.io');
    expect(policyOf(response.headers)).not.toContain('upgrade-insecure-requests');
    expect(response.headers['strict-transport-security']).toBeUndefined();
  });

  it.each(PATHS)('over HTTPS through a trusted proxy, %s has HSTS and upgrade-insecure-requests', async (url) => {
    const response = await behindProxy.app.inject({ method: 'GET', url, headers: { 'x-forwarded-proto': 'https' } });
    expect(response.headers['strict-transport-security']).toBe(HSTS_VALUE);
    expect(policyOf(response.headers)).toContain('upgrade-insecure-requests');
    expect(policyOf(response.headers)).toContain("default-src 'self'");
  });

  it('does not believe X-Forwarded-Proto when no proxy is trusted', async () => {
    const response = await direct.app.inject({ method: 'GET', url: '/health', headers: { 'x-forwarded-proto': 'https' } });
    expect(response.headers['strict-transport-security']).toBeUndefined();
    expect(policyOf(response.headers)).not.toContain('upgrade-insecure-requests');
  });

  it('without any forwarding header, a plain request gets no HSTS', async () => {
    const response = await direct.app.inject({ method: 'GET', url: '/health' });
    expect(response.headers['strict-transport-security']).toBeUndefined();
  });
});
