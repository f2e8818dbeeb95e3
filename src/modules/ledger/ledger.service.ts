import type pg from 'pg';
import { afterCommit } from '../../db/unit-of-work.js';
import { assert } from '../../lib/assert.js';
import { calendarDay } from '../../lib/calendar.js';
import { DomainError, invalidField, notFound, rowVersionConflict } from '../../lib/errors.js';
import { newTimeOrderedId } from '../../lib/ids.js';
import type { RequestContext } from '../../lib/service-context.js';
import { CARDS_POLICY_VERSION, refundLegs } from '../../policies/cards_v1.js';
import { contributionLegs, GOALS_POLICY_VERSION, withdrawalLegs } from '../../policies/goals_v1.js';
import {
  BALANCE_ABS_MAX_CENTS,
  balanceFloorCents,
  entryLegs,
  isInternal,
  type Leg,
  legsAreBalanced,
  OCCURRED_ON_MAX,
  OCCURRED_ON_MIN,
  openingLegs,
  reversalLegs,
} from '../../policies/ledger_v1.js';
import { checkPosting, LEDGER_POLICY_VERSION } from '../../policies/ledger_v2.js';
import { TRANSFERS_POLICY_VERSION, transferLegs } from '../../policies/transfers_v1.js';
import { checkCategoryFor } from '../categories/categories.service.js';
import { publishPosted, publishRefused } from './ledger.events.js';
import {
  type AccountRow,
  claimTransactionVersion,
  type EntryRow,
  type EntryWithType,
  entriesOf,
  findInternalAccountId,
  findTransaction,
  findTransactions,
  insertPosting,
  insertPostings,
  lockAndLoadAccounts,
  type NewEntry,
  type NewPosting,
  type TransactionListRow,
  type TransactionRow,
} from './ledger.repository.js';
import { toTransactionResponse } from './ledger.responses.js';

/**
 * The ledger's posting API: the one road by which money moves. A posting is a small
 * option object (an income or expense, a transfer, an opening balance, a goal movement,
 * a reversal); the ledger resolves its counterparty, locks every account it touches in
 * ascending id order, checks the person may use them, builds the legs through the
 * policies, checks the floors and inserts. postBatch posts many in one database
 * transaction; the single-posting functions are a batch of one.
 */

/** Who posts and how the write is traced; the same for every posting of one request or job run. */
export interface PostingSource {
  userId: string;
  idempotencyKey: string | null;
  requestId: string | null;
  postedAt: Date;
}

/** A paid Pix (payee and txid from its BR Code) or a received Pix charge. */
export interface PixDetails {
  payeeName: string | null;
  payeeCity: string | null;
  txid: string | null;
  chargeId: string | null;
}

interface PostingCommon {
  /** Runs under the account locks, after the accounts are checked and before the legs are posted. */
  whileLocked?: () => Promise<void>;
  /** Set when the caller needs the id before posting (a recurring occurrence's claim). */
  transactionId?: string;
}

export interface EntryPosting extends PostingCommon {
  kind: 'income' | 'expense';
  accountId: string;
  amountCents: number;
  description: string;
  categoryId: string | null;
  notes: string | null;
  occurredOn: string;
  pix?: PixDetails;
  /**
   * ledger_v2: the person confirmed recording this even if it takes the account below
   * its floor (the request's `allow_negative: true`). Without it the floor holds.
   */
  allowNegative?: boolean;
  /** The new posting of a correction names the transaction it replaces. */
  correctsTransactionId?: string;
}

export interface TransferPosting extends PostingCommon {
  kind: 'transfer';
  fromAccountId: string;
  toAccountId: string;
  amountCents: number;
  description: string;
  notes: string | null;
  occurredOn: string;
}

/** An initial balance; negative for a debt (a card that starts owing). */
export interface OpeningPosting extends PostingCommon {
  kind: 'opening';
  accountId: string;
  amountCents: number;
  occurredOn: string;
}

export interface GoalPosting extends PostingCommon {
  kind: 'goal_contribution' | 'goal_withdrawal';
  accountId: string;
  goalAccountId: string;
  amountCents: number;
  /** Read under the locks (a goal's name may change until they are taken). */
  description: () => string;
  occurredOn: string;
}

export interface ReversalPosting extends PostingCommon {
  kind: 'reversal';
  originalTransactionId: string;
  description: string | undefined;
  /** As on an EntryPosting: honoured only when the original is an income or an expense. */
  allowNegative?: boolean;
  /**
   * The id of the new posting of a correction in the same batch: when it is posted first, it
   * already names the original, and that is this reversal's own correction, not another.
   */
  correctedBy?: string;
}

/**
 * A refund (estorno) of a card purchase: money back on the card, against the expense
 * account under the purchase's category, so spending goes down where it went up.
 */
export interface RefundPosting extends PostingCommon {
  kind: 'refund';
  accountId: string;
  amountCents: number;
  description: string;
  categoryId: string | null;
  occurredOn: string;
}

export type Posting = EntryPosting | TransferPosting | OpeningPosting | GoalPosting | ReversalPosting | RefundPosting;

export interface Posted {
  transaction: TransactionRow;
  entries: EntryRow[];
  accounts: Map<string, AccountRow>;
}

export const OPENING_DESCRIPTION = 'Saldo inicial';

export function sourceOf(context: RequestContext, postedAt: Date): PostingSource {
  return {
    userId: context.userId,
    idempotencyKey: context.idempotency?.key ?? null,
    requestId: context.requestId,
    postedAt,
  };
}

/** A posting would take a balance past BALANCE_ABS_MAX_CENTS (R$ 10 trilhões either way). */
export function balanceOutOfRange(accountId: string): DomainError {
  return new DomainError('balance_out_of_range', 422, 'This would take the account past the largest balance the ledger keeps.', {
    account_id: accountId,
  });
}

/** The transaction was reversed (deleted) already: it cannot be reversed, corrected or moved to another category. */
export function alreadyReversed(reversedBy: string): DomainError {
  return new DomainError('already_reversed', 409, 'This transaction was already reversed.', {
    reversed_by_transaction_id: reversedBy,
  });
}

/** The transaction was corrected already: change the correction's new posting instead. */
export function alreadyCorrected(correctedBy: string): DomainError {
  return new DomainError('already_corrected', 409, 'This transaction was already corrected.', {
    corrected_by_transaction_id: correctedBy,
  });
}

export function accountNotFound(): DomainError {
  return notFound('account');
}

/**
 * The refusal names the account, what it still has available above its floor, and, so a
 * screen can say how far below zero the movement would take it, the balance and floor it
 * was judged on (the person's own account: nothing another person could learn from).
 */
export function insufficientFunds(
  accountId: string,
  availableCents: number,
  judged?: { balanceCents: number; floorCents: number; debitCents: number },
): DomainError {
  return new DomainError('insufficient_funds', 422, 'The account does not have enough funds for this movement.', {
    account_id: accountId,
    available_cents: availableCents,
    ...(judged && { balance_cents: judged.balanceCents, floor_cents: judged.floorCents, debit_cents: judged.debitCents }),
  });
}

/** occurred_on defaults to today in São Paulo and must fall within the supported range. */
export function occurredOn(value: string | undefined, now: Date): string {
  const day = value ?? calendarDay(now);
  if (day < OCCURRED_ON_MIN || day > OCCURRED_ON_MAX) {
    throw invalidField('body/occurred_on', `must be between ${OCCURRED_ON_MIN} and ${OCCURRED_ON_MAX}`, 'range');
  }
  return day;
}

/** The person's own account, usable for a new movement: theirs, not internal, not archived. */
export function usableAccount(accounts: ReadonlyMap<string, AccountRow>, accountId: string): AccountRow {
  const account = accounts.get(accountId);
  if (!account || isInternal(account.type)) throw accountNotFound();
  if (account.archived_at !== null) {
    throw new DomainError('account_archived', 422, 'This account is archived; unarchive it to record movements.', {
      account_id: accountId,
    });
  }
  return account;
}

/** The header fields of a posting; the legs and the source complete it. */
interface Header {
  kind: string;
  accountId: string;
  counterpartyAccountId: string;
  amountCents: number;
  description: string;
  categoryId: string | null;
  notes: string | null;
  occurredOn: string;
  policyVersion: string;
  reversesTransactionId: string | null;
  correctsTransactionId?: string | undefined;
  transactionId?: string | undefined;
  pix?: PixDetails | undefined;
  /** Not stored: what ledger_v2 judges the floor by (the recorded kind; a reversal's original's). */
  recordedKind?: string;
  allowNegative?: boolean | undefined;
}

/** A posting resolved before the locks: which accounts to lock and check, and how to build it once locked. */
interface Plan {
  lockIds: string[];
  usableIds: string[];
  underLock?: (() => Promise<void>) | undefined;
  /** A reversal's check under the locks, on its original as read under them (the bulk path reads them all at once). */
  reversible?: ((locked: TransactionListRow | undefined) => void) | undefined;
  /** A reversal's original. */
  reverses?: string;
  build: () => { header: Header; legs: Leg[] };
}

/** Looks up each internal counterparty once per batch (they never change once a person exists). */
type Counterparties = (type: 'income' | 'expense' | 'equity') => Promise<string>;

function counterpartiesOf(client: pg.PoolClient, userId: string): Counterparties {
  const found = new Map<string, Promise<string>>();
  return (type) => {
    let id = found.get(type);
    if (id === undefined) {
      id = findInternalAccountId(client, userId, type);
      found.set(type, id);
    }
    return id;
  };
}

/**
 * Checks each category once per batch for each kind: nothing in a batch changes a category,
 * and a statement import names the same few categories thousands of times.
 */
type CategoryChecks = (categoryId: string, kind: 'income' | 'expense') => Promise<void>;

function categoryChecksOf(client: pg.PoolClient, userId: string): CategoryChecks {
  const checked = new Map<string, Promise<void>>();
  return (categoryId, kind) => {
    const key = `${kind}:${categoryId}`;
    let check = checked.get(key);
    if (check === undefined) {
      check = checkCategoryFor(client, { userId, categoryId, kind });
      checked.set(key, check);
    }
    return check;
  };
}

/** What planning looks up once per batch. */
interface Lookups {
  internal: Counterparties;
  categories: CategoryChecks;
  /** Every reversal's original and its legs, read before the locks in one round trip each. */
  originals: Map<string, TransactionListRow>;
  originalEntries: Map<string, EntryWithType[]>;
}

async function planEntry(posting: EntryPosting, lookups: Lookups): Promise<Plan> {
  if (posting.categoryId) await lookups.categories(posting.categoryId, posting.kind);
  const counterpartyId = await lookups.internal(posting.kind);
  const header: Header = {
    kind: posting.kind,
    accountId: posting.accountId,
    counterpartyAccountId: counterpartyId,
    amountCents: posting.amountCents,
    description: posting.description,
    categoryId: posting.categoryId,
    notes: posting.notes,
    occurredOn: posting.occurredOn,
    policyVersion: LEDGER_POLICY_VERSION,
    reversesTransactionId: null,
    correctsTransactionId: posting.correctsTransactionId,
    transactionId: posting.transactionId,
    pix: posting.pix,
    allowNegative: posting.allowNegative,
  };
  const legs = entryLegs({
    type: posting.kind,
    accountId: posting.accountId,
    counterpartyAccountId: counterpartyId,
    amountCents: posting.amountCents,
  });
  return { lockIds: [posting.accountId, counterpartyId], usableIds: [posting.accountId], build: () => ({ header, legs }) };
}

async function planRefund(posting: RefundPosting, lookups: Lookups): Promise<Plan> {
  const expenseId = await lookups.internal('expense');
  const header: Header = {
    kind: 'refund',
    accountId: posting.accountId,
    counterpartyAccountId: expenseId,
    amountCents: posting.amountCents,
    description: posting.description,
    categoryId: posting.categoryId,
    notes: null,
    occurredOn: posting.occurredOn,
    policyVersion: CARDS_POLICY_VERSION,
    reversesTransactionId: null,
    transactionId: posting.transactionId,
  };
  const legs = refundLegs({ cardAccountId: posting.accountId, expenseAccountId: expenseId, amountCents: posting.amountCents });
  return { lockIds: [posting.accountId, expenseId], usableIds: [posting.accountId], build: () => ({ header, legs }) };
}

function planTransfer(posting: TransferPosting): Plan {
  const header: Header = {
    kind: 'transfer',
    accountId: posting.fromAccountId,
    counterpartyAccountId: posting.toAccountId,
    amountCents: posting.amountCents,
    description: posting.description,
    categoryId: null,
    notes: posting.notes,
    occurredOn: posting.occurredOn,
    policyVersion: TRANSFERS_POLICY_VERSION,
    reversesTransactionId: null,
    transactionId: posting.transactionId,
  };
  const legs = transferLegs(posting);
  const ids = [posting.fromAccountId, posting.toAccountId];
  return { lockIds: ids, usableIds: ids, build: () => ({ header, legs }) };
}

async function planOpening(posting: OpeningPosting, lookups: Lookups): Promise<Plan> {
  const equityId = await lookups.internal('equity');
  const header: Header = {
    kind: 'opening',
    accountId: posting.accountId,
    counterpartyAccountId: equityId,
    amountCents: Math.abs(posting.amountCents),
    description: OPENING_DESCRIPTION,
    categoryId: null,
    notes: null,
    occurredOn: posting.occurredOn,
    policyVersion: LEDGER_POLICY_VERSION,
    reversesTransactionId: null,
    transactionId: posting.transactionId,
  };
  const legs = openingLegs({ accountId: posting.accountId, equityAccountId: equityId, amountCents: posting.amountCents });
  // The account was created in the same transaction; it is the person's and active.
  return { lockIds: [posting.accountId, equityId], usableIds: [], build: () => ({ header, legs }) };
}

function planGoal(posting: GoalPosting): Plan {
  const legs =
    posting.kind === 'goal_contribution'
      ? contributionLegs({
          fromAccountId: posting.accountId,
          goalAccountId: posting.goalAccountId,
          amountCents: posting.amountCents,
        })
      : withdrawalLegs({
          goalAccountId: posting.goalAccountId,
          toAccountId: posting.accountId,
          amountCents: posting.amountCents,
        });
  return {
    lockIds: [posting.goalAccountId, posting.accountId],
    usableIds: [posting.accountId],
    build: () => ({
      header: {
        kind: posting.kind,
        accountId: posting.accountId,
        counterpartyAccountId: posting.goalAccountId,
        amountCents: posting.amountCents,
        description: posting.description(),
        categoryId: null,
        notes: null,
        occurredOn: posting.occurredOn,
        policyVersion: GOALS_POLICY_VERSION,
        reversesTransactionId: null,
      },
      legs,
    }),
  };
}

/**
 * A reversal posts the original's legs negated, under the current policy, on the day it
 * is posted. The original is re-read under the locks: a reversal racing this one has
 * committed or not yet begun; the unique index on reverses_transaction_id backs this up.
 */
function planReversal(client: pg.PoolClient, source: PostingSource, posting: ReversalPosting, lookups: Lookups): Plan {
  const original = lookups.originals.get(posting.originalTransactionId);
  if (!original) throw notFound('transaction');
  if (original.kind === 'reversal')
    throw new DomainError('cannot_reverse_reversal', 422, 'A reversal cannot itself be reversed.');
  const entries = lookups.originalEntries.get(original.id) ?? [];
  const header: Header = {
    kind: 'reversal',
    accountId: original.account_id,
    counterpartyAccountId: original.counterparty_account_id,
    amountCents: original.amount_cents,
    description: posting.description?.trim() || original.description,
    categoryId: original.category_id,
    notes: null,
    occurredOn: calendarDay(source.postedAt),
    policyVersion: LEDGER_POLICY_VERSION,
    reversesTransactionId: original.id,
    transactionId: posting.transactionId,
    recordedKind: original.kind,
    allowNegative: posting.allowNegative,
  };
  return {
    lockIds: entries.map((entry) => entry.account_id),
    usableIds: [],
    reverses: original.id,
    underLock: async () => reversible(await findTransaction(client, source.userId, original.id)),
    reversible,
    build: () => ({ header, legs: reversalLegs(entries) }),
  };

  function reversible(locked: TransactionListRow | undefined): void {
    if (locked?.corrected_by_transaction_id && locked.corrected_by_transaction_id !== posting.correctedBy) {
      throw alreadyCorrected(locked.corrected_by_transaction_id);
    }
    if (locked?.reversed_by_transaction_id) throw alreadyReversed(locked.reversed_by_transaction_id);
    // The category as it stands under the locks, which an edit of it takes too: one that
    // committed since the original was first read moved it, and the pair must cancel out in
    // one category.
    if (locked) header.categoryId = locked.category_id;
    // A refund gave back money of this purchase: undoing the purchase would leave the refund
    // giving back money of nothing. Read under the locks a refund takes too (the card and the
    // expense account), so no refund slips in between; every road that reverses comes here.
    if (locked?.has_refunds) {
      throw new DomainError('purchase_has_refunds', 422, 'This purchase has refunds; reverse them first.', {
        transaction_id: locked.id,
      });
    }
  }
}

function planOf(client: pg.PoolClient, source: PostingSource, posting: Posting, lookups: Lookups): Promise<Plan> | Plan {
  switch (posting.kind) {
    case 'income':
    case 'expense':
      return planEntry(posting, lookups);
    case 'transfer':
      return planTransfer(posting);
    case 'opening':
      return planOpening(posting, lookups);
    case 'goal_contribution':
    case 'goal_withdrawal':
      return planGoal(posting);
    case 'reversal':
      return planReversal(client, source, posting, lookups);
    case 'refund':
      return planRefund(posting, lookups);
  }
}

/** Every reversal's original and its legs, read in one round trip each (before the locks, as planning always was). */
async function lookupsOf(client: pg.PoolClient, userId: string, postings: readonly Posting[]): Promise<Lookups> {
  const ids = [...new Set(postings.flatMap((posting) => (posting.kind === 'reversal' ? [posting.originalTransactionId] : [])))];
  const originals = await findTransactions(client, userId, ids);
  const originalEntries = new Map<string, EntryWithType[]>();
  for (const entry of await entriesOf(client, userId, [...originals.keys()])) {
    const legs = originalEntries.get(entry.transaction_id);
    if (legs) legs.push(entry);
    else originalEntries.set(entry.transaction_id, [entry]);
  }
  return { internal: counterpartiesOf(client, userId), categories: categoryChecksOf(client, userId), originals, originalEntries };
}

/**
 * Posts a balanced set of legs on locked accounts. The code checks the double entry and
 * the floors here; the database checks the legs again at COMMIT. An unbalanced set is a
 * programmer error (an assertion), a floor breached is the person's (insufficient_funds).
 */
function planLegs(
  accounts: ReadonlyMap<string, AccountRow>,
  input: { source: PostingSource; header: Header; legs: Leg[] },
): { posted: Posted; state: Map<string, AccountRow>; write: NewPosting } {
  const { source, header, legs } = input;
  assert(legsAreBalanced(legs), `unbalanced legs for ${header.kind}`);
  for (const leg of legs) assert(accounts.has(leg.account_id), `leg account ${leg.account_id} is not locked`);
  const check = checkPosting(accounts, legs, {
    kind: header.recordedKind ?? header.kind,
    allowNegative: header.allowNegative === true,
  });
  if (!check.ok) {
    const account = accounts.get(check.account_id) as AccountRow;
    const leg = legs.find((candidate) => candidate.account_id === check.account_id) as Leg;
    publishRefused('insufficient_funds');
    throw insufficientFunds(check.account_id, check.available_cents, {
      balanceCents: account.balance_cents,
      floorCents: balanceFloorCents(account) ?? 0,
      debitCents: -leg.amount_cents,
    });
  }

  const newEntries: NewEntry[] = legs.map((leg) => {
    const account = accounts.get(leg.account_id) as AccountRow;
    const balance = account.balance_cents + leg.amount_cents;
    // Far beyond any real balance, but input can get there (an import of many huge lines): a
    // refusal the client can read, not a crash.
    if (Math.abs(balance) > BALANCE_ABS_MAX_CENTS) {
      publishRefused('balance_out_of_range');
      throw balanceOutOfRange(account.id);
    }
    return {
      account_id: leg.account_id,
      amount_cents: leg.amount_cents,
      balance_after_cents: balance,
      account_version: account.row_version + 1,
    };
  });
  const transaction = transactionRow(source, header);

  // The batch goes on with every locked account as it now stands; the posting's answer
  // names only the accounts its own legs touched.
  const state = new Map(accounts);
  const touched = new Map<string, AccountRow>();
  for (const entry of newEntries) {
    const account = accounts.get(entry.account_id) as AccountRow;
    const after = { ...account, balance_cents: entry.balance_after_cents, row_version: entry.account_version };
    state.set(entry.account_id, after);
    touched.set(entry.account_id, after);
  }
  const entries: EntryRow[] = newEntries.map((entry) => ({
    ...entry,
    id: 0,
    transaction_id: transaction.id,
    created_at: source.postedAt,
  }));
  return { posted: { transaction, entries, accounts: touched }, state, write: { header: transaction, entries: newEntries } };
}

function transactionRow(source: PostingSource, header: Header): TransactionRow {
  return {
    id: header.transactionId ?? newTimeOrderedId(),
    user_id: source.userId,
    kind: header.kind,
    account_id: header.accountId,
    counterparty_account_id: header.counterpartyAccountId,
    amount_cents: header.amountCents,
    description: header.description,
    category_id: header.categoryId,
    notes: header.notes,
    occurred_on: header.occurredOn,
    policy_version: header.policyVersion,
    reverses_transaction_id: header.reversesTransactionId,
    corrects_transaction_id: header.correctsTransactionId ?? null,
    idempotency_key: source.idempotencyKey,
    request_id: source.requestId,
    row_version: 1,
    created_at: source.postedAt,
    payee_name: header.pix?.payeeName ?? null,
    payee_city: header.pix?.payeeCity ?? null,
    pix_txid: header.pix?.txid ?? null,
    pix_charge_id: header.pix?.chargeId ?? null,
  };
}

/** At most this many postings in one batch: one transaction holds every lock until COMMIT. */
export const BATCH_POSTINGS_MAX = 1_000;

/**
 * The fewest postings written by the bulk path. A batch of one (a transfer, an entry, a
 * reversal from its route) keeps its one-posting statement: the bulk statement's chain
 * check and arrays buy nothing for one posting, and the request paths stay as measured.
 */
export const BULK_POSTINGS_MIN = 2;

/**
 * Whether a batch may take the bulk path: nothing in it needs the batch's earlier postings to
 * be in the database before it is judged or posted. Caller hooks (whileLocked) may read
 * anything; a goal posting's description and a correction's pair are read or judged against
 * rows the batch itself writes; two reversals of one original must meet the second's
 * already_reversed check. Such a batch keeps the one-by-one path.
 */
export function isBulkBatch(postings: readonly Posting[]): boolean {
  const originals = new Set<string>();
  for (const posting of postings) {
    if (posting.whileLocked) return false;
    switch (posting.kind) {
      case 'goal_contribution':
      case 'goal_withdrawal':
        return false;
      case 'income':
      case 'expense':
        if (posting.correctsTransactionId !== undefined) return false;
        break;
      case 'reversal':
        if (posting.correctedBy !== undefined || originals.has(posting.originalTransactionId)) return false;
        originals.add(posting.originalTransactionId);
        break;
      case 'transfer':
      case 'opening':
      case 'refund':
        break;
    }
  }
  return true;
}

/**
 * Posts many postings in the caller's database transaction, all or nothing: every
 * account any of them touches is locked once, in ascending id order, before the first
 * is posted, and a refusal (or an assertion) in any throws, so the caller's transaction
 * rolls back with nothing half-written. Each answer carries the accounts its legs touched,
 * as they stand after that posting.
 *
 * Every posting is judged in order against the accounts as the batch's earlier postings
 * left them (in memory). A batch of several postings with none that needs those earlier
 * postings in the database (isBulkBatch) is then written in one statement (insertPostings): one round trip
 * instead of one per posting, and each account row updated once instead of once per leg,
 * which inside one long transaction leaves a chain of dead row versions every later update
 * walks. Any other batch writes each posting before the next is judged, as it always did.
 */
export async function postBatch(client: pg.PoolClient, source: PostingSource, postings: readonly Posting[]): Promise<Posted[]> {
  assert(postings.length >= 1 && postings.length <= BATCH_POSTINGS_MAX, `a batch holds 1 to ${BATCH_POSTINGS_MAX} postings`);
  // All or nothing holds only inside a database transaction that a refusal rolls back.
  assert(client.getTransactionStatus() === 'T', 'postBatch runs inside an open database transaction');
  const bulk = postings.length >= BULK_POSTINGS_MIN && isBulkBatch(postings);
  const lookups = await lookupsOf(client, source.userId, postings);
  const plans: Array<{ plan: Plan; posting: Posting }> = [];
  for (const posting of postings) plans.push({ plan: await planOf(client, source, posting, lookups), posting });
  let accounts = await lockAndLoadAccounts(client, source.userId, [...new Set(plans.flatMap(({ plan }) => plan.lockIds))]);
  // The bulk path reads every reversal's original again under the locks, at once; nothing of
  // the batch is written yet and (isBulkBatch) no two reversals share an original.
  const locked = bulk
    ? await findTransactions(
        client,
        source.userId,
        plans.flatMap(({ plan }) => (plan.reverses ? [plan.reverses] : [])),
      )
    : undefined;
  const posted: Posted[] = [];
  const writes: NewPosting[] = [];
  for (const { plan, posting } of plans) {
    for (const id of plan.usableIds) usableAccount(accounts, id);
    if (locked && plan.reverses) plan.reversible?.(locked.get(plan.reverses));
    else await plan.underLock?.();
    assert(!bulk || posting.whileLocked === undefined, 'a bulk batch runs no caller hook');
    await posting.whileLocked?.();
    const result = planLegs(accounts, { source, ...plan.build() });
    if (bulk) writes.push(result.write);
    else await insertPosting(client, result.write.header, result.write.entries);
    accounts = result.state;
    posted.push(result.posted);
  }
  if (bulk) await insertPostings(client, writes);
  // Counted once the caller's transaction commits: a rollback or a retried attempt posted nothing.
  afterCommit(client, () => publishPosted(posted.map((one) => one.transaction.kind)));
  return posted;
}

async function postOne(client: pg.PoolClient, source: PostingSource, posting: Posting): Promise<Posted> {
  const [posted] = await postBatch(client, source, [posting]);
  return posted as Posted;
}

/** An income or an expense on one of the person's accounts, against their income or expense account. */
export function postEntry(client: pg.PoolClient, source: PostingSource, posting: EntryPosting) {
  return postOne(client, source, posting);
}

/** Money between two of the person's own accounts, under transfers_v1. */
export function postTransfer(client: pg.PoolClient, source: PostingSource, posting: Omit<TransferPosting, 'kind'>) {
  return postOne(client, source, { ...posting, kind: 'transfer' });
}

/** An account's initial balance against the person's equity account. */
export function postOpening(client: pg.PoolClient, source: PostingSource, posting: Omit<OpeningPosting, 'kind'>) {
  return postOne(client, source, { ...posting, kind: 'opening' });
}

/** Money into (contribution) or out of (withdrawal) a goal's account, under goals_v1. */
export function postGoalMovement(client: pg.PoolClient, source: PostingSource, posting: GoalPosting) {
  return postOne(client, source, posting);
}

/** A refund (estorno) of a card purchase, under cards_v1. */
export function postRefund(client: pg.PoolClient, source: PostingSource, posting: Omit<RefundPosting, 'kind'>) {
  return postOne(client, source, { ...posting, kind: 'refund' });
}

/** Undoes a posted transaction of any kind but a reversal, once. */
export function reverse(client: pg.PoolClient, source: PostingSource, posting: Omit<ReversalPosting, 'kind'>) {
  return postOne(client, source, { ...posting, kind: 'reversal' });
}

/** What a correction changes: the new posting's fields, and the version of the original the person read. */
export interface CorrectionPosting {
  originalTransactionId: string;
  rowVersion: number;
  accountId: string;
  amountCents: number;
  occurredOn: string;
  description: string;
  categoryId: string | null;
  notes: string | null;
}

/**
 * Options of a correction. `allowNegative` (ledger_v2): the person confirmed recording the
 * corrected income or expense even if it takes an account below its floor; it applies to
 * the reversal of the original and to the new posting alike.
 */
export interface CorrectionOptions {
  allowNegative?: boolean;
}

export function correctionNotSupported(kind: string): DomainError {
  return new DomainError(
    'correction_not_supported',
    422,
    'Only an income or an expense can have its amount, date or account changed; reverse it and record it again.',
    { kind },
  );
}

/**
 * A Pix charge's receipt is the charge's state as much as a posting: the charge names it
 * (pix_charges.receipt_transaction_id), so it is undone from the charge ("Desfazer") or
 * reversed, and received again, never corrected.
 */
function pixReceiptNotCorrectable(): DomainError {
  return new DomainError(
    'correction_not_supported',
    422,
    "A Pix charge's receipt cannot be corrected; undo the receipt on the charge and receive it again.",
    { kind: 'income', reason: 'pix_charge_receipt' },
  );
}

/** A paid Pix keeps its payee and txid through a correction: it is the same payment, told right. */
function paidPixOf(original: {
  payee_name?: string | null;
  payee_city?: string | null;
  pix_txid?: string | null;
}): PixDetails | undefined {
  const details = {
    payeeName: original.payee_name ?? null,
    payeeCity: original.payee_city ?? null,
    txid: original.pix_txid ?? null,
  };
  if (details.payeeName === null && details.payeeCity === null && details.txid === null) return undefined;
  return { ...details, chargeId: null };
}

/** The original as it stands, for a stale row_version's 409. */
async function staleOriginal(client: pg.PoolClient, userId: string, transactionId: string): Promise<DomainError> {
  const row = await findTransaction(client, userId, transactionId);
  if (!row) return notFound('transaction');
  const entries = await entriesOf(client, userId, [row.id]);
  return rowVersionConflict('transaction', toTransactionResponse(row, entries));
}

/**
 * Changes a posted income or expense's amount, date or account the way an append-only
 * ledger does: one batch of a reversal of the original and a new posting that names it,
 * so both commit or neither does. Under the locks the original is claimed at the version
 * the person read (a stale one is 409 with the current state); one already reversed or
 * corrected is refused by the reversal's own check.
 */
export async function correct(
  client: pg.PoolClient,
  source: PostingSource,
  posting: CorrectionPosting,
  options: CorrectionOptions = {},
): Promise<{ reversal: Posted; replacement: Posted }> {
  const original = await findTransaction(client, source.userId, posting.originalTransactionId);
  if (!original) throw notFound('transaction');
  if (original.kind !== 'income' && original.kind !== 'expense') throw correctionNotSupported(original.kind);
  if (original.pix_charge_id) throw pixReceiptNotCorrectable();
  const claim = async () => {
    const claimed = await claimTransactionVersion(client, {
      userId: source.userId,
      transactionId: original.id,
      rowVersion: posting.rowVersion,
    });
    if (!claimed) throw await staleOriginal(client, source.userId, original.id);
  };
  const replacementId = newTimeOrderedId();
  const reversal: ReversalPosting = {
    kind: 'reversal',
    originalTransactionId: original.id,
    description: undefined,
    allowNegative: options.allowNegative,
    correctedBy: replacementId,
  };
  const replacement: EntryPosting = {
    transactionId: replacementId,
    kind: original.kind,
    accountId: posting.accountId,
    amountCents: posting.amountCents,
    description: posting.description,
    categoryId: posting.categoryId,
    notes: posting.notes,
    occurredOn: posting.occurredOn,
    correctsTransactionId: original.id,
    pix: paidPixOf(original),
    allowNegative: options.allowNegative,
  };
  // The floor is judged after each posting, so the one that raises a balance goes first: an
  // expense's reversal gives the money back before the new amount is taken; an income's new
  // amount comes in before the old one is taken back. Either way a correction whose end
  // state keeps the account at or above its floor is never refused on the way there.
  if (original.kind === 'expense') {
    const [undone, redone] = await postBatch(client, source, [{ ...reversal, whileLocked: claim }, replacement]);
    return { reversal: undone as Posted, replacement: redone as Posted };
  }
  const [redone, undone] = await postBatch(client, source, [{ ...replacement, whileLocked: claim }, reversal]);
  return { reversal: undone as Posted, replacement: redone as Posted };
}
