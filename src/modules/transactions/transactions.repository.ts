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

/**
 * The search predicate: the description contains the text, ignoring accents and case
 * ("farmacia sao joao" finds "Farmácia São João"). Both sides go through search_fold
 * (lower(unaccent(…)), migration 20261202005000), and the description's side is what the
 * trigram index transactions_description_search_idx holds. The text is folded first and
 * escaped after, so the LIKE wildcards % and _ and the escape \\ in it are literal even if
 * folding produced one ("50%" means the text).
 */
const SEARCH_PREDICATE = `public.search_fold(t.description) LIKE
  '%' || replace(replace(replace(public.search_fold($6::text), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'`;

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
    AND ($6::text IS NULL OR ${SEARCH_PREDICATE})${hidden}`;
  const parameters = [
    filter.userId,
    filter.accountId ?? null,
    filter.categoryId ?? null,
    filter.from ?? null,
    filter.to ?? null,
    filter.q ?? null,
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
