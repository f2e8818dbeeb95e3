import { type Static, Type } from '@sinclair/typebox';
import {
  AllowNegative,
  AmountCents,
  BalanceCents,
  Description,
  IsoDate,
  Notes,
  Nullable,
  RowVersion,
  SignedCents,
  Timestamp,
  Uuid,
} from '../../http/common-schemas.js';
import { Page, PageQuery } from '../../http/pagination.js';
import { INSTALLMENTS_MAX, INSTALLMENTS_MIN } from '../../policies/cards_v1.js';

export const SEARCH_LENGTH_MAX = 100;

export const TransactionKind = Type.Union(
  ['income', 'expense', 'transfer', 'reversal', 'opening', 'adjustment', 'goal_contribution', 'goal_withdrawal', 'refund'].map(
    (kind) => Type.Literal(kind),
  ),
);

export const Leg = Type.Object(
  { account_id: Uuid, amount_cents: SignedCents, balance_after_cents: BalanceCents },
  { additionalProperties: false },
);

export const Transaction = Type.Object(
  {
    id: Uuid,
    kind: TransactionKind,
    account_id: Uuid,
    to_account_id: Nullable(Uuid),
    amount_cents: AmountCents,
    description: Type.String(),
    category_id: Nullable(Uuid),
    notes: Nullable(Type.String()),
    occurred_on: IsoDate,
    policy_version: Type.String(),
    reverses_transaction_id: Nullable(Uuid),
    reversed_by_transaction_id: Nullable(Uuid),
    corrects_transaction_id: Nullable(Uuid),
    corrected_by_transaction_id: Nullable(Uuid),
    row_version: Type.Integer(),
    created_at: Timestamp,
    payee_name: Nullable(Type.String({ description: "Who a paid Pix went to (the BR Code's receiver name)" })),
    payee_city: Nullable(Type.String()),
    pix_txid: Nullable(Type.String({ description: 'The txid of the Pix, when its code had one' })),
    pix_charge_id: Nullable(Uuid),
    installment_count: Nullable(
      Type.Integer({
        minimum: INSTALLMENTS_MIN,
        maximum: INSTALLMENTS_MAX,
        description: 'A card purchase in installments: how many',
      }),
    ),
    refund_of_transaction_id: Nullable(
      Type.String({ format: 'uuid', description: 'A refund: the card purchase it gave money back on' }),
    ),
    entries: Type.Array(Leg, { description: "Legs on the person's own accounts, with the balance after each" }),
  },
  { $id: 'Transaction', additionalProperties: false },
);
export type TransactionResponse = Static<typeof Transaction>;
export const TransactionPage = Page(Type.Ref(Transaction), 'TransactionPage');

export const AccountBalance = Type.Object(
  { id: Uuid, balance_cents: BalanceCents, row_version: Type.Integer() },
  { $id: 'AccountBalance', additionalProperties: false },
);

export const CreateTransactionBody = Type.Object(
  {
    account_id: Uuid,
    type: Type.Union([Type.Literal('income'), Type.Literal('expense')]),
    amount_cents: AmountCents,
    description: Description,
    category_id: Type.Optional(Nullable(Uuid)),
    occurred_on: Type.Optional(IsoDate),
    notes: Type.Optional(Notes),
    allow_negative: Type.Optional(AllowNegative),
    installments: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: INSTALLMENTS_MAX,
        description:
          'A credit card purchase "parcelada": 2 to 48 installments (most merchants offer up to 24; 1 is à vista). ' +
          'The whole amount is taken from the limit at once; the installments go on the bills that follow, the ' +
          'remainder centavos on the first. Interest-bearing installments are entered as their total.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateTransactionInput = Static<typeof CreateTransactionBody>;

export const PostedTransaction = Type.Object(
  { transaction: Type.Ref(Transaction), account: Type.Ref(AccountBalance) },
  { $id: 'PostedTransaction', additionalProperties: false },
);

export const PatchTransactionBody = Type.Object(
  {
    description: Type.Optional(Description),
    category_id: Type.Optional(Nullable(Uuid)),
    notes: Type.Optional(Nullable(Notes)),
    amount_cents: Type.Optional(AmountCents),
    occurred_on: Type.Optional(IsoDate),
    account_id: Type.Optional(Uuid),
    allow_negative: Type.Optional(AllowNegative),
    row_version: RowVersion,
  },
  {
    additionalProperties: false,
    minProperties: 2,
    description:
      'Description, category and notes change in place. A new amount, date or account (income and expenses only) is a ' +
      'correction: a reversal of this transaction plus a new posting that names it (corrects_transaction_id), in one ' +
      'database transaction; the answer is the new posting. Send an Idempotency-Key to make a correction safe to retry.',
  },
);
export type PatchTransactionInput = Static<typeof PatchTransactionBody>;

export const ReverseBody = Type.Object(
  { description: Type.Optional(Description), allow_negative: Type.Optional(AllowNegative) },
  {
    additionalProperties: false,
    description:
      'allow_negative (ledger_v2): reversing an income whose money was spent may take the account below its floor ' +
      'when the person confirmed it; without it the floor holds (422 insufficient_funds).',
  },
);

export const ReversedTransaction = Type.Object(
  { transaction: Type.Ref(Transaction), accounts: Type.Array(Type.Ref(AccountBalance)) },
  { $id: 'ReversedTransaction', additionalProperties: false },
);

export const TransactionListQuery = Type.Object(
  {
    ...PageQuery,
    account_id: Type.Optional(Uuid),
    category_id: Type.Optional(Uuid),
    from: Type.Optional(IsoDate),
    to: Type.Optional(IsoDate),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: SEARCH_LENGTH_MAX })),
    include_reversed: Type.Boolean({
      default: false,
      description: 'Also list reversed and corrected transactions and their reversals (hidden by default)',
    }),
  },
  { additionalProperties: false },
);
export type TransactionListInput = Static<typeof TransactionListQuery>;

// Transfers' own schemas live in their module; the service still imports the input type from here.

/** Another transaction of the same chain, as the audit view tells it in plain words. */
export const LinkedTransaction = Type.Object(
  {
    id: Uuid,
    kind: TransactionKind,
    amount_cents: AmountCents,
    occurred_on: IsoDate,
    account_id: Uuid,
    description: Type.String(),
    created_at: Timestamp,
  },
  { additionalProperties: false },
);

export const TransactionAudit = Type.Object(
  {
    transaction_id: Uuid,
    kind: TransactionKind,
    created_by: Uuid,
    created_at: Timestamp,
    request_id: Nullable(Type.String()),
    idempotency_key: Nullable(Type.String()),
    policy_version: Type.String(),
    reverses_transaction_id: Nullable(Uuid),
    reversed_by_transaction_id: Nullable(Uuid),
    corrects_transaction_id: Nullable(Uuid),
    corrected_by_transaction_id: Nullable(Uuid),
    amount_cents: AmountCents,
    chain: Type.Object(
      {
        reverses: Nullable(LinkedTransaction),
        reversed_by: Nullable(LinkedTransaction),
        corrects: Nullable(LinkedTransaction),
        corrected_by: Nullable(LinkedTransaction),
      },
      { additionalProperties: false, description: 'The transactions this one is linked to, for the audit view' },
    ),
    entries: Type.Array(
      Type.Object(
        {
          id: Type.Integer(),
          account_id: Uuid,
          account_type: Type.String(),
          amount_cents: SignedCents,
          balance_after_cents: BalanceCents,
          account_version: Type.Integer(),
          created_at: Timestamp,
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'TransactionAudit', additionalProperties: false },
);
