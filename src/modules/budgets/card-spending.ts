import type { Queryable } from '../../db/queryable.js';
import { firstDayOfMonth, type IsoMonth, lastDayOfMonth, monthOf, previousMonth } from '../../lib/calendar.js';
import { billMonthOf, type CardSchedule } from '../../policies/cards_v1.js';
import { schedulesOf } from '../cards/cards.repository.js';
import { installmentRefunds, installmentShifts, type SpendingShiftRow } from './budgets.repository.js';

/**
 * How budgets and insights count credit card spending (docs/FINANCIAL-RULES.md, "Credit
 * cards"). The ledger books a purchase in N installments whole on its day; spending counts
 * each installment in the month its bill closes, so a 12x purchase weighs a twelfth on each
 * of twelve months. A refund of such a purchase (and an antecipação's discount) counts in the
 * month of the bill it lands on, where the installments it cancels or brings forward are
 * counted too. A reversed purchase in installments counts nowhere, nor does its reversal:
 * it vanishes from the bills, so it vanishes from spending. À vista purchases and their
 * refunds stay in their day's month, and their reversals in theirs.
 *
 * The figures here are corrections to the ledger's day-by-day spending (the legs on the
 * expense account by the month of their day): add them, per category and month, to get
 * spending as budgets and insights count it. Months outside fromMonth..toMonth are left out.
 */
export async function cardSpendingShifts(
  client: Queryable,
  options: { userId: string; fromMonth: IsoMonth; toMonth: IsoMonth },
): Promise<SpendingShiftRow[]> {
  const fromDay = firstDayOfMonth(options.fromMonth);
  const toDay = lastDayOfMonth(options.toMonth);
  const inRange = (month: string) => month >= options.fromMonth && month <= options.toMonth;
  const shifts = await installmentShifts(client, { userId: options.userId, fromDay, toDay });
  // A refund's bill closes in its day's month or the next, so refunds of the month before count too.
  const refunds = await installmentRefunds(client, {
    userId: options.userId,
    fromDay: firstDayOfMonth(previousMonth(options.fromMonth)),
    toDay,
  });
  const schedules = new Map<string, CardSchedule[]>();
  for (const refund of refunds) {
    let cardSchedules = schedules.get(refund.account_id);
    if (!cardSchedules) {
      cardSchedules = await schedulesOf(client, options.userId, refund.account_id);
      schedules.set(refund.account_id, cardSchedules);
    }
    // A refund is only ever posted on a scheduled card (cards.service), so its schedule is there.
    const billMonth = billMonthOf(cardSchedules, refund.occurred_on);
    const dayMonth = monthOf(refund.occurred_on);
    if (billMonth === dayMonth) continue;
    // The ledger counted the refund (less spending) in its day's month: move it to its bill's.
    shifts.push({ category_id: refund.category_id, month: dayMonth, cents: refund.amount_cents });
    shifts.push({ category_id: refund.category_id, month: billMonth, cents: -refund.amount_cents });
  }
  return shifts.filter((shift) => inRange(shift.month));
}
