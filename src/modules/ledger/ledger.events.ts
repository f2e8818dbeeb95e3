import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * What the ledger tells observers (the metrics), through Node's diagnostics channels: the
 * ledger stays free of any metrics registry, a process with no observer pays one boolean
 * check, and every app instance of a process (tests build many) can observe and stop.
 */

/** Published once per committed batch and kind: `{ kind, count }`. */
export const POSTED_CHANNEL = 'vai-de-pix.ledger.posted';
/** Published when a policy refuses a posting (a floor, the balance range): `{ code }`. */
export const REFUSED_CHANNEL = 'vai-de-pix.ledger.refused';

export interface PostedEvent {
  kind: string;
  count: number;
}

export interface RefusedEvent {
  code: string;
}

const posted = diagnosticsChannel.channel(POSTED_CHANNEL);
const refused = diagnosticsChannel.channel(REFUSED_CHANNEL);

/** Counts the batch's postings by kind; called once its transaction has committed. */
export function publishPosted(kinds: readonly string[]): void {
  if (!posted.hasSubscribers) return;
  const counts = new Map<string, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  for (const [kind, count] of counts) posted.publish({ kind, count } satisfies PostedEvent);
}

export function publishRefused(code: string): void {
  if (refused.hasSubscribers) refused.publish({ code } satisfies RefusedEvent);
}
