import { type Static, Type } from '@sinclair/typebox';
import { AmountCents, Description, IsoDate, Nullable, SignedCents, Uuid } from '../../http/common-schemas.js';
import { Page, PageQuery } from '../../http/pagination.js';
import { INSTALLMENTS_MAX, INSTALLMENTS_MIN } from '../../policies/cards_v1.js';
import { AccountBalance, Transaction } from '../transactions/transactions.schemas.js';

export const BILL_STATUSES = ['open', 'closed', 'paid', 'partially_paid', 'overdue'] as const;
export const BillStatus = Type.Union(
  BILL_STATUSES.map((status) => Type.Literal(status)),
  {
    description:
      'open: still taking purchases; closed: closed, nothing paid, not yet due; partially_paid: closed, part paid, ' +
      'not yet due; paid: closed and nothing left to pay, or past its due day and covered by the payments made since ' +
      '(applied to the oldest debt first); overdue: past its due day with something left to pay (which rolled into the ' +
      'next bill as saldo anterior)',
  },
);

export const InstallmentNumber = Type.Object(
  {
    number: Type.Integer({ minimum: 1, maximum: INSTALLMENTS_MAX }),
    count: Type.Integer({ minimum: INSTALLMENTS_MIN, maximum: INSTALLMENTS_MAX }),
  },
  { additionalProperties: false, description: '"parcela number/count"' },
);

export const BillItem = Type.Object(
  {
    transaction_id: Uuid,
    kind: Type.String(),
    description: Type.String(),
    occurred_on: IsoDate,
    amount_cents: Type.Integer({
      description: 'Positive: a charge (a purchase, an installment, a fee); negative: a credit (a refund)',
    }),
    installment: Nullable(InstallmentNumber),
  },
  { additionalProperties: false },
);

export const BillPayment = Type.Object(
  {
    transaction_id: Uuid,
    occurred_on: IsoDate,
    amount_cents: Type.Integer({ minimum: 1, description: 'The part of the payment this bill received' }),
  },
  { additionalProperties: false },
);

export const Bill = Type.Object(
  {
    id: Uuid,
    account_id: Uuid,
    month: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$', description: 'The month the bill closes in' }),
    closing_on: IsoDate,
    due_on: IsoDate,
    status: BillStatus,
    current: Type.Boolean({ description: 'The bill open today' }),
    previous_balance_cents: SignedCents,
    items_total_cents: Type.Integer(),
    total_cents: Type.Integer({ description: 'previous_balance_cents + items_total_cents' }),
    paid_cents: Type.Integer({ minimum: 0 }),
    remaining_cents: Type.Integer({ description: 'total_cents - paid_cents (negative: a credit)' }),
    rolled_over: Type.Boolean({ description: 'Its due day has passed: remaining_cents is in the next bill' }),
    items: Type.Array(BillItem),
    payments: Type.Array(BillPayment),
  },
  { $id: 'Bill', additionalProperties: false },
);
export type BillResponse = Static<typeof Bill>;
export const BillPage = Page(Type.Ref(Bill), 'BillPage');

export const BillListQuery = Type.Object({ ...PageQuery, status: Type.Optional(BillStatus) }, { additionalProperties: false });
export type BillListInput = Static<typeof BillListQuery>;

export const BillParams = Type.Object({ id: Uuid, bill_id: Uuid }, { additionalProperties: false });

export const Installment = Type.Object(
  {
    number: Type.Integer({ minimum: 1 }),
    count: Type.Integer({ minimum: INSTALLMENTS_MIN }),
    amount_cents: AmountCents,
    bill_id: Uuid,
    closing_on: IsoDate,
    due_on: IsoDate,
    refunded: Type.Boolean(),
    anticipated: Type.Boolean({ description: 'Brought forward to an earlier bill (antecipação)' }),
  },
  { additionalProperties: false },
);

export const Installments = Type.Object(
  {
    transaction_id: Uuid,
    account_id: Uuid,
    amount_cents: AmountCents,
    refunded_cents: Type.Integer({ minimum: 0 }),
    items: Type.Array(Installment),
  },
  { $id: 'Installments', additionalProperties: false },
);

export const REFUND_SCOPES = ['whole', 'remaining', 'amount'] as const;
export const RefundBody = Type.Object(
  {
    scope: Type.Optional(
      Type.Union(
        REFUND_SCOPES.map((scope) => Type.Literal(scope)),
        {
          description:
            'whole (default): all the purchase still holds; remaining: the installments of bills not yet closed; ' +
            'amount: part of it (amount_cents)',
        },
      ),
    ),
    amount_cents: Type.Optional(AmountCents),
    occurred_on: Type.Optional(IsoDate),
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
);
export type RefundInput = Static<typeof RefundBody>;

export const AnticipateBody = Type.Object(
  {
    count: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: INSTALLMENTS_MAX,
        description: 'How many of the last installments to bring forward (default: all of the future ones)',
      }),
    ),
    discount_cents: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000_000 })),
    occurred_on: Type.Optional(IsoDate),
  },
  { additionalProperties: false },
);
export type AnticipateInput = Static<typeof AnticipateBody>;

export const Refunded = Type.Object(
  { transaction: Type.Ref(Transaction), account: Type.Ref(AccountBalance), installments: Nullable(Type.Ref(Installments)) },
  { $id: 'Refunded', additionalProperties: false },
);

export const Anticipated = Type.Object(
  {
    discount: Nullable(Type.Ref(Transaction)),
    account: Type.Ref(AccountBalance),
    bill_id: Uuid,
    installments: Type.Ref(Installments),
  },
  { $id: 'Anticipated', additionalProperties: false },
);
