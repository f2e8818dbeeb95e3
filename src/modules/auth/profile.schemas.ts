import { type Static, Type } from '@sinclair/typebox';
import { RowVersion } from '../../http/common-schemas.js';
import { Email, NAME_LENGTH_MAX, PASSWORD_LENGTH_MAX, PASSWORD_LENGTH_MIN, UserLanguageOrNull } from './auth.schemas.js';

/**
 * PATCH /api/me. Each field is optional, but at least one of name and language must be
 * there. row_version is optional on purpose: the header's language switch saves the last
 * choice made (last write wins), while the profile form sends the version it read and a
 * stale one gets 409 with the current person.
 */
export const UpdateProfileBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: NAME_LENGTH_MAX, description: 'Trimmed; not blank' })),
    language: Type.Optional(UserLanguageOrNull),
    row_version: Type.Optional(RowVersion),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateProfileInput = Static<typeof UpdateProfileBody>;

/** PUT /api/me/email: the new address and the current password, re-entered. */
export const ChangeEmailBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 1, maxLength: PASSWORD_LENGTH_MAX, description: 'The current password' }),
  },
  { additionalProperties: false },
);
export type ChangeEmailInput = Static<typeof ChangeEmailBody>;

/** PUT /api/me/password: the new password follows the registration policy. */
export const ChangePasswordBody = Type.Object(
  {
    current_password: Type.String({ minLength: 1, maxLength: PASSWORD_LENGTH_MAX }),
    new_password: Type.String({ minLength: PASSWORD_LENGTH_MIN, maxLength: PASSWORD_LENGTH_MAX }),
  },
  { additionalProperties: false },
);
export type ChangePasswordInput = Static<typeof ChangePasswordBody>;

export const PasswordChanged = Type.Object(
  {
    other_sessions_ended: Type.Integer({
      minimum: 0,
      description: 'How many other sessions were signed out; the session that made the change stays open',
    }),
  },
  { $id: 'PasswordChanged', additionalProperties: false },
);
export type PasswordChangedResponse = Static<typeof PasswordChanged>;
