import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Queryable } from '../../db/queryable.js';
import { calendarDay, type IsoDay, type IsoMonth, nextMonth, shiftMonth } from '../../lib/calendar.js';
import { DomainError, invalidField, notFound } from '../../lib/errors.js';
import { newTimeOrderedId } from '../../lib/ids.js';
import type { PageResult } from '../../lib/pagination.js';
import type { RequestContext, ServiceDeps, WriteResult } from '../../lib/service-context.js';
import {
  type Bill,
  type BillItemInput,
  billMonthOf,
  type CardSchedule,
  type ClosingDayPurchases,
  closingOn as closingOnOf,
  computeBills,
  dueOn,
  installmentMonths,
  OCCURRED_ON_MIN_MONTH,
  scheduleFor,
  splitInstallments,
} from '../../policies/cards_v1.js';
import { findUserAccount, type UserAccountRow } from '../accounts/accounts.repository.js';
import { idempotentWrite } from '../idempotency/idempotency.service.js';
import { markInsightsStale } from '../insights/staleness.js';
import {
  balanceIn,
  findInternalAccountId,
  findTransaction,
  lockAndLoadAccounts,
  occurredOn,
  postedTransactionResponse,
  postRefund,
  sourceOf,
  type TransactionListRow,
} from '../ledger/index.js';
import * as repository from './cards.repository.js';
import type { AnticipateInput, BillListInput, BillResponse, RefundInput } from './cards.schemas.js';

/**
 * A bill's id: the same for the same card and month on every server and every read, so a
 * bill needs no row of its own (bills are derived, cards_v1) and a payment can name it.
 * SHA-256 of the card and month, laid out as a version 8 (custom) UUID.
 */
export function billIdOf(accountId: string, month: IsoMonth): string {
  const bytes = createHash('sha256').update(`card-bill:${accountId}:${month}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A description's longest length (transactions_description_length). */
const DESCRIPTION_LENGTH_MAX = 200;

/**
 * "Estorno: <purchase>", cut to the longest description by code points, so a cut never splits
 * a character (an emoji's surrogate pair) in two.
 */
function defaultDescription(prefix: string, purchase: string): string {
  return Array.from(`${prefix}: ${purchase}`).slice(0, DESCRIPTION_LENGTH_MAX).join('');
}

function notACard(accountId: string): DomainError {
  return new DomainError('not_a_credit_card', 422, 'This account is not a credit card.', { account_id: accountId });
}

export function scheduleMissing(accountId: string): DomainError {
  return new DomainError('card_schedule_missing', 422, "Set the card's closing and due days first: its bills are cut by them.", {
    account_id: accountId,
  });
}

function notFoundBill(): DomainError {
  return new DomainError('not_found', 404, 'No such bill.');
}

function refundExceedsPurchase(refundableCents: number): DomainError {
  return new DomainError('refund_exceeds_purchase', 422, 'A refund cannot give back more than the purchase still holds.', {
    refundable_cents: refundableCents,
  });
}

function refundNotApplicable(reason: string, detail: string): DomainError {
  return new DomainError('refund_not_applicable', 422, detail, { reason });
}

/** A credit card of the person's with its schedules; 404 when not theirs, 422 when not a card or not scheduled. */
async function scheduledCard(
  client: Queryable,
  userId: string,
  accountId: string,
): Promise<{ account: UserAccountRow; schedules: CardSchedule[] }> {
  const account = await findUserAccount(client, userId, accountId);
  if (!account) throw notFound('account');
  if (account.type !== 'credit_card') throw notACard(accountId);
  const schedules = await repository.schedulesOf(client, userId, accountId);
  if (schedules.length === 0) throw scheduleMissing(accountId);
  return { account, schedules };
}

/** Every bill of a card, oldest first, from its ledger entries and the card tables. */
async function billsOf(client: Queryable, userId: string, accountId: string, today: IsoDay) {
  const { account, schedules } = await scheduledCard(client, userId, accountId);
  const movements = await repository.movementsOf(client, userId, accountId);
  const bills = computeBills({
    schedules,
    today,
    payments: movements
      .filter((movement) => movement.payment)
      .map((movement) => ({
        transactionId: movement.transaction_id,
        occurredOn: movement.occurred_on,
        amountCents: movement.amount_cents,
        month: movement.payment_month ?? undefined,
      })),
    items: movements
      .filter((movement) => !movement.payment)
      .flatMap((movement): BillItemInput[] =>
        movement.installments
          ? movement.installments.map((installment) => ({
              transactionId: movement.transaction_id,
              kind: movement.kind,
              description: movement.description,
              occurredOn: movement.occurred_on,
              amountCents: installment.amount_cents,
              installment: { number: installment.number, count: installment.count },
              month: installment.month,
            }))
          : [
              {
                transactionId: movement.transaction_id,
                kind: movement.kind,
                description: movement.description,
                occurredOn: movement.occurred_on,
                amountCents: -movement.amount_cents,
                installment: null,
              },
            ],
      ),
  });
  return { account, schedules, bills };
}

function toBillResponse(accountId: string, bill: Bill): BillResponse {
  return {
    id: billIdOf(accountId, bill.month),
    account_id: accountId,
    month: bill.month,
    closing_on: bill.closingOn,
    due_on: bill.dueOn,
    status: bill.status,
    current: bill.current,
    previous_balance_cents: bill.previousBalanceCents,
    items_total_cents: bill.itemsTotalCents,
    total_cents: bill.totalCents,
    paid_cents: bill.paidCents,
    remaining_cents: bill.remainingCents,
    rolled_over: bill.rolledOver,
    items: bill.items.map((item) => ({
      transaction_id: item.transactionId,
      kind: item.kind,
      description: item.description,
      occurred_on: item.occurredOn,
      amount_cents: item.amountCents,
      installment: item.installment,
    })),
    payments: bill.payments.map((payment) => ({
      transaction_id: payment.transactionId,
      occurred_on: payment.occurredOn,
      amount_cents: payment.amountCents,
    })),
  };
}

/**
 * Writes a purchase's installments, in the purchase's database transaction and under its
 * account locks (so the schedule read here is the one in force). The purchase is one
 * expense of the whole amount; each installment is put on its bill.
 */
export async function recordInstallments(
  client: pg.PoolClient,
  options: { userId: string; accountId: string; transactionId: string; occurredOn: IsoDay; amountCents: number; count: number },
): Promise<void> {
  const schedules = await repository.schedulesOf(client, options.userId, options.accountId);
  if (schedules.length === 0) throw scheduleMissing(options.accountId);
  const amounts = splitInstallments(options.amountCents, options.count);
  const months = installmentMonths(schedules, options.occurredOn, options.count);
  await repository.insertInstallments(client, {
    userId: options.userId,
    accountId: options.accountId,
    transactionId: options.transactionId,
    installments: amounts.map((amountCents, index) => ({
      number: index + 1,
      count: options.count,
      amountCents,
      month: months[index] as IsoMonth,
    })),
  });
}

/** What a purchase in installments must be, judged before anything is posted. */
export async function checkInstallmentPurchase(
  client: Queryable,
  options: { userId: string; accountId: string; type: 'income' | 'expense'; amountCents: number; count: number },
): Promise<void> {
  if (options.type !== 'expense') {
    throw invalidField('body/installments', 'only a purchase (an expense) is paid in installments', 'not_applicable');
  }
  if (options.amountCents < options.count) {
    throw invalidField('body/installments', 'each installment must be at least one centavo', 'installment_too_small');
  }
  await scheduledCard(client, options.userId, options.accountId);
}

/**
 * A payment that names its bill: in the transfer's database transaction, under its locks.
 * The bill must be one of the card's (any status: paying ahead, or an old rest).
 */
export async function recordBillPayment(
  client: pg.PoolClient,
  options: { userId: string; accountId: string; transactionId: string; billId: string; today: IsoDay },
): Promise<void> {
  const { schedules } = await scheduledCard(client, options.userId, options.accountId);
  const month = billMonthsOf(
    schedules,
    await repository.billSpanOf(client, options.userId, options.accountId),
    options.today,
  ).find((candidate) => billIdOf(options.accountId, candidate) === options.billId);
  if (month === undefined) throw notFoundBill();
  await repository.insertPayment(client, {
    userId: options.userId,
    accountId: options.accountId,
    transactionId: options.transactionId,
    month,
  });
}

/**
 * The months a payment may name: from the bill before the first movement's (a payment pays the
 * last closed bill) to the bill after the last one anything is on or the bill open today,
 * whichever is later (paying ahead). Cheaper than cutting every bill, which a payment would do
 * while it holds the card's lock.
 */
function billMonthsOf(
  schedules: readonly CardSchedule[],
  span: { first_day: IsoDay | null; last_day: IsoDay | null; last_month: IsoMonth | null },
  today: IsoDay,
): IsoMonth[] {
  const open = billMonthOf(schedules, today);
  const candidates = [
    open,
    span.first_day && billMonthOf(schedules, span.first_day),
    span.last_day && billMonthOf(schedules, span.last_day),
    span.last_month,
  ]
    .filter((month): month is IsoMonth => typeof month === 'string')
    .sort();
  const months: IsoMonth[] = [];
  const last = nextMonth(candidates[candidates.length - 1] as IsoMonth);
  for (let month = shiftMonth(candidates[0] as IsoMonth, -1); month <= last; month = nextMonth(month)) months.push(month);
  return months;
}

/**
 * The card's days as of `today`: a first schedule applies to every bill; a change applies
 * from the bill after the one open today, so the open bill and the closed ones keep their
 * dates (installments stay on their bills, which take the new dates).
 */
export async function changeSchedule(
  client: Queryable,
  options: {
    userId: string;
    accountId: string;
    closingDay: number;
    dueDay: number;
    closingDayPurchases: ClosingDayPurchases;
    today: IsoDay;
  },
): Promise<void> {
  const schedules = await repository.schedulesOf(client, options.userId, options.accountId);
  const days = { closingDay: options.closingDay, dueDay: options.dueDay, closingDayPurchases: options.closingDayPurchases };
  if (schedules.length === 0) {
    await repository.putSchedule(client, {
      userId: options.userId,
      accountId: options.accountId,
      schedule: { startsMonth: OCCURRED_ON_MIN_MONTH, ...days },
    });
    return;
  }
  const open = billMonthOf(schedules, options.today);
  const { startsMonth: _, ...inForce } = scheduleFor(schedules, nextMonth(open));
  if (JSON.stringify(inForce) === JSON.stringify(days)) return;
  await repository.putSchedule(client, {
    userId: options.userId,
    accountId: options.accountId,
    schedule: { startsMonth: nextMonth(open), ...days },
  });
}

function bySchedule(schedules: readonly CardSchedule[], accountId: string, month: IsoMonth) {
  const schedule = scheduleFor(schedules, month);
  return { bill_id: billIdOf(accountId, month), closing_on: closingOnOf(schedule, month), due_on: dueOn(schedule, month) };
}

/**
 * What installments still cost the person: their amounts less the discounts of the
 * antecipações that brought them forward (each discount once), which were already given back.
 */
function owedOf(rows: readonly repository.InstallmentRow[]): number {
  const discounts = new Map<string, number>();
  for (const row of rows) if (row.discounted_by !== null) discounts.set(row.discounted_by, row.discount_cents ?? 0);
  const amounts = rows.reduce((sum, row) => sum + row.amount_cents, 0);
  return amounts - [...discounts.values()].reduce((sum, cents) => sum + cents, 0);
}

export class CardsService {
  constructor(private readonly deps: ServiceDeps) {}

  private today(): IsoDay {
    return calendarDay(this.deps.clock.now());
  }

  /** A card's bills, newest first, optionally of one status. */
  async bills(
    userId: string,
    accountId: string,
    query: BillListInput & { skip: number; limit: number },
  ): Promise<PageResult<BillResponse>> {
    const { bills } = await billsOf(this.deps.pool, userId, accountId, this.today());
    // A month with nothing on it (no item, no payment, nothing carried in) is no bill to show,
    // unless it is the one open today.
    const chosen = bills
      .filter((bill) => bill.current || bill.items.length > 0 || bill.payments.length > 0 || bill.previousBalanceCents !== 0)
      .filter((bill) => query.status === undefined || bill.status === query.status)
      .reverse();
    return {
      items: chosen.slice(query.skip, query.skip + query.limit).map((bill) => toBillResponse(accountId, bill)),
      total: chosen.length,
      skip: query.skip,
      limit: query.limit,
    };
  }

  async bill(userId: string, accountId: string, billId: string): Promise<BillResponse> {
    const { bills } = await billsOf(this.deps.pool, userId, accountId, this.today());
    const bill = bills.find((candidate) => billIdOf(accountId, candidate.month) === billId);
    if (!bill) throw notFoundBill();
    return toBillResponse(accountId, bill);
  }

  /** A purchase's installments and the bill each is on. */
  async installments(userId: string, transactionId: string) {
    return this.installmentsWith(this.deps.pool, userId, transactionId);
  }

  private async installmentsWith(client: Queryable, userId: string, transactionId: string) {
    const purchase = await findTransaction(client, userId, transactionId);
    if (!purchase) throw notFound('transaction');
    const rows = await repository.installmentsOf(client, userId, transactionId);
    if (rows.length === 0) {
      throw new DomainError('not_installments', 422, 'This transaction was not paid in installments.', {
        transaction_id: transactionId,
      });
    }
    const schedules = await repository.schedulesOf(client, userId, purchase.account_id);
    return {
      transaction_id: transactionId,
      account_id: purchase.account_id,
      amount_cents: purchase.amount_cents,
      refunded_cents: await repository.refundedCents(client, userId, transactionId),
      items: rows.map((row) => ({
        number: row.number,
        count: row.count,
        amount_cents: row.amount_cents,
        ...bySchedule(schedules, purchase.account_id, row.month),
        refunded: row.refunded,
        anticipated: row.anticipated,
      })),
    };
  }

  /**
   * A card purchase refunded (estorno), on the bill of the refund's day. Under the card's
   * locks the purchase is re-read and what it still holds is judged, so two refunds at once
   * never give back more than was spent.
   */
  async refund(context: RequestContext, purchaseId: string, input: RefundInput): Promise<WriteResult<unknown>> {
    const scope = input.scope ?? 'whole';
    if ((scope === 'amount') !== (input.amount_cents !== undefined)) {
      throw invalidField('body/amount_cents', 'is given with scope amount, and only then', 'amount_with_scope');
    }
    return idempotentWrite(this.deps, context, async (client, now) => {
      const { purchase, schedules } = await this.lockedPurchase(client, context.userId, purchaseId);
      const day = occurredOn(input.occurred_on, now);
      if (day < purchase.occurred_on) {
        throw invalidField('body/occurred_on', 'must not be before the purchase', 'range');
      }
      const month = billMonthOf(schedules, day);
      const installments = await repository.installmentsOf(client, context.userId, purchaseId);
      const refundable = purchase.amount_cents - (await repository.refundedCents(client, context.userId, purchaseId));
      const open = installments.filter((row) => !row.refunded && row.month >= month);
      if (scope === 'remaining' && installments.length === 0) {
        throw refundNotApplicable('not_installments', 'Only a purchase in installments has remaining installments to refund.');
      }
      // After a refund of the whole or of the rest that still holds, no installment remains.
      const rest = scope === 'remaining' && (await repository.holdsRefundOfRest(client, context.userId, purchaseId)) ? [] : open;
      const amount = scope === 'amount' ? (input.amount_cents as number) : scope === 'whole' ? refundable : owedOf(rest);
      if (amount <= 0) throw new DomainError('nothing_to_refund', 422, 'Nothing of this purchase is left to refund.');
      if (amount > refundable) throw refundExceedsPurchase(refundable);
      const refundId = newTimeOrderedId();
      const posted = await postRefund(client, sourceOf(context, this.deps.clock.now()), {
        transactionId: refundId,
        accountId: purchase.account_id,
        amountCents: amount,
        description: input.description?.trim() || defaultDescription('Estorno', purchase.description),
        categoryId: purchase.category_id,
        occurredOn: day,
      });
      await repository.insertRefund(client, {
        userId: context.userId,
        accountId: purchase.account_id,
        transactionId: refundId,
        purchaseId,
        scope,
      });
      // A refund of the whole or of the rest cancels the installments from the refund's bill on:
      // those of later bills come to the refund's bill, where the refund's credit meets them, and
      // the one already there is marked refunded too. One an antecipação brought forward keeps that
      // move, wherever it put it (a refund dated before the antecipação's bill included), so
      // reversing this refund leaves it where the antecipação put it.
      const cancelled = scope === 'amount' ? [] : open.filter((row) => !row.anticipated);
      if (cancelled.length > 0) {
        await repository.moveInstallments(client, {
          userId: context.userId,
          transactionId: purchaseId,
          numbers: cancelled.map((row) => row.number),
          month,
          reason: 'refund',
          movedBy: refundId,
        });
      }
      return {
        status: 201,
        body: {
          transaction: { ...postedTransactionResponse(posted), refund_of_transaction_id: purchaseId },
          account: balanceIn(posted, purchase.account_id),
          installments: installments.length > 0 ? await this.installmentsWith(client, context.userId, purchaseId) : null,
        },
      };
    });
  }

  /**
   * Antecipação: the last `count` installments of bills after the one open on the day come to
   * that bill; a discount the issuer gives is a refund of that much, under the purchase's
   * category. The money was taken from the limit at purchase, so only the discount moves it.
   */
  async anticipate(context: RequestContext, purchaseId: string, input: AnticipateInput): Promise<WriteResult<unknown>> {
    return idempotentWrite(this.deps, context, async (client, now) => {
      const { purchase, schedules } = await this.lockedPurchase(client, context.userId, purchaseId);
      const day = occurredOn(input.occurred_on, now);
      if (day < purchase.occurred_on) {
        throw invalidField('body/occurred_on', 'must not be before the purchase', 'range');
      }
      const month = billMonthOf(schedules, day);
      const installments = await repository.installmentsOf(client, context.userId, purchaseId);
      if (installments.length === 0) {
        throw new DomainError('not_installments', 422, 'This transaction was not paid in installments.', {
          transaction_id: purchaseId,
        });
      }
      const future = installments.filter((row) => !row.refunded && row.month > month);
      const count = input.count ?? future.length;
      if (future.length === 0 || count > future.length) {
        throw new DomainError('nothing_to_anticipate', 422, 'There are not that many installments on later bills.', {
          future_installments: future.length,
        });
      }
      const chosen = future.slice(future.length - count);
      const sum = chosen.reduce((total, row) => total + row.amount_cents, 0);
      const discount = input.discount_cents ?? 0;
      if (discount >= sum) {
        throw invalidField('body/discount_cents', 'must be less than the installments brought forward', 'discount_too_large');
      }
      // The discount is a refund: with the purchase's other refunds it gives back no more than was spent.
      const refundable = purchase.amount_cents - (await repository.refundedCents(client, context.userId, purchaseId));
      if (discount > refundable) throw refundExceedsPurchase(refundable);
      let posted: Awaited<ReturnType<typeof postRefund>> | undefined;
      if (discount > 0) {
        posted = await postRefund(client, sourceOf(context, this.deps.clock.now()), {
          accountId: purchase.account_id,
          amountCents: discount,
          description: defaultDescription('Desconto de antecipação', purchase.description),
          categoryId: purchase.category_id,
          occurredOn: day,
        });
        await repository.insertRefund(client, {
          userId: context.userId,
          accountId: purchase.account_id,
          transactionId: posted.transaction.id,
          purchaseId,
          scope: 'anticipation_discount',
        });
      }
      await repository.moveInstallments(client, {
        userId: context.userId,
        transactionId: purchaseId,
        numbers: chosen.map((row) => row.number),
        month,
        reason: 'anticipation',
        movedBy: posted?.transaction.id ?? null,
      });
      // Without a discount nothing is posted, so nothing else tells the cached insights that
      // the months these installments left and the month they came to changed.
      if (!posted) await markInsightsStale(client, context.userId, month);
      const locked = await findUserAccount(client, context.userId, purchase.account_id);
      return {
        status: 201,
        body: {
          discount: posted ? { ...postedTransactionResponse(posted), refund_of_transaction_id: purchaseId } : null,
          account: posted
            ? balanceIn(posted, purchase.account_id)
            : { id: purchase.account_id, balance_cents: locked?.balance_cents ?? 0, row_version: locked?.row_version ?? 0 },
          bill_id: billIdOf(purchase.account_id, month),
          installments: await this.installmentsWith(client, context.userId, purchaseId),
        },
      };
    });
  }

  /**
   * A card purchase, read again under the locks a refund takes (the card and the expense
   * account, in the ledger's order), so nothing changes it until COMMIT.
   */
  private async lockedPurchase(
    client: pg.PoolClient,
    userId: string,
    purchaseId: string,
  ): Promise<{ purchase: TransactionListRow; schedules: CardSchedule[] }> {
    const found = await findTransaction(client, userId, purchaseId);
    if (!found) throw notFound('transaction');
    const expenseId = await findInternalAccountId(client, userId, 'expense');
    await lockAndLoadAccounts(client, userId, [found.account_id, expenseId]);
    const purchase = (await findTransaction(client, userId, purchaseId)) as TransactionListRow;
    if (purchase.kind !== 'expense') throw refundNotApplicable('not_a_purchase', 'Only a purchase (an expense) is refunded.');
    if (purchase.reversed_by_transaction_id !== null) {
      throw new DomainError('already_reversed', 422, 'This purchase was reversed; there is nothing to refund.');
    }
    const { schedules } = await scheduledCard(client, userId, purchase.account_id).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === 'not_a_credit_card') {
        throw refundNotApplicable('not_a_card', 'Refunds here are of credit card purchases.');
      }
      throw error;
    });
    return { purchase, schedules };
  }
}
