import type { OpsCommand } from '../command.js';
import { EXIT_DONE, EXIT_FOUND, EXIT_USAGE, parseOptions } from './args.js';
import { ledgerFindings, ledgerTotals } from './incident.repository.js';

/** Findings printed; the total is always given. */
export const LEDGER_FINDINGS_SHOWN_MAX = 200;

const USAGE = 'npm run ops -- check-ledger';

/**
 * `check-ledger`: every transaction balanced with two legs or more, every entry on an existing
 * account of its transaction's person and named by its header, every balance_after chain exact.
 * One line per finding on stdout (kind, transaction, entry, account, detail), then a summary
 * line. Exit 0 when the ledger is whole, 1 with findings.
 */
export const checkLedgerCommand: OpsCommand = {
  name: 'check-ledger',
  summary: 'check the ledger invariants (exit 1 with one line per finding)',
  usage: USAGE,
  async run(args, context) {
    if (!parseOptions(args, { options: {}, positionals: 0, usage: USAGE }, context)) return EXIT_USAGE;
    const findings = await ledgerFindings(context.pool, LEDGER_FINDINGS_SHOWN_MAX);
    const totals = await ledgerTotals(context.pool);
    for (const finding of findings) {
      context.out(
        [
          finding.kind,
          `transaction=${finding.transaction_id ?? '-'}`,
          `entry=${finding.entry_id ?? '-'}`,
          `account=${finding.account_id ?? '-'}`,
          finding.detail,
        ].join(' '),
      );
    }
    const total = findings[0]?.total ?? 0;
    if (total > findings.length) context.out(`… and ${total - findings.length} more`);
    // The total is checked on its own too: it is the one figure an operator can check by hand.
    const whole = total === 0 && totals.sum_cents === '0';
    context.out(
      `${whole ? 'ledger whole' : `${total} finding(s)`}: ${totals.transactions} transactions, ${totals.entries} entries, entries sum to ${totals.sum_cents}`,
    );
    return whole ? EXIT_DONE : EXIT_FOUND;
  },
};
