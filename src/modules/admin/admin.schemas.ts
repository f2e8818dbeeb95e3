import { type Static, Type } from '@sinclair/typebox';

export const JobRun = Type.Object(
  {
    id: Type.String({ description: 'The run, in start order' }),
    job: Type.String(),
    trigger: Type.Union([Type.Literal('schedule'), Type.Literal('command')]),
    worker: Type.String({ description: 'host:pid of the process that ran it' }),
    started_at: Type.String({ format: 'date-time' }),
    finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    status: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('died')], {
      description: "'died': its process stopped before it finished (found by the next run)",
    }),
    items: Type.Integer({ minimum: 0 }),
    error_summary: Type.Union([Type.String(), Type.Null()], { description: 'Class, SQLSTATE and message; no values' }),
  },
  { $id: 'JobRun', additionalProperties: false },
);
export type JobRunResponse = Static<typeof JobRun>;

export const AdminJob = Type.Object(
  {
    name: Type.String(),
    schedule: Type.String({ description: 'Cron pattern, UTC' }),
    next_run_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    last_runs: Type.Array(Type.Ref(JobRun), { description: 'Newest first' }),
  },
  { $id: 'AdminJob', additionalProperties: false },
);

export const AdminJobs = Type.Object({ jobs: Type.Array(Type.Ref(AdminJob)) }, { $id: 'AdminJobs', additionalProperties: false });
export type AdminJobsResponse = Static<typeof AdminJobs>;

export const AdminJobsQuery = Type.Object(
  { runs: Type.Integer({ minimum: 1, maximum: 50, default: 10, description: 'Runs per job' }) },
  { additionalProperties: false },
);
