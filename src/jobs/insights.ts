import type { Config } from '../config.js';
import { AdvisoryLock } from '../db/locks.js';
import { isPersonDeleted } from '../db/sqlstate.js';
import { dueEntries } from '../modules/insights/insights.repository.js';
import { InsightsService, jobMonths } from '../modules/insights/insights.service.js';
import type { Job } from './job.js';

/** (person, month) entries one run recomputes at most; the rest wait for the next hour or a read. */
export const INSIGHTS_PER_RUN_MAX = 200;

/**
 * Recomputes people's insights for the current and the previous month (São Paulo) that a
 * posting marked stale or that were never computed, the longest-waiting first, so a busy
 * person cannot starve the others. Safe anywhere, any time: an entry is keyed by (person,
 * kind, month) and a recomputation replaces it. With ENABLE_INSIGHTS=false it does nothing.
 */
export function insightsJob(config: Pick<Config, 'features'>): Job {
  return {
    name: 'insights',
    lock: AdvisoryLock.JobInsights,
    schedule: '25 * * * *',
    async run({ pool, clock, now }) {
      if (!config.features.insights) return 0;
      const insights = new InsightsService({ pool, clock, enabled: true });
      const due = await dueEntries(pool, { months: jobMonths(now), limit: INSIGHTS_PER_RUN_MAX });
      for (const entry of due) {
        try {
          await insights.refresh(entry.user_id, entry.month);
        } catch (error) {
          // Deleted since the entries were read: nothing of theirs is written again.
          if (!isPersonDeleted(error)) throw error;
        }
      }
      return due.length;
    },
  };
}
