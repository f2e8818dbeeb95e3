import type pg from 'pg';
import { isUuid } from '../../lib/ids.js';
import { TransactionsService } from '../../modules/transactions/transactions.service.js';
import type { OpsCommand, OpsContext } from '../command.js';
import {
  findPersonId,
  readConsistently,
  type StoredKeyRow,
  storedKey,
  type TracedEntryRow,
  type TracedTransactionRow,
  tracedEntries,
  tracedTransactions,
  transactionIdsBy,
} from './audit.repository.js';
import { columns, EXIT_OK, EXIT_PROBLEM, field, json, money, parseOptions, UsageError, withUsage } from './options.js';

/** How many transactions one request id or Idempotency-Key lookup traces (an import posts many under one request). */
export const MATCHES_MAX = 20;
/** How many transactions one story follows through its reversals and corrections. */
export const STORY_TRANSACTIONS_MAX = 50;

const USAGE =
  'npm run ops -- trace-transfer (<transaction id> | --idempotency-key <key> --person <id|email> | --request-id <id>) [--json]';

type Lookup =
  | { by: 'transaction'; transaction_id: string }
  | { by: 'request_id'; request_id: string }
  | { by: 'idempotency_key'; idempotency_key: string; user_id: string };

type Link = { id: string; kind: string; created_at: string } | null;

/** One transaction of the story, as an investigator reads it. */
interface TracedTransaction {
  id: string;
  kind: string;
  user_id: string;
  amount_cents: number;
  occurred_on: string;
  created_at: string;
  policy_version: string;
  request_id: string | null;
  idempotency_key: { key: string; stored: ReturnType<typeof storedOf> } | null;
  /** refund_of and refunded_by only for card refunds and the purchases they give money back of (cards_v1). */
  links: { reverses: Link; reversed_by: Link; corrects: Link; corrected_by: Link; refund_of?: Link; refunded_by?: Link[] };
  entries: ReturnType<typeof entryOf>[];
  audit_view: unknown;
  audit_view_differences: string[];
}

function storedOf(row: StoredKeyRow | undefined) {
  if (row === undefined) return null;
  return {
    status: row.status,
    response_status: row.response_status,
    method: row.method,
    path: row.path,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    names_transaction: row.names_transaction,
  };
}

function entryOf(row: TracedEntryRow) {
  return {
    id: row.id,
    account_id: row.account_id,
    account_name: row.account_name,
    account_type: row.account_type,
    amount_cents: row.amount_cents,
    balance_after_cents: row.balance_after_cents,
    account_version: row.account_version,
    created_at: row.created_at.toISOString(),
  };
}

/**
 * The transactions the lookup names, then every one linked to them by a reversal, a
 * correction or a card refund, either way.
 */
async function story(
  client: pg.PoolClient,
  firstIds: readonly string[],
): Promise<{ rows: TracedTransactionRow[]; complete: boolean }> {
  const found = new Map<string, TracedTransactionRow>();
  let next = [...new Set(firstIds)];
  while (next.length > 0 && found.size < STORY_TRANSACTIONS_MAX) {
    const batch = next.slice(0, STORY_TRANSACTIONS_MAX - found.size);
    for (const row of await tracedTransactions(client, batch)) found.set(row.id, row);
    const linked = [...found.values()].flatMap((row) => [
      row.reverses_transaction_id,
      row.reversed_by_transaction_id,
      row.corrects_transaction_id,
      row.corrected_by_transaction_id,
      row.refund_of_transaction_id,
      ...row.refunded_by_transaction_ids,
    ]);
    next = [...new Set(linked)].filter((id): id is string => id !== null && !found.has(id));
  }
  return { rows: [...found.values()], complete: next.length === 0 };
}

/** A card refund's purchase, or a card purchase's refunds: present only when there are. */
function refundLinks(rows: ReadonlyMap<string, TracedTransactionRow>, row: TracedTransactionRow) {
  return {
    ...(row.refund_of_transaction_id === null ? {} : { refund_of: linkOf(rows, row.refund_of_transaction_id) }),
    ...(row.refunded_by_transaction_ids.length === 0
      ? {}
      : { refunded_by: row.refunded_by_transaction_ids.map((id) => linkOf(rows, id)) }),
  };
}

function linkOf(rows: ReadonlyMap<string, TracedTransactionRow>, id: string | null): Link {
  if (id === null) return null;
  const row = rows.get(id);
  return { id, kind: row?.kind ?? 'not traced', created_at: row?.created_at.toISOString() ?? '' };
}

/** Where GET /api/transactions/:id/audit tells the story otherwise than the ledger rows do. */
function auditViewDifferences(
  traced: Omit<TracedTransaction, 'audit_view' | 'audit_view_differences'>,
  view: AuditView,
): string[] {
  const differences: string[] = [];
  const same = (label: string, ours: unknown, theirs: unknown) => {
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) differences.push(label);
  };
  same('request id', traced.request_id, view.request_id);
  same('idempotency key', traced.idempotency_key?.key ?? null, view.idempotency_key);
  same('policy version', traced.policy_version, view.policy_version);
  same('reverses', traced.links.reverses?.id ?? null, view.chain.reverses?.id ?? null);
  same('reversed by', traced.links.reversed_by?.id ?? null, view.chain.reversed_by?.id ?? null);
  same('corrects', traced.links.corrects?.id ?? null, view.chain.corrects?.id ?? null);
  same('corrected by', traced.links.corrected_by?.id ?? null, view.chain.corrected_by?.id ?? null);
  const legs = (entries: readonly { id: number; account_id: string; amount_cents: number; balance_after_cents: number }[]) =>
    entries.map((entry) => [entry.id, entry.account_id, entry.amount_cents, entry.balance_after_cents]);
  same('entries', legs(traced.entries), legs(view.entries));
  return differences;
}

type AuditView = Awaited<ReturnType<TransactionsService['audit']>>;

async function traceAll(context: OpsContext, lookup: Lookup, firstIds: readonly string[]) {
  const { rows, complete, keys, entries } = await readConsistently(context.pool, async (client) => {
    const found = await story(client, firstIds);
    const withKeys = found.rows.filter((row) => row.idempotency_key !== null);
    const stored = await Promise.all(
      withKeys.map((row) => storedKey(client, { userId: row.user_id, key: row.idempotency_key ?? '', transactionId: row.id })),
    );
    const legs = await tracedEntries(
      client,
      found.rows.map((row) => row.id),
    );
    return { ...found, keys: new Map(withKeys.map((row, index) => [row.id, stored[index]])), entries: legs };
  });
  // The order they were posted in: by instant, and within one (a correction posts a reversal and
  // a new posting together) by their first leg, entries being numbered as they are written.
  const firstLeg = new Map<string, number>();
  for (const entry of [...entries].reverse()) firstLeg.set(entry.transaction_id, entry.id);
  rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (firstLeg.get(a.id) ?? 0) - (firstLeg.get(b.id) ?? 0));
  const byId = new Map(rows.map((row) => [row.id, row]));
  // The audit view is the app's own answer to the person, read through its service.
  const service = new TransactionsService({ pool: context.pool, clock: context.clock, hooks: {} });
  const transactions: TracedTransaction[] = [];
  for (const row of rows) {
    const traced = {
      id: row.id,
      kind: row.kind,
      user_id: row.user_id,
      amount_cents: row.amount_cents,
      occurred_on: row.occurred_on,
      created_at: row.created_at.toISOString(),
      policy_version: row.policy_version,
      request_id: row.request_id,
      idempotency_key: row.idempotency_key === null ? null : { key: row.idempotency_key, stored: storedOf(keys.get(row.id)) },
      links: {
        reverses: linkOf(byId, row.reverses_transaction_id),
        reversed_by: linkOf(byId, row.reversed_by_transaction_id),
        corrects: linkOf(byId, row.corrects_transaction_id),
        corrected_by: linkOf(byId, row.corrected_by_transaction_id),
        ...refundLinks(byId, row),
      },
      entries: entries.filter((entry) => entry.transaction_id === row.id).map(entryOf),
    };
    const view = await service.audit(row.user_id, row.id);
    transactions.push({ ...traced, audit_view: view, audit_view_differences: auditViewDifferences(traced, view) });
  }
  return { lookup, complete, transactions };
}

function keyText(traced: TracedTransaction): string {
  const key = traced.idempotency_key;
  if (key === null) return 'none (posted without an Idempotency-Key)';
  const stored = key.stored;
  if (stored === null) return `${key.key}: no stored answer (kept 24 h, then removed by the expiry job)`;
  const names = stored.names_transaction ? 'names this transaction' : 'does not name this transaction';
  return `${key.key}: ${stored.status}, stored answer ${stored.response_status ?? '-'} to ${stored.method} ${stored.path} (${names}), expires ${stored.expires_at}`;
}

function linkLines(traced: TracedTransaction): string[] {
  const { refund_of: refundOf, refunded_by: refundedBy, ...chain } = traced.links;
  const named: Array<[string, Link]> = [
    ...(['reverses', 'reversed_by', 'corrects', 'corrected_by'] as const).map((name): [string, Link] => [name, chain[name]]),
    ['refund_of', refundOf ?? null],
    ...(refundedBy ?? []).map((link): [string, Link] => ['refunded_by', link]),
  ];
  const lines = named.flatMap(([name, link]) => {
    if (link === null) return [];
    const about = link.created_at === '' ? `${link.kind}` : `${link.kind}, ${link.created_at}`;
    return [field(name.replace('_', ' '), `${link.id} (${about})`)];
  });
  return lines.length > 0 ? lines : [field('links', 'none: neither reversed nor corrected, reverses nothing')];
}

function transactionText(traced: TracedTransaction): string[] {
  const legs = traced.entries.map((entry) => [
    `#${entry.id}`,
    entry.account_id,
    entry.account_type,
    money(entry.amount_cents, { signed: true }),
    `after ${money(entry.balance_after_cents)}`,
    `v${entry.account_version}`,
    entry.account_name,
  ]);
  const differences = traced.audit_view_differences;
  return [
    `${traced.kind} ${traced.id}`,
    ...[
      field('person', traced.user_id),
      field('posted', `${traced.created_at} (occurred on ${traced.occurred_on}), policy ${traced.policy_version}`),
      field('amount', money(traced.amount_cents)),
      field('request id', traced.request_id ?? 'none'),
      field('key', keyText(traced)),
      field('entries', String(legs.length)),
      ...columns(legs, '  '),
      ...linkLines(traced),
      field(
        'audit view',
        differences.length === 0
          ? 'agrees (same request id, key, policy, entries and links)'
          : `DIFFERS in ${differences.join(', ')}`,
      ),
    ].map((line) => `  ${line}`),
  ];
}

function transactionsCount(count: number): string {
  return `${count} ${count === 1 ? 'transaction' : 'transactions'}`;
}

function lookupText(lookup: Lookup, matched: number, traced: number): string {
  if (lookup.by === 'transaction') return `trace ${lookup.transaction_id}: ${transactionsCount(traced)} in its story`;
  const what = lookup.by === 'request_id' ? `request id ${lookup.request_id}` : `Idempotency-Key ${lookup.idempotency_key}`;
  const more = matched > MATCHES_MAX ? ` (the first ${MATCHES_MAX} traced)` : '';
  return `trace ${what}: ${transactionsCount(matched)} posted under it${more}, ${traced} in their story`;
}

async function keyLookup(context: OpsContext, key: string, person: string) {
  const userId = await findPersonId(context.pool, person, isUuid(person));
  if (userId === undefined) return undefined;
  const matched = await transactionIdsBy(context.pool, { userId, idempotencyKey: key, limit: MATCHES_MAX });
  const stored = await storedKey(context.pool, { userId, key, transactionId: matched.ids[0] ?? null });
  return { lookup: { by: 'idempotency_key', idempotency_key: key, user_id: userId } as const, matched, stored: storedOf(stored) };
}

async function resolve(context: OpsContext, args: readonly string[]) {
  const { strings, flags, positionals } = parseOptions(args, {
    strings: ['idempotency-key', 'person', 'request-id'],
    flags: ['json'],
    positionals: true,
  });
  const key = strings['idempotency-key'];
  const requestId = strings['request-id'];
  const given = [positionals.length > 0, key !== undefined, requestId !== undefined].filter(Boolean).length;
  if (given !== 1 || positionals.length > 1)
    throw new UsageError('give one transaction id, or --idempotency-key, or --request-id');
  if ((key === undefined) !== (strings.person === undefined)) throw new UsageError('--idempotency-key goes with --person');
  const asJson = flags.json === true;
  const [id] = positionals;
  if (id !== undefined) {
    if (!isUuid(id)) throw new UsageError('a transaction id is a UUID');
    const lookup: Lookup = { by: 'transaction', transaction_id: id.toLowerCase() };
    return { asJson, lookup, matched: { ids: [lookup.transaction_id], total: 1 }, stored: undefined };
  }
  if (requestId !== undefined) {
    const matched = await transactionIdsBy(context.pool, { requestId, limit: MATCHES_MAX });
    return { asJson, lookup: { by: 'request_id', request_id: requestId } as Lookup, matched, stored: undefined };
  }
  const person = strings.person ?? '';
  const found = await keyLookup(context, key ?? '', person);
  if (found === undefined) context.say(`no person ${person.includes('@') ? 'with that e-mail' : person}`);
  return found && { asJson, ...found };
}

async function run(context: OpsContext, args: readonly string[]): Promise<number> {
  const resolved = await resolve(context, args);
  if (resolved === undefined) return EXIT_PROBLEM;
  const { asJson, lookup, matched, stored } = resolved;
  const trace = await traceAll(context, lookup, matched.ids);
  const found = trace.transactions.length > 0;
  const agrees = trace.transactions.every((traced) => traced.audit_view_differences.length === 0);
  if (asJson) {
    const key = stored === undefined ? {} : { stored_key: stored };
    json(context, { lookup, ...key, matched: matched.total, complete: trace.complete, transactions: trace.transactions });
  } else {
    context.out(lookupText(lookup, matched.total, trace.transactions.length));
    if (stored !== undefined) {
      const answer =
        stored === null
          ? 'none stored (never sent, or expired and removed)'
          : `${stored.status}, stored answer ${stored.response_status ?? '-'} to ${stored.method} ${stored.path}`;
      context.out(field('key', answer));
    }
    for (const traced of trace.transactions) context.out(transactionText(traced).join('\n'));
    if (!trace.complete) context.out(`… the story goes on past ${STORY_TRANSACTIONS_MAX} transactions, not traced`);
  }
  if (!found) context.say('no transaction found');
  return found && agrees ? EXIT_OK : EXIT_PROBLEM;
}

/**
 * `trace-transfer`: a transfer's (or any transaction's) whole story from the database: the
 * request that posted it, its Idempotency-Key and the answer stored with it, the policy
 * version, every leg with the balance after it, every reversal and correction linked to it
 * either way, and whether the app's audit view tells the same.
 */
export const traceTransferCommand: OpsCommand = {
  name: 'trace-transfer',
  summary: "a transfer's or any transaction's story: request, Idempotency-Key, policy, entries, reversals, audit view",
  usage: USAGE,
  run: (args, context) => withUsage(context, USAGE, () => run(context, args)),
};
