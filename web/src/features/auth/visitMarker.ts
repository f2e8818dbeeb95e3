/**
 * Whether someone has signed in on this browser before. The session cookie is httpOnly,
 * so the app cannot see whether one was ever set; this non-secret marker in localStorage,
 * written on every successful sign-in or sign-up (and whenever a session is found), is
 * what sends a returning person to the login page and a first-time visitor to sign-up.
 * It holds no identity and no token: clearing it only changes which page comes first.
 */
const SIGNED_IN_BEFORE_KEY = 'vai-de-pix.signed-in-before';

export function markSignedInHere(): void {
  try {
    localStorage.setItem(SIGNED_IN_BEFORE_KEY, '1');
  } catch {
    // Storage refused (private mode, quota): the next visit simply starts at sign-up.
  }
}

export function hasSignedInHere(): boolean {
  try {
    return localStorage.getItem(SIGNED_IN_BEFORE_KEY) !== null;
  } catch {
    return false;
  }
}
