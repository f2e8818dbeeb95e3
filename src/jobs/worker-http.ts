import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { metricsTokenMatches } from '../http/metrics.js';

export interface WorkerHttp {
  port: number;
  close(): Promise<void>;
}

/**
 * A worker without the API still needs to be scraped and probed: GET /metrics (the bearer
 * METRICS_TOKEN when set, as on the API) and GET /health (liveness: 200 while the process
 * runs), on METRICS_PORT. Nothing else; every other path is 404.
 */
export async function startWorkerHttp(options: {
  port: number;
  host: string;
  registry: Registry;
  token: string | undefined;
}): Promise<WorkerHttp> {
  const { registry, token } = options;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    const problem = (status: number, code: string, detail: string) =>
      send(status, 'application/problem+json', JSON.stringify({ type: 'about:blank', title: detail, status, code, detail }));
    if (request.method !== 'GET' && request.method !== 'HEAD') return problem(405, 'method_not_allowed', 'Only GET.');
    if (path === '/metrics') {
      if (token !== undefined && !metricsTokenMatches(request.headers.authorization, token)) {
        return problem(401, 'unauthenticated', 'Metrics need the METRICS_TOKEN bearer token.');
      }
      registry.metrics().then(
        (text) => send(200, registry.contentType, text),
        () => problem(500, 'internal_error', 'Could not collect the metrics.'),
      );
      return;
    }
    if (path === '/health') {
      // Liveness only, like the API's /health: a database outage must not get workers restarted
      // in a loop (the jobs fail and are recorded, and resume when it is back).
      return send(200, 'application/json', JSON.stringify({ status: 'ok', role: 'worker' }));
    }
    problem(404, 'not_found', 'Only /metrics and /health here.');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
