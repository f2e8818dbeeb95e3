import { useSyncExternalStore } from 'react';
import { ApiError } from '../api/problem';

export function isFeatureDisabled(error: unknown): boolean {
  return error instanceof ApiError && error.problem.code === 'feature_disabled';
}

export interface FeatureAvailability {
  noteError(error: unknown): void;
  subscribe(listener: () => void): () => void;
  isDisabled(): boolean;
}

/** Whether the feature is off, re-rendering when a request finds out. */
export function useFeatureDisabled(feature: FeatureAvailability): boolean {
  return useSyncExternalStore(feature.subscribe, feature.isDisabled);
}

/**
 * Whether the server has a feature turned off (ENABLE_INSIGHTS=false, ENABLE_IMPORTS=false…).
 * The web app learns it from the API's own answer, 404 feature_disabled, rather than from a
 * request of its own on the first screen; from then on, in this tab, the menu hides the page.
 */
export function featureAvailability(feature: string): FeatureAvailability {
  const storageKey = `vai-de-pix.${feature}-disabled`;
  const listeners = new Set<() => void>();
  let disabled = readDisabled(storageKey);

  /** Called with every failed request of the feature: a feature_disabled answer hides its screens. */
  function noteError(error: unknown): void {
    if (!isFeatureDisabled(error) || disabled) return;
    disabled = true;
    try {
      window.sessionStorage.setItem(storageKey, '1');
    } catch {
      // Without storage the flag lasts as long as the page.
    }
    for (const listener of listeners) listener();
  }

  function subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  return { noteError, subscribe, isDisabled: () => disabled };
}

function readDisabled(storageKey: string): boolean {
  try {
    return window.sessionStorage.getItem(storageKey) === '1';
  } catch {
    return false;
  }
}
