import { describe, expect, it } from 'vitest';
import type { CardSchedule } from '../../policies/cards_v1.js';
import type { InstallmentPurchase } from '../cards/cards-import.repository.js';
import { type CardLine, planCardLines } from './installments.js';
import { PAYEE_CANDIDATES_MAX } from './payee.js';

/** Closing on the 3rd, due on the 10th: a purchase on the 5th joins the next month's bill. */
const schedules: CardSchedule[] = [{ startsMonth: '2026-01', closingDay: 3, dueDay: 10, closingDayPurchases: 'next_bill' }];

function plan(rows: ReadonlyArray<[string, string, number]>, purchases: InstallmentPurchase[] = []) {
  const lines: CardLine[] = rows.map(([occurredOn, description, amountCents], index) => ({
    position: index + 1,
    occurredOn,
    description,
    amountCents,
  }));
  const plans = planCardLines({ lines, purchases, schedules });
  return lines.map((line) => {
    const found = plans.get(line.position);
    if (!found) return 'ordinary';
    if (found.kind === 'purchase') return `purchase ${found.installments.map((one) => `${one.number}@${one.month}`).join(' ')}`;
    if (found.kind === 'installment_of_line') return `line ${found.position} #${found.number}`;
    return `books ${found.purchaseId} #${found.number}`;
  });
}

describe('planCardLines: installments planned earlier in the same file', () => {
  it('a later k/N line of the same payee, N and a fitting amount is the planned purchase installment', () => {
    expect(
      plan([
        ['2026-11-05', 'Loja Sol - Parcela 1/3', -8_990],
        ['2026-12-05', 'LOJA SOL PARC 02/03', -8_989],
        ['2027-01-05', 'Loja Sol 3/3', -8_990],
      ]),
    ).toEqual(['purchase 1@2026-12 2@2027-01 3@2027-02', 'line 1 #2', 'line 1 #3']);
  });

  it('is read in date order: an export listed newest first plans one purchase too', () => {
    expect(
      plan([
        ['2027-01-05', 'Loja Sol - Parcela 3/3', -8_990],
        ['2026-12-05', 'Loja Sol - Parcela 2/3', -8_990],
        ['2026-11-05', 'Loja Sol - Parcela 1/3', -8_990],
      ]),
    ).toEqual(['line 3 #3', 'line 3 #2', 'purchase 1@2026-12 2@2027-01 3@2027-02']);
  });

  it('another payee, N, amount, a far bill or a bill the purchase already stands on is another purchase', () => {
    expect(
      plan([
        ['2026-11-05', 'Loja Lua - Parcela 1/3', -5_000],
        ['2026-11-20', 'Loja Lua - Parcela 2/3', -5_000],
        ['2026-12-05', 'Outra Loja - Parcela 2/3', -5_000],
        ['2026-12-05', 'Loja Lua - Parcela 2/4', -5_000],
        ['2026-12-06', 'Loja Lua - Parcela 3/3', -5_003],
        ['2027-06-05', 'Loja Lua - Parcela 3/3', -5_000],
      ]),
    ).toEqual([
      'purchase 1@2026-12 2@2027-01 3@2027-02',
      'purchase 2@2026-12 3@2027-01',
      'purchase 2@2027-01 3@2027-02',
      'purchase 2@2027-01 3@2027-02 4@2027-03',
      'purchase 3@2027-01',
      'purchase 3@2027-07',
    ]);
  });

  it('an issuer that prints the purchase day on every line: same day, same payee, one purchase', () => {
    expect(
      plan([
        ['2026-09-10', 'Casa Nova - Parcela 1/3', -7_000],
        ['2026-09-10', 'Casa Nova - Parcela 2/3', -7_000],
      ]),
    ).toEqual(['purchase 1@2026-10 2@2026-11 3@2026-12', 'line 1 #2']);
  });

  it('the books come first; an installment answers for one line', () => {
    const typed: InstallmentPurchase = {
      id: 'p1',
      description: 'Loja Sol',
      occurred_on: '2026-11-05',
      count: 3,
      installments: [1, 2, 3].map((number) => ({ number, count: 3, amount_cents: 8_990, bill_month: `2027-0${number}` })),
    };
    expect(
      plan(
        [
          ['2026-12-05', 'Loja Sol - Parcela 1/3', -8_990],
          ['2026-12-05', 'Loja Sol - Parcela 1/3', -8_990],
          ['2027-01-05', 'Loja Sol 2/3', -8_990],
        ],
        [typed],
      ),
    ).toEqual(['books p1 #1', 'purchase 1@2027-01 2@2027-02 3@2027-03', 'books p1 #2']);
  });
});

describe('planCardLines: a bare "k/N" never starts a purchase', () => {
  it('"Netflix 05/12" is an ordinary expense; a bare marker still matches a purchase planned from a worded one', () => {
    expect(
      plan([
        ['2026-11-05', 'Netflix 05/12', -5_590],
        ['2026-11-05', 'Loja Sol (1/3)', -8_990],
        ['2026-11-06', 'Curso - Parcela 1/2', -10_000],
        ['2026-12-06', 'CURSO 2/2', -10_000],
      ]),
    ).toEqual(['ordinary', 'ordinary', 'purchase 1@2026-12 2@2027-01', 'line 3 #2']);
  });
});

describe('planCardLines: a crafted file of many alike purchases', () => {
  /** Payee names of letters only (digits are not part of a payee's key): "aa", "ab", … */
  const payee = (index: number) =>
    `Loja ${String.fromCharCode(97 + Math.floor(index / 26))}${String.fromCharCode(97 + (index % 26))}`;

  it("a card's long history of purchases in N installments does not hide this month's", () => {
    // Sixty past purchases in 10 installments, each with an installment 3 on some bill long gone.
    const history: InstallmentPurchase[] = Array.from({ length: PAYEE_CANDIDATES_MAX + 10 }, (_, index) => ({
      id: `old${index}`,
      description: `${payee(index)} Antiga`,
      occurred_on: '2020-01-10',
      count: 10,
      installments: Array.from({ length: 10 }, (_, at) => ({
        number: at + 1,
        count: 10,
        amount_cents: 1_000,
        bill_month: `2020-${String(at + 2).padStart(2, '0')}`,
      })),
    }));
    const current: InstallmentPurchase = {
      id: 'current',
      description: 'Loja Sol',
      occurred_on: '2026-09-05',
      count: 10,
      installments: Array.from({ length: 10 }, (_, at) => ({
        number: at + 1,
        count: 10,
        amount_cents: 1_000,
        bill_month: [
          '2026-10',
          '2026-11',
          '2026-12',
          '2027-01',
          '2027-02',
          '2027-03',
          '2027-04',
          '2027-05',
          '2027-06',
          '2027-07',
        ][at] as string,
      })),
    };
    expect(plan([['2026-12-05', 'Loja Sol - Parcela 03/10', -1_000]], [...history, current])).toEqual(['books current #3']);
  });

  it("a line is compared with at most PAYEE_CANDIDATES_MAX of its installment's candidates", () => {
    const starts = Array.from(
      { length: PAYEE_CANDIDATES_MAX + 20 },
      (_, index) => ['2026-11-05', `${payee(index)} - Parcela 1/3`, -1_000] as [string, string, number],
    );
    const within = PAYEE_CANDIDATES_MAX - 1;
    const beyond = PAYEE_CANDIDATES_MAX + 10;
    const planned = plan([
      ...starts,
      ['2026-12-05', `${payee(within)} - Parcela 2/3`, -1_000],
      ['2026-12-05', `${payee(beyond)} - Parcela 2/3`, -1_000],
    ]);
    expect(planned[starts.length]).toBe(`line ${within + 1} #2`);
    // Past the first candidates the line is not matched: it starts a purchase of its own, which
    // the preview shows (and the person can mark as an ordinary movement).
    expect(planned[starts.length + 1]).toBe('purchase 2@2027-01 3@2027-02');
  });
});
