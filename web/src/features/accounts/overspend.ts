import type { Account, AccountType } from '../../api/ledger';
import { isApiError, problemInteger, problemString } from '../../api/problem';

/**
 * What the screen asks before recording an expense that takes an account below its floor
 * (ledger_v2's allow_negative; docs/FINANCIAL-RULES.md, "Confirming a negative balance"):
 * - a card: how far past its limit the bill goes ("passará do limite do cartão em …");
 * - a checking account with an overdraft: how far below zero it goes, naming the limit;
 * - any other account (and checking without an overdraft): how far below zero it goes.
 */
export type Overspend =
  | { kind: 'card'; beyondLimitCents: number }
  | { kind: 'overdraft'; belowZeroCents: number; limitCents: number }
  | { kind: 'negative'; belowZeroCents: number };

interface Judged {
  type: AccountType;
  balanceCents: number;
  floorCents: number;
}

/** The question for this expense, or null when the account stays at or above its floor. */
export function overspendOf(judged: Judged, amountCents: number): Overspend | null {
  const after = judged.balanceCents - amountCents;
  if (after >= judged.floorCents) return null;
  if (judged.type === 'credit_card') return { kind: 'card', beyondLimitCents: judged.floorCents - after };
  if (judged.floorCents < 0) return { kind: 'overdraft', belowZeroCents: -after, limitCents: -judged.floorCents };
  return { kind: 'negative', belowZeroCents: -after };
}

/** The floor as the server's ledger policy sets it: minus the limit for checking and cards, else zero. */
export function floorCentsOf(account: Pick<Account, 'type' | 'overdraft_limit_cents'>): number {
  return account.type === 'checking' || account.type === 'credit_card' ? -account.overdraft_limit_cents : 0;
}

/** From the balance the screen knows (it may be stale: the server has the last word). */
export function overspendFromAccount(account: Account | undefined, amountCents: number): Overspend | null {
  if (!account) return null;
  return overspendOf({ type: account.type, balanceCents: account.balance_cents, floorCents: floorCentsOf(account) }, amountCents);
}

/**
 * From the server's refusal (422 insufficient_funds carries the account, its balance and
 * floor, and the debit it judged): the same question, with the server's figures, when the
 * screen's were stale. The refused account may not be the one the form names (a correction
 * takes the old amount back from the old account), so its type is looked up among
 * `accounts` when given; the debit is the server's when it says, else the form's amount.
 */
export function overspendFromProblem(
  error: unknown,
  type: AccountType | undefined,
  amountCents: number,
  accounts: readonly Pick<Account, 'id' | 'type'>[] = [],
): Overspend | null {
  if (!isApiError(error) || error.code !== 'insufficient_funds') return null;
  const refusedId = problemString(error, 'account_id');
  const refusedType = accounts.find((account) => account.id === refusedId)?.type ?? type;
  const balanceCents = problemInteger(error, 'balance_cents');
  const floorCents = problemInteger(error, 'floor_cents');
  if (!refusedType || balanceCents === undefined || floorCents === undefined) return null;
  return overspendOf({ type: refusedType, balanceCents, floorCents }, problemInteger(error, 'debit_cents') ?? amountCents);
}
