import type { AccountType } from '../../api/ledger';

/** Checking takes an overdraft limit (cheque especial), a credit card its card limit. */
export function takesLimit(type: AccountType): boolean {
  return type === 'checking' || type === 'credit_card';
}
