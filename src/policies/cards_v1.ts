import { assert } from '../lib/assert.js';
import { clampedDayOf, type IsoDay, type IsoMonth, monthOf, nextMonth, shiftMonth } from '../lib/calendar.js';
import { OCCURRED_ON_MIN } from './ledger_v1.js';

/**
 * cards_v1: how a credit card's bills (faturas) are cut. Pure functions over a card's
 * schedule and its movements; the ledger stays the truth of what is owed, and these rules
 * only say which bill each part of it belongs to.
 *
 * - A bill is named by the month its closing day falls in. Its closing date is the card's
 *   closing day in that month, clamped to the month's last day (31 → 30 in April, 28 or 29
 *   in February); its due date is the due day in the same month when the due day comes
 *   after the closing day, else in the next month (clamped alike, and never on or before
 *   the closing date).
 * - A purchase joins the first bill that closes after its day. A purchase on the closing
 *   day itself joins the next bill (`next_bill`, the default) or, where the card's issuer
 *   does so, the bill closing that day (`this_bill`).
 * - A purchase in N installments takes the whole amount from the limit at once; installment
 *   k (1-based) joins the (k-1)-th bill after the purchase's own. The centavos are split
 *   evenly and what does not divide goes on the first installment.
 * - A payment pays the bill it names. One that names none pays the last closed bill while
 *   that bill is not yet due and still owes (any excess goes on to the bill after it), and
 *   otherwise the bill open on its day.
 * - Once a bill's due day has passed, what it still owes (or, negative, the credit it holds)
 *   rolls into the next bill as "saldo anterior".
 */
export const CARDS_POLICY_VERSION = 'cards_v1';

/** The fewest installments of a purchase "parcelada" (one is "à vista"). */
export const INSTALLMENTS_MIN = 2;
/** The most installments most merchants offer. */
export const INSTALLMENTS_USUAL_MAX = 24;
/** The most installments any merchant offers (some stores and travel agencies go to 48). */
export const INSTALLMENTS_MAX = 48;
/** Closing and due days are days of a month. */
export const CARD_DAY_MIN = 1;
export const CARD_DAY_MAX = 31;

/** A card's first schedule applies from the earliest month a transaction may fall in. */
export const OCCURRED_ON_MIN_MONTH = monthOf(OCCURRED_ON_MIN);

export const CLOSING_DAY_PURCHASES = ['next_bill', 'this_bill'] as const;
export type ClosingDayPurchases = (typeof CLOSING_DAY_PURCHASES)[number];

export interface CardSchedule {
  /** The first bill month this schedule applies to. */
  startsMonth: IsoMonth;
  closingDay: number;
  dueDay: number;
  closingDayPurchases: ClosingDayPurchases;
}

/** The schedule in force for a bill month: the latest that starts on or before it (the first for earlier months). */
export function scheduleFor(schedules: readonly CardSchedule[], month: IsoMonth): CardSchedule {
  assert(schedules.length > 0, 'a card with bills has a schedule');
  let found = schedules[0] as CardSchedule;
  for (const schedule of schedules) {
    if (schedule.startsMonth <= month) found = schedule;
  }
  return found;
}

export function closingOn(schedule: CardSchedule, month: IsoMonth): IsoDay {
  return clampedDayOf(month, schedule.closingDay);
}

export function dueOn(schedule: CardSchedule, month: IsoMonth): IsoDay {
  const closing = closingOn(schedule, month);
  const dueMonth = schedule.dueDay > schedule.closingDay ? month : nextMonth(month);
  const due = clampedDayOf(dueMonth, schedule.dueDay);
  // Closing on the 30th and due on the 31st clamps both to 28 February: the bill falls due a month on.
  return due > closing ? due : clampedDayOf(nextMonth(dueMonth), schedule.dueDay);
}

/** The bill a movement of `day` joins. */
export function billMonthOf(schedules: readonly CardSchedule[], day: IsoDay): IsoMonth {
  const month = monthOf(day);
  const schedule = scheduleFor(schedules, month);
  const closing = closingOn(schedule, month);
  const joins = schedule.closingDayPurchases === 'this_bill' ? day <= closing : day < closing;
  return joins ? month : nextMonth(month);
}

/** Whether the bill of `month` has closed by `today`. */
export function isClosed(schedules: readonly CardSchedule[], month: IsoMonth, today: IsoDay): boolean {
  return billMonthOf(schedules, today) > month;
}

/** N installments of a whole amount: even centavos, the remainder on the first. */
export function splitInstallments(amountCents: number, count: number): number[] {
  assert(Number.isSafeInteger(amountCents) && amountCents >= count, 'every installment is at least one centavo');
  assert(Number.isInteger(count) && count >= INSTALLMENTS_MIN && count <= INSTALLMENTS_MAX, 'installment count in range');
  const base = Math.floor(amountCents / count);
  const first = amountCents - base * (count - 1);
  return Array.from({ length: count }, (_, index) => (index === 0 ? first : base));
}

/** The bill months of a purchase's installments, the first on the purchase's own bill. */
export function installmentMonths(schedules: readonly CardSchedule[], purchaseDay: IsoDay, count: number): IsoMonth[] {
  const first = billMonthOf(schedules, purchaseDay);
  return Array.from({ length: count }, (_, index) => shiftMonth(first, index));
}

/** Something on a bill: a purchase or one installment of it, a refund, a fee, a credit. */
export interface BillItemInput {
  transactionId: string;
  kind: string;
  description: string;
  occurredOn: IsoDay;
  /** Positive: the card owes more (a purchase, a fee); negative: a credit (a refund). */
  amountCents: number;
  installment: { number: number; count: number } | null;
  /** Set for installments (their bill month is stored); else the month follows from occurredOn. */
  month?: IsoMonth | undefined;
}

export interface PaymentInput {
  transactionId: string;
  occurredOn: IsoDay;
  amountCents: number;
  /** The bill the payment named, if it named one. */
  month?: IsoMonth | undefined;
}

export type BillStatus = 'open' | 'closed' | 'paid' | 'partially_paid' | 'overdue';

export interface BillPayment {
  transactionId: string;
  occurredOn: IsoDay;
  /** The part of the payment this bill received (a payment may spill onto the next bill). */
  amountCents: number;
}

export interface Bill {
  month: IsoMonth;
  closingOn: IsoDay;
  dueOn: IsoDay;
  status: BillStatus;
  /** The bill open today. */
  current: boolean;
  /** "Saldo anterior": what the previous bill still owed (negative: a credit) once its due day passed. */
  previousBalanceCents: number;
  itemsTotalCents: number;
  /** previousBalanceCents + itemsTotalCents. */
  totalCents: number;
  paidCents: number;
  /** totalCents - paidCents, which rolls into the next bill once the due day has passed. */
  remainingCents: number;
  rolledOver: boolean;
  items: BillItemInput[];
  payments: BillPayment[];
}

interface Allocation {
  month: IsoMonth;
  payment: PaymentInput;
  /** Where an unnamed payment may first go: the last closed bill, when it may still be paid. */
  spills: boolean;
}

/** Where a payment goes first, before any excess spills on. */
function allocationOf(schedules: readonly CardSchedule[], payment: PaymentInput): Allocation {
  if (payment.month !== undefined) return { month: payment.month, payment, spills: false };
  const open = billMonthOf(schedules, payment.occurredOn);
  const last = shiftMonth(open, -1);
  if (payment.occurredOn <= dueOn(scheduleFor(schedules, last), last)) return { month: last, payment, spills: true };
  return { month: open, payment, spills: false };
}

/** The months from `first` to `last`, both included. */
function monthsBetween(first: IsoMonth, last: IsoMonth): IsoMonth[] {
  const months: IsoMonth[] = [];
  for (let month = first; month <= last; month = nextMonth(month)) months.push(month);
  return months;
}

function statusOf(
  bill: { closed: boolean; remainingCents: number; paidCents: number; dueOn: IsoDay },
  today: IsoDay,
): BillStatus {
  if (!bill.closed) return 'open';
  if (bill.remainingCents <= 0) return 'paid';
  if (today > bill.dueOn) return 'overdue';
  return bill.paidCents > 0 ? 'partially_paid' : 'closed';
}

/**
 * Every bill of a card from its first movement to the last bill anything is due on (and at
 * least the bill open today), oldest first. What the open bills and the bills not yet due
 * still owe, together with what rolled into them, is what the ledger says the card owes.
 */
export function computeBills(input: {
  schedules: readonly CardSchedule[];
  items: readonly BillItemInput[];
  payments: readonly PaymentInput[];
  today: IsoDay;
}): Bill[] {
  const { schedules, today } = input;
  const itemsByMonth = new Map<IsoMonth, BillItemInput[]>();
  for (const item of input.items) {
    const month = item.month ?? billMonthOf(schedules, item.occurredOn);
    const items = itemsByMonth.get(month);
    if (items) items.push({ ...item, month });
    else itemsByMonth.set(month, [{ ...item, month }]);
  }
  const allocations = [...input.payments]
    .sort((a, b) =>
      a.occurredOn === b.occurredOn ? a.transactionId.localeCompare(b.transactionId) : a.occurredOn < b.occurredOn ? -1 : 1,
    )
    .map((payment) => allocationOf(schedules, payment));
  const openToday = billMonthOf(schedules, today);
  // Grouped by month so each bill reads only its own (a card with years of history has thousands).
  const allocationsByMonth = new Map<IsoMonth, Allocation[]>();
  for (const allocation of allocations) {
    const same = allocationsByMonth.get(allocation.month);
    if (same) same.push(allocation);
    else allocationsByMonth.set(allocation.month, [allocation]);
  }
  const months = [openToday, ...itemsByMonth.keys(), ...allocationsByMonth.keys()].sort();
  const bills: Bill[] = [];
  let carry = 0;
  let spill: BillPayment[] = [];
  for (const month of monthsBetween(months[0] as IsoMonth, months[months.length - 1] as IsoMonth)) {
    const bill = cutBill({
      schedules,
      month,
      today,
      items: itemsByMonth.get(month) ?? [],
      carry,
      spill,
      allocations: allocationsByMonth.get(month) ?? [],
    });
    bills.push(bill.bill);
    spill = bill.spill;
    carry = bill.bill.rolledOver ? bill.bill.remainingCents : 0;
  }
  // An excess paid on the last bill goes on to the one after it.
  while (spill.length > 0) {
    const month = nextMonth((bills[bills.length - 1] as Bill).month);
    const bill = cutBill({ schedules, month, today, items: [], carry, spill, allocations: [] });
    bills.push(bill.bill);
    spill = bill.spill;
    carry = bill.bill.rolledOver ? bill.bill.remainingCents : 0;
  }
  return settleRolledOver(bills);
}

/**
 * A bill whose rest rolled into the next one is paid once the payments made so far, applied to
 * the oldest debt first, cover everything charged up to it: a bill paid late (after its due day,
 * so the payment went to the open bill, which carried its rest) reads paid, not overdue forever.
 */
function settleRolledOver(bills: Bill[]): Bill[] {
  const paidEver = bills.reduce((sum, bill) => sum + bill.paidCents, 0);
  let chargedSoFar = 0;
  return bills.map((bill) => {
    chargedSoFar += bill.itemsTotalCents;
    if (bill.status !== 'overdue' || paidEver < chargedSoFar) return bill;
    return { ...bill, status: 'paid' };
  });
}

function cutBill(input: {
  schedules: readonly CardSchedule[];
  month: IsoMonth;
  today: IsoDay;
  items: BillItemInput[];
  carry: number;
  spill: BillPayment[];
  allocations: readonly Allocation[];
}): { bill: Bill; spill: BillPayment[] } {
  const { schedules, month, today } = input;
  const schedule = scheduleFor(schedules, month);
  const closing = closingOn(schedule, month);
  const due = dueOn(schedule, month);
  const itemsTotal = input.items.reduce((sum, item) => sum + item.amountCents, 0);
  const total = input.carry + itemsTotal;
  const payments: BillPayment[] = [...input.spill];
  let paidSoFar = payments.reduce((sum, payment) => sum + payment.amountCents, 0);
  const next: BillPayment[] = [];
  for (const allocation of input.allocations) {
    assert(allocation.month === month, 'a bill reads only its own payments');
    const { transactionId, occurredOn, amountCents } = allocation.payment;
    if (!allocation.spills) {
      payments.push({ transactionId, occurredOn, amountCents });
      paidSoFar += amountCents;
      continue;
    }
    const here = Math.max(0, Math.min(total - paidSoFar, amountCents));
    if (here > 0) payments.push({ transactionId, occurredOn, amountCents: here });
    paidSoFar += here;
    if (amountCents - here > 0) next.push({ transactionId, occurredOn, amountCents: amountCents - here });
  }
  const paid = payments.reduce((sum, payment) => sum + payment.amountCents, 0);
  const remaining = total - paid;
  const closed = isClosed(schedules, month, today);
  return {
    bill: {
      month,
      closingOn: closing,
      dueOn: due,
      status: statusOf({ closed, remainingCents: remaining, paidCents: paid, dueOn: due }, today),
      current: billMonthOf(schedules, today) === month,
      previousBalanceCents: input.carry,
      itemsTotalCents: itemsTotal,
      totalCents: total,
      paidCents: paid,
      remainingCents: remaining,
      rolledOver: today > due,
      items: input.items,
      payments,
    },
    spill: next,
  };
}

/**
 * What the card owes by its bills: what the bills whose due day has not passed still owe,
 * the rolled-over rests included. Equal to minus the card's ledger balance (the invariant
 * the tests hold bills to).
 */
export function owedByBills(bills: readonly Bill[]): number {
  return bills.filter((bill) => !bill.rolledOver).reduce((sum, bill) => sum + bill.remainingCents, 0);
}

/**
 * A refund raises the card's balance (it owes less) and lowers the expense counterparty,
 * the mirror of the purchase's legs. The only place these legs are built.
 */
export function refundLegs(options: { cardAccountId: string; expenseAccountId: string; amountCents: number }) {
  return [
    { account_id: options.cardAccountId, amount_cents: options.amountCents },
    { account_id: options.expenseAccountId, amount_cents: -options.amountCents },
  ];
}
