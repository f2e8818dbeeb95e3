import { useSyncExternalStore } from 'react';
import { FEATURE_NAMES, type FeatureName, type Features, featureOfScreen } from '../../../src/features';
import { ApiError } from '../api/problem';

export type { FeatureName } from '../../../src/features';

export function isFeatureDisabled(error: unknown): boolean {
  return error instanceof ApiError && error.problem.code === 'feature_disabled';
}

export interface FeatureAvailability {
  noteError(error: unknown): void;
  subscribe(listener: () => void): () => void;
  isDisabled(): boolean;
}

/**
 * Which features the server has turned off (ENABLE_INSIGHTS=false, ENABLE_PIX=false…; the
 * list is src/features.ts). The web app learns it from GET /api/config, asked at start
 * beside the session check, and from any 404 feature_disabled answer (a server turned a
 * feature off since, or an older server without /api/config). It is kept for the tab's
 * life in sessionStorage, so a reload does not show the menu entry again for a moment.
 */
const listeners = new Set<() => void>();
let disabled: ReadonlySet<FeatureName> = readDisabled();

function storageKey(feature: FeatureName): string {
  return `vai-de-pix.${feature}-disabled`;
}

function readDisabled(): ReadonlySet<FeatureName> {
  try {
    return new Set(FEATURE_NAMES.filter((feature) => window.sessionStorage.getItem(storageKey(feature)) === '1'));
  } catch {
    return new Set();
  }
}

function remember(feature: FeatureName, off: boolean): void {
  try {
    if (off) window.sessionStorage.setItem(storageKey(feature), '1');
    else window.sessionStorage.removeItem(storageKey(feature));
  } catch {
    // Without storage the knowledge lasts as long as the page.
  }
}

/** Sets a feature on or off; listeners hear only of a change. */
function setDisabled(feature: FeatureName, off: boolean): void {
  if (disabled.has(feature) === off) return;
  const next = new Set(disabled);
  if (off) next.add(feature);
  else next.delete(feature);
  disabled = next;
  remember(feature, off);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * GET /api/config's `features`: the server's word, newer than what an earlier answer taught
 * this tab, so a feature turned back on shows again. A name this build does not know is ignored.
 */
export function applyServerFeatures(features: Partial<Features>): void {
  for (const feature of FEATURE_NAMES) {
    const on = features[feature];
    if (typeof on === 'boolean') setDisabled(feature, !on);
  }
}

/** The features turned off, re-rendering when that changes. */
export function useDisabledFeatures(): ReadonlySet<FeatureName> {
  return useSyncExternalStore(subscribe, () => disabled);
}

/** The turned-off feature a screen belongs to, or undefined when the screen is available. */
export function useDisabledFeatureOfScreen(pathname: string): FeatureName | undefined {
  const off = useDisabledFeatures();
  const feature = featureOfScreen(pathname);
  return feature !== undefined && off.has(feature) ? feature : undefined;
}

/** Whether the feature is off, re-rendering when a request finds out. */
export function useFeatureDisabled(feature: FeatureAvailability): boolean {
  return useSyncExternalStore(feature.subscribe, feature.isDisabled);
}

/** One feature's view of the store, for its queries (noteError) and screens. */
export function featureAvailability(feature: FeatureName): FeatureAvailability {
  /** Called with every failed request of the feature: a feature_disabled answer hides its screens. */
  function noteError(error: unknown): void {
    if (isFeatureDisabled(error)) setDisabled(feature, true);
  }
  return { noteError, subscribe, isDisabled: () => disabled.has(feature) };
}
