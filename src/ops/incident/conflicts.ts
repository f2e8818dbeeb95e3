import type { OpsCommand } from '../command.js';
import { EXIT_DONE, EXIT_FOUND, EXIT_USAGE, parseOptions, wholeNumber } from './args.js';
import { blockedSessions, recentKeys } from './incident.repository.js';

const USAGE = 'npm run ops -- conflicts [--minutes N]';
const BLOCKED_SHOWN_MAX = 50;
const MINUTES_DEFAULT = 15;
/** An hour a day: the window of keys is bounded like every other input. */
const MINUTES_MAX = 1_440;

const seconds = (value: number | null) => (value === null ? '-' : `${Math.round(value)}`);

/**
 * `conflicts [--minutes N]`: what a storm of 409s is made of, from the database's side. First the
 * sessions waiting on a lock and the session blocking each (a transaction left open holds its
 * Idempotency-Key claim and its accounts: every retry with that key waits, then answers 409
 * idempotency_key_in_use, and writes on those accounts answer 503 busy); then the Idempotency-Keys
 * written per route in the last N minutes (default 15), with how many people wrote them.
 * Exit 1 when a session is blocked, else 0.
 */
export const conflictsCommand: OpsCommand = {
  name: 'conflicts',
  summary: 'blocked sessions and their blockers, and Idempotency-Keys per route (exit 1 if a session waits)',
  usage: USAGE,
  async run(args, context) {
    const parsed = parseOptions(args, { options: { minutes: { type: 'string' } }, positionals: 0, usage: USAGE }, context);
    const minutes = wholeNumber(parsed?.values.minutes, MINUTES_DEFAULT, 1);
    if (!parsed || minutes === undefined || minutes > MINUTES_MAX) {
      if (parsed) context.say(`--minutes is 1 to ${MINUTES_MAX}. Usage: ${USAGE}`);
      return EXIT_USAGE;
    }
    const blocked = await blockedSessions(context.pool, BLOCKED_SHOWN_MAX);
    for (const row of blocked) {
      context.out(
        `blocked pid=${row.pid} waiting_s=${seconds(row.waiting_seconds)} query=${JSON.stringify(row.query)} ` +
          `by pid=${row.blocker_pid} app=${row.blocker_application || '-'} state=${row.blocker_state ?? '-'} ` +
          `transaction_s=${seconds(row.blocker_transaction_seconds)} last_query=${JSON.stringify(row.blocker_query ?? '')}`,
      );
    }
    context.out(blocked.length === 0 ? 'no session waits on a lock' : `${blocked.length} session(s) wait on a lock`);
    for (const row of await recentKeys(context.pool, { now: context.clock.now(), minutes })) {
      context.out(`keys route=${JSON.stringify(row.path)} keys=${row.keys} people=${row.people} completed=${row.completed}`);
    }
    return blocked.length > 0 ? EXIT_FOUND : EXIT_DONE;
  },
};
