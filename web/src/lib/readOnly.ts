import { useSyncExternalStore } from 'react';

/**
 * Whether the server refuses writes right now (READ_ONLY=true, or its database is read-only).
 * The web app learns it from GET /api/config and from any 503 read_only answer; while it holds,
 * a banner says so and the write buttons are disabled.
 */
const listeners = new Set<() => void>();
let readOnly = false;

export function setReadOnly(value: boolean): void {
  if (value === readOnly) return;
  readOnly = value;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function isReadOnly(): boolean {
  return readOnly;
}

/** Whether writes are refused, re-rendering when that changes. */
export function useReadOnly(): boolean {
  return useSyncExternalStore(subscribe, isReadOnly);
}
