import { useSyncExternalStore } from 'react';

/**
 * Whether the server refuses writes right now (READ_ONLY=true, or its database is read-only).
 * The web app learns it from GET /api/config and from any 503 read_only answer; while it holds,
 * a banner says so and the write buttons are disabled.
 */
const listeners = new Set<() => void>();
let readOnly = false;

/**
 * Sets what the server said. While writes are refused the server is asked again (GET
 * /api/config) after `recheckAfter` seconds (a Retry-After; 30 s without one), so an open tab
 * learns that writes are back even though its write buttons are disabled.
 */
export function setReadOnly(value: boolean, recheckAfter: string | null = null): void {
  clearTimeout(recheck);
  recheck = value ? setTimeout(() => void askServer(recheckAfter), recheckDelayMs(recheckAfter)) : undefined;
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

/** Bounds on the wait before asking the server again after a 503 read_only (seconds). */
const RECHECK_AFTER_SECONDS_MIN = 5;
const RECHECK_AFTER_SECONDS_MAX = 300;
const RECHECK_DEFAULT_SECONDS = 30;
let recheck: ReturnType<typeof setTimeout> | undefined;

function recheckDelayMs(retryAfter: string | null): number {
  const seconds = Number(retryAfter);
  const wanted = Number.isFinite(seconds) && seconds > 0 ? seconds : RECHECK_DEFAULT_SECONDS;
  return Math.min(Math.max(wanted, RECHECK_AFTER_SECONDS_MIN), RECHECK_AFTER_SECONDS_MAX) * 1000;
}

/**
 * Asks GET /api/config whether writes are still refused. Only an answer that says so keeps
 * the buttons disabled (and asks again later): a server without the route, or one that
 * cannot be reached, leaves the next write to find out, rather than a screen stuck disabled.
 */
async function askServer(retryAfter: string | null): Promise<void> {
  let stillReadOnly = false;
  try {
    const response = await fetch('/api/config', { credentials: 'same-origin', cache: 'no-store' });
    const body: unknown = response.ok ? await response.json() : undefined;
    stillReadOnly = typeof body === 'object' && body !== null && (body as { read_only?: unknown }).read_only === true;
  } catch {
    stillReadOnly = false;
  }
  setReadOnly(stillReadOnly, retryAfter);
}

/**
 * A write was answered 503 read_only: writes are refused from now on, until GET /api/config
 * (asked again once Retry-After has passed) or a write that succeeds says otherwise.
 */
export function noticeReadOnlyAnswer(retryAfter: string | null): void {
  setReadOnly(true, retryAfter);
}
