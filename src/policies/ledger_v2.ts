import { checkPosting as checkPostingV1, type Leg, type PolicyAccount, type PostingCheck } from './ledger_v1.js';

/**
 * ledger_v2: ledger_v1's rules, with one addition. Recording an income or an expense
 * describes money that already moved in the real world (the card was swiped, the bill was
 * paid), so when the request says so (`allow_negative: true`, after the screen asked the
 * person) the posting may take the account below its floor. Without that consent the floor
 * holds exactly as in v1. Transfers between the person's own accounts (transfers_v1) and
 * goal movements (goals_v1) are plans, not records, and keep the floor always; so do
 * openings. ledger_v1 rows keep reading, and verifying, under ledger_v1.
 */
export const LEDGER_POLICY_VERSION = 'ledger_v2';

/** The kinds whose posting may go below the floor when the request consents. */
export const BELOW_FLOOR_KINDS = ['income', 'expense'] as const;

export function mayGoBelowFloor(kind: string): boolean {
  return (BELOW_FLOOR_KINDS as readonly string[]).includes(kind);
}

/**
 * The v1 floor check, skipped only for an income or expense whose request allowed a
 * negative result. `kind` is the kind being recorded (for a reversal, the original's).
 */
export function checkPosting(
  accounts: ReadonlyMap<string, PolicyAccount>,
  legs: readonly Leg[],
  options: { kind: string; allowNegative: boolean },
): PostingCheck {
  if (options.allowNegative && mayGoBelowFloor(options.kind)) return { ok: true };
  return checkPostingV1(accounts, legs);
}

/**
 * Whether a leg already written obeys the floor rule of the version it was posted under,
 * judged from the ledger alone. Under every version a leg that raises a balance is fine
 * and a leg that lowers it must land at or above the floor; under ledger_v2 an income or
 * expense (or the reversal of one) may land below, because its request consented.
 * `kind` is the transaction's kind, `recordedKind` the original's for a reversal.
 */
export function legObeysFloor(leg: {
  policyVersion: string;
  recordedKind: string;
  amountCents: number;
  balanceAfterCents: number;
  floorCents: number | undefined;
}): boolean {
  if (leg.amountCents >= 0 || leg.floorCents === undefined) return true;
  if (leg.policyVersion === LEDGER_POLICY_VERSION && mayGoBelowFloor(leg.recordedKind)) return true;
  return leg.balanceAfterCents >= leg.floorCents;
}
