import { createHash, randomBytes, randomUUID } from 'node:crypto';

export const SESSION_TOKEN_BYTES = 32;

export function newId(): string {
  return randomUUID();
}

const UNIX_MS_MAX = 2 ** 48 - 1;

/**
 * A UUIDv7 (RFC 9562): the Unix time in milliseconds in the first 48 bits, then 74 random
 * bits. Ids made one after another land next to each other in a B-tree index, where random
 * ones scatter over every page of it; for rows written often into tables that grow without
 * bound (ledger transactions). The time it carries is the wall clock's when the id is made,
 * within moments of the row's created_at, which the same people can read anyway. Never for
 * accounts: an account's lock key is its id's first 32 bits (db/locks.ts), which must be random.
 */
export function newTimeOrderedId(unixMs: number = Date.now()): string {
  if (!Number.isSafeInteger(unixMs) || unixMs < 0 || unixMs > UNIX_MS_MAX) {
    throw new RangeError(`UUIDv7 time ${unixMs} is not a 48-bit count of milliseconds`);
  }
  const time = unixMs.toString(16).padStart(12, '0');
  // A v4 UUID already has the RFC 9562 variant bits; its version digit becomes 7.
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}

/** An opaque bearer token: 32 random bytes, base64url (43 characters). */
export function newSessionToken(): string {
  return randomBytes(SESSION_TOKEN_BYTES).toString('base64url');
}

/** Tokens are stored only as this hash, so a leaked table grants no session. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Any UUID, in either case: what an operator pastes into a command. */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

const LOWER_CASE_UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/**
 * A UUID as PostgreSQL and this API write it, in lower case: the only form the API takes. The
 * services compare ids as text (maps of locked accounts, bill ids hashed from an account's id),
 * where an upper-case id of the person's own account would be someone else's.
 */
export function isLowerCaseUuid(value: string): boolean {
  return LOWER_CASE_UUID_PATTERN.test(value);
}
