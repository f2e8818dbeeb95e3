import { assert } from '../lib/assert.js';
import { addDays, addMonths, daysBetween } from '../lib/calendar.js';
import { PROJECTION_HORIZON_MONTHS } from './goals_v1.js';

/**
 * goals_v2: how a goal's pace and projected completion are read. The legs of a
 * contribution or withdrawal are unchanged (goals_v1.ts, and postings still record
 * `goals_v1`); only this derived reading changed. goals_v1 divided the last three months'
 * net by three from the goal's first day, so a goal created today with one deposit was
 * "behind" at once and promised a date years off. Here:
 * - no pace and no projection until the goal is one calendar month old (`first_month`);
 * - the pace is the net saved in a window — the last PACE_WINDOW_MONTHS months, or since
 *   the goal's first day if it is younger — divided by the window's length in average
 *   months, so a two-month-old goal is not judged against three months.
 * Integer arithmetic only.
 */
export const GOALS_PROJECTION_VERSION = 'goals_v2';
/** The pace looks back at most this many months. */
export const PACE_WINDOW_MONTHS = 3;
/** Days in 400 Gregorian years and months in them: an average month is 146097 / 4800 days. */
const DAYS_PER_400_YEARS = 146_097n;
const MONTHS_PER_400_YEARS = 4_800n;

/** Why projected_completion_on is null: reached, too young to judge, no positive pace, or beyond the horizon. */
export type ProjectionUnavailableReason = 'reached' | 'first_month' | 'no_progress' | 'too_far';

export interface Progress {
  saved_cents: number;
  remaining_cents: number;
  percent: number;
  monthly_pace_cents: number;
  projected_completion_on: string | null;
  projection_unavailable_reason: ProjectionUnavailableReason | null;
}

/** True while less than one calendar month has passed since `startedOn` (31 Jan is a month old on 28/29 Feb). */
export function inFirstMonth(startedOn: string, today: string): boolean {
  return addMonths(startedOn, 1) > today;
}

/**
 * The day after which movements count towards the pace: three months back, or the day
 * before the goal's first day when it is younger. Movements with `occurred_on > since` count.
 */
export function paceSince(startedOn: string, today: string): string {
  const threeMonthsBack = addMonths(today, -PACE_WINDOW_MONTHS);
  const dayBeforeStart = addDays(startedOn, -1);
  return daysBetween(threeMonthsBack, dayBeforeStart) > 0 ? dayBeforeStart : threeMonthsBack;
}

/** The average net saved per month over the window (since, today], truncated to the centavo. */
export function monthlyPace(options: { netWindowCents: number; startedOn: string; today: string }): number {
  const windowDays = daysBetween(paceSince(options.startedOn, options.today), options.today);
  assert(windowDays > 0, 'the pace window holds at least one day');
  // BigInt: R$ 1 bilhão × 146097 passes Number.MAX_SAFE_INTEGER.
  const pace = (BigInt(options.netWindowCents) * DAYS_PER_400_YEARS) / (MONTHS_PER_400_YEARS * BigInt(windowDays));
  return Number(pace);
}

function projection(
  remainingCents: number,
  paceCents: number,
  today: string,
): Pick<Progress, 'projected_completion_on' | 'projection_unavailable_reason'> {
  if (paceCents <= 0) return { projected_completion_on: null, projection_unavailable_reason: 'no_progress' };
  const months = Math.ceil(remainingCents / paceCents);
  if (months > PROJECTION_HORIZON_MONTHS) return { projected_completion_on: null, projection_unavailable_reason: 'too_far' };
  return { projected_completion_on: addMonths(today, months), projection_unavailable_reason: null };
}

/**
 * Progress towards a target. The projection is null, with the reason, when the goal is
 * reached, in its first month, without a positive pace, or beyond PROJECTION_HORIZON_MONTHS.
 */
export function progress(options: {
  savedCents: number;
  targetCents: number;
  /** Net movement of the goal's account with occurred_on after paceSince(startedOn, today). */
  netWindowCents: number;
  /** The goal's first day (its creation day in São Paulo). */
  startedOn: string;
  today: string;
}): Progress {
  const { savedCents, targetCents, today, startedOn } = options;
  const remaining = Math.max(0, targetCents - savedCents);
  const young = inFirstMonth(startedOn, today);
  const pace = young ? 0 : monthlyPace({ netWindowCents: options.netWindowCents, startedOn, today });
  let reading: Pick<Progress, 'projected_completion_on' | 'projection_unavailable_reason'>;
  if (remaining <= 0) reading = { projected_completion_on: null, projection_unavailable_reason: 'reached' };
  else if (young) reading = { projected_completion_on: null, projection_unavailable_reason: 'first_month' };
  else reading = projection(remaining, pace, today);
  return {
    saved_cents: savedCents,
    remaining_cents: remaining,
    percent: Math.floor((Math.max(0, savedCents) * 100) / targetCents),
    monthly_pace_cents: pace,
    ...reading,
  };
}
