import { calendarMonthsBetween, dayParts } from '../../lib/calendar';
import type { Goal } from './api';

/**
 * Where a goal stands and where it is heading, from the server's figures (saved, target,
 * the average monthly pace and the projected completion day) and today's date. Pure: the
 * card turns it into words.
 */
export type GoalOutlook =
  /** Marked achieved by the server (saved reached the target at some point). */
  | { kind: 'achieved' }
  /** Saved covers the target, but the goal was reopened. */
  | { kind: 'reached' }
  /** The target date has passed without reaching the target. */
  | { kind: 'overdue'; neededCents: number }
  /** No target date: when the current pace gets there. */
  | { kind: 'projected'; projectedOn: string; paceCents: number }
  /** A target date the current pace meets. */
  | { kind: 'on_track'; projectedOn: string; paceCents: number }
  /**
   * The goal's first month (the server projects nothing yet): never "behind", only what a
   * month would need to meet the target date, if there is one.
   */
  | { kind: 'starting'; neededMonthlyCents: number | null }
  /** A target date the current pace misses (or no pace yet): how much a month would meet it. */
  | { kind: 'behind'; projectedOn: string | null; paceCents: number; neededMonthlyCents: number }
  /** No target date and no contributions in the last months. */
  | { kind: 'no_pace' }
  /** No target date, and the current pace would take longer than the server projects (100 years). */
  | { kind: 'too_far'; paceCents: number };

type GoalFigures = Pick<
  Goal,
  | 'achieved'
  | 'saved_cents'
  | 'target_cents'
  | 'remaining_cents'
  | 'target_date'
  | 'monthly_pace_cents'
  | 'projected_completion_on'
  | 'projection_unavailable_reason'
>;

/**
 * Months from `todayIso` until `targetIso` (both YYYY-MM-DD), a part of a month counting
 * as a whole one, and at least 1: a target next week still divides by one month.
 */
export function monthsUntil(todayIso: string, targetIso: string): number {
  const partOfMonth = dayParts(targetIso).day > dayParts(todayIso).day ? 1 : 0;
  return Math.max(1, calendarMonthsBetween(todayIso, targetIso) + partOfMonth);
}

/** remaining / months, rounded up to the centavo, so saving it each month does get there. */
function perMonth(remainingCents: number, months: number): number {
  return Math.ceil(remainingCents / months);
}

export function goalOutlook(goal: GoalFigures, todayIso: string): GoalOutlook {
  if (goal.achieved) return { kind: 'achieved' };
  if (goal.saved_cents >= goal.target_cents) return { kind: 'reached' };
  const pace = goal.monthly_pace_cents;
  const projectedOn = pace > 0 ? goal.projected_completion_on : null;
  if (goal.target_date !== null && goal.target_date < todayIso) return { kind: 'overdue', neededCents: goal.remaining_cents };
  if (goal.projection_unavailable_reason === 'first_month') {
    const needed = goal.target_date === null ? null : perMonth(goal.remaining_cents, monthsUntil(todayIso, goal.target_date));
    return { kind: 'starting', neededMonthlyCents: needed };
  }
  if (goal.target_date !== null) {
    if (projectedOn !== null && projectedOn <= goal.target_date) return { kind: 'on_track', projectedOn, paceCents: pace };
    return {
      kind: 'behind',
      projectedOn,
      paceCents: pace,
      neededMonthlyCents: perMonth(goal.remaining_cents, monthsUntil(todayIso, goal.target_date)),
    };
  }
  if (projectedOn !== null) return { kind: 'projected', projectedOn, paceCents: pace };
  return goal.projection_unavailable_reason === 'too_far' ? { kind: 'too_far', paceCents: pace } : { kind: 'no_pace' };
}

/** The width of a progress bar: the percent saved, held within 0–100 (a goal may pass its target). */
export function progressValue(percent: number): number {
  return Math.min(100, Math.max(0, percent));
}

/**
 * Goals in the order a person wants to see them: the ones still being saved for, closest
 * to done first, then the achieved ones, then the archived ones.
 */
export function byProgress(a: Goal, b: Goal): number {
  const rank = (goal: Goal) => (goal.archived ? 2 : goal.achieved ? 1 : 0);
  return rank(a) - rank(b) || b.percent - a.percent || a.name.localeCompare(b.name);
}
