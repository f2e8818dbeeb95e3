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
import { AdminJobs, AdminJobsQuery, type AdminJobsResponse, type JobRunResponse } from './admin.schemas.js';
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
}
