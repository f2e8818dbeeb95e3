import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { freePort } from '../../src/db/embedded.js';
import { allJobs } from '../../src/jobs/registry.js';

/** The built server, as `npm start` runs it; npm test builds it before the integration tests. */
export const MAIN = 'dist/main.js';
/**
 * A hang guard: a worker that printed nothing at all in 60 s failed a CI run on a starved two-core
 * machine (2 December), where node itself waited for the CPU; a quiet machine starts one in about 1 s.
 */
const STARTUP_TIMEOUT_MS = 180_000;
/** Every job on every worker fires each second (croner's six-field form). */
export const EVERY_SECOND = '* * * * * *';

/**
 * Every job fires at once each second: each run in flight holds a connection for its lock
 * and needs another to work, so a pool no larger than the number of jobs would starve.
 * Small beyond that, since several workers and other tests share the server.
 */
const WORKER_POOL_MAX = allJobs(loadConfig({ NODE_ENV: 'test' })).length + 2;

export interface WorkerProcess {
  child: ChildProcessWithoutNullStreams;
  metricsUrl: string;
  output(): string;
  exited: Promise<number | null>;
}

export function requireBuild(): void {
  if (!existsSync(MAIN)) throw new Error('build first: npm run build (npm test does it before the integration tests)');
}

function workerEnv(databaseUrl: string, metricsPort: number, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['TEST_DATABASE_URL', 'VDP_TEST_ADMIN_URL', 'DATA_DIR', 'PORT', 'TEST_CLOCK_START', 'METRICS_TOKEN'])
    delete env[name];
  return {
    ...env,
    NODE_ENV: 'test',
    ROLE: 'worker',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    METRICS_PORT: String(metricsPort),
    JOB_SCHEDULE_OVERRIDE: EVERY_SECOND,
    DATABASE_POOL_MAX: String(WORKER_POOL_MAX),
    ...extra,
  };
}

/** A real worker process (ROLE=worker) on its own metrics port, once it serves /metrics. */
export async function startWorkerProcess(databaseUrl: string, extra: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], { env: workerEnv(databaseUrl, port, extra) });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!output.includes('worker metrics and health on port')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the worker did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, metricsUrl: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** SIGTERM, then the exit code: a worker lets a run in progress finish and exits 0. */
export async function stopWorkerProcess(worker: WorkerProcess): Promise<number | null> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return worker.exited;
  worker.child.kill('SIGTERM');
  return worker.exited;
}

/**
 * SIGTERM to every worker, then each must exit 0; when one does not, the failure carries the end of
 * its output (the line that says why: the grace period, a failed stop, an uncaught error).
 */
export async function expectStoppedCleanly(workers: WorkerProcess[]): Promise<void> {
  const exits = await Promise.all(workers.map((worker) => stopWorkerProcess(worker)));
  const why = workers
    .map((worker, index) =>
      exits[index] === 0 ? '' : `worker ${index} exited ${exits[index]}:\n${worker.output().slice(-6_000)}`,
    )
    .filter(Boolean)
    .join('\n');
  expect(exits, why).toEqual(workers.map(() => 0));
}

/** The sum over jobs of one counter in a worker's /metrics, e.g. job_lock_skipped_total. */
export async function scrapeCounter(worker: WorkerProcess, name: string): Promise<Map<string, number>> {
  const response = await fetch(`${worker.metricsUrl}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const byJob = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = new RegExp(`^${name}\\{job="([^"]+)"\\} (\\S+)$`).exec(line);
    if (match) byJob.set(String(match[1]), Number(match[2]));
  }
  return byJob;
}

/** A counter without labels in a worker's /metrics, e.g. ledger_reconcile_mismatches_total (0 when absent). */
export async function scrapeTotal(worker: WorkerProcess, name: string): Promise<number> {
  const response = await fetch(`${worker.metricsUrl}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const line = (await response.text()).split('\n').find((text) => text.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

export async function waitFor(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs: number,
  output = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what} (is dist/ built from this tree? npm run build)\n${output().slice(-4_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
