import type { OpsCommand } from '../command.js';
import { EXIT_DONE, EXIT_FOUND, EXIT_USAGE, parseOptions, wholeNumber } from './args.js';
import { type JobStatusRow, jobStatuses } from './incident.repository.js';
import { HOLDER_SILENT_SECONDS_DEFAULT, knownJobs } from './job-list.js';

const USAGE = 'npm run ops -- jobs [--silent-seconds N]';

/** What the row says about the job, in a word and a reason; `stuck` is what unstick-job is for. */
export function verdictOf(row: JobStatusRow, silentSecondsMax: number): { verdict: string; reason: string } {
  if (row.holder_pid !== null && (row.holder_silent_seconds ?? 0) > silentSecondsMax)
    return {
      verdict: 'stuck',
      reason: `its lock is held by a session silent for ${Math.round(row.holder_silent_seconds ?? 0)} s`,
    };
  if (row.holder_pid !== null) return { verdict: 'running', reason: 'a live session holds its lock' };
  if (row.running_runs > 0)
    return { verdict: 'died', reason: "a run is recorded as running but nobody holds the lock: its next run marks it 'died'" };
  return { verdict: 'idle', reason: '' };
}

const iso = (value: Date | null) => (value === null ? '-' : value.toISOString());

/**
 * `jobs`: one line per job: its verdict (idle, running, stuck, died), last run (status, start,
 * error), last success, runs recorded as running (and by which worker), and the session holding
 * its advisory lock (pid, application, address, state, seconds since it last did anything).
 * Exit 1 when a job is stuck or died, else 0.
 */
export const jobsCommand: OpsCommand = {
  name: 'jobs',
  summary: "each job's last run, last success, and who holds its lock (exit 1 if one is stuck)",
  usage: USAGE,
  async run(args, context) {
    const parsed = parseOptions(
      args,
      { options: { 'silent-seconds': { type: 'string' } }, positionals: 0, usage: USAGE },
      context,
    );
    const silentSecondsMax = wholeNumber(parsed?.values['silent-seconds'], HOLDER_SILENT_SECONDS_DEFAULT, 0);
    if (!parsed || silentSecondsMax === undefined) return EXIT_USAGE;
    const jobs = knownJobs();
    const rows = await jobStatuses(
      context.pool,
      jobs.map((job) => ({ name: job.name, lock: Number(job.lock) })),
    );
    let troubled = 0;
    for (const row of rows) {
      const { verdict, reason } = verdictOf(row, silentSecondsMax);
      if (verdict === 'stuck' || verdict === 'died') troubled += 1;
      const holder =
        row.holder_pid === null
          ? 'lock=free'
          : `lock=pid:${row.holder_pid} app=${row.holder_application || '-'} addr=${row.holder_address ?? 'local'} state=${row.holder_state ?? '-'} silent_s=${Math.round(row.holder_silent_seconds ?? 0)}`;
      context.out(
        [
          row.job,
          verdict,
          `last=${row.last_status ?? 'never'}@${iso(row.last_started_at)}`,
          `last_success=${iso(row.last_success_at)}`,
          `running_runs=${row.running_runs}${row.running_workers ? ` (${row.running_workers} since ${iso(row.running_since)})` : ''}`,
          holder,
          ...(reason ? [`— ${reason}`] : []),
          ...(row.last_status === 'failed' && row.last_error ? [`last_error=${JSON.stringify(row.last_error)}`] : []),
        ].join(' '),
      );
    }
    return troubled > 0 ? EXIT_FOUND : EXIT_DONE;
  },
};
