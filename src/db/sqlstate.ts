/**
 * The PostgreSQL error codes (SQLSTATE, Appendix A of the manual) the code reacts to, by
 * name. Nothing else compares SQLSTATE strings.
 */
export const SqlState = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  notNullViolation: '23502',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  lockNotAvailable: '55P03',
  queryCanceled: '57014',
  raiseException: 'P0001',
  connectionException: '08000',
  connectionDoesNotExist: '08003',
  connectionFailure: '08006',
  unableToConnect: '08001',
  connectionRejected: '08004',
  adminShutdown: '57P01',
  crashShutdown: '57P02',
  cannotConnectNow: '57P03',
  tooManyConnections: '53300',
  /** No space left where the server writes: a table or index that must grow, a temporary file. */
  diskFull: '53100',
  /** A write in a read-only transaction: a replica, default_transaction_read_only, a server put in read-only. */
  readOnlySqlTransaction: '25006',
  /** The role may not do this (a benchmark's CHECKPOINT without superuser or pg_checkpoint). */
  insufficientPrivilege: '42501',
  /** Ours: a write of a person's row after their account was deleted (refuse_write_for_deleted_person). */
  personDeleted: 'VD001',
} as const;

export type SqlStateCode = (typeof SqlState)[keyof typeof SqlState];

/** How deep isPersonDeleted follows an error's causes (a wrapper's, a cycle's). */
const CAUSE_DEPTH_MAX = 4;

/**
 * True when the database refused to write one of a person's rows because their account was
 * deleted meanwhile (the error or one it wraps): the request answers 401, a job skips the person.
 */
export function isPersonDeleted(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth <= CAUSE_DEPTH_MAX && typeof current === 'object' && current !== null; depth += 1) {
    if (pgCode(current) === SqlState.personDeleted) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The SQLSTATE of a driver error, or undefined for anything else. */
export function pgCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The constraint a violation names (unique, foreign key, check), or undefined. */
export function pgConstraint(error: unknown): string | undefined {
  const constraint = (error as { constraint?: unknown } | undefined)?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}
