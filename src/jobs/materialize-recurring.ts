import { AdvisoryLock } from '../db/locks.js';
import { calendarDay } from '../lib/calendar.js';
import { RecurringService } from '../modules/recurring/recurring.service.js';
import type { Job } from './job.js';

/**
 * Posts people's recurring occurrences that are due by today (São Paulo). Safe to run
 * anywhere, any time: each occurrence is claimed by its (rule, day) key first. One tick
 * is one bounded, fair run (OCCURRENCES_PER_RUN_MAX, per person and per rule bounds in
 * recurring.schemas.ts): everyone's on-time occurrences before any backlog, rules read in
 * pages; a backlog left over is continued by the next tick, from the rotation cursor.
 */
export const materializeRecurringJob: Job = {
  name: 'materialize_recurring',
  lock: AdvisoryLock.JobMaterializeRecurring,
  schedule: '5 * * * *',
  async run({ pool, now, clock }) {
    const service = new RecurringService({ pool, clock, hooks: {} });
    const result = await service.materializeDue({ until: calendarDay(now), requestId: 'job:materialize_recurring' });
    return result.posted + result.failed;
  },
};
