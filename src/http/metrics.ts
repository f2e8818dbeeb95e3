import { createHash, timingSafeEqual } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { SqlState } from '../db/sqlstate.js';
import { DomainError } from '../lib/errors.js';
import { POSTED_CHANNEL, type PostedEvent, REFUSED_CHANNEL, type RefusedEvent } from '../modules/ledger/ledger.events.js';

/**
 * Buckets in seconds, from a cache hit to a slow report. 0.2 is the transfers SLO's bound
 * (docs/OBSERVABILITY.md): a bucket edge there lets the SLO be counted exactly.
 */
const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2.5, 5, 10];

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
  ledgerPostings: Counter<'kind'>;
  ledgerPolicyRefusals: Counter<'code'>;
  buildInfo: Gauge<'version' | 'commit' | 'node_version'>;
  /** Which pool the database_pool_* gauges read at each scrape (the last one given). */
  watchPool(pool: PoolCounts): void;
}

/** What the pool gauges read from a pg.Pool, at scrape time. */
export interface PoolCounts {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  readonly options: { max?: number | undefined };
}

/** What the build info gauge says; the commit is known only when the build passed it in (GIT_COMMIT). */
export interface BuildInfo {
  commit?: string | undefined;
}

export const BUILD_COMMIT_UNKNOWN = 'unknown';

/** The app's version, from the package.json beside src/ and dist/ alike. */
function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const version = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === 'string' ? version : BUILD_COMMIT_UNKNOWN;
}

/**
 * The database_pool_* gauges. They are read when Prometheus scrapes, not pushed on every
 * checkout, so a scrape sees the pool as it stands and a busy pool costs nothing extra.
 */
function poolGauges(registry: Registry): (pool: PoolCounts) => void {
  let watched: PoolCounts | undefined;
  const gauge = (name: string, help: string, read: (pool: PoolCounts) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        if (watched) this.set(read(watched));
      },
    });
  gauge('database_pool_connections', 'Open connections of the database pool, in use or idle', (pool) => pool.totalCount);
  gauge('database_pool_idle_connections', 'Open pool connections waiting for a request', (pool) => pool.idleCount);
  gauge(
    'database_pool_waiting_requests',
    'Requests queued for a pool connection because every one was in use (DATABASE_POOL_MAX reached)',
    (pool) => pool.waitingCount,
  );
  gauge(
    'database_pool_max_connections',
    'The largest number of connections the pool opens (DATABASE_POOL_MAX)',
    (pool) => pool.options.max ?? 0,
  );
  return (pool) => {
    watched = pool;
  };
}

/** The ledger's own counters, fed by its channels (observeLedger). */
function ledgerCounters(registry: Registry): Pick<Metrics, 'ledgerPostings' | 'ledgerPolicyRefusals'> {
  return {
    ledgerPostings: new Counter({
      name: 'ledger_postings_total',
      help: 'Postings committed to the ledger, by kind (income, expense, transfer, opening, goal_contribution, goal_withdrawal, reversal)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    ledgerPolicyRefusals: new Counter({
      name: 'ledger_policy_refusals_total',
      help: "Postings the ledger's policies refused, by problem code (insufficient_funds, balance_out_of_range)",
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}

function buildInfoGauge(registry: Registry, build: BuildInfo): Metrics['buildInfo'] {
  const gauge = new Gauge({
    name: 'vai_de_pix_build_info',
    help: 'Always 1; its labels say which version, commit and Node.js this process runs',
    labelNames: ['version', 'commit', 'node_version'],
    registers: [registry],
  });
  gauge.set({ version: packageVersion(), commit: build.commit ?? BUILD_COMMIT_UNKNOWN, node_version: process.version }, 1);
  return gauge;
}

let processFigures: Registry | undefined;

/**
 * The process's own figures (CPU, memory, event-loop lag, garbage collection), collected once per
 * process: each collection starts an event-loop monitor and a GC observer that nothing stops.
 */
function processRegistry(): Registry {
  if (processFigures === undefined) {
    processFigures = new Registry();
    collectDefaultMetrics({ register: processFigures });
  }
  return processFigures;
}

/**
 * One registry per app instance, so tests can build many apps in one process; each shows the
 * process's own figures beside its own.
 */
export function createMetrics(build: BuildInfo = {}): Metrics {
  const registry = Registry.merge([processRegistry(), new Registry()]);
  const metrics: Metrics = {
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
    ...ledgerCounters(registry),
    buildInfo: buildInfoGauge(registry, build),
    watchPool: poolGauges(registry),
  };
  startAtZero(metrics);
  return metrics;
}

/**
 * increase() and rate() need two samples of a series, so a series born with its first event
 * hides that event from every alert, and these are rare events the alerts are about. The label
 * values known in advance are therefore exported at 0 from the start.
 */
function startAtZero(metrics: Metrics): void {
  const kinds = ['income', 'expense', 'transfer', 'opening', 'goal_contribution', 'goal_withdrawal', 'reversal', 'refund'];
  for (const kind of kinds) metrics.ledgerPostings.inc({ kind }, 0);
  for (const code of ['insufficient_funds', 'balance_out_of_range']) metrics.ledgerPolicyRefusals.inc({ code }, 0);
  for (const code of [SqlState.serializationFailure, SqlState.deadlockDetected]) metrics.ledgerRetries.inc({ code }, 0);
  for (const code of ['idempotency_key_reused', 'idempotency_key_in_use']) metrics.idempotencyConflicts.inc({ code }, 0);
}

/** Each Metrics' subscription to the ledger's channels, shared by whoever observes with it. */
const ledgerObservers = new WeakMap<Metrics, { holders: number; stop: () => void }>();

/**
 * Counts the ledger's committed postings and policy refusals in these metrics until the
 * returned function is called. Observing twice with one Metrics (the API and the worker of
 * one process) subscribes once, so nothing is counted twice.
 */
export function observeLedger(metrics: Metrics): () => void {
  let observer = ledgerObservers.get(metrics);
  if (!observer) {
    const onPosted = (message: unknown) => {
      const { kind, count } = message as PostedEvent;
      metrics.ledgerPostings.inc({ kind }, count);
    };
    const onRefused = (message: unknown) => metrics.ledgerPolicyRefusals.inc({ code: (message as RefusedEvent).code });
    diagnosticsChannel.subscribe(POSTED_CHANNEL, onPosted);
    diagnosticsChannel.subscribe(REFUSED_CHANNEL, onRefused);
    observer = {
      holders: 0,
      stop: () => {
        diagnosticsChannel.unsubscribe(POSTED_CHANNEL, onPosted);
        diagnosticsChannel.unsubscribe(REFUSED_CHANNEL, onRefused);
      },
    };
    ledgerObservers.set(metrics, observer);
  }
  observer.holders += 1;
  let released = false;
  const held = observer;
  return () => {
    if (released) return;
    released = true;
    held.holders -= 1;
    if (held.holders === 0) {
      held.stop();
      ledgerObservers.delete(metrics);
    }
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
  async (app: FastifyInstance, options: { metrics: Metrics; token: string | undefined; pool?: PoolCounts }) => {
    const { metrics, token } = options;
    if (options.pool) metrics.watchPool(options.pool);
    const stopObservingLedger = observeLedger(metrics);
    app.addHook('onClose', async () => stopObservingLedger());
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
