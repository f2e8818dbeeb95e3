import type { Queryable } from '../../db/queryable.js';
import { NOT_REVERSED, SELECT_TRANSACTION, type TransactionListRow } from '../ledger/ledger.repository.js';

export interface TransactionFilter {
  userId: string;
  accountId?: string | undefined;
  categoryId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  q?: string | undefined;
  /** Also reversed and corrected transactions and their reversals (hidden by default). */
  includeReversed: boolean;
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
  // Reversals and what they reversed are left out unless asked for (issue 11).
  const hidden = filter.includeReversed ? '' : ` AND ${NOT_REVERSED}`;
  const where = `t.user_id = $1
    AND ($2::uuid IS NULL OR t.account_id = $2 OR t.counterparty_account_id = $2)
    AND ($3::uuid IS NULL OR t.category_id = $3)
    AND ($4::date IS NULL OR t.occurred_on >= $4)
    AND ($5::date IS NULL OR t.occurred_on <= $5)
    AND ($6::text IS NULL OR t.description ILIKE $6)${hidden}`;
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
