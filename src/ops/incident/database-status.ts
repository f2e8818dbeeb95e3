import type { OpsCommand } from '../command.js';
import { EXIT_DONE, EXIT_FOUND, EXIT_USAGE, parseOptions } from './args.js';
import { databaseState } from './incident.repository.js';

const USAGE = 'npm run ops -- database-status';

/**
 * `database-status`: whether the database takes writes, and if not, why: a standby (in
 * recovery: point DATABASE_URL at the primary), default_transaction_read_only and where it is
 * set (ALTER DATABASE / ALTER ROLE), or the refusal a write probe met (a full disk shows as
 * the server refusing or failing writes). Exit 1 when writes are refused.
 */
export const databaseStatusCommand: OpsCommand = {
  name: 'database-status',
  summary: 'whether the database takes writes, and why not (exit 1 when read-only)',
  usage: USAGE,
  async run(args, context) {
    if (!parseOptions(args, { options: {}, positionals: 0, usage: USAGE }, context)) return EXIT_USAGE;
    const state = await databaseState(context.pool);
    context.out(`database=${state.database}`);
    context.out(`in_recovery=${state.in_recovery}`);
    context.out(`default_transaction_read_only=${state.default_read_only}`);
    context.out(`settings=${JSON.stringify(state.database_settings ?? '')}`);
    context.out(state.writes_refused === null ? 'writes=accepted' : `writes=refused ${JSON.stringify(state.writes_refused)}`);
    return state.writes_refused === null ? EXIT_DONE : EXIT_FOUND;
  },
};
