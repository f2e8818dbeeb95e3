import { describe, expect, it } from 'vitest';
import document from '../../api/openapi.json';
import { en } from '../../i18n/locales/en';
import { ptBR } from '../../i18n/locales/pt-BR';
import type { Bill } from './api';
import {
  BILL_STATUS_COLORS,
  billSections,
  hasMoreBills,
  offeredInstallmentCounts,
  parseCardDay,
  payableCents,
  previewInstallments,
  rolledOverCents,
  usedPercent,
} from './bills';

function bill(month: string, current = false): Bill {
  return {
    id: month,
    account_id: 'card',
    month,
    closing_on: `${month}-10`,
    due_on: `${month}-20`,
    status: current ? 'open' : 'closed',
    current,
    previous_balance_cents: 0,
    items_total_cents: 0,
    total_cents: 0,
    paid_cents: 0,
    remaining_cents: 0,
    rolled_over: false,
    items: [],
    payments: [],
  };
}

describe('previewInstallments', () => {
  it('splits evenly with the remainder on the first installment', () => {
    expect(previewInstallments(10_000, 3)).toEqual({ count: 3, firstCents: 3_334, restCents: 3_333 });
    expect(previewInstallments(1_000, 10)).toEqual({ count: 10, firstCents: 100, restCents: 100 });
    expect(previewInstallments(100_001, 48)).toEqual({ count: 48, firstCents: 2_100, restCents: 2_083 });
  });

  it('adds up to the amount', () => {
    for (const [amount, count] of [
      [9_999, 7],
      [12, 12],
      [1_234_567, 24],
    ] as const) {
      const preview = previewInstallments(amount, count);
      expect(preview && preview.firstCents + preview.restCents * (count - 1)).toBe(amount);
    }
  });

  it('refuses amounts that cannot give each installment a centavo, and counts below 2', () => {
    expect(previewInstallments(2, 3)).toBeNull();
    expect(previewInstallments(1_000, 1)).toBeNull();
    expect(previewInstallments(0, 2)).toBeNull();
  });
});

describe('offeredInstallmentCounts', () => {
  it('offers 2× to 24×', () => {
    const counts = offeredInstallmentCounts();
    expect(counts[0]).toBe(2);
    expect(counts.at(-1)).toBe(24);
    expect(counts).toHaveLength(23);
  });
});

describe('billSections', () => {
  it('splits newest-first bills into the current one, the next (soonest first) and the past (newest first)', () => {
    const sections = billSections([bill('2027-02'), bill('2027-01'), bill('2026-12', true), bill('2026-11'), bill('2026-10')]);
    expect(sections.current?.month).toBe('2026-12');
    expect(sections.next.map((item) => item.month)).toEqual(['2027-01', '2027-02']);
    expect(sections.past.map((item) => item.month)).toEqual(['2026-11', '2026-10']);
  });

  it('keeps every bill as past when none is current', () => {
    expect(billSections([bill('2026-11'), bill('2026-10')])).toEqual({
      current: null,
      next: [],
      past: [bill('2026-11'), bill('2026-10')],
    });
  });
});

describe('payableCents, rolledOverCents and usedPercent', () => {
  it('pays nothing on a bill holding a credit', () => {
    expect(payableCents({ remaining_cents: -500, rolled_over: false })).toBe(0);
    expect(payableCents({ remaining_cents: 1_234, rolled_over: false })).toBe(1_234);
  });

  it('offers no payment on a bill whose rest rolled into the next bill, and tells the amount moved', () => {
    expect(payableCents({ remaining_cents: 1_234, rolled_over: true })).toBe(0);
    expect(rolledOverCents({ remaining_cents: 1_234, rolled_over: true })).toBe(1_234);
    // Not rolled over (still due, or nothing left): nothing moved.
    expect(rolledOverCents({ remaining_cents: 1_234, rolled_over: false })).toBe(0);
    expect(rolledOverCents({ remaining_cents: 0, rolled_over: true })).toBe(0);
    expect(rolledOverCents({ remaining_cents: -500, rolled_over: true })).toBe(0);
  });

  it('bounds the bar to 0..100', () => {
    expect(usedPercent(2_500, 10_000)).toBe(25);
    expect(usedPercent(15_000, 10_000)).toBe(100);
    expect(usedPercent(0, 0)).toBe(0);
    expect(usedPercent(100, 0)).toBe(100);
  });
});

describe('parseCardDay', () => {
  const bounds = { min: 1, max: 31 };
  it('takes empty or 1..31', () => {
    expect(parseCardDay('', bounds)).toEqual({ ok: true, day: null });
    expect(parseCardDay(' 31 ', bounds)).toEqual({ ok: true, day: 31 });
    expect(parseCardDay('1', bounds)).toEqual({ ok: true, day: 1 });
  });
  it('refuses 0, 32 and non-numbers', () => {
    expect(parseCardDay('0', bounds)).toEqual({ ok: false });
    expect(parseCardDay('32', bounds)).toEqual({ ok: false });
    expect(parseCardDay('1.5', bounds)).toEqual({ ok: false });
  });
});

describe('bill statuses', () => {
  // Every status the server may answer (its OpenAPI document) has a colour and a label in both languages.
  const statuses: string[] = document.components.schemas.Bill.properties.status.anyOf.flatMap((branch) => branch.enum);

  it('are the five of the API', () => {
    expect([...statuses].sort()).toEqual(['closed', 'open', 'overdue', 'paid', 'partially_paid']);
  });

  it.each(statuses)('%s has a colour and a label in pt-BR and English', (status) => {
    expect(Object.keys(BILL_STATUS_COLORS)).toContain(status);
    expect(ptBR.cards.status).toHaveProperty(status);
    expect(en.cards.status).toHaveProperty(status);
  });

  it('read as the issue names them in pt-BR', () => {
    expect(ptBR.cards.status).toEqual({
      open: 'Aberta',
      closed: 'Fechada',
      paid: 'Paga',
      partially_paid: 'Parcialmente paga',
      overdue: 'Vencida',
    });
  });
});

describe('hasMoreBills', () => {
  const page = (skip: number, count: number, total: number) => ({
    items: Array.from({ length: count }, (_, index) => bill(`m${skip + index}`)),
    skip,
    total,
  });

  it('asks for older bills while the pages read hold fewer than the server has', () => {
    expect(hasMoreBills([page(0, 100, 250)])).toBe(true);
    expect(hasMoreBills([page(0, 100, 250), page(100, 100, 250)])).toBe(true);
    expect(hasMoreBills([page(0, 100, 250), page(100, 100, 250), page(200, 50, 250)])).toBe(false);
  });

  it('stops at a page that ends the list exactly, an empty page, or no page', () => {
    expect(hasMoreBills([page(0, 100, 100)])).toBe(false);
    expect(hasMoreBills([page(0, 3, 3)])).toBe(false);
    expect(hasMoreBills([page(0, 100, 150), page(100, 0, 150)])).toBe(false);
    expect(hasMoreBills([])).toBe(false);
  });
});
