import { ApiError, type FieldProblem, isApiError } from '../api/problem';
import type { Messages } from './locales/pt-BR';

export type ErrorMessageKey = `errors.${Exclude<keyof Messages['errors'], 'title' | 'loadFailedTitle' | 'retry' | 'available'>}`;
export type ValidationMessageKey = `auth.validation.${keyof Messages['auth']['validation']}`;

const KNOWN_CODES: ReadonlySet<string> = new Set([
  'invalid_credentials',
  'email_taken',
  'wrong_password',
  'rate_limited',
  'validation_failed',
  'unauthenticated',
  'network_error',
  'draining',
  'insufficient_funds',
  'balance_out_of_range',
  'feature_disabled',
  'account_archived',
  'category_kind_mismatch',
  'category_archived',
  'category_name_taken',
  'row_version_conflict',
  'already_reversed',
  'cannot_reverse_reversal',
  'already_corrected',
  'correction_not_supported',
  'idempotency_key_reused',
  'idempotency_key_in_use',
  'not_found',
  'limit_reached',
  'limit_below_usage',
  'pix_key_missing',
  'pix_key_in_use',
  'txid_in_use',
  'charge_already_received',
  'charge_amount_fixed',
  'invalid_br_code',
  'goal_has_balance',
  'goal_has_entries',
  'goal_archived',
  'rule_ended',
  'occurrence_posted',
  'read_only',
  'not_a_credit_card',
  'card_schedule_missing',
  'refund_not_applicable',
  'nothing_to_refund',
  'refund_exceeds_purchase',
  'nothing_to_anticipate',
  'not_installments',
  'purchase_has_refunds',
]);

/** The translation key for an error's stable `code`; unknown codes get the generic text. */
export function errorMessageKey(error: unknown): ErrorMessageKey {
  return isApiError(error) ? codeMessageKey(error.code) : 'errors.generic';
}

/** The same for a bare code, e.g. why a recurring occurrence could not be posted. */
export function codeMessageKey(code: string): ErrorMessageKey {
  return KNOWN_CODES.has(code) ? (`errors.${code}` as ErrorMessageKey) : 'errors.generic';
}

// Field-level codes follow the JSON-schema keyword that failed on the server.
const FIELD_CODE_KEYS: Record<string, ValidationMessageKey> = {
  required: 'auth.validation.required',
  minLength: 'auth.validation.invalid',
  maxLength: 'auth.validation.tooLong',
  format: 'auth.validation.invalid',
  pattern: 'auth.validation.invalid',
  installment_too_small: 'auth.validation.installmentTooSmall',
  discount_too_large: 'auth.validation.discountTooLarge',
};

// A new password is judged by the same policy wherever it is asked for.
const NEW_PASSWORD_FIELDS: ReadonlySet<string> = new Set(['password', 'new_password']);

export function fieldMessageKey(problem: FieldProblem): ValidationMessageKey {
  if (problem.field === 'email' && (problem.code === 'format' || problem.code === 'pattern')) {
    return 'auth.validation.emailInvalid';
  }
  const newPassword = NEW_PASSWORD_FIELDS.has(problem.field);
  if (newPassword && problem.code === 'minLength') return 'auth.validation.passwordTooShort';
  if (newPassword && problem.code === 'password_common') return 'auth.validation.passwordCommon';
  if (newPassword && problem.code === 'password_blank') return 'auth.validation.passwordBlank';
  return FIELD_CODE_KEYS[problem.code] ?? 'auth.validation.invalid';
}

/**
 * Field errors from a `validation_failed` answer, keyed by the form's field names; only
 * the fields the form shows are kept, so the rest fall back to the form-level message.
 * `fieldsByApiName` maps the API's field names to the form's when they differ
 * (`amount_cents` → `amount`).
 */
export function mappedFieldErrorsFrom<F extends string>(
  error: unknown,
  fieldsByApiName: Readonly<Record<string, F>>,
): Partial<Record<F, ValidationMessageKey>> {
  if (!(error instanceof ApiError) || error.code !== 'validation_failed') return {};
  const result: Partial<Record<F, ValidationMessageKey>> = {};
  for (const problem of error.problem.errors) {
    const field = Object.hasOwn(fieldsByApiName, problem.field) ? fieldsByApiName[problem.field] : undefined;
    if (field !== undefined && result[field] === undefined) result[field] = fieldMessageKey(problem);
  }
  return result;
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
