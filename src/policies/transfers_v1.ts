import { checkPosting, type Leg, type PolicyAccount, type PostingCheck } from './ledger_v1.js';

/**
 * transfers_v1: moving money between two of the person's own accounts. The source
 * obeys its floor (ledger_v1); the target may receive any amount (paying a credit card
 * past its debt leaves a credit balance).
 */
export const TRANSFERS_POLICY_VERSION = 'transfers_v1';

export function transferLegs(options: { fromAccountId: string; toAccountId: string; amountCents: number }): Leg[] {
  return [
    { account_id: options.fromAccountId, amount_cents: -options.amountCents },
    { account_id: options.toAccountId, amount_cents: options.amountCents },
  ];
}

export function checkTransfer(
  accounts: ReadonlyMap<string, PolicyAccount>,
  options: { fromAccountId: string; toAccountId: string; amountCents: number },
): PostingCheck {
  return checkPosting(accounts, transferLegs(options));
}
