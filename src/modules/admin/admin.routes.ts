import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { currentUser, requireSession } from '../../http/auth.js';
import { routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import type { Job } from '../../jobs/job.js';
import { nextRunOf } from '../../jobs/scheduler.js';
import type { Clock } from '../../lib/clock.js';
import { DomainError } from '../../lib/errors.js';
import {
  AdminJobs,
  AdminJobsQuery,
  type AdminJobsResponse,
  type JobRunResponse,
  ReconcileFindings,
  ReconcileFindingsQuery,
  type ReconcileFindingsResponse,
} from './admin.schemas.js';
import type { Operators } from './operators.js';

export interface AdminRoutesOptions {
  pool: pg.Pool;
  clock: Clock;
  jobs: readonly Job[];
  operators: Operators;
}

/** Only an operator; anyone else gets 403 `forbidden` (the page exists, it is not theirs). */
export function requireOperator(operators: Operators) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!(await operators.isOperator(currentUser(request)))) {
      throw new DomainError('forbidden', 403, 'Only an operator of this installation can see this.');
    }
  };
}

interface JobRunRow {
  id: string;
  job: string;
  trigger: 'schedule' | 'command';
  worker: string;
  started_at: Date;
  finished_at: Date | null;
  status: JobRunResponse['status'];
  items: number;
  error_summary: string | null;
}

/** The last `runs` runs of each job, newest first, one statement. */
async function lastRuns(pool: pg.Pool, names: readonly string[], runs: number): Promise<Map<string, JobRunResponse[]>> {
  const result = await pool.query<JobRunRow>(
    `SELECT r.* FROM unnest($1::text[]) AS j (name)
       CROSS JOIN LATERAL (
         SELECT id::text AS id, job, trigger, worker, started_at, finished_at, status, items, error_summary
           FROM job_runs WHERE job = j.name ORDER BY started_at DESC, id DESC LIMIT $2) AS r`,
    [names, runs],
  );
  const byJob = new Map<string, JobRunResponse[]>(names.map((name) => [name, []]));
  for (const row of result.rows) {
    byJob.get(row.job)?.push({
      ...row,
      started_at: row.started_at.toISOString(),
      finished_at: row.finished_at?.toISOString() ?? null,
    });
  }
  return byJob;
}

interface FindingRow {
  id: string;
  account_id: string;
  found_at: Date;
  cached_balance_cents: number;
  ledger_balance_cents: number;
  snapshot_balance_cents: number;
  snapshot_as_of: Date | null;
}

/** The open reconcile findings, newest first, and how many are open. */
async function openFindings(pool: pg.Pool, limit: number): Promise<ReconcileFindingsResponse> {
  const [rows, total] = await Promise.all([
    pool.query<FindingRow>(
      `SELECT id::text AS id, account_id::text AS account_id, found_at, cached_balance_cents, ledger_balance_cents,
              snapshot_balance_cents, snapshot_as_of
         FROM reconcile_findings WHERE resolved_at IS NULL ORDER BY found_at DESC, id DESC LIMIT $1`,
      [limit],
    ),
    pool.query<{ n: number }>('SELECT count(*)::int AS n FROM reconcile_findings WHERE resolved_at IS NULL'),
  ]);
  return {
    findings: rows.rows.map((row) => ({
      id: row.id,
      account_id: row.account_id,
      found_at: row.found_at.toISOString(),
      cached_balance_cents: row.cached_balance_cents,
      ledger_balance_cents: row.ledger_balance_cents,
      snapshot_balance_cents: row.snapshot_balance_cents,
      snapshot_as_of: row.snapshot_as_of?.toISOString() ?? null,
    })),
    total: total.rows[0]?.n ?? 0,
  };
}

/** /api/admin: what the worker did and will do, for the operators of this installation. */
export async function adminRoutes(app: FastifyInstance, options: AdminRoutesOptions) {
  const { pool, clock, jobs, operators } = options;
  requireSession(app);
  app.addHook('preHandler', requireOperator(operators));
  const api = routeApi(app);

  api.get(
    '/jobs',
    {
      schema: {
        tags: ['admin'],
        summary: "Every job's schedule, next run and last runs (operators only: the first person registered, or ADMIN_EMAILS)",
        security: bearerSecurity,
        querystring: AdminJobsQuery,
        response: { 200: Type.Ref(AdminJobs), ...problems(400, 401, 403) },
      },
    },
    async (request): Promise<AdminJobsResponse> => {
      const now = clock.now();
      const runs = await lastRuns(
        pool,
        jobs.map((job) => job.name),
        request.query.runs,
      );
      return {
        jobs: jobs.map((job) => ({
          name: job.name,
          schedule: job.schedule,
          next_run_at: nextRunOf(job, now)?.toISOString() ?? null,
          last_runs: runs.get(job.name) ?? [],
        })),
      };
    },
  );
  api.get(
    '/findings',
    {
      schema: {
        tags: ['admin'],
        summary: 'Open reconcile findings: accounts whose cached balance, ledger sum and snapshot path disagree (operators only)',
        security: bearerSecurity,
        querystring: ReconcileFindingsQuery,
        response: { 200: Type.Ref(ReconcileFindings), ...problems(400, 401, 403) },
      },
    },
    async (request): Promise<ReconcileFindingsResponse> => openFindings(pool, request.query.limit),
  );
}
