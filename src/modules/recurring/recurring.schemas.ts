import { type Static, Type } from '@sinclair/typebox';
import { AmountCents, Description, IsoDate, Nullable, RowVersion, Timestamp, Uuid } from '../../http/common-schemas.js';
import { Page, PageQuery } from '../../http/pagination.js';

export const RECURRING_RULES_PER_USER_MAX = 200;
export const UPCOMING_DAYS_MAX = 366;
/**
 * The most occurrences GET /api/recurring/upcoming lists: 200 daily rules over 366 days would
 * be 73,200 (about 15 MB). Past it the answer ends with the last whole day that fits.
 */
export const UPCOMING_ITEMS_MAX = 2_000;
/** Occurrences posted by one run, so a long backlog is worked off over several runs. */
export const OCCURRENCES_PER_RUN_MAX = 1_000;
/** Occurrences one person's rules may post in one run: a month of a daily rule's backlog, times a few rules. */
export const OCCURRENCES_PER_PERSON_PER_RUN_MAX = 100;
/**
 * Backlog occurrences one rule may post in one run (a month of a daily rule); its on-time
 * ones (at most ON_TIME_DAYS + 1) come on top.
 */
export const OCCURRENCES_PER_RULE_PER_RUN_MAX = 31;
/**
 * Occurrences due within this many days before the run's day (and on it) are on time and
 * served for everybody before any backlog: an hourly job that missed a day still posts
 * yesterday's bills first.
 */
export const ON_TIME_DAYS = 2;
/** Rules read per query by a run, so planning yields to other work between pages. */
export const RULES_PAGE_MAX = 500;
/** Pages one run reads; the rotation cursor lets the next run continue after the last. */
export const RULE_PAGES_PER_RUN_MAX = 400;
/** How far back a new rule may start, in years before today (São Paulo): its backlog is bounded. */
export const START_ON_YEARS_BACK_MAX = 1;
/** How far ahead a new rule may start, in years after today (São Paulo). */
export const START_ON_YEARS_AHEAD_MAX = 5;
export const FAILURES_SHOWN_MAX = 5;

export const ScheduleSchema = Type.Union(
  [
    Type.Object(
      { kind: Type.Literal('monthly'), day: Type.Integer({ minimum: 1, maximum: 31 }) },
      { additionalProperties: false },
    ),
    Type.Object(
      { kind: Type.Literal('weekly'), weekday: Type.Integer({ minimum: 0, maximum: 6, description: '0 = Sunday' }) },
      { additionalProperties: false },
    ),
    Type.Object(
      { kind: Type.Literal('every_n_days'), days: Type.Integer({ minimum: 1, maximum: 366 }) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        kind: Type.Literal('yearly'),
        month: Type.Integer({ minimum: 1, maximum: 12 }),
        day: Type.Integer({ minimum: 1, maximum: 31 }),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'Day 31 in a 30-day month and 29–31 in February fall on the last day of the month' },
);

export const RecurringType = Type.Union([Type.Literal('income'), Type.Literal('expense'), Type.Literal('transfer')]);

export const CreateRecurringBody = Type.Object(
  {
    account_id: Uuid,
    type: RecurringType,
    amount_cents: AmountCents,
    description: Description,
    category_id: Type.Optional(Nullable(Uuid)),
    to_account_id: Type.Optional(Uuid),
    schedule: ScheduleSchema,
    start_on: IsoDate,
    end_on: Type.Optional(Nullable(IsoDate)),
    occurrences_max: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1200 }))),
  },
  { additionalProperties: false },
);
export type CreateRecurringInput = Static<typeof CreateRecurringBody>;

export const PatchRecurringBody = Type.Object(
  {
    amount_cents: Type.Optional(AmountCents),
    description: Type.Optional(Description),
    category_id: Type.Optional(Nullable(Uuid)),
    schedule: Type.Optional(ScheduleSchema),
    end_on: Type.Optional(Nullable(IsoDate)),
    occurrences_max: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1200 }))),
    row_version: RowVersion,
  },
  { additionalProperties: false, minProperties: 2 },
);
export type PatchRecurringInput = Static<typeof PatchRecurringBody>;

export const FailedOccurrence = Type.Object(
  { occurs_on: IsoDate, failure_code: Type.String(), failure_detail: Nullable(Type.String()) },
  { additionalProperties: false },
);

export const RecurringRule = Type.Object(
  {
    id: Uuid,
    type: RecurringType,
    account_id: Uuid,
    to_account_id: Nullable(Uuid),
    amount_cents: AmountCents,
    description: Type.String(),
    category_id: Nullable(Uuid),
    schedule: ScheduleSchema,
    start_on: IsoDate,
    end_on: Nullable(IsoDate),
    occurrences_max: Nullable(Type.Integer()),
    status: Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('ended')]),
    next_occurrence_on: Nullable(IsoDate),
    posted_count: Type.Integer(),
    failed_occurrences: Type.Array(FailedOccurrence, {
      description: 'The most recent occurrences that could not be posted, with the reason',
    }),
    row_version: Type.Integer(),
    created_at: Timestamp,
  },
  { $id: 'RecurringRule', additionalProperties: false },
);
export type RecurringRuleResponse = Static<typeof RecurringRule>;
export const RecurringPage = Page(Type.Ref(RecurringRule), 'RecurringPage');
export const RecurringListQuery = Type.Object(
  { ...PageQuery, include_ended: Type.Boolean({ default: false }) },
  { additionalProperties: false },
);

export const UpcomingQuery = Type.Object(
  { days: Type.Integer({ minimum: 1, maximum: UPCOMING_DAYS_MAX, default: 90 }) },
  { additionalProperties: false },
);
export const Upcoming = Type.Object(
  {
    from: IsoDate,
    until: Type.String({
      format: 'date',
      description: `The last day listed: from + days, or earlier when truncated (every occurrence through it is listed)`,
    }),
    truncated: Type.Boolean({
      description: `More than ${UPCOMING_ITEMS_MAX} occurrences fell in the window asked for: the list stops at until, the last whole day that fits`,
    }),
    items: Type.Array(
      Type.Object(
        {
          rule_id: Uuid,
          occurs_on: IsoDate,
          type: RecurringType,
          amount_cents: AmountCents,
          description: Type.String(),
          account_id: Uuid,
          to_account_id: Nullable(Uuid),
          category_id: Nullable(Uuid),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'RecurringUpcoming', additionalProperties: false },
);

export const RunDueResult = Type.Object(
  {
    until: IsoDate,
    posted: Type.Integer(),
    failed: Type.Integer(),
    occurrences: Type.Array(
      Type.Object(
        {
          rule_id: Uuid,
          occurs_on: IsoDate,
          status: Type.Union([Type.Literal('posted'), Type.Literal('failed')]),
          transaction_id: Nullable(Uuid),
          failure_code: Nullable(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'RecurringRunDue', additionalProperties: false },
);
