import { bodyLimit } from '../../api/limits';
import { DEFAULT_ALERT_THRESHOLDS } from '../../lib/bounds';
import type { BudgetLine } from './api';

/** How many thresholds the server accepts (each 1–1000 %). */
export const ALERT_THRESHOLDS_MAX = bodyLimit('put', '/api/budgets/{month}/{category_id}', 'alert_thresholds', 'maxItems');

/**
 * How a category's month is going: green while below its first alert threshold, amber
 * once past it, red when the spending reaches what was available (100 %).
 */
export type BudgetStatus = 'ok' | 'warning' | 'over';

export const BUDGET_STATUS_COLORS: Record<BudgetStatus, string> = { ok: 'green', warning: 'yellow', over: 'red' };

type StatusFigures = Pick<BudgetLine, 'spent_cents' | 'available_cents' | 'crossed_thresholds'>;

export function budgetStatus(line: StatusFigures): BudgetStatus {
  // Nothing available (a zero limit, or last month's overspending ate it): any spending is over.
  const over = line.available_cents > 0 ? line.spent_cents >= line.available_cents : line.spent_cents > 0;
  if (over) return 'over';
  return line.crossed_thresholds.length > 0 ? 'warning' : 'ok';
}

/** The worst status among lines: what a summary shows. */
export function worstStatus(lines: readonly StatusFigures[]): BudgetStatus {
  const statuses = lines.map(budgetStatus);
  if (statuses.includes('over')) return 'over';
  return statuses.includes('warning') ? 'warning' : 'ok';
}

/**
 * The month as a whole: red once everything available is spent, amber from the default
 * first alert (50 %), green below. A single category over its limit does not paint the total.
 */
export function totalsStatus(totals: { spent_cents: number; available_cents: number }): BudgetStatus {
  const reachedFirstAlert = totals.spent_cents * 100 >= DEFAULT_ALERT_THRESHOLDS[0] * totals.available_cents;
  return budgetStatus({
    spent_cents: totals.spent_cents,
    available_cents: totals.available_cents,
    crossed_thresholds: totals.available_cents > 0 && reachedFirstAlert ? [DEFAULT_ALERT_THRESHOLDS[0]] : [],
  });
}

/**
 * The thresholds to save when the person sets "warn at x %": x takes the place of the
 * lowest threshold and the higher ones are kept (100 % stays, so red still has its alert).
 */
export function thresholdsWithFirst(current: readonly number[], first: number): number[] {
  const higher = [...current]
    .sort((a, b) => a - b)
    .slice(1)
    .filter((threshold) => threshold > first);
  return [first, ...higher].slice(0, ALERT_THRESHOLDS_MAX);
}

/** The percent shown for a line: held at 0 or more; it may pass 100. */
export function barValue(percent: number): number {
  return Math.min(100, Math.max(0, percent));
}
