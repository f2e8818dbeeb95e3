import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURES, type FeatureFlag, type Features } from '../../src/features.js';
import { createReadOnlyMode, READ_ONLY_NOTICE_MS } from '../../src/http/read-only.js';
import { allJobs, registeredJobs } from '../../src/jobs/registry.js';
import { runJobOnce } from '../../src/jobs/runner.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { type OpenApiDocument, type Route, readOpenApi, routes, sampleRequest } from '../helpers/openapi.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';
import { expectStoppedCleanly, requireBuild, startWorkerProcess } from '../helpers/worker-processes.js';

/**
 * Each flag of src/features.ts, turned off on its own: every route of the feature the
 * OpenAPI document lists answers 404 feature_disabled and writes nothing, the other
 * features keep working, GET /api/config says so, and the feature's jobs neither get
 * scheduled nor run by command.
 */

/** Rows only the session itself touches on a request; every other table must stay as it was. */
const BOOKKEEPING_TABLES = new Set(['sessions', 'access_log', 'rate_limit_hits', 'known_devices', 'job_runs']);

const allOn = (): Features => Object.fromEntries(FEATURES.map((feature) => [feature.name, true])) as Features;

/** A route belongs to a feature when it carries the feature's tag. */
function routesOf(document: OpenApiDocument, feature: FeatureFlag): Route[] {
  return routes(document).filter((route) => (route.operation as { tags?: string[] }).tags?.includes(feature.openApiTag));
}

function underFeaturePaths(path: string, feature: FeatureFlag): boolean {
  return feature.apiPaths.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** Every table's row count, so a walk of refused routes can show it wrote nothing. */
async function rowCounts(pool: TestApp['pool']): Promise<Record<string, number>> {
  const tables = await pool.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables.rows) {
    if (BOOKKEEPING_TABLES.has(name)) continue;
    const result = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${name}"`);
    counts[name] = result.rows[0]?.n ?? 0;
  }
  return counts;
}

async function send(app: TestApp['app'], request: ReturnType<typeof sampleRequest>, token: string, key: string) {
  return app.inject({
    method: request.method,
    url: request.url,
    headers: { ...request.headers, authorization: `Bearer ${token}`, 'idempotency-key': key },
    payload:
      request.body === undefined
        ? request.method === 'GET' || request.method === 'DELETE'
          ? undefined
          : {}
        : (request.body as object),
  });
}

interface JobCommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runJobCommand(databaseUrl: string, job: string, env: NodeJS.ProcessEnv): Promise<JobCommandResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/job.ts', job], {
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

it('the flags are listed once, each with its own name, variable, tag and paths', () => {
  for (const key of ['name', 'env', 'openApiTag'] as const) {
    const values = FEATURES.map((feature) => feature[key]);
    expect(new Set(values).size, key).toBe(values.length);
  }
  for (const feature of FEATURES) {
    expect(feature.env).toMatch(/^ENABLE_[A-Z_]+$/);
    expect(feature.apiPaths.length).toBeGreaterThan(0);
    expect(feature.screens.length).toBeGreaterThan(0);
  }
  const known = new Set(
    registeredJobs({ sessionIdleHours: 1, mail: {} as never, features: allOn(), backup: {} as never }).map((job) => job.name),
  );
  for (const job of FEATURES.flatMap((feature) => feature.jobs)) expect(known, `job ${job}`).toContain(job);
});

for (const feature of FEATURES) {
  describe(`${feature.env}=false`, () => {
    let off: TestApp;
    let document: OpenApiDocument;
    beforeAll(async () => {
      off = await startTestApp({ env: { [feature.env]: 'false' } });
      document = await readOpenApi(off.app);
    });
    afterAll(async () => {
      await off?.close();
    });

    it(`every ${feature.name} route of the OpenAPI document answers 404 feature_disabled and writes nothing`, async () => {
      const { client, token } = await signedIn(off.app);
      const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
      const guarded = routesOf(document, feature);
      expect(guarded.length).toBeGreaterThan(0);
      // The tag and the paths of features.ts agree: no route of the feature hides under another tag.
      const tagged = new Set(guarded.map((route) => `${route.method} ${route.path}`));
      for (const route of routes(document)) {
        const label = `${route.method} ${route.path}`;
        expect(underFeaturePaths(route.path, feature), label).toBe(tagged.has(label));
      }
      const before = await rowCounts(off.pool);
      for (const [index, route] of guarded.entries()) {
        const request = sampleRequest(document, route, () => account.id);
        const response = await send(off.app, request, token, `flag-${index}`);
        expect(`${route.method} ${route.path} ${response.statusCode} ${response.json().code}`).toBe(
          `${route.method} ${route.path} 404 feature_disabled`,
        );
        expectProblem(response, 404, 'feature_disabled');
      }
      expect(await rowCounts(off.pool)).toEqual(before);
    });

    it('the routes of every other feature and of the ledger still answer', async () => {
      const { client, token } = await signedIn(off.app);
      const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
      expectStatus(
        await client.post('/api/transactions', {
          account_id: account.id,
          type: 'expense',
          amount_cents: 100,
          description: 'Café',
        }),
        201,
      );
      for (const other of FEATURES.filter((candidate) => candidate !== feature)) {
        const reads = routesOf(document, other).filter((route) => route.method === 'GET');
        expect(reads.length, other.name).toBeGreaterThan(0);
        const answered: number[] = [];
        for (const [index, route] of reads.entries()) {
          const response = await send(
            off.app,
            sampleRequest(document, route, () => account.id),
            token,
            `other-${index}`,
          );
          expect(response.json().code, `${route.method} ${route.path}`).not.toBe('feature_disabled');
          answered.push(response.statusCode);
        }
        expect(answered, other.name).toContain(200);
      }
    });

    it('GET /api/config, without a session, says this feature is off and the others on', async () => {
      const response = expectStatus(await off.app.inject({ method: 'GET', url: '/api/config' }), 200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json()).toEqual({ features: { ...allOn(), [feature.name]: false }, read_only: false });
    });

    it("the feature's jobs are not scheduled, and `npm run job` of one runs nothing", async () => {
      const scheduled = allJobs(off.config).map((job) => job.name);
      const every = registeredJobs(off.config).map((job) => job.name);
      expect(scheduled).toEqual(every.filter((name) => !(feature.jobs as readonly string[]).includes(name)));
      for (const job of feature.jobs) {
        const result = await runJobCommand(off.database.url, job, { [feature.env]: 'false' });
        expect(result.code, result.stderr).toBe(69);
        expect(result.stderr).toContain(`the job "${job}" belongs to the ${feature.name} feature`);
        expect(result.stderr).toContain(feature.env);
        expect(result.stdout).toBe('');
      }
      const runs = await off.pool.query('SELECT count(*)::int AS n FROM job_runs');
      expect(runs.rows[0].n).toBe(0);
      // Even run by hand (say, by an older worker's registry), a feature's job changes nothing while it is off.
      const before = await rowCounts(off.pool);
      for (const job of registeredJobs(off.config).filter((candidate) => !scheduled.includes(candidate.name))) {
        expect(await runJobOnce(off.pool, job)).toEqual({ ran: true, affected: 0 });
      }
      expect(await rowCounts(off.pool)).toEqual(before);
    }, 180_000);
  });
}

describe('GET /api/config', () => {
  let t: TestApp;
  let nowMs = 0;
  const mode = createReadOnlyMode({ forced: false, now: () => nowMs });
  beforeAll(async () => {
    t = await startTestApp({ readOnly: mode });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("says every feature is on by default, and read_only while the app's read-only mode holds", async () => {
    const read = async () => expectStatus(await t.app.inject({ method: 'GET', url: '/api/config' }), 200).json();
    expect(await read()).toEqual({ features: allOn(), read_only: false });
    mode.noticeDatabaseReadOnly();
    expect(await read()).toEqual({ features: allOn(), read_only: true });
    nowMs += READ_ONLY_NOTICE_MS;
    expect(await read()).toEqual({ features: allOn(), read_only: false });
  });

  it('says read_only under READ_ONLY=true', async () => {
    const forced = await startTestApp({ env: { READ_ONLY: 'true' } });
    try {
      const response = expectStatus(await forced.app.inject({ method: 'GET', url: '/api/config' }), 200);
      expect(response.json()).toEqual({ features: allOn(), read_only: true });
    } finally {
      await forced.close();
    }
  });
});

describe('a worker with every feature off', () => {
  it("schedules every job except the features' own, which never run", async () => {
    requireBuild();
    const t = await startTestApp();
    const off = Object.fromEntries(FEATURES.map((feature) => [feature.env, 'false']));
    const worker = await startWorkerProcess(t.database.url, off);
    const featureJobs: string[] = FEATURES.flatMap((feature) => [...feature.jobs]);
    const others = registeredJobs(t.config)
      .map((job) => job.name)
      .filter((name) => !featureJobs.includes(name));
    try {
      // Every job fires each second: once each of the others has run twice, a feature's job had its chances.
      await expect
        .poll(
          async () => {
            const ran = await t.pool.query<{ job: string }>(
              `SELECT job FROM job_runs WHERE trigger = 'schedule' GROUP BY job HAVING count(*) >= 2`,
            );
            const seen = ran.rows.map((row) => row.job);
            // A feature's job that ran ends the wait at once: the assertion below then names it.
            return others.every((name) => seen.includes(name)) || seen.some((name) => featureJobs.includes(name));
          },
          { timeout: 150_000, interval: 250 },
        )
        .toBe(true);
      const ran = await t.pool.query<{ job: string }>('SELECT DISTINCT job FROM job_runs ORDER BY job');
      expect(ran.rows.map((row) => row.job)).toEqual([...others].sort());
      expect(worker.output()).toContain(`worker started with ${others.length} jobs`);
    } finally {
      await expectStoppedCleanly([worker]);
      await t.close();
    }
  }, 240_000);
});
