import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';

/** ENABLE_PIX=false turns off every Pix route the OpenAPI document lists, and nothing else. */
let off: TestApp;
beforeAll(async () => {
  off = await startTestApp({ env: { ENABLE_PIX: 'false' } });
});
afterAll(async () => {
  await off?.close();
});

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

describe('Pix turned off (ENABLE_PIX=false)', () => {
  it('every Pix route answers 404 feature_disabled and writes nothing; the other routes work', async () => {
    const { client, token } = await signedIn(off.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
    const document = expectStatus(await off.app.inject({ method: 'GET', url: '/api/openapi.json' }), 200).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(document.paths)
      .filter(([path]) => path.includes('pix'))
      .flatMap(([path, operations]) =>
        METHODS.filter((method) => method in operations).map((method) => ({ method, path: path.replaceAll('{id}', account.id) })),
      );
    expect(routes.length).toBeGreaterThanOrEqual(8);
    for (const route of routes) {
      const response = await off.app.inject({
        method: route.method.toUpperCase() as 'GET',
        url: route.path,
        headers: {
          authorization: `Bearer ${token}`,
          'idempotency-key': `k-${route.method}-${route.path}`,
          'content-type': 'application/json',
        },
        payload: route.method === 'get' || route.method === 'delete' ? undefined : '{}',
      });
      expectProblem(response, 404, 'feature_disabled');
    }
    expect((await off.pool.query('SELECT count(*)::int AS n FROM pix_charges')).rows[0].n).toBe(0);
    expectStatus(await client.get(`/api/accounts/${account.id}`), 200);
    expectStatus(
      await client.post('/api/transactions', { account_id: account.id, type: 'expense', amount_cents: 100, description: 'Café' }),
      201,
    );
  });
});
