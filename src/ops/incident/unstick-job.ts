import { withTransaction } from '../../db/unit-of-work.js';
import type { OpsCommand, OpsContext } from '../command.js';
import { EXIT_DONE, EXIT_FOUND, EXIT_USAGE, parseOptions, wholeNumber } from './args.js';
import { type LockHolder, lockHolder, markRunsDied, terminateSession } from './incident.repository.js';
import { HOLDER_SILENT_SECONDS_DEFAULT, knownJobs } from './job-list.js';

const USAGE = 'npm run ops -- unstick-job <job> [--silent-seconds N] [--force]';
/** How long to wait for a terminated session's lock to go: 100 checks, 100 ms apart. */
const RELEASE_CHECKS_MAX = 100;
const RELEASE_CHECK_MS = 100;
export const UNSTUCK_SUMMARY = 'marked died by npm run ops -- unstick-job: its lock holder was gone or ended';

async function waitForRelease(context: OpsContext, lock: number): Promise<boolean> {
  for (let check = 0; check < RELEASE_CHECKS_MAX; check += 1) {
    if ((await lockHolder(context.pool, lock)) === undefined) return true;
    await new Promise((resolve) => setTimeout(resolve, RELEASE_CHECK_MS));
  }
  return false;
}

function holderText(holder: LockHolder): string {
  return `pid ${holder.pid} (${holder.application_name || 'no application name'}, ${holder.address ?? 'local socket'}, ${holder.state ?? '-'}, silent ${Math.round(holder.silent_seconds)} s)`;
}

/**
 * `unstick-job <job>`: frees a job whose lock is held by a session that no longer works (a
 * worker frozen, a network partition the server has not noticed) and closes its runs left
 * 'running'. A holder that answered within --silent-seconds (default 60) is a live run and is
 * left alone unless --force. The session is terminated (its transaction rolls back: a job's
 * lock transaction holds nothing else), then the command takes the lock itself, marks the runs
 * still 'running' as died, and lets it go; the next tick or `npm run job -- <job>` runs the job.
 */
export const unstickJobCommand: OpsCommand = {
  name: 'unstick-job',
  summary: "end a dead session holding a job's lock and close its runs left 'running'",
  usage: USAGE,
  async run(args, context) {
    const parsed = parseOptions(
      args,
      { options: { 'silent-seconds': { type: 'string' }, force: { type: 'boolean' } }, positionals: 1, usage: USAGE },
      context,
    );
    const silentSecondsMax = wholeNumber(parsed?.values['silent-seconds'], HOLDER_SILENT_SECONDS_DEFAULT, 0);
    if (!parsed || silentSecondsMax === undefined) return EXIT_USAGE;
    const jobs = knownJobs();
    const job = jobs.find((candidate) => candidate.name === parsed.positionals[0]);
    if (!job) {
      context.say(`no job named ${JSON.stringify(parsed.positionals[0])}; one of: ${jobs.map((known) => known.name).join(', ')}`);
      return EXIT_USAGE;
    }
    const lock = Number(job.lock);
    const holder = await lockHolder(context.pool, lock);
    if (holder) {
      if (holder.silent_seconds <= silentSecondsMax && parsed.values.force !== true) {
        context.out(`left alone: ${job.name}'s lock is held by a live session, ${holderText(holder)}; wait, or --force`);
        return EXIT_FOUND;
      }
      context.out(`terminating the session holding ${job.name}'s lock: ${holderText(holder)}`);
      if (!(await terminateSession(context.pool, holder.pid)) || !(await waitForRelease(context, lock))) {
        context.out(`could not end pid ${holder.pid} (needs pg_signal_backend or superuser): nothing changed`);
        return EXIT_FOUND;
      }
    }
    const died = await withTransaction(context.pool, (client) =>
      markRunsDied(client, { job: job.name, lock, now: context.clock.now(), summary: UNSTUCK_SUMMARY }),
    );
    if (died === false) {
      context.out(`${job.name}'s lock was taken again meanwhile: a run started; see npm run ops -- jobs`);
      return EXIT_FOUND;
    }
    context.out(`${job.name} unstuck: lock free, ${died} run(s) marked died; run it now with npm run job -- ${job.name}`);
    return EXIT_DONE;
  },
};
