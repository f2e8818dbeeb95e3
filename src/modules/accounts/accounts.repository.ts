import { USER_ACCOUNT_TYPES } from '../../policies/ledger_v1.js';
import { ACCOUNT_COLUMNS, type AccountRow, type EntryRow, NOT_REVERSED } from '../ledger/ledger.repository.js';

/** The person's own accounts, as opposed to internal ledger accounts (counterparties, goals). */
const IS_USER_ACCOUNT = `type IN (${USER_ACCOUNT_TYPES.map((type) => `'${type}'`).join(', ')})`;

import { lockPersonForCount } from '../../db/locks.js';
import type { Queryable } from '../../db/queryable.js';
import type { ClosingDayPurchases } from '../../policies/cards_v1.js';

/** A person's account as the accounts module reads it: the ledger's columns and a card's bill days. */
export interface UserAccountRow extends AccountRow {
  closing_day: number | null;
  due_day: number | null;
  closing_day_purchases: ClosingDayPurchases | null;
}

const USER_ACCOUNT_COLUMNS = `${ACCOUNT_COLUMNS}, closing_day, due_day, closing_day_purchases`;

export async function insertAccount(
  client: Queryable,
  row: Pick<
    UserAccountRow,
    | 'id'
    | 'user_id'
    | 'name'
    | 'type'
    | 'overdraft_limit_cents'
    | 'created_at'
    | 'closing_day'
    | 'due_day'
    | 'closing_day_purchases'
  >,
): Promise<UserAccountRow> {
  const result = await client.query<UserAccountRow>(
    `INSERT INTO accounts (id, user_id, name, type, overdraft_limit_cents, created_at, closing_day, due_day, closing_day_purchases)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${USER_ACCOUNT_COLUMNS}`,
    [
      row.id,
      row.user_id,
      row.name,
      row.type,
      row.overdraft_limit_cents,
      row.created_at,
      row.closing_day,
      row.due_day,
      row.closing_day_purchases,
    ],
  );
  return result.rows[0] as UserAccountRow;
}

/** For a create: locks the person first (lockPersonForCount), so creates at once count one by one. */
export async function countUserAccounts(client: Queryable, userId: string): Promise<number> {
  await lockPersonForCount(client, userId);
  const result = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM accounts WHERE user_id = $1 AND ${IS_USER_ACCOUNT}`,
    [userId],
  );
  return result.rows[0]?.n ?? 0;
}

/** A person's own account (never an internal one), or undefined. */
export async function findUserAccount(client: Queryable, userId: string, accountId: string): Promise<UserAccountRow | undefined> {
  const result = await client.query<UserAccountRow>(
    `SELECT ${USER_ACCOUNT_COLUMNS} FROM accounts
      WHERE user_id = $1 AND id = $2 AND ${IS_USER_ACCOUNT}`,
    [userId, accountId],
  );
  return result.rows[0];
}

export async function listUserAccounts(
  client: Queryable,
  options: { userId: string; includeArchived: boolean; skip: number; limit: number },
): Promise<{ rows: UserAccountRow[]; total: number }> {
  const where = `user_id = $1 AND ${IS_USER_ACCOUNT} AND ($2 OR archived_at IS NULL)`;
  const [rows, total] = await Promise.all([
    client.query<UserAccountRow>(
      `SELECT ${USER_ACCOUNT_COLUMNS} FROM accounts WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
      [options.userId, options.includeArchived, options.limit, options.skip],
    ),
    client.query<{ n: number }>(`SELECT count(*)::int AS n FROM accounts WHERE ${where}`, [
      options.userId,
      options.includeArchived,
    ]),
  ]);
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
}

/** Edits an account when the version the client read is current; undefined when it is not (or the account is gone). */
export async function updateAccount(
  client: Queryable,
  options: {
    userId: string;
    accountId: string;
    rowVersion: number;
    name: string;
    overdraftLimitCents: number;
    archivedAt: Date | null;
    closingDay: number | null;
    dueDay: number | null;
    closingDayPurchases: ClosingDayPurchases | null;
  },
): Promise<UserAccountRow | undefined> {
  const result = await client.query<UserAccountRow>(
    `UPDATE accounts SET name = $4, overdraft_limit_cents = $5, archived_at = $6, closing_day = $7, due_day = $8,
            closing_day_purchases = $9, row_version = row_version + 1
      WHERE user_id = $1 AND id = $2 AND row_version = $3 RETURNING ${USER_ACCOUNT_COLUMNS}`,
    [
      options.userId,
      options.accountId,
      options.rowVersion,
      options.name,
      options.overdraftLimitCents,
      options.archivedAt,
      options.closingDay,
      options.dueDay,
      options.closingDayPurchases,
    ],
  );
  return result.rows[0];
}

export interface StatementRow extends EntryRow {
  kind: string;
  description: string;
  occurred_on: string;
  reverses_transaction_id: string | null;
  reversed_by_transaction_id: string | null;
  corrects_transaction_id: string | null;
  corrected_by_transaction_id: string | null;
  installment_count: number | null;
}

/**
 * The account's entries, newest first. By default the entries of reversals and of what they
 * reversed are left out (NOT_REVERSED); the running balance of the others still counts them.
 */
export async function listLedger(
  client: Queryable,
  options: { accountId: string; includeReversed: boolean; skip: number; limit: number },
): Promise<{ rows: StatementRow[]; total: number }> {
  // The page is cut from the account's entries first, so only its rows are joined to their
  // headers (joining first let deep pages hash-join all of transactions). Hiding reversals
  // asks each entry's header by primary key in a scalar subquery, which the planner keeps
  // as a per-row index probe rather than a join over all of transactions.
  const entries = options.includeReversed
    ? 'SELECT e.* FROM ledger_entries e WHERE e.account_id = $1'
    : `SELECT e.* FROM ledger_entries e
        WHERE e.account_id = $1 AND (SELECT ${NOT_REVERSED} FROM transactions t WHERE t.id = e.transaction_id)`;
  const [rows, total] = await Promise.all([
    client.query<StatementRow>(
      `SELECT e.id, e.transaction_id, e.account_id, e.amount_cents, e.balance_after_cents, e.account_version, e.created_at,
              t.kind, t.description, t.occurred_on, t.reverses_transaction_id, t.corrects_transaction_id,
              (SELECT r.id FROM transactions r WHERE r.reverses_transaction_id = t.id) AS reversed_by_transaction_id,
              (SELECT c.id FROM transactions c WHERE c.corrects_transaction_id = t.id) AS corrected_by_transaction_id,
              (SELECT i.count FROM card_installments i WHERE i.transaction_id = t.id LIMIT 1) AS installment_count
         FROM (${entries} ORDER BY e.account_version DESC LIMIT $2 OFFSET $3) e
         JOIN transactions t ON t.id = e.transaction_id
        ORDER BY e.account_version DESC`,
      [options.accountId, options.limit, options.skip],
    ),
    client.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${entries}) e`, [options.accountId]),
  ]);
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
}

/**
 * The balance at an instant: the sum of the account's entries with created_at up to it, from
 * the ledger alone. It starts from the latest month-end snapshot at or before the instant
 * (which holds exactly that sum as of its month end) and adds only the entries after it, so
 * it reads at most a month of entries however old the account is; without a snapshot it
 * sums from the first entry.
 */
export async function balanceAt(
  client: Queryable,
  accountId: string,
  at: Date,
): Promise<{ balance_cents: number; entry_count: number }> {
  const result = await client.query<{ balance_cents: number; entry_count: number }>(
    `WITH snapshot AS (
       SELECT as_of, balance_cents, entry_count FROM account_balance_snapshots
        WHERE account_id = $1 AND as_of <= $2 ORDER BY as_of DESC LIMIT 1)
     SELECT (coalesce((SELECT balance_cents FROM snapshot), 0) + coalesce(sum(e.amount_cents), 0))::bigint AS balance_cents,
            (coalesce((SELECT entry_count FROM snapshot), 0) + count(*))::int AS entry_count
       FROM ledger_entries e
      WHERE e.account_id = $1 AND e.created_at <= $2
        AND e.created_at > coalesce((SELECT as_of FROM snapshot), '-infinity')`,
    [accountId, at],
  );
  return result.rows[0] ?? { balance_cents: 0, entry_count: 0 };
}
