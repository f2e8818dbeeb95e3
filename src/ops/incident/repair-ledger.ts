import { withTransaction } from '../../db/unit-of-work.js';
import { completeHalfPosting } from '../../modules/ledger/index.js';
import type { OpsCommand } from '../command.js';
import { EXIT_DONE, EXIT_FOUND, EXIT_USAGE, parseOptions } from './args.js';

const USAGE = 'npm run ops -- repair-ledger <transaction-id> [--dry-run]';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `repair-ledger <transaction-id>`: completes a half-written posting (check-ledger's
 * unbalanced_transaction) by appending its missing leg through the ledger, under the account's
 * locks; the database re-checks the transaction's balance at COMMIT. Only the case the header
 * decides alone is repaired (one leg of the header's amount on one of its two accounts); anything
 * else is refused, exit 1, and is a case for a restore (docs/INCIDENT-PLAYBOOK.md). With
 * --dry-run it prints the leg it would append and writes nothing.
 */
export const repairLedgerCommand: OpsCommand = {
  name: 'repair-ledger',
  summary: 'append the missing leg of a half-written transaction (--dry-run: only print it)',
  usage: USAGE,
  async run(args, context) {
    const parsed = parseOptions(args, { options: { 'dry-run': { type: 'boolean' } }, positionals: 1, usage: USAGE }, context);
    const transactionId = parsed?.positionals[0];
    if (!parsed || transactionId === undefined || !UUID.test(transactionId)) {
      if (parsed) context.say(`not a transaction id. Usage: ${USAGE}`);
      return EXIT_USAGE;
    }
    const dryRun = parsed.values['dry-run'] === true;
    const plan = await withTransaction(context.pool, (client) =>
      completeHalfPosting(client, { transactionId, postedAt: context.clock.now(), dryRun }),
    );
    if (!plan.repairable) {
      context.out(`not repaired: transaction=${transactionId} ${plan.reason}`);
      return EXIT_FOUND;
    }
    const leg = plan.leg;
    context.out(
      `${dryRun ? 'would append' : 'appended'} leg transaction=${leg.transaction_id} account=${leg.account_id} amount_cents=${leg.amount_cents}`,
    );
    return EXIT_DONE;
  },
};
