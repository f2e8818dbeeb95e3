import { readFileSync } from 'node:fs';

/** The shipped list; its first line names the source and licence. */
export const COMMON_PASSWORDS_FILE = new URL('./common-passwords.txt', import.meta.url);
/** A sanity bound on the file read at start: the list is a few thousand short lines. */
const COMMON_PASSWORDS_MAX = 20_000;

export type PasswordProblem = 'password_blank' | 'password_common';

let commonPasswords: ReadonlySet<string> | undefined;

/** The list, read once, lower-cased and trimmed; lines starting with # are comments. */
export function loadCommonPasswords(): ReadonlySet<string> {
  if (commonPasswords) return commonPasswords;
  const entries = readFileSync(COMMON_PASSWORDS_FILE, 'utf8')
    .split('\n')
    .map((line) => line.trim().toLowerCase())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
  if (entries.length === 0 || entries.length > COMMON_PASSWORDS_MAX) {
    throw new Error(`common password list has ${entries.length} entries; expected 1 to ${COMMON_PASSWORDS_MAX}`);
  }
  commonPasswords = new Set(entries);
  return commonPasswords;
}

/**
 * Why a new password is refused, or undefined when it is acceptable. The comparison trims
 * and ignores case, so "  Password123 " is as common as "password123"; a password of only
 * whitespace is refused whatever its length. The minimum and maximum length are checked
 * by the request schema before this runs.
 */
export function passwordProblem(password: string): PasswordProblem | undefined {
  const trimmed = password.trim().toLowerCase();
  if (trimmed.length === 0) return 'password_blank';
  if (loadCommonPasswords().has(trimmed)) return 'password_common';
  return undefined;
}
