import { ACCOUNTS_PATH, CARD_BILLS_SEGMENT } from '../../app/paths';

/** A credit card's screen: its bills, limit and payments. */
export function cardPath(accountId: string): string {
  return `${ACCOUNTS_PATH}/${accountId}/${CARD_BILLS_SEGMENT}`;
}
