/**
 * The domain's error vocabulary. Expected failures (a missing row, a stale row_version, a
 * business rule that says no) are values with a stable machine code and the HTTP status
 * they map to; the HTTP layer turns them into problem+json. Broken invariants are not
 * DomainErrors: they are assertions (lib/assert) and answer 500.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** How long a client is told to wait before retrying while the database is away (seconds, as sent in Retry-After). */
export const DATABASE_RETRY_AFTER_SECONDS = '5';

/** Things a person owns and can ask for by id; each has one "not found" message. */
export type Entity =
  | 'account'
  | 'transaction'
  | 'category'
  | 'goal'
  | 'budget'
  | 'recurring_rule'
  | 'pix_charge'
  | 'pix_key'
  | 'notification'
  | 'route';

const NOT_FOUND_DETAIL: Record<Entity, string> = {
  account: 'No such account.',
  transaction: 'No such transaction.',
  category: 'No such category.',
  goal: 'No such goal.',
  budget: 'No budget for this category in this month.',
  recurring_rule: 'No such recurring rule.',
  pix_charge: 'No such Pix charge.',
  pix_key: 'This account has no Pix key.',
  notification: 'No such notification.',
  route: 'No such route.',
};

const ENTITY_NAME: Record<Entity, string> = {
  account: 'account',
  transaction: 'transaction',
  category: 'category',
  goal: 'goal',
  budget: 'budget',
  recurring_rule: 'rule',
  pix_charge: 'Pix charge',
  pix_key: 'Pix key',
  notification: 'notification',
  route: 'route',
};

/** Missing or another person's: the answer is the same 404, so nothing leaks. */
export function notFound(entity: Entity, detail: string = NOT_FOUND_DETAIL[entity]): DomainError {
  return new DomainError('not_found', 404, detail);
}

/** The row changed since the client read it; the answer carries the current row. */
export function rowVersionConflict(entity: Entity, current: unknown): DomainError {
  return new DomainError('row_version_conflict', 409, `The ${ENTITY_NAME[entity]} changed since you read it.`, { current });
}

export interface FieldError {
  field: string;
  message: string;
  code: string;
}

/** Fields the schema could not judge on its own, all reported in one answer. */
export function invalidFields(errors: readonly FieldError[]): DomainError {
  return new DomainError('validation_failed', 400, 'The request has invalid fields.', { errors: [...errors] });
}

/** One field the schema could not judge on its own (a range between two fields, a date bound). */
export function invalidField(field: string, message: string, code: string): DomainError {
  return invalidFields([{ field, message, code }]);
}
