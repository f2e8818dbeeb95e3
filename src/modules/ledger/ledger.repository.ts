import type pg from 'pg';
import { accountLockOrder, accountLocksTaken } from '../../db/locks.js';
import type { Queryable } from '../../db/queryable.js';
import { assert } from '../../lib/assert.js';
import type { AccountType } from '../../policies/ledger_v1.js';
import { MONTH_INSIGHTS } from '../insights/staleness.js';

export interface AccountRow {
  id: string;
  user_id: string;
  name: string;
  type: AccountType;
  currency: 'BRL';
  balance_cents: number;
  overdraft_limit_cents: number;
  row_version: number;
  archived_at: Date | null;
  created_at: Date;
}

export interface TransactionRow {
  id: string;
  user_id: string;
  kind: string;
  account_id: string;
  counterparty_account_id: string;
  amount_cents: number;
  description: string;
  category_id: string | null;
  notes: string | null;
  occurred_on: string;
  policy_version: string;
  reverses_transaction_id: string | null;
  /** Set on the new posting of a correction: the transaction it replaces (which a reversal in the same batch undid). */
  corrects_transaction_id?: string | null;
  idempotency_key: string | null;
  request_id: string | null;
  row_version: number;
  created_at: Date;
  /** A paid Pix: who was paid (from the BR Code) and its txid; a received charge: its id. */
  payee_name?: string | null;
  payee_city?: string | null;
  pix_txid?: string | null;
  pix_charge_id?: string | null;
}

export interface EntryRow {
  id: number;
  transaction_id: string;
  account_id: string;
  amount_cents: number;
  balance_after_cents: number;
  account_version: number;
  created_at: Date;
}

export interface NewEntry {
  account_id: string;
  amount_cents: number;
  balance_after_cents: number;
  account_version: number;
}

export const ACCOUNT_COLUMNS =
  'id, user_id, name, type, currency, balance_cents, overdraft_limit_cents, row_version, archived_at, created_at';

/**
 * Locks the accounts for a money-moving write and reads them, in one round trip: the
 * advisory locks in ascending id order (accountLocksTaken in db/locks), then the rows FOR
 * UPDATE in the same order. Only the user's accounts are returned.
 */
export async function lockAndLoadAccounts(
  client: pg.PoolClient,
  userId: string,
  accountIds: readonly string[],
): Promise<Map<string, AccountRow>> {
  const order = accountLockOrder(accountIds);
  const result = await client.query<AccountRow>({
    name: 'ledger_lock_load_accounts',
    text: `SELECT ${ACCOUNT_COLUMNS} FROM accounts
            WHERE user_id = $1 AND id = ANY($2::uuid[]) AND ${accountLocksTaken('$3')}
            ORDER BY id FOR UPDATE`,
    values: [userId, order.ids, order.keys],
  });
  return new Map(result.rows.map((row) => [row.id, row]));
}

export async function findInternalAccountId(
  client: Queryable,
  userId: string,
  type: 'income' | 'expense' | 'equity',
): Promise<string> {
  const result = await client.query<{ id: string }>({
    name: 'ledger_internal_account',
    text: 'SELECT id FROM accounts WHERE user_id = $1 AND type = $2',
    values: [userId, type],
  });
  const id = result.rows[0]?.id;
  if (!id) throw new Error(`user has no internal ${type} account`);
  return id;
}

/**
 * Writes a posting in one round trip: the journal header, its legs, each account's new
 * balance and version, and the person's cached insights from the posting's month on marked
 * stale (insights/staleness.ts). The deferred constraint re-checks the legs at COMMIT.
 */
export async function insertPosting(
  client: pg.PoolClient,
  header: Omit<TransactionRow, 'row_version'>,
  entries: readonly NewEntry[],
): Promise<void> {
  await client.query({
    name: 'ledger_insert_posting',
    text: `WITH header AS (
       INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
         category_id, notes, occurred_on, policy_version, reverses_transaction_id, idempotency_key, request_id, created_at,
         payee_name, payee_city, pix_txid, pix_charge_id, corrects_transaction_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $20, $21, $22, $23, $24)
     ), legs AS (
       INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
       SELECT $1, leg.account_id, $2, leg.amount_cents, leg.balance_after_cents, leg.account_version, $15
         FROM unnest($16::uuid[], $17::bigint[], $18::bigint[], $19::integer[])
           AS leg (account_id, amount_cents, balance_after_cents, account_version)
     ), stale AS (
       UPDATE insight_cache SET stale = true
        WHERE user_id = $2 AND kind = '${MONTH_INSIGHTS}' AND period >= to_char($10::date, 'YYYY-MM') AND NOT stale
     )
     UPDATE accounts SET balance_cents = leg.balance_after_cents, row_version = leg.account_version
       FROM unnest($16::uuid[], $18::bigint[], $19::integer[]) AS leg (account_id, balance_after_cents, account_version)
      WHERE accounts.id = leg.account_id AND accounts.user_id = $2`,
    values: [
      header.id,
      header.user_id,
      header.kind,
      header.account_id,
      header.counterparty_account_id,
      header.amount_cents,
      header.description,
      header.category_id,
      header.notes,
      header.occurred_on,
      header.policy_version,
      header.reverses_transaction_id,
      header.idempotency_key,
      header.request_id,
      header.created_at,
      entries.map((entry) => entry.account_id),
      entries.map((entry) => entry.amount_cents),
      entries.map((entry) => entry.balance_after_cents),
      entries.map((entry) => entry.account_version),
      header.payee_name ?? null,
      header.payee_city ?? null,
      header.pix_txid ?? null,
      header.pix_charge_id ?? null,
      header.corrects_transaction_id ?? null,
    ],
  });
}

/** One posting of a bulk write: its header and its legs, each leg's balance and version already computed. */
export interface NewPosting {
  header: Omit<TransactionRow, 'row_version'>;
  entries: readonly NewEntry[];
}

/**
 * Writes many postings of one person and one source in one round trip (postBatch's bulk
 * path): every header with one INSERT, every leg with one INSERT (in posting order, so the
 * entry ids run as the one-by-one path gives them), each touched account once with its last
 * leg's balance and version, and the cached insights from the earliest posting's month on
 * marked stale.
 *
 * Writing an account once instead of once per posting drops the per-posting check that the
 * account row moved with each leg, so the statement checks the whole chain instead: per
 * account, the legs in posting order must start at the locked row's version + 1 and run on
 * by one, and each balance_after must be the locked balance plus the running sum of the
 * legs. An account whose chain is broken is written with a NULL balance, which the
 * column's NOT NULL makes the database refuse: the statement fails and the caller's
 * transaction rolls back with nothing written. The statement's snapshot is taken before
 * its own writes, so `accounts` here is the row as the batch locked it.
 */
export async function insertPostings(client: pg.PoolClient, postings: readonly NewPosting[]): Promise<void> {
  const first = postings[0];
  if (!first) return;
  const headers = postings.map((posting) => posting.header);
  // The statement writes one person's, one source's postings: the shared columns are bound once.
  for (const header of headers) {
    assert(
      header.user_id === first.header.user_id &&
        header.idempotency_key === first.header.idempotency_key &&
        header.request_id === first.header.request_id &&
        header.created_at.getTime() === first.header.created_at.getTime(),
      'a bulk posting mixes people or sources',
    );
  }
  const legs = postings.flatMap((posting) => posting.entries.map((entry) => ({ transactionId: posting.header.id, ...entry })));
  // ISO days sort as text.
  const earliest = headers.map((header) => header.occurred_on).sort()[0];
  const result = await client.query<{ accounts: number; updated: number }>({
    name: 'ledger_insert_postings',
    text: `WITH header AS (
       INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
         category_id, notes, occurred_on, policy_version, reverses_transaction_id, idempotency_key, request_id, created_at,
         payee_name, payee_city, pix_txid, pix_charge_id, corrects_transaction_id)
       SELECT h.id, $1, h.kind, h.account_id, h.counterparty_account_id, h.amount_cents, h.description,
              h.category_id, h.notes, h.occurred_on, h.policy_version, h.reverses, $2, $3, $4,
              h.payee_name, h.payee_city, h.pix_txid, h.pix_charge_id, h.corrects
         FROM unnest($5::uuid[], $6::text[], $7::uuid[], $8::uuid[], $9::bigint[], $10::text[], $11::uuid[], $12::text[],
                     $13::date[], $14::text[], $15::uuid[], $16::text[], $17::text[], $18::text[], $19::uuid[], $20::uuid[])
           WITH ORDINALITY AS h (id, kind, account_id, counterparty_account_id, amount_cents, description, category_id, notes,
                                 occurred_on, policy_version, reverses, payee_name, payee_city, pix_txid, pix_charge_id, corrects, ord)
        ORDER BY h.ord
     ), leg AS (
       SELECT * FROM unnest($21::uuid[], $22::uuid[], $23::bigint[], $24::bigint[], $25::integer[]) WITH ORDINALITY
         AS leg (transaction_id, account_id, amount_cents, balance_after_cents, account_version, ord)
     ), legs AS (
       INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
       SELECT leg.transaction_id, leg.account_id, $1, leg.amount_cents, leg.balance_after_cents, leg.account_version, $4
         FROM leg ORDER BY leg.ord
     ), stale AS (
       UPDATE insight_cache SET stale = true
        WHERE user_id = $1 AND kind = '${MONTH_INSIGHTS}' AND period >= to_char($26::date, 'YYYY-MM') AND NOT stale
     ), walked AS (
       SELECT leg.account_id, leg.ord, leg.balance_after_cents, leg.account_version,
              leg.balance_after_cents = a.balance_cents + sum(leg.amount_cents) OVER running
                AND leg.account_version = a.row_version + row_number() OVER running AS linked,
              row_number() OVER (PARTITION BY leg.account_id ORDER BY leg.ord DESC) AS from_last
         FROM leg JOIN accounts a ON a.id = leg.account_id AND a.user_id = $1
       WINDOW running AS (PARTITION BY leg.account_id ORDER BY leg.ord)
     ), chain AS (
       SELECT walked.*, bool_and(walked.linked) OVER (PARTITION BY walked.account_id) AS intact FROM walked
     ), updated AS (
       UPDATE accounts
          SET balance_cents = CASE WHEN chain.intact THEN chain.balance_after_cents END,
              row_version = chain.account_version
         FROM chain
        WHERE chain.from_last = 1 AND accounts.id = chain.account_id AND accounts.user_id = $1
       RETURNING accounts.id
     )
     SELECT (SELECT count(DISTINCT account_id) FROM leg)::int AS accounts, (SELECT count(*) FROM updated)::int AS updated`,
    values: [
      first.header.user_id,
      first.header.idempotency_key,
      first.header.request_id,
      first.header.created_at,
      headers.map((header) => header.id),
      headers.map((header) => header.kind),
      headers.map((header) => header.account_id),
      headers.map((header) => header.counterparty_account_id),
      headers.map((header) => header.amount_cents),
      headers.map((header) => header.description),
      headers.map((header) => header.category_id),
      headers.map((header) => header.notes),
      headers.map((header) => header.occurred_on),
      headers.map((header) => header.policy_version),
      headers.map((header) => header.reverses_transaction_id),
      headers.map((header) => header.payee_name ?? null),
      headers.map((header) => header.payee_city ?? null),
      headers.map((header) => header.pix_txid ?? null),
      headers.map((header) => header.pix_charge_id ?? null),
      headers.map((header) => header.corrects_transaction_id ?? null),
      legs.map((entry) => entry.transactionId),
      legs.map((entry) => entry.account_id),
      legs.map((entry) => entry.amount_cents),
      legs.map((entry) => entry.balance_after_cents),
      legs.map((entry) => entry.account_version),
      earliest,
    ],
  });
  // Every leg's account is the person's and was written: a leg on someone else's account
  // would also fail its composite foreign key, but this says so before COMMIT.
  const counts = result.rows[0];
  if (!counts || counts.updated !== counts.accounts) {
    throw new Error(`bulk posting wrote ${counts?.updated} of ${counts?.accounts} accounts`);
  }
}

export interface TransactionListRow extends TransactionRow {
  /** A card purchase in installments: how many. */
  installment_count?: number | null;
  /** A refund (or an antecipação's discount): the card purchase it gave money back on. */
  refund_of_transaction_id?: string | null;
  /** A card purchase with refunds that still hold (not reversed): it may not be reversed or corrected. */
  has_refunds?: boolean;
  corrects_transaction_id: string | null;
  reversed_by_transaction_id: string | null;
  corrected_by_transaction_id: string | null;
}

export interface EntryWithType extends EntryRow {
  account_type: AccountType;
}

export const SELECT_TRANSACTION = `
  SELECT t.id, t.user_id, t.kind, t.account_id, t.counterparty_account_id, t.amount_cents, t.description, t.category_id,
         t.notes, t.occurred_on, t.policy_version, t.reverses_transaction_id, t.idempotency_key, t.request_id,
         t.row_version, t.created_at, t.payee_name, t.payee_city, t.pix_txid, t.pix_charge_id, t.corrects_transaction_id,
         r.id AS reversed_by_transaction_id, c.id AS corrected_by_transaction_id,
         (SELECT i.count FROM card_installments i WHERE i.transaction_id = t.id LIMIT 1) AS installment_count,
         (SELECT f.purchase_transaction_id FROM card_refunds f WHERE f.transaction_id = t.id) AS refund_of_transaction_id,
         EXISTS (SELECT 1 FROM card_refunds f WHERE f.purchase_transaction_id = t.id
                    AND NOT EXISTS (SELECT 1 FROM transactions fr WHERE fr.reverses_transaction_id = f.transaction_id)) AS has_refunds
    FROM transactions t
    LEFT JOIN transactions r ON r.reverses_transaction_id = t.id
    LEFT JOIN transactions c ON c.corrects_transaction_id = t.id`;

/**
 * What the default lists leave out: a reversal and what it reversed (a deletion, or the
 * original of a correction). The correction's new posting stays. Takes the alias t.
 */
export const NOT_REVERSED = `(t.kind <> 'reversal' AND NOT EXISTS (SELECT 1 FROM transactions r2 WHERE r2.reverses_transaction_id = t.id))`;

export async function findTransaction(
  client: Queryable,
  userId: string,
  transactionId: string,
): Promise<TransactionListRow | undefined> {
  const result = await client.query<TransactionListRow>(`${SELECT_TRANSACTION} WHERE t.user_id = $1 AND t.id = $2`, [
    userId,
    transactionId,
  ]);
  return result.rows[0];
}

/** Many transactions at once (postBatch reads every reversal's original in one round trip). */
export async function findTransactions(
  client: Queryable,
  userId: string,
  transactionIds: readonly string[],
): Promise<Map<string, TransactionListRow>> {
  if (transactionIds.length === 0) return new Map();
  const result = await client.query<TransactionListRow>(`${SELECT_TRANSACTION} WHERE t.user_id = $1 AND t.id = ANY($2::uuid[])`, [
    userId,
    transactionIds,
  ]);
  return new Map(result.rows.map((row) => [row.id, row]));
}

export async function entriesOf(client: Queryable, userId: string, transactionIds: readonly string[]): Promise<EntryWithType[]> {
  if (transactionIds.length === 0) return [];
  const result = await client.query<EntryWithType>(
    `SELECT e.id, e.transaction_id, e.account_id, e.amount_cents, e.balance_after_cents, e.account_version, e.created_at,
            a.type AS account_type
       FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
      WHERE e.user_id = $1 AND e.transaction_id = ANY($2::uuid[])
      ORDER BY e.id`,
    [userId, transactionIds],
  );
  return result.rows;
}

/**
 * The only edit a posted transaction takes: its description, category and notes, when the
 * version the client read is current. Money columns never change (the database refuses).
 */
export async function updateTransactionDetails(
  client: Queryable,
  options: {
    userId: string;
    transactionId: string;
    rowVersion: number;
    description: string;
    categoryId: string | null;
    notes: string | null;
  },
): Promise<true | undefined> {
  // A new category or description changes the month's insights: the edit marks them stale
  // (see insights/staleness.ts) in the same statement. It updates rows that are stale already
  // too: an edit touches no account, so the cache row's lock is what makes a concurrent
  // claim (insights.repository claimCache) wait for the edit to commit.
  const result = await client.query<{ edited: number }>(
    `WITH edited AS (
       UPDATE transactions SET description = $4, category_id = $5, notes = $6, row_version = row_version + 1
        WHERE user_id = $1 AND id = $2 AND row_version = $3
       RETURNING to_char(occurred_on, 'YYYY-MM') AS month
     ), marked AS (
       UPDATE insight_cache SET stale = true
        WHERE user_id = $1 AND kind = '${MONTH_INSIGHTS}' AND period >= (SELECT month FROM edited)
     )
     SELECT count(*)::int AS edited FROM edited`,
    [options.userId, options.transactionId, options.rowVersion, options.description, options.categoryId, options.notes],
  );
  return result.rows[0]?.edited === 1 ? true : undefined;
}

/**
 * Claims a transaction for a correction: bumps its row_version when the version the client
 * read is still current. The row lock it takes makes two corrections of one transaction
 * queue; the second finds the version moved on.
 */
export async function claimTransactionVersion(
  client: Queryable,
  options: { userId: string; transactionId: string; rowVersion: number },
): Promise<true | undefined> {
  const result = await client.query(
    'UPDATE transactions SET row_version = row_version + 1 WHERE user_id = $1 AND id = $2 AND row_version = $3',
    [options.userId, options.transactionId, options.rowVersion],
  );
  return result.rowCount === 1 ? true : undefined;
}

/**
 * Strips a deleted person's transactions of free text and outside identifiers (LGPD
 * deletion, src/modules/privacy): description emptied, notes, category, payee, Pix txid and
 * charge, idempotency key and request id cleared. Amounts, dates, kinds and accounts stay,
 * so the books still balance. The caller's transaction must have set
 * vai_de_pix.anonymising_user to this person (migration 20261204001000_privacy.sql): without
 * it the guard refuses the change to the immutable columns.
 */
export async function anonymiseTransactions(client: Queryable, userId: string): Promise<number> {
  const result = await client.query(
    `UPDATE transactions
        SET description = '', notes = NULL, category_id = NULL, payee_name = NULL, payee_city = NULL,
            pix_txid = NULL, pix_charge_id = NULL, idempotency_key = NULL, request_id = NULL,
            row_version = row_version + 1
      WHERE user_id = $1`,
    [userId],
  );
  return result.rowCount ?? 0;
}
