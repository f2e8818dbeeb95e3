import type { AccountType } from '../../api/ledger';

/**
 * The first-run path's memory: whether this person skipped it on this browser. Like the
 * language, a preference and not a secret, so localStorage; the path is also never shown
 * once the person has an account, whatever this says.
 */
const SKIPPED_KEY_PREFIX = 'vai-de-pix.first-run-skipped.';

export function firstRunSkipped(userId: string): boolean {
  try {
    return localStorage.getItem(SKIPPED_KEY_PREFIX + userId) !== null;
  } catch {
    return false;
  }
}

export function skipFirstRun(userId: string): void {
  try {
    localStorage.setItem(SKIPPED_KEY_PREFIX + userId, '1');
  } catch {
    // Storage refused: the path shows again next time, which is harmless.
  }
}

/**
 * The kinds a first account may be. A credit card is left for the accounts screen, where its
 * limit is asked for: a card opened here without one could take no expense.
 */
export const FIRST_ACCOUNT_TYPES: readonly AccountType[] = ['checking', 'savings', 'cash', 'investment'];
