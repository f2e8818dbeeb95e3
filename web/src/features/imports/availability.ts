import { useSyncExternalStore } from 'react';
import { ApiError } from '../../api/problem';

/**
 * Whether the server has statement import turned off (ENABLE_IMPORTS=false). As for
 * insights, the web app learns it from the API's own answer (404 feature_disabled), and from
 * then on, in this tab, the menu hides the page.
 */
const DISABLED_KEY = 'vai-de-pix.imports-disabled';
const listeners = new Set<() => void>();

function readDisabled(): boolean {
  try {
    return window.sessionStorage.getItem(DISABLED_KEY) === '1';
  } catch {
    return false;
  }
}

let disabled = readDisabled();

export function isFeatureDisabled(error: unknown): boolean {
  return error instanceof ApiError && error.problem.code === 'feature_disabled';
}

/** Called with every failed imports request: a feature_disabled answer hides the screens. */
export function noteImportsError(error: unknown): void {
  if (!isFeatureDisabled(error) || disabled) return;
  disabled = true;
  try {
    window.sessionStorage.setItem(DISABLED_KEY, '1');
  } catch {
    // Without storage the flag lasts as long as the page.
  }
  for (const listener of listeners) listener();
}

export function useImportsDisabled(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => disabled,
  );
}
