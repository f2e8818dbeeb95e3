import { isUuid } from '../../lib/ids.js';
import type { OpsCommand, OpsContext } from '../command.js';
import {
  type AccountBalanceRow,
  balancesAt,
  entriesSummed,
  findPersonId,
  readConsistently,
  type SummedEntryRow,
} from './audit.repository.js';
import {
  columns,
  EXIT_OK,
  EXIT_PROBLEM,
  field,
  instantOption,
  json,
  money,
  parseOptions,
  UsageError,
  uuidOption,
  withUsage,
} from './options.js';

/** How many of the entries summed since the snapshot one account's report lists; all are summed. */
export const ENTRIES_SHOWN_MAX = 200;

const USAGE = 'npm run ops -- balance-at (--account <id> | --person <id|email>) --at <instant> [--json]';

/** One account's balance at the instant, and whether the snapshot path agrees with the whole ledger. */
interface AccountReport {
  account_id: string;
  user_id: string;
  name: string;
  type: string;
  archived: boolean;
  balance_cents: number;
  entry_count: number;
  snapshot: { as_of: string; balance_cents: number; entry_count: number } | null;
  entries_since_snapshot: number;
  ledger_balance_cents: number;
  ledger_entry_count: number;
  agrees: boolean;
}

function reportOf(row: AccountBalanceRow): AccountReport {
  const snapshot =
    row.snapshot_as_of === null
      ? null
      : {
          as_of: row.snapshot_as_of.toISOString(),
          balance_cents: row.snapshot_balance_cents ?? 0,
          entry_count: row.snapshot_entry_count ?? 0,
        };
  const balanceCents = (snapshot?.balance_cents ?? 0) + row.since_cents;
  const entryCount = (snapshot?.entry_count ?? 0) + row.since_count;
  return {
    account_id: row.account_id,
    user_id: row.user_id,
    name: row.name,
    type: row.type,
    archived: row.archived,
    balance_cents: balanceCents,
    entry_count: entryCount,
    snapshot,
    entries_since_snapshot: row.since_count,
    ledger_balance_cents: row.ledger_cents,
    ledger_entry_count: row.ledger_count,
    agrees: balanceCents === row.ledger_cents && entryCount === row.ledger_count,
  };
}

function snapshotLine(report: AccountReport): string {
  if (report.snapshot === null) return field('snapshot', 'none at or before the instant: summed from the first entry');
  const { as_of, balance_cents, entry_count } = report.snapshot;
  return field('snapshot', `as of ${as_of}: ${money(balance_cents)} (${entry_count} entries)`);
}

function ledgerLine(report: AccountReport): string {
  const whole = `${money(report.ledger_balance_cents)} from all ${report.ledger_entry_count} entries up to the instant`;
  if (report.agrees) return field('ledger', `${whole}: agrees`);
  const difference = money(report.balance_cents - report.ledger_balance_cents, { signed: true });
  return field('ledger', `${whole}: DISAGREES, the snapshot path is off by ${difference} (see Reconciliation)`);
}

function accountText(report: AccountReport, at: Date, entries: readonly SummedEntryRow[]): string[] {
  let running = report.snapshot?.balance_cents ?? 0;
  const rows = entries.map((entry) => {
    running += entry.amount_cents;
    return [
      entry.created_at.toISOString(),
      `#${entry.id}`,
      entry.transaction_id,
      entry.kind,
      money(entry.amount_cents, { signed: true }),
      money(running),
      money(entry.balance_after_cents),
    ];
  });
  const header = ['created_at', 'entry', 'transaction', 'kind', 'amount', 'running', 'balance_after'];
  const hidden = report.entries_since_snapshot - entries.length;
  return [
    field('account', `${report.account_id}  ${report.name} (${report.type}${report.archived ? ', archived' : ''})`),
    field('person', report.user_id),
    field('at', at.toISOString()),
    snapshotLine(report),
    `entries summed ${report.snapshot ? 'since the snapshot' : 'from the first'}: ${report.entries_since_snapshot}`,
    ...(rows.length > 0 ? columns([header, ...rows], '  ') : []),
    ...(hidden > 0 ? [`  … ${hidden} more summed, not listed (at most ${ENTRIES_SHOWN_MAX})`] : []),
    field('balance', `${money(report.balance_cents)} (${report.entry_count} entries)`),
    ledgerLine(report),
  ];
}

function personText(userId: string, at: Date, reports: readonly AccountReport[]): string[] {
  const header = ['account', 'type', 'snapshot', 'since', 'balance', 'name'];
  const rows = reports.map((report) => [
    report.account_id,
    report.type,
    report.snapshot?.as_of ?? '-',
    String(report.entries_since_snapshot),
    money(report.balance_cents),
    `${report.name}${report.archived ? ' (archived)' : ''}${report.agrees ? '' : '  DISAGREES with its ledger'}`,
  ]);
  const total = reports.reduce((sum, report) => sum + report.balance_cents, 0);
  const disagreeing = reports.filter((report) => !report.agrees).length;
  return [
    field('person', userId),
    field('at', at.toISOString()),
    ...columns([header, ...rows], '  '),
    field('total', `${money(total)} over ${reports.length} accounts (every posting's legs sum to zero)`),
    field(
      'ledger',
      disagreeing === 0
        ? "every account's figure agrees with the sum of all its entries up to the instant"
        : `${disagreeing} accounts' snapshot path DISAGREES with their entries (see Reconciliation)`,
    ),
  ];
}

async function accountReport(context: OpsContext, accountId: string, at: Date, asJson: boolean): Promise<number> {
  const found = await readConsistently(context.pool, async (client) => {
    const [row] = await balancesAt(client, { accountId, at });
    if (row === undefined) return undefined;
    const report = reportOf(row);
    const snapshotAsOf = row.snapshot_as_of;
    const entries = await entriesSummed(client, { accountId, at, snapshotAsOf, limit: ENTRIES_SHOWN_MAX });
    return { report, entries };
  });
  if (found === undefined) {
    context.say(`no account ${accountId}`);
    return EXIT_PROBLEM;
  }
  const { report, entries } = found;
  if (asJson) {
    const listed = entries.map((entry) => ({ ...entry, created_at: entry.created_at.toISOString() }));
    json(context, {
      at: at.toISOString(),
      ...report,
      entries: listed,
      entries_not_listed: report.entries_since_snapshot - listed.length,
    });
  } else {
    for (const line of accountText(report, at, entries)) context.out(line);
  }
  return report.agrees ? EXIT_OK : EXIT_PROBLEM;
}

async function personReport(context: OpsContext, person: string, at: Date, asJson: boolean): Promise<number> {
  const userId = await findPersonId(context.pool, person, isUuid(person));
  if (userId === undefined) {
    context.say(`no person ${person.includes('@') ? 'with that e-mail' : person}`);
    return EXIT_PROBLEM;
  }
  const reports = (await readConsistently(context.pool, (client) => balancesAt(client, { userId, at }))).map(reportOf);
  if (asJson) {
    const total = reports.reduce((sum, report) => sum + report.balance_cents, 0);
    json(context, { at: at.toISOString(), user_id: userId, total_cents: total, accounts: reports });
  } else {
    for (const line of personText(userId, at, reports)) context.out(line);
  }
  return reports.every((report) => report.agrees) ? EXIT_OK : EXIT_PROBLEM;
}

/**
 * `balance-at`: an account's balance at an instant, rebuilt from the ledger alone by the rule
 * GET /api/accounts/:id/balance?at= follows, with the month-end snapshot it started from and
 * the entries it added, checked against the sum of every entry up to the instant.
 */
export const balanceAtCommand: OpsCommand = {
  name: 'balance-at',
  summary: "an account's (or every account of a person's) balance at an instant, from the ledger alone",
  usage: USAGE,
  run: (args, context) =>
    withUsage(context, USAGE, async () => {
      const { strings, flags } = parseOptions(args, {
        strings: ['account', 'person', 'at'],
        flags: ['json'],
        positionals: false,
      });
      const at = instantOption(strings.at, 'at');
      const asJson = flags.json === true;
      if ((strings.account === undefined) === (strings.person === undefined)) {
        throw new UsageError('give one of --account and --person');
      }
      if (strings.account !== undefined) return accountReport(context, uuidOption(strings.account, 'account'), at, asJson);
      return personReport(context, strings.person ?? '', at, asJson);
    }),
};
