import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { DomainError } from '../lib/errors.js';

/** Buckets in seconds, from a cache hit to a slow report. */
const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  httpProblems: Counter<'route' | 'code'>;
  ledgerRetries: Counter<'code'>;
  idempotencyReplays: Counter;
  idempotencyConflicts: Counter<'code'>;
  sessionCacheLookups: Counter<'result'>;
  databaseUnavailable: Counter;
  poolCheckoutTimeouts: Counter;
  insightsCacheHits: Counter;
  insightsCacheMisses: Counter;
  insightsComputeSeconds: Histogram;
}

/** One registry per app instance, so tests can build many apps in one process. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    httpProblems: new Counter({
      name: 'http_problems_total',
      help: 'problem+json answers by route template and stable error code',
      labelNames: ['route', 'code'],
      registers: [registry],
    }),
    ledgerRetries: new Counter({
      name: 'ledger_tx_retries_total',
      help: 'Write transactions retried after a serialization failure (40001) or deadlock (40P01)',
      labelNames: ['code'],
      registers: [registry],
    }),
    idempotencyReplays: new Counter({
      name: 'idempotency_replays_total',
      help: 'Requests answered with the stored response of an earlier request with the same Idempotency-Key',
      registers: [registry],
    }),
    idempotencyConflicts: new Counter({
      name: 'idempotency_conflicts_total',
      help: 'Idempotency-Key refusals: reused with another payload, or still in flight',
      labelNames: ['code'],
      registers: [registry],
    }),
    sessionCacheLookups: new Counter({
      name: 'auth_session_cache_lookups_total',
      help: 'Authenticated requests answered from the in-process session cache (hit) or the database (miss), while the cache is on',
      labelNames: ['result'],
      registers: [registry],
    }),
    databaseUnavailable: new Counter({
      name: 'database_unavailable_total',
      help: 'Requests answered 503 database_unavailable: the database was down, restarting or unreachable',
      registers: [registry],
    }),
    poolCheckoutTimeouts: new Counter({
      name: 'database_pool_checkout_timeouts_total',
      help: 'Requests answered 503 busy because no pooled database connection became free within the connect timeout (overload or a leaked client)',
      registers: [registry],
    }),
    insightsCacheHits: new Counter({
      name: 'insights_cache_hits_total',
      help: 'Insights reads answered from a fresh insight_cache entry',
      registers: [registry],
    }),
    insightsCacheMisses: new Counter({
      name: 'insights_cache_misses_total',
      help: 'Insights reads that found their month stale, being computed or missing, and computed it',
      registers: [registry],
    }),
    insightsComputeSeconds: new Histogram({
      name: 'insights_compute_seconds',
      help: "Time to compute one person's month of insights from the ledger and cache it",
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Whether an Authorization header carries the metrics token. Both sides are hashed to
 * equal-length digests and compared in constant time, so neither the time taken nor an
 * early length mismatch tells a prober how much of a guess was right.
 */
export function metricsTokenMatches(authorization: string | undefined, token: string): boolean {
  return timingSafeEqual(digest(authorization ?? ''), digest(`Bearer ${token}`));
}

function routeLabel(url: string | undefined): string {
  // Unmatched URLs are one label, so scanners cannot blow up the series count.
  return url ?? 'unmatched';
}

export const metricsPlugin = fp(
  async (app: FastifyInstance, options: { metrics: Metrics; token: string | undefined }) => {
    const { metrics, token } = options;
    app.addHook('onResponse', async (request, reply) => {
      const route = routeLabel(request.routeOptions.url);
      const labels = { method: request.method, route, status_code: String(reply.statusCode) };
      metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
      if (reply.problemCode) metrics.httpProblems.inc({ route, code: reply.problemCode });
      if (reply.problemCode === 'database_unavailable') metrics.databaseUnavailable.inc();
    });

    app.get(
      '/metrics',
      {
        schema: { hide: true },
        config: { skipLog: true },
      },
      async (request, reply) => {
        if (token !== undefined && !metricsTokenMatches(request.headers.authorization, token)) {
          throw new DomainError('unauthenticated', 401, 'Metrics need the METRICS_TOKEN bearer token.');
        }
        reply.type(metrics.registry.contentType);
        return metrics.registry.metrics();
      },
    );
  },
  { name: 'metrics' },
);
