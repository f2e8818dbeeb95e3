/** Pure month arithmetic and budget figures; no I/O. */

export function monthStart(month: string): string {
  return `${month}-01`;
}

export function monthEnd(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(year, monthNumber, 0)).getUTCDate();
  return `${month}-${String(last).padStart(2, '0')}`;
}

export function shiftMonth(month: string, delta: number): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  const index = year * 12 + (monthNumber - 1) + delta;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

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
  const previousMonth = shiftMonth(month, -1);
  if (budget.rollover && depth > 0 && budgets.has(previousMonth)) {
    const previous = availableFor(previousMonth, budgets, spent, depth - 1);
    carried = previous.available - (spent.get(previousMonth) ?? 0);
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
