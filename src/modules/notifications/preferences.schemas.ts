import { type Static, Type } from '@sinclair/typebox';
import { UNSUBSCRIBE_TOKEN_LENGTH_MAX } from './unsubscribe-token.js';

export const NotificationKindSchema = Type.Union(
  [Type.Literal('budget_alert'), Type.Literal('weekly_summary'), Type.Literal('recurring_failed')],
  {
    description:
      'budget_alert: a budget crossed a threshold; weekly_summary: the week that ended, on Monday morning; recurring_failed: a recurring bill could not be posted on its day',
  },
);

export const NotificationPreference = Type.Object(
  {
    kind: NotificationKindSchema,
    in_app: Type.Boolean({ description: 'Listed under the bell' }),
    email: Type.Boolean({ description: 'Sent by e-mail (when the server has SMTP_URL)' }),
  },
  { $id: 'NotificationPreference', additionalProperties: false },
);
export type NotificationPreferenceResponse = Static<typeof NotificationPreference>;

export const NotificationPreferences = Type.Object(
  {
    items: Type.Array(Type.Ref(NotificationPreference), { description: 'One per kind, in a fixed order' }),
    email_enabled: Type.Boolean({ description: 'Whether this server sends e-mail at all (SMTP_URL is set)' }),
  },
  { $id: 'NotificationPreferences', additionalProperties: false },
);
export type NotificationPreferencesResponse = Static<typeof NotificationPreferences>;

export const PutPreferencesBody = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        { kind: NotificationKindSchema, in_app: Type.Boolean(), email: Type.Boolean() },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 3, description: 'The kinds to set; kinds left out keep their setting' },
    ),
  },
  { additionalProperties: false },
);
export type PutPreferencesInput = Static<typeof PutPreferencesBody>;

export const UnsubscribeQuery = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: UNSUBSCRIBE_TOKEN_LENGTH_MAX, description: 'From the e-mail link' }) },
  { additionalProperties: false },
);

/** RFC 8058's one-click body (List-Unsubscribe=One-Click), sent form-encoded by mail providers. */
export const UnsubscribeBody = Type.Optional(
  Type.Object({ 'List-Unsubscribe': Type.Optional(Type.String({ maxLength: 32 })) }, { additionalProperties: true }),
);
