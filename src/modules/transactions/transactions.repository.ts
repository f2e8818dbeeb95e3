import type pg from 'pg';
import type { AccountType } from '../../policies/ledger_v1.js';
import type { EntryRow, TransactionRow } from '../ledger/ledger.repository.js';

type Queryable = pg.Pool | pg.PoolClient;

export interface TransactionListRow extends TransactionRow {
  reversed_by_transaction_id: string | null;
}

export interface EntryWithType extends EntryRow {
  account_type: AccountType;
}

const SELECT_TRANSACTION = `
  SELECT t.id, t.user_id, t.kind, t.account_id, t.counterparty_account_id, t.amount_cents, t.description, t.category_id,
         t.notes, t.occurred_on, t.policy_version, t.reverses_transaction_id, t.idempotency_key, t.request_id,
         t.row_version, t.created_at, t.payee_name, t.payee_city, t.pix_txid, t.pix_charge_id,
         r.id AS reversed_by_transaction_id
    FROM transactions t
    LEFT JOIN transactions r ON r.reverses_transaction_id = t.id`;

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

export interface TransactionFilter {
  userId: string;
  accountId?: string | undefined;
  categoryId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  q?: string | undefined;
  skip: number;
  limit: number;
}

/** LIKE treats % and _ as wildcards; a search for "50%" means the text. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

export async function listTransactions(
  client: Queryable,
  filter: TransactionFilter,
): Promise<{ rows: TransactionListRow[]; total: number }> {
  const where = `t.user_id = $1
    AND ($2::uuid IS NULL OR t.account_id = $2 OR t.counterparty_account_id = $2)
    AND ($3::uuid IS NULL OR t.category_id = $3)
    AND ($4::date IS NULL OR t.occurred_on >= $4)
    AND ($5::date IS NULL OR t.occurred_on <= $5)
    AND ($6::text IS NULL OR t.description ILIKE $6)`;
  const parameters = [
    filter.userId,
    filter.accountId ?? null,
    filter.categoryId ?? null,
    filter.from ?? null,
    filter.to ?? null,
    filter.q === undefined ? null : likePattern(filter.q),
  ];
  const [rows, total] = await Promise.all([
    client.query<TransactionListRow>(
      `${SELECT_TRANSACTION} WHERE ${where} ORDER BY t.occurred_on DESC, t.created_at DESC, t.id DESC LIMIT $7 OFFSET $8`,
      [...parameters, filter.limit, filter.skip],
    ),
    client.query<{ n: number }>(`SELECT count(*)::int AS n FROM transactions t WHERE ${where}`, parameters),
  ]);
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
}

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
): Promise<boolean> {
  const result = await client.query(
    `UPDATE transactions SET description = $4, category_id = $5, notes = $6, row_version = row_version + 1
      WHERE user_id = $1 AND id = $2 AND row_version = $3`,
    [options.userId, options.transactionId, options.rowVersion, options.description, options.categoryId, options.notes],
  );
  return result.rowCount === 1;
}
