import { loadConfig } from '../../config.js';
import type { Job } from '../../jobs/job.js';
import { registeredJobs } from '../../jobs/registry.js';

/**
 * A lock holder silent for longer than this is not a live run: a running job's lock connection
 * answers a heartbeat every 5 s (src/jobs/runner.ts), so its state changes at least that often.
 */
export const HOLDER_SILENT_SECONDS_DEFAULT = 60;

/** Every job the code knows (whichever features are on), as the workers and `npm run job` name them. */
export function knownJobs(): Job[] {
  return registeredJobs(loadConfig());
}
