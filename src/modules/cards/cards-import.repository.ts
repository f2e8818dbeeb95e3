/**
 * What the statement import needs of a card's installment purchases: the standing ones, to
 * recognise a statement's "Parcela k/N" line as an installment already in the books, and which
 * transactions are installment purchases, to describe an import's lines after the fact.
 */
import type { Queryable } from '../../db/queryable.js';
import type { IsoDay, IsoMonth } from '../../lib/calendar.js';
import { NOT_REVERSED } from '../ledger/index.js';

/** One installment of a standing purchase, as the import's matching reads it. */
export interface ImportableInstallment {
  number: number;
  count: number;
  amount_cents: number;
  /** The bill it was first put on. */
  bill_month: IsoMonth;
}

/** A purchase in installments on the card that still holds (not reversed). */
export interface InstallmentPurchase {
  id: string;
  description: string;
  occurred_on: IsoDay;
  count: number;
  installments: ImportableInstallment[];
}

/**
 * The card's standing installment purchases of these counts (N of "Parcela k/N"), oldest first,
 * with their installments. Reversed purchases are out of the books and are not offered.
 */
export async function installmentPurchasesOf(
  client: Queryable,
  options: { userId: string; accountId: string; counts: readonly number[] },
): Promise<InstallmentPurchase[]> {
  if (options.counts.length === 0) return [];
  const result = await client.query<Omit<InstallmentPurchase, 'installments'> & { installments: ImportableInstallment[] }>(
    `SELECT t.id, t.description, t.occurred_on, max(i.count)::int AS count,
            json_agg(json_build_object('number', i.number, 'count', i.count, 'amount_cents', i.amount_cents,
                                       'bill_month', to_char(i.bill_month, 'YYYY-MM')) ORDER BY i.number) AS installments
       FROM transactions t JOIN card_installments i ON i.transaction_id = t.id AND i.user_id = t.user_id
      WHERE t.user_id = $1 AND t.account_id = $2 AND t.kind = 'expense' AND ${NOT_REVERSED}
        AND i.count = ANY($3::int[])
      GROUP BY t.id, t.description, t.occurred_on, t.created_at
      ORDER BY t.occurred_on, t.created_at, t.id`,
    [options.userId, options.accountId, options.counts],
  );
  return result.rows.map((row) => ({
    ...row,
    installments: row.installments.map((one) => ({ ...one, amount_cents: Number(one.amount_cents) })),
  }));
}

/** Of these transactions, the installment purchases: each one's installment numbers and count. */
export async function installmentNumbersOf(
  client: Queryable,
  options: { userId: string; transactionIds: readonly string[] },
): Promise<Map<string, { count: number; numbers: number[]; total_cents: number }>> {
  if (options.transactionIds.length === 0) return new Map();
  const result = await client.query<{ transaction_id: string; count: number; numbers: number[]; total_cents: string }>(
    `SELECT i.transaction_id, max(i.count)::int AS count, array_agg(i.number::int ORDER BY i.number) AS numbers,
            sum(i.amount_cents) AS total_cents
       FROM card_installments i
      WHERE i.user_id = $1 AND i.transaction_id = ANY($2::uuid[])
      GROUP BY i.transaction_id`,
    [options.userId, options.transactionIds],
  );
  return new Map(
    result.rows.map((row) => [
      row.transaction_id,
      { count: row.count, numbers: row.numbers, total_cents: Number(row.total_cents) },
    ]),
  );
}
