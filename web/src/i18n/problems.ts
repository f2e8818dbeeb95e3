import { ApiError, type FieldProblem, isApiError } from '../api/problem';
import type { Messages } from './locales/pt-BR';

export type ErrorMessageKey = `errors.${Exclude<keyof Messages['errors'], 'title' | 'loadFailedTitle' | 'retry'>}`;
export type ValidationMessageKey = `auth.validation.${keyof Messages['auth']['validation']}`;

const KNOWN_CODES: ReadonlySet<string> = new Set([
  'invalid_credentials',
  'email_taken',
  'rate_limited',
  'validation_failed',
  'unauthenticated',
  'network_error',
]);

/** The translation key for an error's stable `code`; unknown codes get the generic text. */
export function errorMessageKey(error: unknown): ErrorMessageKey {
  if (isApiError(error) && KNOWN_CODES.has(error.code)) {
    return `errors.${error.code}` as ErrorMessageKey;
  }
  return 'errors.generic';
}

// Field-level codes follow the JSON-schema keyword that failed on the server.
const FIELD_CODE_KEYS: Record<string, ValidationMessageKey> = {
  required: 'auth.validation.required',
  minLength: 'auth.validation.invalid',
  maxLength: 'auth.validation.tooLong',
  format: 'auth.validation.invalid',
  pattern: 'auth.validation.invalid',
};

export function fieldMessageKey(problem: FieldProblem): ValidationMessageKey {
  if (problem.field === 'email' && (problem.code === 'format' || problem.code === 'pattern')) {
    return 'auth.validation.emailInvalid';
  }
  if (problem.field === 'password' && problem.code === 'minLength') {
    return 'auth.validation.passwordTooShort';
  }
  return FIELD_CODE_KEYS[problem.code] ?? 'auth.validation.invalid';
}

/**
 * Field errors from a `validation_failed` answer, keyed by the form's field names; only
 * the fields the form shows are kept, so the rest fall back to the form-level message.
 */
export function fieldErrorsFrom<F extends string>(
  error: unknown,
  fields: readonly F[],
): Partial<Record<F, ValidationMessageKey>> {
  if (!(error instanceof ApiError) || error.code !== 'validation_failed') return {};
  const result: Partial<Record<F, ValidationMessageKey>> = {};
  for (const problem of error.problem.errors) {
    const field = fields.find((name) => name === problem.field);
    if (field !== undefined && result[field] === undefined) {
      result[field] = fieldMessageKey(problem);
    }
  }
  return result;
}
