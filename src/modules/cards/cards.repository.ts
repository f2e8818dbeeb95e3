import type { Queryable } from '../../db/queryable.js';
import type { IsoDay, IsoMonth } from '../../lib/calendar.js';
import type { CardSchedule, ClosingDayPurchases } from '../../policies/cards_v1.js';

/** A month as the card tables store it: its first day. */
export function monthStart(month: IsoMonth): IsoDay {
  return `${month}-01`;
}

/** The card's schedules, oldest first. */
export async function schedulesOf(client: Queryable, userId: string, accountId: string): Promise<CardSchedule[]> {
  const result = await client.query<{
    starts_month: string;
    closing_day: number;
    due_day: number;
    closing_day_purchases: ClosingDayPurchases;
  }>(
    `SELECT to_char(starts_month, 'YYYY-MM') AS starts_month, closing_day, due_day, closing_day_purchases
       FROM card_schedules WHERE user_id = $1 AND account_id = $2 ORDER BY starts_month`,
    [userId, accountId],
  );
  return result.rows.map((row) => ({
    startsMonth: row.starts_month,
    closingDay: row.closing_day,
    dueDay: row.due_day,
    closingDayPurchases: row.closing_day_purchases,
  }));
}

/**
 * A schedule from `startsMonth` on: the schedules that would start later are dropped (a change
 * made twice in one cycle keeps the last), and one starting that month is replaced.
 */
export async function putSchedule(
  client: Queryable,
  row: { userId: string; accountId: string; schedule: CardSchedule },
): Promise<void> {
  const { schedule } = row;
  await client.query('DELETE FROM card_schedules WHERE user_id = $1 AND account_id = $2 AND starts_month >= $3', [
    row.userId,
    row.accountId,
    monthStart(schedule.startsMonth),
  ]);
  await client.query(
    `INSERT INTO card_schedules (account_id, user_id, starts_month, closing_day, due_day, closing_day_purchases)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      row.accountId,
      row.userId,
      monthStart(schedule.startsMonth),
      schedule.closingDay,
      schedule.dueDay,
      schedule.closingDayPurchases,
    ],
  );
}

export interface NewInstallment {
  number: number;
  count: number;
  amountCents: number;
  month: IsoMonth;
}

export async function insertInstallments(
  client: Queryable,
  options: { userId: string; accountId: string; transactionId: string; installments: readonly NewInstallment[] },
): Promise<void> {
  await client.query(
    `INSERT INTO card_installments (transaction_id, number, user_id, account_id, count, amount_cents, bill_month)
     SELECT $1, i.number, $2, $3, i.count, i.amount_cents, (i.month || '-01')::date
       FROM unnest($4::int[], $5::int[], $6::bigint[], $7::text[]) AS i (number, count, amount_cents, month)`,
    [
      options.transactionId,
      options.userId,
      options.accountId,
      options.installments.map((one) => one.number),
      options.installments.map((one) => one.count),
      options.installments.map((one) => one.amountCents),
      options.installments.map((one) => one.month),
    ],
  );
}

/** Why an installment left its bill: a refund gave it back, an antecipação brought it forward. */
export type MoveReason = 'refund' | 'anticipation';

export interface InstallmentRow {
  transaction_id: string;
  number: number;
  count: number;
  amount_cents: number;
  /** The bill it was first put on. */
  bill_month: IsoMonth;
  /** The bill it is on now: moved_to_month while the move holds, else bill_month. */
  month: IsoMonth;
  /** Refunded by a refund that still holds (not reversed). */
  refunded: boolean;
  anticipated: boolean;
  /** Brought forward by an antecipação with a discount that still holds: that discount transaction. */
  discounted_by: string | null;
  /** That discount's amount (the whole discount of the antecipação, not a share of it). */
  discount_cents: number | null;
}

/**
 * A move holds while the transaction that made it is not reversed; an antecipação without a
 * discount made no transaction and always holds.
 */
const MOVE_HOLDS = `(i.moved_to_month IS NOT NULL AND (i.moved_by_transaction_id IS NULL OR NOT EXISTS (
  SELECT 1 FROM transactions r WHERE r.reverses_transaction_id = i.moved_by_transaction_id)))`;

const INSTALLMENT_COLUMNS = `i.transaction_id, i.number, i.count, i.amount_cents,
  to_char(i.bill_month, 'YYYY-MM') AS bill_month,
  to_char(CASE WHEN ${MOVE_HOLDS} THEN i.moved_to_month ELSE i.bill_month END, 'YYYY-MM') AS month,
  (${MOVE_HOLDS} AND i.moved_reason = 'refund') AS refunded,
  (${MOVE_HOLDS} AND i.moved_reason = 'anticipation') AS anticipated,
  CASE WHEN ${MOVE_HOLDS} AND i.moved_reason = 'anticipation' THEN i.moved_by_transaction_id END AS discounted_by,
  CASE WHEN ${MOVE_HOLDS} AND i.moved_reason = 'anticipation'
       THEN (SELECT d.amount_cents FROM transactions d WHERE d.id = i.moved_by_transaction_id) END AS discount_cents`;

/** A purchase's installments, first to last. */
export async function installmentsOf(client: Queryable, userId: string, transactionId: string): Promise<InstallmentRow[]> {
  const result = await client.query<InstallmentRow>(
    `SELECT ${INSTALLMENT_COLUMNS} FROM card_installments i WHERE i.user_id = $1 AND i.transaction_id = $2 ORDER BY i.number`,
    [userId, transactionId],
  );
  return result.rows.map(numbers);
}

function numbers(row: InstallmentRow): InstallmentRow {
  return {
    ...row,
    amount_cents: Number(row.amount_cents),
    discount_cents: row.discount_cents === null || row.discount_cents === undefined ? null : Number(row.discount_cents),
  };
}

/** Brings installments to another bill; `movedBy` is the refund or discount that did it, if any. */
export async function moveInstallments(
  client: Queryable,
  options: {
    userId: string;
    transactionId: string;
    numbers: readonly number[];
    month: IsoMonth;
    reason: MoveReason;
    movedBy: string | null;
  },
): Promise<void> {
  await client.query(
    `UPDATE card_installments SET moved_to_month = $4, moved_by_transaction_id = $5, moved_reason = $6
      WHERE user_id = $1 AND transaction_id = $2 AND number = ANY($3::int[])`,
    [options.userId, options.transactionId, options.numbers, monthStart(options.month), options.movedBy, options.reason],
  );
}

export async function insertRefund(
  client: Queryable,
  row: { userId: string; accountId: string; transactionId: string; purchaseId: string; scope: string },
): Promise<void> {
  await client.query(
    `INSERT INTO card_refunds (transaction_id, user_id, account_id, purchase_transaction_id, scope) VALUES ($1, $2, $3, $4, $5)`,
    [row.transactionId, row.userId, row.accountId, row.purchaseId, row.scope],
  );
}

/** What the refunds of a purchase that still hold gave back. */
export async function refundedCents(client: Queryable, userId: string, purchaseId: string): Promise<number> {
  const result = await client.query<{ cents: string }>(
    `SELECT coalesce(sum(t.amount_cents), 0) AS cents
       FROM card_refunds f JOIN transactions t ON t.id = f.transaction_id
      WHERE f.user_id = $1 AND f.purchase_transaction_id = $2
        AND NOT EXISTS (SELECT 1 FROM transactions r WHERE r.reverses_transaction_id = t.id)`,
    [userId, purchaseId],
  );
  return Number(result.rows[0]?.cents ?? 0);
}

/** Whether a refund of the whole purchase or of its remaining installments still holds (is not reversed). */
export async function holdsRefundOfRest(client: Queryable, userId: string, purchaseId: string): Promise<boolean> {
  const result = await client.query(
    `SELECT 1 FROM card_refunds f
      WHERE f.user_id = $1 AND f.purchase_transaction_id = $2 AND f.scope IN ('whole', 'remaining')
        AND NOT EXISTS (SELECT 1 FROM transactions r WHERE r.reverses_transaction_id = f.transaction_id)
      LIMIT 1`,
    [userId, purchaseId],
  );
  return result.rows.length > 0;
}

export async function insertPayment(
  client: Queryable,
  row: { userId: string; accountId: string; transactionId: string; month: IsoMonth },
): Promise<void> {
  await client.query(`INSERT INTO card_payments (transaction_id, user_id, account_id, bill_month) VALUES ($1, $2, $3, $4)`, [
    row.transactionId,
    row.userId,
    row.accountId,
    monthStart(row.month),
  ]);
}

/** One movement on the card that still holds (neither reversed nor a reversal), as bills need it. */
export interface CardMovementRow {
  transaction_id: string;
  kind: string;
  description: string;
  occurred_on: IsoDay;
  /** The card's leg: negative when the card owes more. */
  amount_cents: number;
  /** A transfer into the card: a payment. */
  payment: boolean;
  /** The bill a payment named. */
  payment_month: IsoMonth | null;
  /** A purchase in installments: its installments, as installmentsOf reads them. */
  installments: InstallmentRow[] | null;
}

/** Every movement of the card that still holds, with a purchase's installments and a payment's bill. */
export async function movementsOf(client: Queryable, userId: string, accountId: string): Promise<CardMovementRow[]> {
  const result = await client.query<CardMovementRow>(
    `SELECT t.id AS transaction_id, t.kind, t.description, t.occurred_on, e.amount_cents,
            (t.kind = 'transfer' AND e.amount_cents > 0) AS payment,
            (SELECT to_char(p.bill_month, 'YYYY-MM') FROM card_payments p WHERE p.transaction_id = t.id) AS payment_month,
            (SELECT json_agg(x ORDER BY x.number)
               FROM (SELECT ${INSTALLMENT_COLUMNS} FROM card_installments i WHERE i.transaction_id = t.id) x) AS installments
       FROM ledger_entries e JOIN transactions t ON t.id = e.transaction_id
      WHERE e.account_id = $2 AND e.user_id = $1 AND t.kind <> 'reversal'
        AND NOT EXISTS (SELECT 1 FROM transactions r WHERE r.reverses_transaction_id = t.id)
      ORDER BY e.id`,
    [userId, accountId],
  );
  return result.rows.map((row) => ({
    ...row,
    amount_cents: Number(row.amount_cents),
    installments: row.installments?.map(numbers) ?? null,
  }));
}

/**
 * The first and last days of the card's movements that hold, and the last bill month an
 * installment or a named payment is on: the span a card's bills can cover.
 */
export async function billSpanOf(
  client: Queryable,
  userId: string,
  accountId: string,
): Promise<{ first_day: IsoDay | null; last_day: IsoDay | null; last_month: IsoMonth | null }> {
  const result = await client.query<{ first_day: IsoDay | null; last_day: IsoDay | null; last_month: IsoMonth | null }>(
    `SELECT min(t.occurred_on)::text AS first_day, max(t.occurred_on)::text AS last_day,
            (SELECT to_char(greatest(
               (SELECT max(greatest(i.bill_month, i.moved_to_month)) FROM card_installments i WHERE i.account_id = $2 AND i.user_id = $1),
               (SELECT max(p.bill_month) FROM card_payments p WHERE p.account_id = $2 AND p.user_id = $1)), 'YYYY-MM')) AS last_month
       FROM ledger_entries e JOIN transactions t ON t.id = e.transaction_id
      WHERE e.account_id = $2 AND e.user_id = $1`,
    [userId, accountId],
  );
  return result.rows[0] ?? { first_day: null, last_day: null, last_month: null };
}
