import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { monthOf } from '../lib/calendar.js';
import {
  type BillItemInput,
  billMonthOf,
  type CardSchedule,
  type ClosingDayPurchases,
  closingOn,
  computeBills,
  dueOn,
  installmentMonths,
  owedByBills,
  type PaymentInput,
  scheduleFor,
  splitInstallments,
} from './cards_v1.js';

/**
 * cards_v1 checked against a second, plain reading of the rules written here with Date.UTC
 * (not the calendar module the policy uses), over every closing and due day of every month
 * of 2026–2029 and over random histories.
 */
const schedule = (
  closingDay: number,
  dueDay: number,
  closingDayPurchases: ClosingDayPurchases = 'next_bill',
  startsMonth = '2000-01',
): CardSchedule => ({ startsMonth, closingDay, dueDay, closingDayPurchases });

const two = (value: number) => String(value).padStart(2, '0');
const monthName = (year: number, month: number) => {
  const at = new Date(Date.UTC(year, month - 1, 1));
  return `${at.getUTCFullYear()}-${two(at.getUTCMonth() + 1)}`;
};
const lastDay = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** The day `day` of month (year, month), clamped; month may run past 12. */
const clamped = (year: number, month: number, day: number) => {
  const at = new Date(Date.UTC(year, month - 1, 1));
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth() + 1;
  return `${y}-${two(m)}-${two(Math.min(day, lastDay(y, m)))}`;
};
const dayAfter = (day: string, days = 1) =>
  new Date(Date.parse(`${day}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const MONTHS: Array<{ year: number; month: number }> = [];
for (let year = 2026; year <= 2029; year += 1) for (let month = 1; month <= 12; month += 1) MONTHS.push({ year, month });
const DAYS = Array.from({ length: 31 }, (_, index) => index + 1);

describe('cards_v1 closing and due dates', () => {
  it('every closing day of every month of 2026–2029 is that day, clamped to the month', () => {
    for (const { year, month } of MONTHS) {
      for (const closingDay of DAYS) {
        expect(closingOn(schedule(closingDay, 10), monthName(year, month))).toBe(clamped(year, month, closingDay));
      }
    }
  });

  it('every due day: the same month when after the closing day, else the next; always after the closing date', () => {
    for (const { year, month } of MONTHS) {
      for (const closingDay of DAYS) {
        for (const dueDay of DAYS) {
          const card = schedule(closingDay, dueDay);
          const bill = monthName(year, month);
          const closing = clamped(year, month, closingDay);
          let expected = dueDay > closingDay ? clamped(year, month, dueDay) : clamped(year, month + 1, dueDay);
          // Both clamped to the same last day (closing 30, due 31 in February): due a month on.
          if (expected <= closing) expected = clamped(year, month + 1, dueDay);
          const due = dueOn(card, bill);
          expect(due, `closing ${closingDay}, due ${dueDay}, ${bill}`).toBe(expected);
          expect(due > closing).toBe(true);
        }
      }
    }
  });

  it.each([
    ['2026-02', 31, 5, '2026-02-28', '2026-03-05'],
    ['2028-02', 31, 5, '2028-02-29', '2028-03-05'],
    ['2026-04', 31, 10, '2026-04-30', '2026-05-10'],
    ['2026-01', 31, 30, '2026-01-31', '2026-02-28'],
    ['2028-01', 31, 30, '2028-01-31', '2028-02-29'],
    ['2026-02', 30, 31, '2026-02-28', '2026-03-31'],
    ['2028-02', 29, 30, '2028-02-29', '2028-03-30'],
    ['2026-02', 28, 29, '2026-02-28', '2026-03-29'],
    ['2026-03', 10, 10, '2026-03-10', '2026-04-10'],
    ['2026-12', 25, 5, '2026-12-25', '2027-01-05'],
  ])('%s closing %i due %i: closes %s, due %s', (month, closingDay, dueDay, closing, due) => {
    const card = schedule(closingDay, dueDay);
    expect(closingOn(card, month)).toBe(closing);
    expect(dueOn(card, month)).toBe(due);
  });
});

describe('cards_v1 billMonthOf', () => {
  const oracle = (card: CardSchedule, day: string) => {
    // The first bill from the day's month on whose closing date the day is before (or on, for this_bill).
    const year = Number(day.slice(0, 4));
    const month = Number(day.slice(5, 7));
    for (let offset = 0; ; offset += 1) {
      const closing = clamped(year, month + offset, card.closingDay);
      if (card.closingDayPurchases === 'this_bill' ? day <= closing : day < closing) return monthName(year, month + offset);
    }
  };
  const anyDay = fc
    .integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2029, 11, 31) })
    .map((at) => new Date(at).toISOString().slice(0, 10));

  it('a movement joins the first bill closing after its day, the closing day by the card rule (every rule, 2026–2029)', () => {
    fc.assert(
      fc.property(anyDay, fc.integer({ min: 1, max: 31 }), fc.constantFrom('next_bill', 'this_bill'), (day, closingDay, rule) => {
        const card = schedule(closingDay, 10, rule as ClosingDayPurchases);
        expect(billMonthOf([card], day)).toBe(oracle(card, day));
      }),
      { numRuns: 2_000 },
    );
  });

  it('every day of 2026–2029 on every closing day, both rules', () => {
    for (const { year, month } of MONTHS) {
      for (let day = 1; day <= lastDay(year, month); day += 1) {
        const iso = `${year}-${two(month)}-${two(day)}`;
        for (const closingDay of [1, 15, 28, 29, 30, 31]) {
          for (const rule of ['next_bill', 'this_bill'] as const) {
            const card = schedule(closingDay, 5, rule);
            expect(billMonthOf([card], iso), `${iso} closing ${closingDay} ${rule}`).toBe(oracle(card, iso));
          }
        }
      }
    }
  });

  it('the closing day itself: the next bill by default, this bill when the card says so', () => {
    expect(billMonthOf([schedule(10, 17)], '2026-03-10')).toBe('2026-04');
    expect(billMonthOf([schedule(10, 17, 'this_bill')], '2026-03-10')).toBe('2026-03');
    expect(billMonthOf([schedule(10, 17)], '2026-03-09')).toBe('2026-03');
    // Closing 31 clamps to 28 February 2026 and to 29 February 2028.
    expect(billMonthOf([schedule(31, 7)], '2026-02-28')).toBe('2026-03');
    expect(billMonthOf([schedule(31, 7, 'this_bill')], '2026-02-28')).toBe('2026-02');
    expect(billMonthOf([schedule(31, 7)], '2028-02-28')).toBe('2028-02');
    expect(billMonthOf([schedule(31, 7)], '2028-02-29')).toBe('2028-03');
    expect(billMonthOf([schedule(31, 7)], '2026-04-30')).toBe('2026-05');
    expect(billMonthOf([schedule(31, 7)], '2026-12-31')).toBe('2027-01');
  });
});

describe('cards_v1 splitInstallments', () => {
  it('sums exactly, the remainder on the first, every installment at least one centavo, the rest even', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 48 }), fc.integer({ min: 0, max: 10_000_000_000 }), (count, extra) => {
        const amount = count + extra;
        const parts = splitInstallments(amount, count);
        expect(parts).toHaveLength(count);
        expect(parts.reduce((sum, part) => sum + part, 0)).toBe(amount);
        const base = Math.floor(amount / count);
        expect(parts.slice(1).every((part) => part === base)).toBe(true);
        expect(parts[0]).toBe(base + (amount % count));
        expect(parts.every((part) => part >= 1)).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  it('R$ 100,00 in 3× is 33,34 + 33,33 + 33,33; 48× allowed, 49× and one centavo in 2× refused', () => {
    expect(splitInstallments(10_000, 3)).toEqual([3_334, 3_333, 3_333]);
    expect(splitInstallments(2, 2)).toEqual([1, 1]);
    expect(splitInstallments(4_800, 48)).toHaveLength(48);
    expect(() => splitInstallments(4_900, 49)).toThrow();
    expect(() => splitInstallments(1, 2)).toThrow();
    expect(() => splitInstallments(100, 1)).toThrow();
  });
});

describe('cards_v1 installmentMonths', () => {
  it('a 12× purchase in December runs from the next bill to November of the next year', () => {
    const card = [schedule(3, 10)];
    // After the closing day: the first installment is on January's bill.
    expect(installmentMonths(card, '2026-12-10', 12)).toEqual(Array.from({ length: 12 }, (_, i) => `2027-${two(i + 1)}`));
    // Before it: December 2026 to November 2027.
    expect(installmentMonths(card, '2026-12-02', 12)).toEqual([
      '2026-12',
      ...Array.from({ length: 11 }, (_, i) => `2027-${two(i + 1)}`),
    ]);
  });

  it('consecutive months from the purchase bill, whatever the day and count', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2029, 11, 31) }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 2, max: 48 }),
        (at, closingDay, count) => {
          const day = new Date(at).toISOString().slice(0, 10);
          const card = [schedule(closingDay, 5)];
          const months = installmentMonths(card, day, count);
          const first = billMonthOf(card, day);
          const year = Number(first.slice(0, 4));
          const month = Number(first.slice(5, 7));
          expect(months).toEqual(Array.from({ length: count }, (_, i) => monthName(year, month + i)));
        },
      ),
      { numRuns: 500 },
    );
  });
});

const item = (id: string, occurredOn: string, amountCents: number, month?: string): BillItemInput => ({
  transactionId: id,
  kind: 'expense',
  description: id,
  occurredOn,
  amountCents,
  installment: null,
  month,
});
const payment = (id: string, occurredOn: string, amountCents: number, month?: string): PaymentInput => ({
  transactionId: id,
  occurredOn,
  amountCents,
  month,
});
const billOf = (bills: ReturnType<typeof computeBills>, month: string) => {
  const found = bills.find((bill) => bill.month === month);
  if (!found) throw new Error(`no bill ${month}`);
  return found;
};

describe('cards_v1 computeBills', () => {
  // Closing 3, due 10: the bill of November 2026 closes on 3 November and is due on 10 November.
  const card = [schedule(3, 10)];

  it('the unpaid rest rolls into the next bill only after the due day', () => {
    const items = [item('a', '2026-10-20', 10_000)];
    const onDue = computeBills({ schedules: card, items, payments: [], today: '2026-11-10' });
    expect(billOf(onDue, '2026-11')).toMatchObject({ status: 'closed', rolledOver: false, remainingCents: 10_000 });
    expect(billOf(onDue, '2026-12')).toMatchObject({ previousBalanceCents: 0, totalCents: 0, status: 'open' });
    const after = computeBills({ schedules: card, items, payments: [], today: '2026-11-11' });
    expect(billOf(after, '2026-11')).toMatchObject({ status: 'overdue', rolledOver: true });
    expect(billOf(after, '2026-12')).toMatchObject({ previousBalanceCents: 10_000, totalCents: 10_000 });
    expect(owedByBills(onDue)).toBe(10_000);
    expect(owedByBills(after)).toBe(10_000);
  });

  it('statuses: open, closed, partially paid, paid, overdue', () => {
    const items = [item('a', '2026-10-20', 10_000), item('b', '2026-11-20', 5_000)];
    const at = (today: string, payments: PaymentInput[] = []) => computeBills({ schedules: card, items, payments, today });
    expect(billOf(at('2026-11-02'), '2026-11').status).toBe('open');
    expect(billOf(at('2026-11-03'), '2026-11').status).toBe('closed');
    expect(billOf(at('2026-11-05', [payment('p', '2026-11-04', 4_000)]), '2026-11').status).toBe('partially_paid');
    expect(billOf(at('2026-11-05', [payment('p', '2026-11-04', 10_000)]), '2026-11').status).toBe('paid');
    expect(billOf(at('2026-11-11', [payment('p', '2026-11-04', 4_000)]), '2026-11').status).toBe('overdue');
    expect(billOf(at('2026-11-11', [payment('p', '2026-11-04', 10_000)]), '2026-11').status).toBe('paid');
    expect(billOf(at('2026-11-11'), '2026-12')).toMatchObject({ status: 'open', current: true });
  });

  it('an unnamed payment before the due day pays the closed bill and spills its excess onto the next', () => {
    const items = [item('a', '2026-10-20', 10_000), item('b', '2026-11-05', 3_000)];
    const bills = computeBills({ schedules: card, items, payments: [payment('p', '2026-11-08', 12_000)], today: '2026-11-08' });
    expect(billOf(bills, '2026-11')).toMatchObject({ paidCents: 10_000, remainingCents: 0, status: 'paid' });
    expect(billOf(bills, '2026-12')).toMatchObject({ paidCents: 2_000, remainingCents: 1_000 });
    expect(owedByBills(bills)).toBe(1_000);
  });

  it('an unnamed payment after the due day pays the open bill; a named payment pays its bill', () => {
    const items = [item('a', '2026-10-20', 10_000)];
    const late = computeBills({ schedules: card, items, payments: [payment('p', '2026-11-12', 4_000)], today: '2026-11-12' });
    expect(billOf(late, '2026-11')).toMatchObject({ paidCents: 0, status: 'overdue' });
    expect(billOf(late, '2026-12')).toMatchObject({ previousBalanceCents: 10_000, paidCents: 4_000, remainingCents: 6_000 });
    const named = computeBills({
      schedules: card,
      items,
      payments: [payment('p', '2026-11-12', 4_000, '2026-11')],
      today: '2026-11-12',
    });
    expect(billOf(named, '2026-11')).toMatchObject({ paidCents: 4_000, remainingCents: 6_000 });
    expect(billOf(named, '2026-12')).toMatchObject({ previousBalanceCents: 6_000, paidCents: 0 });
  });

  it('a schedule change mid-cycle keeps the open bill and its closed predecessors; later bills take the new days', () => {
    const today = '2026-11-10';
    const before = [schedule(3, 10)];
    const open = billMonthOf(before, today);
    expect(open).toBe('2026-12');
    const after = [schedule(3, 10), schedule(20, 28, 'next_bill', '2027-01')];
    const items = [item('a', '2026-10-20', 1_000), item('b', '2026-11-10', 2_000), item('c', '2026-12-10', 3_000)];
    const was = computeBills({ schedules: before, items, payments: [], today });
    const now = computeBills({ schedules: after, items, payments: [], today });
    for (const month of ['2026-11', '2026-12']) {
      expect(billOf(now, month)).toMatchObject({
        closingOn: billOf(was, month).closingOn,
        dueOn: billOf(was, month).dueOn,
        totalCents: billOf(was, month).totalCents,
      });
    }
    // A purchase of 10 December, after the old closing day of December, is on the bill closing 20 January.
    expect(billOf(now, '2027-01')).toMatchObject({ closingOn: '2027-01-20', dueOn: '2027-01-28', itemsTotalCents: 3_000 });
    expect(billMonthOf(after, today)).toBe(open);
  });

  const history = fc.record({
    closingDay: fc.integer({ min: 1, max: 31 }),
    dueDay: fc.integer({ min: 1, max: 31 }),
    rule: fc.constantFrom<ClosingDayPurchases>('next_bill', 'this_bill'),
    /** A change of days from a month of 2026–2027, or none. */
    change: fc.option(
      fc.record({
        month: fc.integer({ min: 1, max: 24 }),
        closingDay: fc.integer({ min: 1, max: 31 }),
        dueDay: fc.integer({ min: 1, max: 31 }),
        rule: fc.constantFrom<ClosingDayPurchases>('next_bill', 'this_bill'),
      }),
      { nil: undefined },
    ),
    today: fc.integer({ min: 0, max: 720 }),
    movements: fc.array(
      fc.record({
        day: fc.integer({ min: 0, max: 720 }),
        kind: fc.constantFrom('item', 'refund', 'payment', 'named'),
        amount: fc.integer({ min: 1, max: 500_000 }),
        installments: fc.integer({ min: 1, max: 12 }),
        namedOffset: fc.integer({ min: -3, max: 3 }),
      }),
      { maxLength: 30 },
    ),
  });

  it('on random histories the bills owe what the card owes, and each total is saldo anterior plus items', () => {
    fc.assert(
      fc.property(history, (h) => {
        const start = '2026-01-01';
        const schedules = [schedule(h.closingDay, h.dueDay, h.rule)];
        if (h.change) {
          schedules.push(schedule(h.change.closingDay, h.change.dueDay, h.change.rule, monthName(2026, h.change.month)));
        }
        const today = dayAfter(start, h.today);
        const items: BillItemInput[] = [];
        const payments: PaymentInput[] = [];
        let sum = 0;
        h.movements.forEach((movement, index) => {
          const day = dayAfter(start, Math.min(movement.day, h.today));
          const id = `t${String(index).padStart(3, '0')}`;
          if (movement.kind === 'item') {
            const count = movement.installments;
            const amount = Math.max(movement.amount, count);
            if (count === 1) items.push(item(id, day, amount));
            else {
              const months = installmentMonths(schedules, day, count);
              splitInstallments(amount, count).forEach((part, k) => {
                items.push({ ...item(id, day, part, months[k]), installment: { number: k + 1, count } });
              });
            }
            sum += amount;
          } else if (movement.kind === 'refund') {
            items.push(item(id, day, -movement.amount));
            sum -= movement.amount;
          } else {
            const own = billMonthOf(schedules, day);
            const year = Number(own.slice(0, 4));
            const month = Number(own.slice(5, 7));
            const named = movement.kind === 'named' ? monthName(year, month + movement.namedOffset) : undefined;
            payments.push(payment(id, day, movement.amount, named));
            sum -= movement.amount;
          }
        });
        const bills = computeBills({ schedules, items, payments, today });
        expect(owedByBills(bills)).toBe(sum);
        let carry = 0;
        for (const [index, bill] of bills.entries()) {
          if (index > 0)
            expect(bill.month).toBe(
              monthName(Number(bills[index - 1]?.month.slice(0, 4)), Number(bills[index - 1]?.month.slice(5, 7)) + 1),
            );
          expect(bill.previousBalanceCents).toBe(carry);
          expect(bill.totalCents).toBe(bill.previousBalanceCents + bill.items.reduce((total, one) => total + one.amountCents, 0));
          expect(bill.remainingCents).toBe(bill.totalCents - bill.paidCents);
          expect(bill.rolledOver).toBe(today > bill.dueOn);
          carry = bill.rolledOver ? bill.remainingCents : 0;
        }
        // Each movement of its own day is on the bill whose closing date comes next (the closing day by the rule in force).
        for (const [index, bill] of bills.entries()) {
          const previous = bills[index - 1];
          for (const one of bill.items.filter((candidate) => candidate.installment === null)) {
            const joinsOnClosingDay = scheduleFor(schedules, monthOf(one.occurredOn)).closingDayPurchases === 'this_bill';
            expect(joinsOnClosingDay ? one.occurredOn <= bill.closingOn : one.occurredOn < bill.closingOn).toBe(true);
            if (previous)
              expect(joinsOnClosingDay ? one.occurredOn > previous.closingOn : one.occurredOn >= previous.closingOn).toBe(true);
          }
        }
        expect(bills.filter((bill) => bill.current)).toHaveLength(1);
        expect(bills[bills.length - 1]?.rolledOver).toBe(false);
        expect(bills.reduce((total, bill) => total + bill.paidCents, 0)).toBe(
          payments.reduce((total, one) => total + one.amountCents, 0),
        );
      }),
      { numRuns: 500 },
    );
  });
});
