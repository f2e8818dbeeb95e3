import { addMonths } from '../lib/calendar.js';
import type { Leg } from './ledger_v1.js';

/**
 * goals_v1: money set aside in a goal's own ledger account. A goal never goes below
 * zero (its floor in ledger_v1 is 0); the other account obeys its own floor, as in a
 * transfer. Contributions and withdrawals are the only movements in or out of a goal.
 */
export const GOALS_POLICY_VERSION = 'goals_v1';
/** The pace is the average net contribution over this many past months. */
export const PACE_MONTHS = 3;

export function contributionLegs(options: { fromAccountId: string; goalAccountId: string; amountCents: number }): Leg[] {
  return [
    { account_id: options.fromAccountId, amount_cents: -options.amountCents },
    { account_id: options.goalAccountId, amount_cents: options.amountCents },
  ];
}

export function withdrawalLegs(options: { goalAccountId: string; toAccountId: string; amountCents: number }): Leg[] {
  return [
    { account_id: options.goalAccountId, amount_cents: -options.amountCents },
    { account_id: options.toAccountId, amount_cents: options.amountCents },
  ];
}

/**
 * How far ahead a completion date is projected. Beyond it the projection is not a date a
 * person can plan with (and past year 9999 not a date at all): it is null, with the reason.
 */
export const PROJECTION_HORIZON_MONTHS = 100 * 12;

/** Why projected_completion_on is null: nothing left to save, no positive pace, or beyond the horizon. */
export type ProjectionUnavailableReason = 'reached' | 'no_progress' | 'too_far';

export interface Progress {
  saved_cents: number;
  remaining_cents: number;
  percent: number;
  monthly_pace_cents: number;
  projected_completion_on: string | null;
  projection_unavailable_reason: ProjectionUnavailableReason | null;
}

/** When the remaining amount is saved at the pace, or why that has no date. */
function projection(
  remainingCents: number,
  paceCents: number,
  today: string,
): Pick<Progress, 'projected_completion_on' | 'projection_unavailable_reason'> {
  if (remainingCents <= 0) return { projected_completion_on: null, projection_unavailable_reason: 'reached' };
  if (paceCents <= 0) return { projected_completion_on: null, projection_unavailable_reason: 'no_progress' };
  const months = Math.ceil(remainingCents / paceCents);
  if (months > PROJECTION_HORIZON_MONTHS) return { projected_completion_on: null, projection_unavailable_reason: 'too_far' };
  return { projected_completion_on: addMonths(today, months), projection_unavailable_reason: null };
}

/**
 * Progress towards a target at the recent pace. The projection is null, with the reason,
 * when the goal is reached, when there is no positive pace yet, or when the pace would take
 * longer than PROJECTION_HORIZON_MONTHS. Integer arithmetic only.
 */
export function progress(options: {
  savedCents: number;
  targetCents: number;
  netLastMonthsCents: number;
  today: string;
}): Progress {
  const { savedCents, targetCents, today } = options;
  const remaining = Math.max(0, targetCents - savedCents);
  const pace = Math.trunc(options.netLastMonthsCents / PACE_MONTHS);
  return {
    saved_cents: savedCents,
    remaining_cents: remaining,
    percent: Math.floor((Math.max(0, savedCents) * 100) / targetCents),
    monthly_pace_cents: pace,
    ...projection(remaining, pace, today),
  };
}
