import { lockPersonForCount } from '../../db/locks.js';
import type { Queryable } from '../../db/queryable.js';

export interface BudgetRow {
  id: string;
  category_id: string;
  month: string;
  limit_cents: number;
  rollover: boolean;
  alert_thresholds: number[];
  row_version: number;
  category_name: string;
  category_system_key: string | null;
}

/** One budget: the person's, for one category in the month starting on monthStart. */
export interface BudgetKey {
  userId: string;
  monthStart: string;
  categoryId: string;
}

export interface BudgetValues {
  limitCents: number;
  rollover: boolean;
  alertThresholds: number[];
}

/** The person's budgets for the months starting from fromMonthStart to toMonthStart, with their category. */
export async function findBudgets(
  client: Queryable,
  options: { userId: string; fromMonthStart: string; toMonthStart: string },
): Promise<BudgetRow[]> {
  const result = await client.query<BudgetRow>(
    `SELECT b.id, b.category_id, to_char(b.month, 'YYYY-MM') AS month, b.limit_cents, b.rollover, b.alert_thresholds, b.row_version,
            c.name AS category_name, c.system_key AS category_system_key
       FROM budgets b JOIN categories c ON c.id = b.category_id
      WHERE b.user_id = $1 AND b.month BETWEEN $2 AND $3
      ORDER BY lower(c.name), b.category_id`,
    [options.userId, options.fromMonthStart, options.toMonthStart],
  );
  return result.rows;
}

/** Spending per (category, month) between two days: the legs on the person's expense counterparty account. */
export async function spentByCategoryAndMonth(
  client: Queryable,
  options: { userId: string; expenseAccountId: string; fromDay: string; toDay: string },
): Promise<Array<{ category_id: string | null; month: string; spent: number }>> {
  const result = await client.query<{ category_id: string | null; month: string; spent: number }>(
    `SELECT t.category_id, to_char(t.occurred_on, 'YYYY-MM') AS month, sum(e.amount_cents)::bigint AS spent
       FROM transactions t
       JOIN ledger_entries e ON e.transaction_id = t.id AND e.account_id = $2
      WHERE t.user_id = $1 AND t.occurred_on BETWEEN $3 AND $4
      GROUP BY 1, 2`,
    [options.userId, options.expenseAccountId, options.fromDay, options.toDay],
  );
  return result.rows;
}

/** The budget's id and row_version, locked for this transaction; undefined when there is none. */
export async function lockBudget(client: Queryable, key: BudgetKey): Promise<{ id: string; row_version: number } | undefined> {
  const existing = await client.query<{ id: string; row_version: number }>(
    'SELECT id, row_version FROM budgets WHERE user_id = $1 AND month = $2 AND category_id = $3 FOR UPDATE',
    [key.userId, key.monthStart, key.categoryId],
  );
  return existing.rows[0];
}

/**
 * How many budgets the person holds, and how many a copy from one month to another would add;
 * it locks the person first (lockPersonForCount), so creates at once count one by one.
 */
export async function countBudgets(
  client: Queryable,
  options: { userId: string; copy?: { fromMonthStart: string; toMonthStart: string } },
): Promise<{ held: number; copied: number }> {
  await lockPersonForCount(client, options.userId);
  const result = await client.query<{ held: number; copied: number }>(
    `SELECT (SELECT count(*)::int FROM budgets WHERE user_id = $1) AS held,
            (SELECT count(*)::int FROM budgets b JOIN categories c ON c.id = b.category_id AND c.archived_at IS NULL
              WHERE b.user_id = $1 AND b.month = $2::date
                AND NOT EXISTS (SELECT 1 FROM budgets t WHERE t.user_id = $1 AND t.month = $3::date AND t.category_id = b.category_id)
            ) AS copied`,
    [options.userId, options.copy?.fromMonthStart ?? null, options.copy?.toMonthStart ?? null],
  );
  return result.rows[0] ?? { held: 0, copied: 0 };
}

/** Creates the budget, or replaces its values when it exists. */
export async function upsertBudget(
  client: Queryable,
  options: { id: string; key: BudgetKey; values: BudgetValues; now: Date },
): Promise<void> {
  const { key, values } = options;
  await client.query(
    `INSERT INTO budgets (id, user_id, category_id, month, limit_cents, rollover, alert_thresholds, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (user_id, month, category_id) DO UPDATE
       SET limit_cents = EXCLUDED.limit_cents,
           rollover = EXCLUDED.rollover,
           alert_thresholds = EXCLUDED.alert_thresholds,
           row_version = budgets.row_version + 1`,
    [
      options.id,
      key.userId,
      key.categoryId,
      key.monthStart,
      values.limitCents,
      values.rollover,
      values.alertThresholds,
      options.now,
    ],
  );
}

/** Replaces the budget's values when rowVersion is still current; false when no row matched. */
export async function updateBudget(
  client: Queryable,
  options: { key: BudgetKey; rowVersion: number; values: BudgetValues },
): Promise<boolean> {
  const { key, values } = options;
  const result = await client.query(
    `UPDATE budgets SET limit_cents = $5, rollover = $6, alert_thresholds = $7, row_version = row_version + 1
      WHERE user_id = $1 AND month = $2 AND category_id = $3 AND row_version = $4`,
    [key.userId, key.monthStart, key.categoryId, options.rowVersion, values.limitCents, values.rollover, values.alertThresholds],
  );
  return result.rowCount === 1;
}

/** Deletes the budget and the alerts it raised. */
export async function deleteBudget(client: Queryable, budgetId: string): Promise<void> {
  await client.query('DELETE FROM budget_alerts WHERE budget_id = $1', [budgetId]);
  await client.query('DELETE FROM budgets WHERE id = $1', [budgetId]);
}

/** Copies one month's budgets of categories still in use into another month that has none for them. */
export async function copyBudgets(
  client: Queryable,
  options: { userId: string; fromMonthStart: string; toMonthStart: string; now: Date },
): Promise<void> {
  await client.query(
    `INSERT INTO budgets (id, user_id, category_id, month, limit_cents, rollover, alert_thresholds, created_at)
     SELECT gen_random_uuid(), b.user_id, b.category_id, $3, b.limit_cents, b.rollover, b.alert_thresholds, $4
       FROM budgets b JOIN categories c ON c.id = b.category_id AND c.archived_at IS NULL
      WHERE b.user_id = $1 AND b.month = $2
     ON CONFLICT (user_id, month, category_id) DO NOTHING`,
    [options.userId, options.fromMonthStart, options.toMonthStart, options.now],
  );
}

/** Spending moved from one month to another: plus `cents` in `month`, under a category. */
export interface SpendingShiftRow {
  category_id: string | null;
  month: string;
  cents: number;
}

/**
 * The bill an installment is on now: moved_to_month while the refund or antecipação that
 * moved it holds (not reversed), else the bill it was put on. The same rule as the cards
 * module's MOVE_HOLDS (src/modules/cards/cards.repository.ts), which shows it on the bills.
 */
export const INSTALLMENT_MONTH = `CASE WHEN i.moved_to_month IS NOT NULL AND (i.moved_by_transaction_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM transactions x WHERE x.reverses_transaction_id = i.moved_by_transaction_id))
  THEN i.moved_to_month ELSE i.bill_month END`;

/**
 * Card purchases in installments: the whole amount taken out of the month of the purchase's
 * day, between fromDay and toDay, and, while the purchase holds (not reversed), each
 * installment put in the month its bill closes, when that month is between them. A reversed
 * purchase vanishes from its bills, so it counts nowhere: its reversal, between fromDay and
 * toDay, is taken out of the month of the reversal's day too (each under its own category, as
 * the ledger's legs are). A move only ever brings an installment forward, so its first bill is
 * never before the month it is on: the range on bill_month lets the card's (account_id,
 * bill_month) index find them.
 */
export async function installmentShifts(
  client: Queryable,
  options: { userId: string; fromDay: string; toDay: string },
): Promise<SpendingShiftRow[]> {
  const result = await client.query<SpendingShiftRow>(
    `SELECT t.category_id, to_char(t.occurred_on, 'YYYY-MM') AS month, -t.amount_cents AS cents
       FROM transactions t
      WHERE t.user_id = $1 AND t.kind = 'expense' AND t.occurred_on BETWEEN $2 AND $3
        AND EXISTS (SELECT 1 FROM card_installments i WHERE i.transaction_id = t.id)
     UNION ALL
     SELECT r.category_id, to_char(r.occurred_on, 'YYYY-MM') AS month, r.amount_cents AS cents
       FROM transactions r
      WHERE r.user_id = $1 AND r.kind = 'reversal' AND r.occurred_on BETWEEN $2 AND $3
        AND EXISTS (SELECT 1 FROM card_installments i WHERE i.transaction_id = r.reverses_transaction_id)
     UNION ALL
     SELECT t.category_id, to_char(m.month, 'YYYY-MM') AS month, i.amount_cents AS cents
       FROM accounts a
       JOIN card_installments i ON i.account_id = a.id AND i.user_id = a.user_id
       CROSS JOIN LATERAL (SELECT ${INSTALLMENT_MONTH} AS month) m
       JOIN transactions t ON t.id = i.transaction_id AND t.user_id = i.user_id
      WHERE a.user_id = $1 AND a.type = 'credit_card'
        AND i.bill_month >= $2 AND m.month BETWEEN $2 AND $3
        AND NOT EXISTS (SELECT 1 FROM transactions r WHERE r.reverses_transaction_id = t.id)`,
    [options.userId, options.fromDay, options.toDay],
  );
  return result.rows.map((row) => ({ ...row, cents: Number(row.cents) }));
}

/** A refund (or antecipação discount) of a purchase in installments that still holds. */
export interface InstallmentRefundRow {
  account_id: string;
  category_id: string | null;
  occurred_on: string;
  amount_cents: number;
}

/** The refunds, between fromDay and toDay, of purchases in installments; reversed ones are left out. */
export async function installmentRefunds(
  client: Queryable,
  options: { userId: string; fromDay: string; toDay: string },
): Promise<InstallmentRefundRow[]> {
  const result = await client.query<InstallmentRefundRow>(
    `SELECT r.account_id, r.category_id, r.occurred_on, r.amount_cents
       FROM card_refunds f JOIN transactions r ON r.id = f.transaction_id AND r.user_id = f.user_id
      WHERE f.user_id = $1 AND r.occurred_on BETWEEN $2 AND $3
        AND EXISTS (SELECT 1 FROM card_installments i WHERE i.transaction_id = f.purchase_transaction_id)
        AND NOT EXISTS (SELECT 1 FROM transactions x WHERE x.reverses_transaction_id = r.id)`,
    [options.userId, options.fromDay, options.toDay],
  );
  return result.rows.map((row) => ({ ...row, amount_cents: Number(row.amount_cents) }));
}
