import { type Static, Type } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from '../../http/common-schemas.js';
import { PageQuery } from '../../http/pagination.js';

export const NotificationKind = Type.Union([
  Type.Literal('budget_alert'),
  Type.Literal('weekly_summary'),
  Type.Literal('recurring_failed'),
]);

const ParamValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

export const Notification = Type.Object(
  {
    id: Uuid,
    kind: NotificationKind,
    params: Type.Record(Type.String(), ParamValue, {
      description:
        "The figures the text is built from, in the reader's language. A budget_alert: budget_id, category_id, category_name, category_system_key, month (YYYY-MM), threshold, percent, spent_cents, available_cents. A recurring_failed: rule_id, type, description, occurs_on (YYYY-MM-DD), amount_cents, failure_code",
    }),
    link: Type.String({ description: 'The app path it is about, e.g. /orcamentos?mes=2026-12' }),
    created_at: Timestamp,
    read_at: Nullable(Timestamp),
  },
  { $id: 'Notification', additionalProperties: false },
);
export type NotificationResponse = Static<typeof Notification>;

export const NotificationPage = Type.Object(
  {
    items: Type.Array(Type.Ref(Notification)),
    total: Type.Integer({ minimum: 0 }),
    unread: Type.Integer({ minimum: 0, description: 'Unread notifications in all, not only on this page' }),
    skip: Type.Integer({ minimum: 0 }),
    limit: Type.Integer({ minimum: 1 }),
  },
  { $id: 'NotificationPage', additionalProperties: false },
);
export type NotificationPageResponse = Static<typeof NotificationPage>;

export const NotificationsReadAll = Type.Object(
  { marked: Type.Integer({ minimum: 0, description: 'How many were unread and are now read' }) },
  { $id: 'NotificationsReadAll', additionalProperties: false },
);

export const NotificationListQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });
