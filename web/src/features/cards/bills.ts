// Pure helpers of the card screens: the installment preview, the bills' sections and status
// colours, the limit bar and the card-day fields. The server is the truth; these only show.
import type { Bill, BillPage, BillStatus } from './api';

/** The installment counts the purchase form offers (most merchants stop at 24). */
export const INSTALLMENTS_OFFERED_MIN = 2;
export const INSTALLMENTS_OFFERED_MAX = 24;

export function offeredInstallmentCounts(): number[] {
  const counts: number[] = [];
  for (let count = INSTALLMENTS_OFFERED_MIN; count <= INSTALLMENTS_OFFERED_MAX; count += 1) counts.push(count);
  return counts;
}

export interface InstallmentPreview {
  count: number;
  /** The first installment: the even share plus the centavos that do not divide. */
  firstCents: number;
  /** Every other installment. */
  restCents: number;
}

/**
 * The installments of a purchase as the server splits them (cards_v1): even centavos, the
 * remainder on the first. Null when the amount cannot give every installment a centavo.
 */
export function previewInstallments(amountCents: number, count: number): InstallmentPreview | null {
  if (!Number.isSafeInteger(amountCents) || !Number.isInteger(count) || count < 2 || amountCents < count) return null;
  const restCents = Math.floor(amountCents / count);
  return { count, firstCents: amountCents - restCents * (count - 1), restCents };
}

export const BILL_STATUS_COLORS: Record<BillStatus, string> = {
  open: 'blue',
  closed: 'gray',
  paid: 'green',
  partially_paid: 'yellow',
  overdue: 'red',
};

export interface BillSections {
  /** The bill open today. */
  current: Bill | null;
  /** Bills after it, soonest first. */
  next: Bill[];
  /** Bills before it, newest first. */
  past: Bill[];
}

/** The server lists a card's bills newest first; the screen shows the open one, those after, those before. */
export function billSections(bills: readonly Bill[]): BillSections {
  const currentIndex = bills.findIndex((bill) => bill.current);
  if (currentIndex < 0) return { current: null, next: [], past: [...bills] };
  return {
    current: bills[currentIndex] ?? null,
    next: bills.slice(0, currentIndex).reverse(),
    past: bills.slice(currentIndex + 1),
  };
}

/**
 * A closed bill that still owes can be paid; so can the open one, ahead of its closing. A bill
 * whose due day passed has rolled its rest into the next bill (saldo anterior): it is paid
 * there, never here.
 */
export function payableCents(bill: Pick<Bill, 'remaining_cents' | 'rolled_over'>): number {
  if (bill.rolled_over) return 0;
  return Math.max(0, bill.remaining_cents);
}

/** What a bill past its due day passed on to the next bill ("Passou para a próxima fatura"); 0 if nothing. */
export function rolledOverCents(bill: Pick<Bill, 'remaining_cents' | 'rolled_over'>): number {
  return bill.rolled_over ? Math.max(0, bill.remaining_cents) : 0;
}

/** Whether the server holds older bills than those read so far ("Ver faturas anteriores"). */
export function hasMoreBills(pages: readonly Pick<BillPage, 'items' | 'skip' | 'total'>[]): boolean {
  const last = pages.at(-1);
  return last !== undefined && last.items.length > 0 && last.skip + last.items.length < last.total;
}

/** How much of the limit is used, 0 to 100, for the bar (a card over its limit shows full). */
export function usedPercent(usedCents: number, limitCents: number): number {
  if (limitCents <= 0) return usedCents > 0 ? 100 : 0;
  return Math.min(100, Math.max(0, Math.round((usedCents / limitCents) * 100)));
}

/** A closing or due day as typed: empty, or a whole day of the month. */
export function parseCardDay(
  text: string,
  bounds: { min: number; max: number },
): { ok: true; day: number | null } | { ok: false } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, day: null };
  if (!/^\d{1,2}$/.test(trimmed)) return { ok: false };
  const day = Number(trimmed);
  return day >= bounds.min && day <= bounds.max ? { ok: true, day } : { ok: false };
}
