import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../lib/errors.js';
import { publishPosted, publishRefused } from '../modules/ledger/ledger.events.js';
import { createMetrics, type Metrics, metricsPlugin, metricsTokenMatches, observeLedger } from './metrics.js';

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

describe('the metrics beside the HTTP ones', () => {
  async function sampleValue(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
    const metric = (await metrics.registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
    const values = (metric?.values ?? []) as { labels: Record<string, string | number>; value: number }[];
    return values.find((value) => Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected))
      ?.value;
  }

  it('says which version, commit and Node.js the process runs', async () => {
    const text = await createMetrics({ commit: 'abc1234' }).registry.metrics();
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(text).toContain(`vai_de_pix_build_info{version="${version}",commit="abc1234",node_version="${process.version}"} 1`);
    expect(await createMetrics().registry.metrics()).toContain('commit="unknown"');
  });

  it("shows the process's own figures in every registry, collected once per process", async () => {
    const first = createMetrics();
    const second = createMetrics();
    for (const metrics of [first, second]) {
      const text = await metrics.registry.metrics();
      expect(text).toContain('process_cpu_seconds_total');
      expect(text).toContain('nodejs_eventloop_lag_seconds');
    }
    // The same collector in both: a second app starts no second event-loop monitor or GC observer.
    expect(second.registry.getSingleMetric('nodejs_eventloop_lag_seconds')).toBe(
      first.registry.getSingleMetric('nodejs_eventloop_lag_seconds'),
    );
    // Each registry's own metrics stay its own.
    expect(second.registry.getSingleMetric('http_request_duration_seconds')).not.toBe(
      first.registry.getSingleMetric('http_request_duration_seconds'),
    );
  });

  it('reads the pool gauges from the pool when scraped, not when the pool was given', async () => {
    const metrics = createMetrics();
    const pool = { totalCount: 3, idleCount: 1, waitingCount: 0, options: { max: 7 } };
    metrics.watchPool(pool);
    expect(await sampleValue(metrics, 'database_pool_connections')).toBe(3);
    Object.assign(pool, { totalCount: 7, idleCount: 0, waitingCount: 4 });
    expect(await sampleValue(metrics, 'database_pool_connections')).toBe(7);
    expect(await sampleValue(metrics, 'database_pool_idle_connections')).toBe(0);
    expect(await sampleValue(metrics, 'database_pool_waiting_requests')).toBe(4);
    expect(await sampleValue(metrics, 'database_pool_max_connections')).toBe(7);
  });

  it('counts the ledger postings by kind and the refusals by code while observed, once per Metrics', async () => {
    const metrics = createMetrics();
    const other = createMetrics();
    const stop = observeLedger(metrics);
    const stopAgain = observeLedger(metrics);
    const stopOther = observeLedger(other);
    publishPosted(['transfer', 'income', 'transfer']);
    publishRefused('insufficient_funds');
    expect(await sampleValue(metrics, 'ledger_postings_total', { kind: 'transfer' })).toBe(2);
    expect(await sampleValue(metrics, 'ledger_postings_total', { kind: 'income' })).toBe(1);
    expect(await sampleValue(metrics, 'ledger_policy_refusals_total', { code: 'insufficient_funds' })).toBe(1);
    expect(await sampleValue(other, 'ledger_postings_total', { kind: 'transfer' })).toBe(2);
    stopOther();
    // One of two holders stopping leaves the other counting.
    stop();
    stop();
    publishPosted(['reversal']);
    expect(await sampleValue(metrics, 'ledger_postings_total', { kind: 'reversal' })).toBe(1);
    expect(await sampleValue(other, 'ledger_postings_total', { kind: 'reversal' })).toBe(0);
    stopAgain();
    publishPosted(['reversal']);
    expect(await sampleValue(metrics, 'ledger_postings_total', { kind: 'reversal' })).toBe(1);
  });
});
