import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../lib/errors.js';
import { createMetrics, metricsPlugin, metricsTokenMatches } from './metrics.js';

const TOKEN = 'metrics-token-0123456789';

describe('metricsTokenMatches', () => {
  it('accepts exactly the bearer token', () => {
    expect(metricsTokenMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['same length, last character wrong', `Bearer ${TOKEN.slice(0, -1)}X`],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, 5)}`],
    ['the token and more', `Bearer ${TOKEN}0`],
    ['much longer', `Bearer ${TOKEN.repeat(50)}`],
    ['the token without the scheme', TOKEN],
    ['another scheme', `Basic ${TOKEN}`],
  ])('refuses a header that is %s', (_case, header) => {
    expect(metricsTokenMatches(header, TOKEN)).toBe(false);
  });
});

describe('GET /metrics with METRICS_TOKEN set', () => {
  async function app() {
    const instance = Fastify();
    instance.setErrorHandler((error, _request, reply) => {
      reply.code(error instanceof DomainError ? error.status : 500).send({ code: (error as DomainError).code });
    });
    await instance.register(metricsPlugin, { metrics: createMetrics(), token: TOKEN });
    return instance;
  }

  it('answers the right token and refuses wrong ones of any length with 401', async () => {
    const instance = await app();
    const get = (authorization?: string) =>
      instance.inject({ method: 'GET', url: '/metrics', ...(authorization ? { headers: { authorization } } : {}) });
    expect((await get(`Bearer ${TOKEN}`)).statusCode).toBe(200);
    for (const wrong of [undefined, `Bearer ${TOKEN.slice(0, -1)}X`, 'Bearer x', `Bearer ${TOKEN}${TOKEN}`]) {
      const response = await get(wrong);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ code: 'unauthenticated' });
    }
    await instance.close();
  });
});
