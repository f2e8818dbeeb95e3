import type pg from 'pg';
import { pgCode, SqlState } from '../../db/sqlstate.js';
import { withTransaction } from '../../db/unit-of-work.js';
import { calendarDay, calendarMonth, daysBetween, firstDayOfMonth, lastDayOfMonth, shiftMonth } from '../../lib/calendar.js';
import type { Clock } from '../../lib/clock.js';
import { DomainError } from '../../lib/errors.js';
import type { SpendingShiftRow } from '../budgets/budgets.repository.js';
import { cardSpendingShifts } from '../budgets/card-spending.js';
import { RecurringService } from '../recurring/recurring.service.js';
import {
  activeBalanceNow,
  type CategoryRow,
  categoriesOf,
  claimCache,
  counterpartiesOf,
  type FlowRow,
  flowsFrom,
  freshCache,
  ownBalanceNow,
  storeCache,
  topPayees,
  unusualExpenses,
} from './insights.repository.js';
import type { CachedMonthInsights, InsightsResponse } from './insights.schemas.js';

/** The months the balance and flow series covers, ending with the month asked for. */
export const SERIES_MONTHS = 12;
/** The months a category's spending is averaged over, and the unusual-expense baseline spans. */
export const BASELINE_MONTHS = 3;
export const TOP_PAYEES_MAX = 5;
/** An expense is unusual above this many times the category's median over the baseline months… */
export const UNUSUAL_FACTOR = 2;
/** …with at least this many expenses in that baseline… */
export const UNUSUAL_MIN_SAMPLES = 3;
/** …and when it is at least R$ 100,00. */
export const UNUSUAL_FLOOR_CENTS = 10_000;

export interface InsightsHooks {
  onCacheLookup?: (hit: boolean) => void;
  onCompute?: (seconds: number) => void;
}

export function featureDisabled(): DomainError {
  return new DomainError('feature_disabled', 404, 'Insights are turned off on this server.', { feature: 'insights' });
}

/**
 * A month that has not begun in São Paulo has nothing to show, and refusing it keeps one
 * person from filling the cache with a row per future month.
 */
export function monthInFuture(month: string, current: string): DomainError {
  return new DomainError('month_in_future', 422, 'This month has not begun yet.', { month, current_month: current });
}

/** Flows by month: what came in, what went out, what the person's own accounts gained. */
interface MonthFlows {
  income: number;
  expense: number;
  ownChange: number;
  byCategory: Map<string | null, number>;
}

/**
 * The flows of each month. Spending (expense, by category) counts card installments in the
 * months of their bills (`shifts`, budgets' card-spending.ts), as budgets do; what the
 * person's own accounts gained (ownChange, behind the month-end balances) follows the ledger's
 * days, since a purchase in installments takes the whole amount from the card at once.
 */
function flowsByMonth(rows: readonly FlowRow[], shifts: readonly SpendingShiftRow[]): Map<string, MonthFlows> {
  const months = new Map<string, MonthFlows>();
  const flowsOf = (month: string) => {
    let flows = months.get(month);
    if (!flows) {
      flows = { income: 0, expense: 0, ownChange: 0, byCategory: new Map() };
      months.set(month, flows);
    }
    return flows;
  };
  const spend = (flows: MonthFlows, category: string | null, cents: number) => {
    flows.expense += cents;
    if (cents !== 0) flows.byCategory.set(category, (flows.byCategory.get(category) ?? 0) + cents);
  };
  for (const row of rows) {
    const flows = flowsOf(row.month);
    flows.income += row.income;
    flows.ownChange += row.income - row.expense + row.opened;
    spend(flows, row.category_id, row.expense);
  }
  for (const shift of shifts) spend(flowsOf(shift.month), shift.category_id, shift.cents);
  return months;
}

/** The ratio rounded to 4 decimals; null when there was no income to save from. */
export function savingsRate(incomeCents: number, netCents: number): number | null {
  if (incomeCents <= 0) return null;
  return Math.round((netCents / incomeCents) * 10_000) / 10_000;
}

/**
 * The balance of the person's own accounts at the end of each month of the series: today's
 * balance, less what they gained after that month's end.
 */
function monthEndBalances(
  months: readonly string[],
  flows: ReadonlyMap<string, MonthFlows>,
  ownNow: number,
): Map<string, number> {
  const balances = new Map<string, number>();
  const later = [...flows.entries()];
  for (const month of months) {
    let after = 0;
    for (const [flowMonth, flow] of later) if (flowMonth > month) after += flow.ownChange;
    balances.set(month, ownNow - after);
  }
  return balances;
}

function categoryLines(month: string, flows: ReadonlyMap<string, MonthFlows>, names: ReadonlyMap<string, CategoryRow>) {
  const spentIn = (offset: number, category: string | null) =>
    flows.get(shiftMonth(month, offset))?.byCategory.get(category) ?? 0;
  const ids = new Set<string | null>();
  for (let offset = -BASELINE_MONTHS; offset <= 0; offset += 1) {
    for (const id of flows.get(shiftMonth(month, offset))?.byCategory.keys() ?? []) ids.add(id);
  }
  const lines = [...ids].map((id) => {
    let baseline = 0;
    for (let offset = 1; offset <= BASELINE_MONTHS; offset += 1) baseline += spentIn(-offset, id);
    const category = id === null ? undefined : names.get(id);
    return {
      category_id: id,
      name: category?.name ?? null,
      system_key: category?.system_key ?? null,
      spent_cents: spentIn(0, id),
      last_month_cents: spentIn(-1, id),
      average_3_months_cents: Math.round(baseline / BASELINE_MONTHS),
    };
  });
  const nonZero = lines.filter(
    (line) => line.spent_cents !== 0 || line.last_month_cents !== 0 || line.average_3_months_cents !== 0,
  );
  return nonZero.sort((a, b) => b.spent_cents - a.spent_cents || (a.category_id ?? '').localeCompare(b.category_id ?? ''));
}

/**
 * A person's insights, computed from the ledger and cached per month (insight_cache). The
 * cache is never the source of a balance; the projection, which moves with the day and with
 * recurring rules, is computed at every read of the current month.
 */
export class InsightsService {
  private readonly recurring: RecurringService;

  constructor(private readonly deps: { pool: pg.Pool; clock: Clock; enabled: boolean; hooks?: InsightsHooks }) {
    this.recurring = new RecurringService({ pool: deps.pool, clock: deps.clock, hooks: {} });
  }

  async month(userId: string, month: string): Promise<InsightsResponse> {
    if (!this.deps.enabled) throw featureDisabled();
    const current = calendarMonth(this.deps.clock.now());
    if (month > current) throw monthInFuture(month, current);
    const cached = await freshCache(this.deps.pool, userId, month);
    this.deps.hooks?.onCacheLookup?.(cached !== undefined);
    const figures = (cached?.payload as CachedMonthInsights | undefined) ?? (await this.refresh(userId, month));
    return { ...figures, projection: await this.projection(userId, month) };
  }

  /** Computes a month's insights and caches them, unless a posting made them stale meanwhile. */
  async refresh(userId: string, month: string): Promise<CachedMonthInsights> {
    const started = performance.now();
    const claimed = await this.claimUnlessReadOnly(userId, month);
    const figures = await this.compute(userId, month);
    if (claimed) await storeCache(this.deps.pool, { userId, month, payload: figures, computedAt: new Date(figures.computed_at) });
    this.deps.hooks?.onCompute?.((performance.now() - started) / 1000);
    return figures;
  }

  /**
   * Claims the month's cache entry; false when the database is read-only. The cache is
   * incidental to a read: the figures are then computed and served without being stored.
   */
  private async claimUnlessReadOnly(userId: string, month: string): Promise<boolean> {
    try {
      await withTransaction(this.deps.pool, (client) => claimCache(client, userId, month));
      return true;
    } catch (error) {
      if (pgCode(error) === SqlState.readOnlySqlTransaction) return false;
      throw error;
    }
  }

  /** Every figure of the month from the ledger; one snapshot, so the figures agree with each other. */
  private compute(userId: string, month: string): Promise<CachedMonthInsights> {
    return withTransaction(this.deps.pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const fromDay = firstDayOfMonth(month);
      const toDay = lastDayOfMonth(month);
      const firstSeriesMonth = shiftMonth(month, 1 - SERIES_MONTHS);
      const [flowRows, shifts, ownNow, payees, unusual] = [
        await flowsFrom(client, {
          userId,
          fromDay: firstDayOfMonth(firstSeriesMonth),
          counterparties: await counterpartiesOf(client, userId),
        }),
        await cardSpendingShifts(client, { userId, fromMonth: firstSeriesMonth, toMonth: month }),
        await ownBalanceNow(client, userId),
        await topPayees(client, { userId, fromDay, toDay, limit: TOP_PAYEES_MAX }),
        await unusualExpenses(client, {
          userId,
          baselineFrom: firstDayOfMonth(shiftMonth(month, -BASELINE_MONTHS)),
          fromDay,
          toDay,
          factor: UNUSUAL_FACTOR,
          minSamples: UNUSUAL_MIN_SAMPLES,
          floorCents: UNUSUAL_FLOOR_CENTS,
        }),
      ];
      const flows = flowsByMonth(flowRows, shifts);
      const categoryIds = [...new Set([...flowRows, ...shifts].flatMap((row) => (row.category_id ? [row.category_id] : [])))];
      const names = new Map((await categoriesOf(client, userId, categoryIds)).map((row) => [row.id, row]));
      const months = Array.from({ length: SERIES_MONTHS }, (_, index) => shiftMonth(firstSeriesMonth, index));
      const balances = monthEndBalances(months, flows, ownNow);
      const current = flows.get(month);
      const income = current?.income ?? 0;
      const expense = current?.expense ?? 0;
      return {
        month,
        computed_at: this.deps.clock.now().toISOString(),
        income_cents: income,
        expense_cents: expense,
        net_cents: income - expense,
        savings_rate: savingsRate(income, income - expense),
        categories: categoryLines(month, flows, names),
        top_payees: payees,
        unusual_expenses: unusual,
        series: months.map((point) => ({
          month: point,
          income_cents: flows.get(point)?.income ?? 0,
          expense_cents: flows.get(point)?.expense ?? 0,
          balance_cents: balances.get(point) ?? 0,
        })),
      };
    });
  }

  /**
   * The current month's end: the active accounts' balance now, less the recurring bills and
   * plus the recurring income still due from today to the month's last day (the recurring
   * module's upcoming occurrences). Other months have none.
   */
  private async projection(userId: string, month: string): Promise<InsightsResponse['projection']> {
    const now = this.deps.clock.now();
    if (calendarMonth(now) !== month) return null;
    const today = calendarDay(now);
    const monthEnd = lastDayOfMonth(month);
    const upcoming = await this.recurring.upcoming(userId, Math.max(1, daysBetween(today, monthEnd)));
    let bills = 0;
    let income = 0;
    for (const item of upcoming.items) {
      if (item.occurs_on > monthEnd) continue;
      if (item.type === 'expense') bills += item.amount_cents;
      if (item.type === 'income') income += item.amount_cents;
    }
    const balance = await activeBalanceNow(this.deps.pool, userId);
    return {
      as_of: today,
      balance_cents: balance,
      bills_cents: bills,
      expected_income_cents: income,
      projected_cents: balance - bills + income,
    };
  }
}

/** The months the insights job keeps fresh: the current one and the one before, in São Paulo. */
export function jobMonths(now: Date): string[] {
  const current = calendarMonth(now);
  return [current, shiftMonth(current, -1)];
}
