import type { Queryable } from '../../db/queryable.js';

/** The one kind of cached insight: everything the month's screen shows but the live projection. */
export const MONTH_INSIGHTS = 'month';

/**
 * Marks a person's cached insights stale from `fromMonth` on, in the caller's transaction.
 * A month's figures compare it with the months before it and carry the balance at each
 * month's end, so a write in a month changes that month and every later one. One UPDATE
 * through the primary key's range; it touches at most one row per cached month, stale ones
 * included, so that it holds their locks until the caller commits and a claim
 * (insights.repository claimCache) waits for it instead of computing from the old rows. The ledger runs the same UPDATE inside its posting statement
 * (ledger.repository insertPosting) and its detail edit, so a posting costs no round trip
 * more; this function is for everything else (tests, benchmarks, maintenance).
 */
export async function markInsightsStale(client: Queryable, userId: string, fromMonth: string): Promise<void> {
  await client.query({
    name: 'insights_mark_stale',
    text: `UPDATE insight_cache SET stale = true
            WHERE user_id = $1 AND kind = '${MONTH_INSIGHTS}' AND period >= $2`,
    values: [userId, fromMonth],
  });
}
