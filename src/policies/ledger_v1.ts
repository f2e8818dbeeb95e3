/**
 * ledger_v1: the rules every posting obeys. Pure functions; a transaction records the
 * version it was posted under, and a later v2 never changes how v1 rows read.
 */
export const LEDGER_POLICY_VERSION = 'ledger_v1';

/** R$ 1 bilhão: the largest amount of one movement. */
export const AMOUNT_MAX_CENTS = 100_000_000_000;
/**
 * The calendar days a transaction may fall on. The database's check on
 * transactions.occurred_on holds the same bounds (migration 20261201002000).
 */
export const OCCURRED_ON_MIN = '2000-01-01';
export const OCCURRED_ON_MAX = '2099-12-31';
/** Far below 2^53, so sums of balances stay exact in JavaScript numbers. */
export const BALANCE_ABS_MAX_CENTS = 1_000_000_000_000_000;

export const USER_ACCOUNT_TYPES = ['checking', 'savings', 'credit_card', 'cash', 'investment'] as const;
export type UserAccountType = (typeof USER_ACCOUNT_TYPES)[number];
/** Counterparties of the double entry: they mirror the person's flows and have no floor. */
export const COUNTERPARTY_ACCOUNT_TYPES = ['income', 'expense', 'equity'] as const;
/** Internal accounts the person does not hold directly: counterparties and savings goals. */
export const INTERNAL_ACCOUNT_TYPES = [...COUNTERPARTY_ACCOUNT_TYPES, 'goal'] as const;
export type InternalAccountType = (typeof INTERNAL_ACCOUNT_TYPES)[number];
export type AccountType = UserAccountType | InternalAccountType;

export interface PolicyAccount {
  type: AccountType;
  balance_cents: number;
  overdraft_limit_cents: number;
}

export interface Leg {
  account_id: string;
  amount_cents: number;
}

export function isInternal(type: AccountType): type is InternalAccountType {
  return (INTERNAL_ACCOUNT_TYPES as readonly string[]).includes(type);
}

export function isCounterparty(type: AccountType): boolean {
  return (COUNTERPARTY_ACCOUNT_TYPES as readonly string[]).includes(type);
}

/** Which account types take an overdraft (checking) or a credit limit (credit card). */
export function acceptsOverdraftLimit(type: AccountType): boolean {
  return type === 'checking' || type === 'credit_card';
}

/**
 * The lowest balance an account may reach, or undefined for no floor. Cash, savings and
 * investments never go below zero; checking not below minus its overdraft; a credit card
 * (whose balance is minus what is owed) not beyond its limit. Counterparty accounts
 * mirror the person's flows and have no floor; a goal's money never goes below zero.
 */
export function balanceFloorCents(account: PolicyAccount): number | undefined {
  if (isCounterparty(account.type)) return undefined;
  if (acceptsOverdraftLimit(account.type)) return -account.overdraft_limit_cents;
  return 0;
}

export type PostingCheck = { ok: true } | { ok: false; code: 'insufficient_funds'; account_id: string; available_cents: number };

/**
 * A posting may lower a balance only down to its floor. A leg that raises a balance is
 * always allowed, even when the account is below its floor (paying off a debt).
 */
export function checkPosting(accounts: ReadonlyMap<string, PolicyAccount>, legs: readonly Leg[]): PostingCheck {
  for (const leg of legs) {
    if (leg.amount_cents >= 0) continue;
    const account = accounts.get(leg.account_id);
    if (!account) throw new Error(`checkPosting: account ${leg.account_id} not loaded`);
    const floor = balanceFloorCents(account);
    if (floor === undefined) continue;
    const after = account.balance_cents + leg.amount_cents;
    if (after < floor) {
      return {
        ok: false,
        code: 'insufficient_funds',
        account_id: leg.account_id,
        available_cents: Math.max(0, account.balance_cents - floor),
      };
    }
  }
  return { ok: true };
}

/** Double entry: at least two legs, on distinct accounts, non-zero, bounded, summing to zero. */
export function legsAreBalanced(legs: readonly Leg[]): boolean {
  if (legs.length < 2) return false;
  if (new Set(legs.map((leg) => leg.account_id)).size !== legs.length) return false;
  let sum = 0;
  for (const leg of legs) {
    if (!Number.isSafeInteger(leg.amount_cents) || leg.amount_cents === 0) return false;
    if (Math.abs(leg.amount_cents) > AMOUNT_MAX_CENTS) return false;
    sum += leg.amount_cents;
  }
  return sum === 0;
}

/**
 * An income raises the person's account and the income counterparty mirrors it; an
 * expense lowers it against the expense counterparty. The only place these legs are built.
 */
export function entryLegs(options: {
  type: 'income' | 'expense';
  accountId: string;
  counterpartyAccountId: string;
  amountCents: number;
}): Leg[] {
  const signed = options.type === 'income' ? options.amountCents : -options.amountCents;
  return [
    { account_id: options.accountId, amount_cents: signed },
    { account_id: options.counterpartyAccountId, amount_cents: -signed },
  ];
}

/** An opening balance (negative for a debt) against the person's equity account. */
export function openingLegs(options: { accountId: string; equityAccountId: string; amountCents: number }): Leg[] {
  return [
    { account_id: options.accountId, amount_cents: options.amountCents },
    { account_id: options.equityAccountId, amount_cents: -options.amountCents },
  ];
}

/** A reversal posts the original's legs negated, whatever kind the original was. */
export function reversalLegs(original: readonly Leg[]): Leg[] {
  return original.map((leg) => ({ account_id: leg.account_id, amount_cents: -leg.amount_cents }));
}
