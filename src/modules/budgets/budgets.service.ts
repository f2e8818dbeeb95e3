import type { Queryable } from '../../db/queryable.js';
import { runTransaction } from '../../db/unit-of-work.js';
import { BUDGETS_PER_USER_MAX, DEFAULT_ALERT_THRESHOLDS } from '../../lib/bounds.js';
import { firstDayOfMonth, lastDayOfMonth, previousMonth, shiftMonth } from '../../lib/calendar.js';
import { DomainError, notFound, rowVersionConflict } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import type { ServiceDeps } from '../../lib/service-context.js';
import { findCategory } from '../categories/categories.repository.js';
import { findInternalAccountId } from '../ledger/index.js';
import { availableFor, crossedThresholds, type MonthBudget, percentOf } from './budget-math.js';
import {
  type BudgetKey,
  type BudgetRow,
  type BudgetValues,
  copyBudgets,
  countBudgets,
  deleteBudget,
  findBudgets,
  lockBudget,
  spentByCategoryAndMonth,
  updateBudget,
  upsertBudget,
} from './budgets.repository.js';
import {
  type BudgetLineResponse,
  type BudgetMonthResponse,
  type PutBudgetInput,
  ROLLOVER_MONTHS_MAX,
} from './budgets.schemas.js';
import { cardSpendingShifts } from './card-spending.js';

/**
 * Spending per (category, month) over a range of months: the expense counterparty's legs by
 * the month of their day, with card purchases in installments (and their refunds) counted in
 * the months of their bills instead (card-spending.ts).
 */
async function spentBetween(client: Queryable, userId: string, fromMonth: string, toMonth: string) {
  const expenseAccountId = await findInternalAccountId(client, userId, 'expense');
  const [booked, shifts] = await Promise.all([
    spentByCategoryAndMonth(client, {
      userId,
      expenseAccountId,
      fromDay: firstDayOfMonth(fromMonth),
      toDay: lastDayOfMonth(toMonth),
    }),
    cardSpendingShifts(client, { userId, fromMonth, toMonth }),
  ]);
  const sums = new Map<string, { category_id: string | null; month: string; spent: number }>();
  for (const row of [...booked.map((one) => ({ ...one, cents: Number(one.spent) })), ...shifts]) {
    const key = `${row.category_id ?? ''}|${row.month}`;
    const sum = sums.get(key) ?? { category_id: row.category_id, month: row.month, spent: 0 };
    sum.spent += row.cents;
    sums.set(key, sum);
  }
  return [...sums.values()];
}

/** Rows indexed by category, then by month (YYYY-MM). */
function byCategoryAndMonth<Row extends { category_id: string; month: string }, Value>(
  rows: readonly Row[],
  pick: (row: Row) => Value,
): Map<string, Map<string, Value>> {
  const index = new Map<string, Map<string, Value>>();
  for (const row of rows) {
    const byMonth = index.get(row.category_id) ?? new Map<string, Value>();
    byMonth.set(row.month, pick(row));
    index.set(row.category_id, byMonth);
  }
  return index;
}

/** One budget's line for the month: what it makes available (with rollover) against what was spent. */
function budgetLine(
  row: BudgetRow,
  month: string,
  history: Map<string, MonthBudget>,
  spentByMonth: Map<string, number>,
): BudgetLineResponse {
  const { carried, available } = availableFor(month, history, spentByMonth, ROLLOVER_MONTHS_MAX);
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
}

function budgetsLimit(): DomainError {
  return new DomainError(
    'limit_reached',
    422,
    `A person may have at most ${BUDGETS_PER_USER_MAX} budgets in all months together.`,
  );
}

export class BudgetsService {
  constructor(private readonly deps: ServiceDeps) {}

  async month(userId: string, month: string): Promise<BudgetMonthResponse> {
    const earliest = shiftMonth(month, -ROLLOVER_MONTHS_MAX);
    const [budgets, spentRows] = await Promise.all([
      findBudgets(this.deps.pool, { userId, fromMonthStart: firstDayOfMonth(earliest), toMonthStart: firstDayOfMonth(month) }),
      spentBetween(this.deps.pool, userId, earliest, month),
    ]);
    // Uncategorised spending is keyed by '' so it counts as unbudgeted.
    const spent = byCategoryAndMonth(
      spentRows.map((row) => ({ ...row, category_id: row.category_id ?? '' })),
      (row) => row.spent,
    );
    const history = byCategoryAndMonth(budgets, (row): MonthBudget => row);
    const items = budgets
      .filter((row) => row.month === month)
      .map((row) => budgetLine(row, month, history.get(row.category_id) ?? new Map(), spent.get(row.category_id) ?? new Map()));
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
    if (!category) throw notFound('category');
    if (category.kind !== 'expense') throw new DomainError('category_kind_mismatch', 422, 'Budgets are for expense categories.');
    const key: BudgetKey = { userId, monthStart: firstDayOfMonth(month), categoryId };
    const values: BudgetValues = {
      limitCents: input.limit_cents,
      rollover: input.rollover ?? false,
      alertThresholds: input.alert_thresholds ?? [...DEFAULT_ALERT_THRESHOLDS],
    };
    const rowVersion = input.row_version;
    const outcome = await runTransaction(this.deps.pool, async (client): Promise<'created' | 'replaced' | 'conflict'> => {
      if (rowVersion === undefined) {
        const { held } = await countBudgets(client, { userId });
        const existing = await lockBudget(client, key);
        if (existing === undefined && held >= BUDGETS_PER_USER_MAX) throw budgetsLimit();
        await upsertBudget(client, { id: newId(), key, values, now: this.deps.clock.now() });
        return existing === undefined ? 'created' : 'replaced';
      }
      return (await updateBudget(client, { key, rowVersion, values })) ? 'replaced' : 'conflict';
    });
    // The line is read on a connection of its own, so only once the transaction has given its
    // connection back: as many stale edits as the pool has connections would otherwise each wait
    // for a second one until the checkout timed out.
    const line = await this.lineFor(userId, month, categoryId);
    // A row_version for a budget that does not exist is a conflict too (current: null): the
    // client replaces something it read, and that is gone.
    if (outcome === 'conflict') throw rowVersionConflict('budget', line ?? null);
    return { created: outcome === 'created', line: line as BudgetLineResponse };
  }

  private async lineFor(userId: string, month: string, categoryId: string): Promise<BudgetLineResponse | undefined> {
    return (await this.month(userId, month)).items.find((item) => item.category_id === categoryId);
  }

  async remove(userId: string, month: string, categoryId: string): Promise<void> {
    await runTransaction(this.deps.pool, async (client) => {
      const found = await lockBudget(client, { userId, monthStart: firstDayOfMonth(month), categoryId });
      if (!found) throw notFound('budget');
      await deleteBudget(client, found.id);
    });
  }

  /** Copies last month's budgets into this month for categories that have none yet. */
  async copyPrevious(userId: string, month: string): Promise<BudgetMonthResponse> {
    const copy = { fromMonthStart: firstDayOfMonth(previousMonth(month)), toMonthStart: firstDayOfMonth(month) };
    await runTransaction(this.deps.pool, async (client) => {
      const { held, copied } = await countBudgets(client, { userId, copy });
      if (copied > 0 && held + copied > BUDGETS_PER_USER_MAX) throw budgetsLimit();
      await copyBudgets(client, { userId, ...copy, now: this.deps.clock.now() });
    });
    return this.month(userId, month);
  }
}
