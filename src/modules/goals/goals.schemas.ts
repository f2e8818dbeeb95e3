import { type Static, Type } from '@sinclair/typebox';
import {
  AmountCents,
  BalanceCents,
  Description,
  IsoDate,
  Nullable,
  RowVersion,
  Timestamp,
  Uuid,
} from '../../http/common-schemas.js';
import { Page, PageQuery } from '../../http/pagination.js';
import { PROJECTION_HORIZON_MONTHS } from '../../policies/goals_v1.js';
import { AccountBalance, Transaction } from '../transactions/transactions.schemas.js';

export const GOAL_NAME_LENGTH_MAX = 100;
export const GOALS_PER_USER_MAX = 100;
const Icon = Type.String({ minLength: 1, maxLength: 32, description: 'An emoji or icon name' });

export const Goal = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    target_cents: Type.Integer(),
    target_date: Nullable(IsoDate),
    icon: Nullable(Type.String()),
    saved_cents: BalanceCents,
    remaining_cents: Type.Integer(),
    percent: Type.Integer({ description: 'saved / target, in whole percent (may pass 100)' }),
    monthly_pace_cents: Type.Integer({
      description:
        'Average net saved per month over the last 3 months, or since the goal began if younger (0 in its first month)',
    }),
    projected_completion_on: Nullable(IsoDate),
    projection_unavailable_reason: Nullable(
      Type.Union([Type.Literal('reached'), Type.Literal('first_month'), Type.Literal('no_progress'), Type.Literal('too_far')], {
        description: `Why projected_completion_on is null: the target is reached, the goal is less than a month old, there is no positive pace, or the pace would take more than ${PROJECTION_HORIZON_MONTHS / 12} years`,
      }),
    ),
    achieved: Type.Boolean(),
    achieved_at: Nullable(Timestamp),
    archived: Type.Boolean(),
    row_version: Type.Integer(),
    created_at: Timestamp,
  },
  { $id: 'Goal', additionalProperties: false },
);
export type GoalResponse = Static<typeof Goal>;
export const GoalPage = Page(Type.Ref(Goal), 'GoalPage');

export const GoalListQuery = Type.Object(
  { ...PageQuery, include_archived: Type.Boolean({ default: false }) },
  { additionalProperties: false },
);

export const CreateGoalBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: GOAL_NAME_LENGTH_MAX }),
    target_cents: AmountCents,
    target_date: Type.Optional(IsoDate),
    icon: Type.Optional(Icon),
  },
  { additionalProperties: false },
);
export type CreateGoalInput = Static<typeof CreateGoalBody>;

export const PatchGoalBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: GOAL_NAME_LENGTH_MAX })),
    target_cents: Type.Optional(AmountCents),
    target_date: Type.Optional(Nullable(IsoDate)),
    icon: Type.Optional(Nullable(Icon)),
    archived: Type.Optional(Type.Boolean()),
    achieved: Type.Optional(Type.Literal(false, { description: 'false reopens an achieved goal' })),
    row_version: RowVersion,
  },
  { additionalProperties: false, minProperties: 2 },
);
export type PatchGoalInput = Static<typeof PatchGoalBody>;

export const ContributionBody = Type.Object(
  {
    from_account_id: Uuid,
    amount_cents: AmountCents,
    occurred_on: Type.Optional(IsoDate),
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
);
export type ContributionInput = Static<typeof ContributionBody>;

export const WithdrawalBody = Type.Object(
  {
    to_account_id: Uuid,
    amount_cents: AmountCents,
    occurred_on: Type.Optional(IsoDate),
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
);
export type WithdrawalInput = Static<typeof WithdrawalBody>;

export const GoalMovement = Type.Object(
  { goal: Type.Ref(Goal), transaction: Type.Ref(Transaction), account: Type.Ref(AccountBalance) },
  { $id: 'GoalMovement', additionalProperties: false },
);
