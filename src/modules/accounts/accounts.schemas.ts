import { type Static, Type } from '@sinclair/typebox';
import { BalanceCents, Nullable, RowVersion, SignedCents, Timestamp, Uuid } from '../../http/common-schemas.js';
import { Page, PageQuery } from '../../http/pagination.js';
import { CARD_DAY_MAX, CARD_DAY_MIN, CLOSING_DAY_PURCHASES } from '../../policies/cards_v1.js';
import { AMOUNT_MAX_CENTS, USER_ACCOUNT_TYPES } from '../../policies/ledger_v1.js';

export const ACCOUNT_NAME_LENGTH_MAX = 100;
/** An overdraft or card limit: up to R$ 1 bilhão, like one movement (constraint accounts_overdraft_range). */
export const OVERDRAFT_LIMIT_MAX_CENTS = AMOUNT_MAX_CENTS;

export const AccountType = Type.Union(
  USER_ACCOUNT_TYPES.map((type) => Type.Literal(type)),
  { description: 'checking (conta corrente), savings (poupança), credit_card, cash (dinheiro), investment' },
);

const CardDay = Type.Integer({ minimum: CARD_DAY_MIN, maximum: CARD_DAY_MAX });
export const ClosingDayPurchases = Type.Union(
  CLOSING_DAY_PURCHASES.map((rule) => Type.Literal(rule)),
  {
    description: 'Which bill a purchase made on the closing day joins: next_bill (the default, as most issuers do) or this_bill',
  },
);
const LimitCents = Type.Integer({ minimum: 0, maximum: OVERDRAFT_LIMIT_MAX_CENTS });

/** The card fields of create and patch: a credit card's limit and bill days. */
const CardFields = {
  credit_limit_cents: Type.Optional({
    ...LimitCents,
    description: "A credit card's limit (the same as its overdraft_limit_cents)",
  }),
  closing_day: Type.Optional({
    ...CardDay,
    description: "A credit card's closing day (1-31; a short month's last day when the month is shorter)",
  }),
  due_day: Type.Optional({ ...CardDay, description: "A credit card's due day (1-31, clamped alike)" }),
  closing_day_purchases: Type.Optional(ClosingDayPurchases),
};

export const Account = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    type: AccountType,
    currency: Type.Literal('BRL'),
    balance_cents: BalanceCents,
    overdraft_limit_cents: Type.Integer({ minimum: 0, description: 'Overdraft (checking) or credit limit (credit card)' }),
    credit_limit_cents: Nullable(Type.Integer({ minimum: 0, description: "A credit card's limit; null for other accounts" })),
    credit_used_cents: Nullable(Type.Integer({ minimum: 0, description: 'What a credit card owes (its limit in use)' })),
    credit_available_cents: Nullable(Type.Integer({ description: "What is left of a credit card's limit (negative: over it)" })),
    closing_day: Nullable(CardDay),
    due_day: Nullable(CardDay),
    closing_day_purchases: Nullable(ClosingDayPurchases),
    archived: Type.Boolean(),
    archived_at: Nullable(Timestamp),
    row_version: Type.Integer(),
    created_at: Timestamp,
  },
  { $id: 'Account', additionalProperties: false },
);
export type AccountResponse = Static<typeof Account>;

export const AccountPage = Page(Type.Ref(Account), 'AccountPage');

export const CreateAccountBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: ACCOUNT_NAME_LENGTH_MAX }),
    type: AccountType,
    initial_balance_cents: Type.Optional(SignedCents),
    overdraft_limit_cents: Type.Optional(LimitCents),
    ...CardFields,
  },
  { additionalProperties: false },
);
export type CreateAccountInput = Static<typeof CreateAccountBody>;

export const PatchAccountBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: ACCOUNT_NAME_LENGTH_MAX })),
    overdraft_limit_cents: Type.Optional(LimitCents),
    ...CardFields,
    archived: Type.Optional(Type.Boolean()),
    row_version: RowVersion,
  },
  { additionalProperties: false, minProperties: 2 },
);
export type PatchAccountInput = Static<typeof PatchAccountBody>;

export const AccountListQuery = Type.Object(
  { ...PageQuery, include_archived: Type.Boolean({ default: false }) },
  { additionalProperties: false },
);

export const LedgerEntry = Type.Object(
  {
    id: Type.Integer(),
    transaction_id: Uuid,
    kind: Type.String(),
    description: Type.String(),
    occurred_on: Type.String({ format: 'date' }),
    reverses_transaction_id: Nullable(Uuid),
    reversed_by_transaction_id: Nullable(Uuid),
    corrects_transaction_id: Nullable(Uuid),
    corrected_by_transaction_id: Nullable(Uuid),
    installment_count: Nullable(Type.Integer({ minimum: 2, description: 'A card purchase in installments: how many' })),
    amount_cents: SignedCents,
    balance_after_cents: BalanceCents,
    account_version: Type.Integer(),
    created_at: Timestamp,
  },
  { $id: 'LedgerEntry', additionalProperties: false },
);
export const LedgerPage = Page(Type.Ref(LedgerEntry), 'LedgerPage');
export const LedgerQuery = Type.Object(
  {
    ...PageQuery,
    include_reversed: Type.Boolean({
      default: false,
      description: 'Also list reversed and corrected transactions and their reversals (hidden by default)',
    }),
  },
  { additionalProperties: false },
);

export const BalanceQuery = Type.Object({ at: Timestamp }, { additionalProperties: false });
export const BalanceAt = Type.Object(
  {
    account_id: Uuid,
    at: Timestamp,
    balance_cents: BalanceCents,
    entry_count: Type.Integer({ minimum: 0, description: 'Entries up to that instant' }),
  },
  { $id: 'BalanceAt', additionalProperties: false },
);
