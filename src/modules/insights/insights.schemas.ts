import { type Static, Type } from '@sinclair/typebox';
import { IsoDate, Nullable, Timestamp, Uuid } from '../../http/common-schemas.js';
import { Month } from '../budgets/budgets.schemas.js';

export const InsightsQuery = Type.Object({ month: Month }, { additionalProperties: false });

const Cents = Type.Integer({ description: 'Centavos' });

export const CategoryInsight = Type.Object(
  {
    category_id: Nullable(Uuid),
    name: Nullable(Type.String()),
    system_key: Nullable(Type.String()),
    spent_cents: Cents,
    last_month_cents: Cents,
    average_3_months_cents: Type.Integer({ description: 'Average of the three months before, rounded to the centavo' }),
  },
  { additionalProperties: false },
);

export const InsightsMonthPoint = Type.Object(
  {
    month: Month,
    income_cents: Cents,
    expense_cents: Cents,
    balance_cents: Type.Integer({ description: "The person's own accounts at the month's end" }),
  },
  { additionalProperties: false },
);

export const InsightsProjection = Type.Object(
  {
    as_of: IsoDate,
    balance_cents: Type.Integer({ description: 'Active accounts now' }),
    bills_cents: Type.Integer({ description: 'Recurring expenses still due until the month ends' }),
    expected_income_cents: Type.Integer({ description: 'Recurring income still due until the month ends' }),
    projected_cents: Type.Integer({ description: 'balance - bills + expected income' }),
  },
  { additionalProperties: false },
);

export const Insights = Type.Object(
  {
    month: Month,
    computed_at: Timestamp,
    income_cents: Cents,
    expense_cents: Cents,
    net_cents: Cents,
    savings_rate: Nullable(Type.Number({ description: 'net / income, 4 decimals; null without income' })),
    categories: Type.Array(CategoryInsight),
    top_payees: Type.Array(
      Type.Object({ payee: Type.String(), spent_cents: Cents, count: Type.Integer() }, { additionalProperties: false }),
    ),
    unusual_expenses: Type.Array(
      Type.Object(
        {
          transaction_id: Uuid,
          occurred_on: IsoDate,
          description: Type.String(),
          category_id: Uuid,
          amount_cents: Cents,
          median_cents: Cents,
        },
        { additionalProperties: false },
      ),
    ),
    series: Type.Array(InsightsMonthPoint, { description: 'The 12 months ending with this one, oldest first' }),
    projection: Nullable(InsightsProjection),
  },
  { $id: 'Insights', additionalProperties: false },
);
export type InsightsResponse = Static<typeof Insights>;
/** What the cache holds: everything but the projection, which is computed at each read. */
export type CachedMonthInsights = Omit<InsightsResponse, 'projection'>;
