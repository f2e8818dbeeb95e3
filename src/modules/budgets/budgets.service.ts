import type pg from 'pg';
import { runTransaction } from '../../db/unit-of-work.js';
import type { ServiceDeps } from '../../http/context.js';
import { DomainError } from '../../http/errors.js';
import { newId } from '../../lib/ids.js';
import { findCategory } from '../categories/categories.service.js';
import { findInternalAccountId } from '../ledger/ledger.repository.js';
import { availableFor, crossedThresholds, type MonthBudget, monthEnd, monthStart, percentOf, shiftMonth } from './budget-math.js';
import {
  type BudgetLineResponse,
  type BudgetMonthResponse,
  DEFAULT_ALERT_THRESHOLDS,
  type PutBudgetInput,
  ROLLOVER_MONTHS_MAX,
} from './budgets.schemas.js';

interface BudgetRow {
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

type Queryable = pg.Pool | pg.PoolClient;

/** Spending per (category, month) over a range of months: the expense counterparty's legs. */
async function spentByCategoryAndMonth(client: Queryable, userId: string, fromMonth: string, toMonth: string) {
  const expenseAccountId = await findInternalAccountId(client, userId, 'expense');
  const result = await client.query<{ category_id: string | null; month: string; spent: number }>(
    `SELECT t.category_id, to_char(t.occurred_on, 'YYYY-MM') AS month, sum(e.amount_cents)::bigint AS spent
       FROM transactions t
       JOIN ledger_entries e ON e.transaction_id = t.id AND e.account_id = $2
      WHERE t.user_id = $1 AND t.occurred_on BETWEEN $3 AND $4
      GROUP BY 1, 2`,
    [userId, expenseAccountId, monthStart(fromMonth), monthEnd(toMonth)],
  );
  return result.rows;
}

export class BudgetsService {
  constructor(private readonly deps: ServiceDeps) {}

  async month(userId: string, month: string): Promise<BudgetMonthResponse> {
    const earliest = shiftMonth(month, -ROLLOVER_MONTHS_MAX);
    const [budgets, spentRows] = await Promise.all([
      this.deps.pool.query<BudgetRow>(
        `SELECT b.id, b.category_id, to_char(b.month, 'YYYY-MM') AS month, b.limit_cents, b.rollover, b.alert_thresholds, b.row_version,
                c.name AS category_name, c.system_key AS category_system_key
           FROM budgets b JOIN categories c ON c.id = b.category_id
          WHERE b.user_id = $1 AND b.month BETWEEN $2 AND $3
          ORDER BY lower(c.name), b.category_id`,
        [userId, monthStart(earliest), monthStart(month)],
      ),
      spentByCategoryAndMonth(this.deps.pool, userId, earliest, month),
    ]);
    const spent = new Map<string, Map<string, number>>();
    for (const row of spentRows) {
      const key = row.category_id ?? '';
      if (!spent.has(key)) spent.set(key, new Map());
      spent.get(key)?.set(row.month, row.spent);
    }
    const history = new Map<string, Map<string, MonthBudget>>();
    for (const row of budgets.rows) {
      if (!history.has(row.category_id)) history.set(row.category_id, new Map());
      history.get(row.category_id)?.set(row.month, row);
    }

    const items: BudgetLineResponse[] = budgets.rows
      .filter((row) => row.month === month)
      .map((row) => {
        const spentByMonth = spent.get(row.category_id) ?? new Map<string, number>();
        const { carried, available } = availableFor(
          month,
          history.get(row.category_id) ?? new Map(),
          spentByMonth,
          ROLLOVER_MONTHS_MAX,
        );
        const spentCents = spentByMonth.get(month) ?? 0;
        return {
          id: row.id,
          category_id: row.category_id,
          category_name: row.category_name,
          category_system_key: row.category_system_key,
          limit_cents: row.limit_cents,
          rollover: row.rollover,
          carried_cents: carried,
          available_cents: available,
          spent_cents: spentCents,
          remaining_cents: available - spentCents,
          percent: percentOf(spentCents, available),
          alert_thresholds: row.alert_thresholds,
          crossed_thresholds: crossedThresholds(row.alert_thresholds, spentCents, available),
          row_version: row.row_version,
        };
      });
    const budgeted = new Set(items.map((item) => item.category_id));
    let unbudgeted = 0;
    for (const [categoryId, byMonth] of spent) if (!budgeted.has(categoryId)) unbudgeted += byMonth.get(month) ?? 0;
    const sum = (pick: (item: BudgetLineResponse) => number) => items.reduce((total, item) => total + pick(item), 0);
    return {
      month,
      items,
      totals: {
        limit_cents: sum((item) => item.limit_cents),
        available_cents: sum((item) => item.available_cents),
        spent_cents: sum((item) => item.spent_cents),
        remaining_cents: sum((item) => item.remaining_cents),
      },
      unbudgeted_spent_cents: unbudgeted,
    };
  }

  /** Creates or replaces one month's budget for an expense category. */
  async put(
    userId: string,
    month: string,
    categoryId: string,
    input: PutBudgetInput,
  ): Promise<{ created: boolean; line: BudgetLineResponse }> {
    const category = await findCategory(this.deps.pool, userId, categoryId);
    if (!category) throw new DomainError('not_found', 404, 'No such category.');
    if (category.kind !== 'expense') throw new DomainError('category_kind_mismatch', 422, 'Budgets are for expense categories.');
    const created = await runTransaction(this.deps.pool, async (client) => {
      const existing = await client.query<{ row_version: number }>(
        'SELECT row_version FROM budgets WHERE user_id = $1 AND month = $2 AND category_id = $3 FOR UPDATE',
        [userId, monthStart(month), categoryId],
      );
      const current = existing.rows[0];
      if (input.row_version !== undefined && current?.row_version !== input.row_version) {
        throw new DomainError('row_version_conflict', 409, 'The budget changed since you read it.', {
          current: current ? ((await this.lineFor(userId, month, categoryId)) ?? null) : null,
        });
      }
      await client.query(
        `INSERT INTO budgets (id, user_id, category_id, month, limit_cents, rollover, alert_thresholds, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (user_id, month, category_id) DO UPDATE
           SET limit_cents = EXCLUDED.limit_cents,
               rollover = $9,
               alert_thresholds = $10,
               row_version = budgets.row_version + 1`,
        [
          newId(),
          userId,
          categoryId,
          monthStart(month),
          input.limit_cents,
          input.rollover ?? false,
          input.alert_thresholds ?? DEFAULT_ALERT_THRESHOLDS,
          this.deps.clock.now(),
          input.rollover ?? false,
          input.alert_thresholds ?? DEFAULT_ALERT_THRESHOLDS,
        ],
      );
      return current === undefined;
    });
    return { created, line: (await this.lineFor(userId, month, categoryId)) as BudgetLineResponse };
  }

  private async lineFor(userId: string, month: string, categoryId: string): Promise<BudgetLineResponse | undefined> {
    return (await this.month(userId, month)).items.find((item) => item.category_id === categoryId);
  }

  async remove(userId: string, month: string, categoryId: string): Promise<void> {
    await runTransaction(this.deps.pool, async (client) => {
      const found = await client.query<{ id: string }>(
        'SELECT id FROM budgets WHERE user_id = $1 AND month = $2 AND category_id = $3 FOR UPDATE',
        [userId, monthStart(month), categoryId],
      );
      const id = found.rows[0]?.id;
      if (!id) throw new DomainError('not_found', 404, 'No budget for this category in this month.');
      await client.query('DELETE FROM budget_alerts WHERE budget_id = $1', [id]);
      await client.query('DELETE FROM budgets WHERE id = $1', [id]);
    });
  }

  /** Copies last month's budgets into this month for categories that have none yet. */
  async copyPrevious(userId: string, month: string): Promise<BudgetMonthResponse> {
    await this.deps.pool.query(
      `INSERT INTO budgets (id, user_id, category_id, month, limit_cents, rollover, alert_thresholds, created_at)
       SELECT gen_random_uuid(), b.user_id, b.category_id, $3, b.limit_cents, b.rollover, b.alert_thresholds, $4
         FROM budgets b JOIN categories c ON c.id = b.category_id AND c.archived_at IS NULL
        WHERE b.user_id = $1 AND b.month = $2
       ON CONFLICT (user_id, month, category_id) DO NOTHING`,
      [userId, monthStart(shiftMonth(month, -1)), monthStart(month), this.deps.clock.now()],
    );
    return this.month(userId, month);
  }
}
