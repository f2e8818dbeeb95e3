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

export const ReconcileFinding = Type.Object(
  {
    id: Type.String(),
    account_id: Type.String({ format: 'uuid' }),
    found_at: Type.String({ format: 'date-time' }),
    cached_balance_cents: Type.Integer({ description: 'accounts.balance_cents, the balance every screen shows' }),
    ledger_balance_cents: Type.Integer({ description: "The sum of all the account's ledger entries" }),
    snapshot_balance_cents: Type.Integer({ description: 'The latest month-end snapshot plus the entries after it' }),
    snapshot_as_of: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'The snapshot used; null when the account had none',
    }),
  },
  { $id: 'ReconcileFinding', additionalProperties: false },
);
export type ReconcileFindingResponse = Static<typeof ReconcileFinding>;

export const ReconcileFindings = Type.Object(
  {
    findings: Type.Array(Type.Ref(ReconcileFinding), { description: 'Open findings, newest first' }),
    total: Type.Integer({ minimum: 0, description: 'Open findings in all' }),
  },
  { $id: 'ReconcileFindings', additionalProperties: false },
);
export type ReconcileFindingsResponse = Static<typeof ReconcileFindings>;

export const ReconcileFindingsQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Findings listed' }) },
  { additionalProperties: false },
);
