import { withTransaction } from '../../db/unit-of-work.js';
import type { OpsCommand, OpsContext } from '../command.js';
import { EXIT_DONE, EXIT_FOUND, EXIT_USAGE, parseOptions } from './args.js';
import {
  accountIdsAfter,
  type BalanceDiff,
  balanceDiffs,
  lockAccounts,
  replaceBalances,
  replaceSnapshots,
  resolveFindings,
  type SnapshotDiff,
  snapshotDiffs,
} from './incident.repository.js';

/**
 * Accounts per transaction: their postings wait for the rebuild of their batch only, never for
 * the whole run.
 */
export const REBUILD_ACCOUNTS_PER_BATCH = 100;
const FIRST_ACCOUNT_ID = '00000000-0000-0000-0000-000000000000';
const USAGE = 'npm run ops -- rebuild-balances [--dry-run]';

interface BatchResult {
  balances: BalanceDiff[];
  snapshots: SnapshotDiff[];
}

function printDiffs(context: OpsContext, result: BatchResult): void {
  for (const diff of result.balances) {
    const delta = BigInt(diff.ledger_cents) - BigInt(diff.cached_cents);
    context.out(
      `balance account=${diff.account_id} cached_cents=${diff.cached_cents} ledger_cents=${diff.ledger_cents} diff_cents=${delta}`,
    );
  }
  for (const diff of result.snapshots) {
    context.out(
      `snapshot account=${diff.account_id} as_of=${diff.as_of.toISOString()} cached_cents=${diff.cached_cents} ledger_cents=${diff.ledger_cents} cached_entries=${diff.cached_count} ledger_entries=${diff.ledger_count}`,
    );
  }
}

/**
 * One batch, replaced: the accounts' locks first (every posting on them waits, none is half
 * done), then, in later statements that see every posting committed meanwhile, the cached
 * balances and snapshots set to what the entries say and the batch's open reconcile findings
 * closed.
 */
function replaceBatch(context: OpsContext, accountIds: readonly string[]): Promise<BatchResult> {
  return withTransaction(context.pool, async (client) => {
    await lockAccounts(client, accountIds);
    const balances = await replaceBalances(client, accountIds);
    const snapshots = await replaceSnapshots(client, accountIds);
    const touched = [...new Set([...balances, ...snapshots].map((diff) => diff.account_id))];
    await resolveFindings(client, touched, context.clock.now());
    return { balances, snapshots };
  });
}

async function diffBatch(context: OpsContext, accountIds: readonly string[]): Promise<BatchResult> {
  return { balances: await balanceDiffs(context.pool, accountIds), snapshots: await snapshotDiffs(context.pool, accountIds) };
}

/**
 * `rebuild-balances [--dry-run]`: the derived balances (accounts.balance_cents, with the version
 * the next leg takes, and the month-end account_balance_snapshots) against the ledger, account
 * batch by batch. Prints one line per cached figure that differs. --dry-run writes nothing and
 * exits 1 when anything differs (0 when nothing does); without it the differing figures are
 * replaced and it exits 0. Safe while the app runs.
 */
export const rebuildBalancesCommand: OpsCommand = {
  name: 'rebuild-balances',
  summary: 'diff the cached balances and snapshots against the ledger (--dry-run) or replace them',
  usage: USAGE,
  async run(args, context) {
    const parsed = parseOptions(args, { options: { 'dry-run': { type: 'boolean' } }, positionals: 0, usage: USAGE }, context);
    if (!parsed) return EXIT_USAGE;
    const dryRun = parsed.values['dry-run'] === true;
    let after = FIRST_ACCOUNT_ID;
    let accounts = 0;
    let balances = 0;
    let snapshots = 0;
    for (;;) {
      const ids = await accountIdsAfter(context.pool, after, REBUILD_ACCOUNTS_PER_BATCH);
      const last = ids.at(-1);
      if (last === undefined) break;
      const result = dryRun ? await diffBatch(context, ids) : await replaceBatch(context, ids);
      printDiffs(context, result);
      accounts += ids.length;
      balances += result.balances.length;
      snapshots += result.snapshots.length;
      after = last;
    }
    const verb = dryRun ? 'differ' : 'replaced';
    context.out(`${accounts} accounts compared; balances ${verb}: ${balances}; snapshots ${verb}: ${snapshots}`);
    return dryRun && balances + snapshots > 0 ? EXIT_FOUND : EXIT_DONE;
  },
};
