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
