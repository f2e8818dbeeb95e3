/** Pure budget figures; no I/O. Month arithmetic comes from the shared calendar module. */
import { previousMonth } from '../../lib/calendar.js';

export interface MonthBudget {
  limit_cents: number;
  rollover: boolean;
}

/**
 * What a month's budget makes available: its limit plus, with rollover, what the previous
 * month left (negative when it was overspent), chained back while each earlier month also
 * had a budget. budgets and spent are keyed by YYYY-MM.
 */
export function availableFor(
  month: string,
  budgets: ReadonlyMap<string, MonthBudget>,
  spent: ReadonlyMap<string, number>,
  depth: number,
): { carried: number; available: number } {
  const budget = budgets.get(month);
  if (!budget) return { carried: 0, available: 0 };
  let carried = 0;
  const before = previousMonth(month);
  if (budget.rollover && depth > 0 && budgets.has(before)) {
    const previous = availableFor(before, budgets, spent, depth - 1);
    carried = previous.available - (spent.get(before) ?? 0);
  }
  return { carried, available: budget.limit_cents + carried };
}

export function percentOf(spent: number, available: number): number {
  if (available <= 0) return spent > 0 ? 100 : 0;
  return Math.floor((spent * 100) / available);
}

export function crossedThresholds(thresholds: readonly number[], spent: number, available: number): number[] {
  return thresholds
    .filter((threshold) => (available <= 0 ? spent > 0 : spent * 100 >= threshold * available))
    .sort((a, b) => a - b);
}

/**
 * Whether a budget line is over, as the budgets screen paints it red (web budgets/status.ts):
 * spending reached what was available, or, with nothing available (a zero limit, or last
 * month's overspending carried over), any spending at all.
 */
export function overBudget(spent: number, available: number): boolean {
  return available > 0 ? spent >= available : spent > 0;
}
