import { bodyLimit } from '../../api/limits';
import type { ValidationMessageKey } from '../../i18n/problems';

// The server's limits, from its OpenAPI document; the server checks again.
export const PASSWORD_LENGTH_MIN = bodyLimit('post', '/api/auth/register', 'password', 'minLength');
export const PASSWORD_LENGTH_MAX = bodyLimit('post', '/api/auth/register', 'password', 'maxLength');
export const NAME_LENGTH_MAX = bodyLimit('post', '/api/auth/register', 'name', 'maxLength');
/**
 * The longest address (RFC 5321), as the server checks it once the text is trimmed
 * (src/modules/auth/auth.schemas.ts). The document's maxLength is larger because it
 * leaves room for the surrounding spaces the server trims, so it is not this bound.
 */
export const EMAIL_LENGTH_MAX = 254;

// Deliberately loose: the server is the judge, this only catches obvious typos early.
// The same shape as the server's pattern, which is linear: no "." inside a domain label.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

export function validateEmail(value: string): ValidationMessageKey | null {
  const email = value.trim();
  if (email.length === 0) return 'auth.validation.required';
  if (email.length > EMAIL_LENGTH_MAX) return 'auth.validation.tooLong';
  return EMAIL_SHAPE.test(email) ? null : 'auth.validation.emailInvalid';
}

export function validateLoginPassword(value: string): ValidationMessageKey | null {
  if (value.length === 0) return 'auth.validation.required';
  return value.length > PASSWORD_LENGTH_MAX ? 'auth.validation.tooLong' : null;
}

/**
 * The server also refuses passwords on its list of common ones (password_common); that
 * list is not shipped to the browser, so that answer comes back from the server.
 */
export function validateNewPassword(value: string): ValidationMessageKey | null {
  if (value.length === 0) return 'auth.validation.required';
  if (value.length > PASSWORD_LENGTH_MAX) return 'auth.validation.tooLong';
  if (value.length < PASSWORD_LENGTH_MIN) return 'auth.validation.passwordTooShort';
  return value.trim().length === 0 ? 'auth.validation.passwordBlank' : null;
}

export function validateName(value: string): ValidationMessageKey | null {
  const name = value.trim();
  if (name.length === 0) return 'auth.validation.nameRequired';
  return name.length > NAME_LENGTH_MAX ? 'auth.validation.tooLong' : null;
}
