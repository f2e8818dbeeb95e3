import { type Static, Type } from '@sinclair/typebox';
import { CONSENT_VERSION_LENGTH_MAX } from '../privacy/consents.js';

export const EMAIL_LENGTH_MAX = 254;
export const PASSWORD_LENGTH_MIN = 10;
/** Argon2 accepts more, but a bound keeps one login from costing arbitrary CPU. */
export const PASSWORD_LENGTH_MAX = 256;
export const NAME_LENGTH_MAX = 100;

// Lenient on purpose: surrounding spaces are trimmed by the service, and a stricter
// grammar would refuse real addresses. Deliverability is not checked. The pattern must
// stay linear: each part's characters exclude the next part's separator (no "@" in the
// local part, no "." inside a domain label, no space in either), so the engine never
// has two ways to split the text. The old `[^\s@]+\.[^\s@]+` let a run of dots split
// anywhere and took seconds on "a@" + 32,000 dots + "@".
// Exported so the log scrubber's tests check it masks whatever this accepts.
export const EMAIL_PATTERN = '^\\s*[^\\s@]+@[^\\s@.]+(?:\\.[^\\s@.]+)+\\s*$';
export const Email = Type.String({
  minLength: 3,
  maxLength: EMAIL_LENGTH_MAX + 20,
  pattern: EMAIL_PATTERN,
  description: 'E-mail address; trimmed and lower-cased before use',
  examples: ['maria@example.com'],
});

/** The languages the app ships (users.language's check); null follows the browser. */
export const USER_LANGUAGES = ['pt-BR', 'en'] as const;
export const UserLanguage = Type.Union([Type.Literal(USER_LANGUAGES[0]), Type.Literal(USER_LANGUAGES[1])], {
  description: 'The language the app is shown in',
});
export const UserLanguageOrNull = Type.Union([UserLanguage, Type.Null()], {
  description: "The language the app is shown in; null follows the browser's setting",
});

export const User = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    name: Type.String(),
    language: UserLanguageOrNull,
    row_version: Type.Integer({ description: 'Send it back with PATCH /api/me; a stale one gets 409' }),
    created_at: Type.String({ format: 'date-time' }),
    is_operator: Type.Optional(
      Type.Boolean({ description: 'GET /api/me only: whether this person may see the operator pages (/api/admin)' }),
    ),
    pending_consents: Type.Optional(
      Type.Array(Type.Union([Type.Literal('terms'), Type.Literal('privacy')]), {
        description:
          'GET /api/me and the sign-in and registration answers: the documents (terms of use, privacy policy) whose current version this person has not accepted; the app asks before going on (POST /api/privacy/consents)',
      }),
    ),
  },
  { $id: 'User', additionalProperties: false },
);
export type UserResponse = Static<typeof User>;

/** A version of the terms or of the privacy policy, as the registration form showed it. */
const AcceptedVersion = (document: string) =>
  Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: CONSENT_VERSION_LENGTH_MAX,
      description: `The version of the ${document} the form showed; recorded as accepted with the account. Must be the current one (else 422 consent_version_not_current); when absent the app asks after sign-in.`,
      examples: ['2026-12-01'],
    }),
  );

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: PASSWORD_LENGTH_MIN, maxLength: PASSWORD_LENGTH_MAX }),
    name: Type.String({ minLength: 1, maxLength: NAME_LENGTH_MAX }),
    accepted_terms_version: AcceptedVersion('terms of use'),
    accepted_privacy_version: AcceptedVersion('privacy policy'),
  },
  { additionalProperties: false },
);
export type RegisterInput = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 1, maxLength: PASSWORD_LENGTH_MAX }),
  },
  { additionalProperties: false },
);
export type LoginInput = Static<typeof LoginBody>;

export const AuthResponse = Type.Object(
  {
    user: Type.Ref(User),
    token: Type.String({ description: 'Bearer token; the same value is set as the httpOnly session cookie' }),
    expires_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type AuthResult = Static<typeof AuthResponse>;
