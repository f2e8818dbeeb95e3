import { type Static, Type } from '@sinclair/typebox';
import { Nullable, RowVersion, Uuid } from '../../http/common-schemas.js';

/** How far back an unspent (or overspent) amount keeps rolling into the next month. */
export const ROLLOVER_MONTHS_MAX = 12;

/** YYYY-MM. */
const MONTH_LENGTH = 7;

export const Month = Type.String({
  minLength: MONTH_LENGTH,
  maxLength: MONTH_LENGTH,
  pattern: '^20[0-9]{2}-(0[1-9]|1[0-2])$',
  description: 'A month, YYYY-MM',
  examples: ['2026-11'],
});

export const BudgetParams = Type.Object({ month: Month, category_id: Uuid }, { additionalProperties: false });
export const MonthParams = Type.Object({ month: Month }, { additionalProperties: false });
export const BudgetQuery = Type.Object({ month: Month }, { additionalProperties: false });

export const PutBudgetBody = Type.Object(
  {
    limit_cents: Type.Integer({ minimum: 0, maximum: 100_000_000_000 }),
    rollover: Type.Optional(Type.Boolean()),
    alert_thresholds: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 1000 }), {
        minItems: 1,
        maxItems: 5,
        uniqueItems: true,
        description: 'Percent of the budget; default [50, 80, 100]',
      }),
    ),
    row_version: Type.Optional(RowVersion),
  },
  { additionalProperties: false },
);
export type PutBudgetInput = Static<typeof PutBudgetBody>;

export const BudgetLine = Type.Object(
  {
    id: Uuid,
    category_id: Uuid,
    category_name: Type.String(),
    category_system_key: Nullable(Type.String()),
    limit_cents: Type.Integer(),
    rollover: Type.Boolean(),
    carried_cents: Type.Integer({ description: 'Unspent (positive) or overspent (negative) amount carried from last month' }),
    available_cents: Type.Integer({ description: 'limit + carried' }),
    spent_cents: Type.Integer({ description: 'Expenses minus reversals in the month, from the ledger' }),
    remaining_cents: Type.Integer(),
    percent: Type.Integer(),
    alert_thresholds: Type.Array(Type.Integer()),
    crossed_thresholds: Type.Array(Type.Integer()),
    row_version: Type.Integer(),
  },
  { $id: 'BudgetLine', additionalProperties: false },
);
export type BudgetLineResponse = Static<typeof BudgetLine>;

export const BudgetMonth = Type.Object(
  {
    month: Month,
    items: Type.Array(Type.Ref(BudgetLine)),
    totals: Type.Object(
      {
        limit_cents: Type.Integer(),
        available_cents: Type.Integer(),
        spent_cents: Type.Integer(),
        remaining_cents: Type.Integer(),
      },
      { additionalProperties: false },
    ),
    unbudgeted_spent_cents: Type.Integer({
      description: 'Spending in categories without a budget this month, and uncategorised',
    }),
  },
  { $id: 'BudgetMonth', additionalProperties: false },
);
export type BudgetMonthResponse = Static<typeof BudgetMonth>;
