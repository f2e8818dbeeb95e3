import { expect } from 'vitest';
import type { signedIn } from '../helpers/app.js';
import { expectStatus } from '../helpers/problem.js';

/** Shared by the cards*.test.ts files: a card, a purchase, its bills oldest first, the bills-equal-ledger check. */
export type Client = Awaited<ReturnType<typeof signedIn>>['client'];

export interface BillBody {
  id: string;
  month: string;
  closing_on: string;
  due_on: string;
  status: string;
  current: boolean;
  previous_balance_cents: number;
  items_total_cents: number;
  total_cents: number;
  paid_cents: number;
  remaining_cents: number;
  rolled_over: boolean;
  items: Array<{
    transaction_id: string;
    kind: string;
    amount_cents: number;
    installment: { number: number; count: number } | null;
  }>;
  payments: Array<{ transaction_id: string; amount_cents: number }>;
}

export async function cardOf(
  client: Client,
  days: { closing_day: number; due_day: number; closing_day_purchases?: 'next_bill' | 'this_bill' },
  limit = 500_000,
) {
  return client.account({ name: 'Cartão', type: 'credit_card', credit_limit_cents: limit, ...days });
}

export function purchase(client: Client, cardId: string, amountCents: number, extra: Record<string, unknown> = {}) {
  return client.post('/api/transactions', {
    account_id: cardId,
    type: 'expense',
    amount_cents: amountCents,
    description: 'Compra',
    ...extra,
  });
}

/** A purchase that must succeed: its transaction id. */
export async function bought(client: Client, cardId: string, amountCents: number, extra: Record<string, unknown> = {}) {
  return expectStatus(await purchase(client, cardId, amountCents, extra), 201).json().transaction.id as string;
}

/** Every bill of the card, oldest first. */
export async function billsOf(client: Client, cardId: string): Promise<BillBody[]> {
  const bills: BillBody[] = [];
  for (let skip = 0; ; skip += 100) {
    const page = expectStatus(await client.get(`/api/accounts/${cardId}/bills?limit=100&skip=${skip}`), 200).json();
    bills.push(...page.items);
    if (bills.length >= page.total) break;
  }
  return bills.reverse();
}

export function billOf(bills: readonly BillBody[], month: string): BillBody {
  const found = bills.find((bill) => bill.month === month);
  if (!found) throw new Error(`no bill ${month} among ${bills.map((bill) => bill.month).join(', ')}`);
  return found;
}

/**
 * The bills hold what the ledger says: minus the card's balance is what the bills not rolled
 * over still owe, each total is its saldo anterior plus its items, and each saldo anterior is
 * what the bill before it left once its due day passed.
 */
export async function expectBillsMatchLedger(client: Client, cardId: string): Promise<BillBody[]> {
  const account = expectStatus(await client.get(`/api/accounts/${cardId}`), 200).json();
  const bills = await billsOf(client, cardId);
  const owed = bills.filter((bill) => !bill.rolled_over).reduce((sum, bill) => sum + bill.remaining_cents, 0) || 0;
  expect(owed, 'bills owe what the ledger says').toBe(0 - account.balance_cents || 0);
  let carry = 0;
  for (const bill of bills) {
    expect(bill.previous_balance_cents, `saldo anterior of ${bill.month}`).toBe(carry);
    expect(bill.total_cents, `total of ${bill.month}`).toBe(
      bill.previous_balance_cents + bill.items.reduce((sum, item) => sum + item.amount_cents, 0),
    );
    expect(bill.remaining_cents).toBe(bill.total_cents - bill.paid_cents);
    carry = bill.rolled_over ? bill.remaining_cents : 0;
  }
  return bills;
}
