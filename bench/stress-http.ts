/**
 * The HTTP side of bench/stress: a keep-alive client that times every request and sorts
 * every answer into ok, an expected refusal (by status and problem code), an error (5xx,
 * socket error, timeout) or an unexpected answer, and the records the SLO checks read.
 */
import http from 'node:http';
import { quantile } from './support.js';

/** Refusals the app is meant to give under contention: a 4xx with a code, not an error against the SLOs. */
export const EXPECTED_REFUSALS: ReadonlySet<string> = new Set([
  '422 insufficient_funds',
  '409 row_version_conflict',
  '409 idempotency_key_in_use',
]);

const REQUEST_TIMEOUT_MS = 30_000;
/** A problem body is small; a longer one is not read for its code. */
const PROBLEM_BODY_BYTES_MAX = 64 * 1024;

export type OutcomeClass = 'ok' | 'refusal' | 'error' | 'unexpected';

export interface Answer {
  status: number;
  /** "201", "422 insufficient_funds", "503 busy", "socket ECONNRESET", "timeout". */
  outcome: string;
  outcome_class: OutcomeClass;
  ms: number;
  json: any;
}

export interface RequestRecord {
  scenario: string;
  /** "POST /api/transfers": the method and the route's pattern, as the metrics label it. */
  route: string;
  method: string;
  status: number;
  outcome: string;
  outcome_class: OutcomeClass;
  ms: number;
  /** Milliseconds since the run began, when the request was sent. */
  sent_at_ms: number;
}

export function classify(status: number, code: string | undefined): { outcome: string; outcome_class: OutcomeClass } {
  const outcome = code ? `${status} ${code}` : String(status);
  if (status >= 200 && status < 300) return { outcome, outcome_class: 'ok' };
  if (EXPECTED_REFUSALS.has(outcome)) return { outcome, outcome_class: 'refusal' };
  if (status >= 500) return { outcome, outcome_class: 'error' };
  return { outcome, outcome_class: 'unexpected' };
}

export interface CallOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  path: string;
  /** The route's pattern for the figures; the path itself when absent. */
  route?: string;
  token?: string;
  key?: string;
  body?: unknown;
  /** Stop reading once the status line and headers arrived (an export's start). */
  headersOnly?: boolean;
}

/** One client per base URL, its sockets kept alive and capped at maxSockets. */
export class HttpClient {
  private readonly agent: http.Agent;
  readonly records: RequestRecord[] = [];
  scenario = 'setup';
  private readonly started = performance.now();

  constructor(
    private readonly base: string,
    maxSockets: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  close(): void {
    this.agent.destroy();
  }

  async call(options: CallOptions): Promise<Answer> {
    const sentAt = performance.now();
    const answer = await this.send(options);
    this.records.push({
      scenario: this.scenario,
      route: `${options.method} ${options.route ?? options.path}`,
      method: options.method,
      status: answer.status,
      outcome: answer.outcome,
      outcome_class: answer.outcome_class,
      ms: answer.ms,
      sent_at_ms: sentAt - this.started,
    });
    return answer;
  }

  /** As call, and throws unless the answer is a 2xx: for seeding. */
  async ok(options: CallOptions): Promise<any> {
    const answer = await this.call(options);
    if (answer.outcome_class !== 'ok') {
      throw new Error(`${options.method} ${options.path}: ${answer.outcome} ${JSON.stringify(answer.json)}`);
    }
    return answer.json;
  }

  private send(options: CallOptions): Promise<Answer> {
    const url = new URL(options.path, this.base);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.key) headers['idempotency-key'] = options.key;
    const started = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      const finish = (status: number, code: string | undefined, json: any, failure?: string) => {
        if (settled) return;
        settled = true;
        const ms = performance.now() - started;
        if (failure) resolve({ status: 0, outcome: failure, outcome_class: 'error', ms, json: null });
        else resolve({ status, ...classify(status, code), ms, json });
      };
      const request = http.request(
        url,
        { method: options.method, headers, agent: this.agent, timeout: REQUEST_TIMEOUT_MS },
        (response) => {
          const status = response.statusCode ?? 0;
          if (options.headersOnly && status < 300) {
            finish(status, undefined, null);
            request.destroy();
            return;
          }
          const chunks: Buffer[] = [];
          let bytes = 0;
          response.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (status < 300 || bytes <= PROBLEM_BODY_BYTES_MAX) chunks.push(chunk);
          });
          response.on('error', (error: NodeJS.ErrnoException) =>
            finish(0, undefined, null, `socket ${error.code ?? error.message}`),
          );
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: any = null;
            try {
              json = text ? JSON.parse(text) : null;
            } catch {
              json = null;
            }
            finish(status, status >= 300 && typeof json?.code === 'string' ? json.code : undefined, json);
          });
        },
      );
      request.on('timeout', () => {
        finish(0, undefined, null, 'timeout');
        request.destroy();
      });
      request.on('error', (error: NodeJS.ErrnoException) => finish(0, undefined, null, `socket ${error.code ?? error.message}`));
      if (body !== undefined) request.write(body);
      request.end();
    });
  }
}

export interface RouteFigures {
  route: string;
  count: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** p50/p95/p99/max of every answered request (refusals included, as the latency histogram counts them) per route. */
export function routeFigures(records: readonly RequestRecord[]): RouteFigures[] {
  const byRoute = new Map<string, number[]>();
  for (const record of records) {
    if (record.outcome_class === 'error' && record.status === 0) continue;
    const list = byRoute.get(record.route) ?? [];
    list.push(record.ms);
    byRoute.set(record.route, list);
  }
  return [...byRoute]
    .map(([route, latencies]) => {
      latencies.sort((a, b) => a - b);
      return {
        route,
        count: latencies.length,
        p50_ms: quantile(latencies, 0.5),
        p95_ms: quantile(latencies, 0.95),
        p99_ms: quantile(latencies, 0.99),
        max_ms: latencies[latencies.length - 1] ?? Number.NaN,
      };
    })
    .sort((a, b) => a.route.localeCompare(b.route));
}

/** Answers by outcome ("201", "422 insufficient_funds", "socket ECONNRESET") with their class. */
export function outcomeCounts(
  records: readonly RequestRecord[],
): Array<{ outcome: string; outcome_class: OutcomeClass; count: number }> {
  const counts = new Map<string, { outcome: string; outcome_class: OutcomeClass; count: number }>();
  for (const record of records) {
    const entry = counts.get(record.outcome) ?? { outcome: record.outcome, outcome_class: record.outcome_class, count: 0 };
    entry.count += 1;
    counts.set(record.outcome, entry);
  }
  return [...counts.values()].sort((a, b) => a.outcome.localeCompare(b.outcome));
}
