import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Integration files that run alone, one at a time, each in a fresh process, after the others:
 * the six that start several processes each (worker and API processes, PgBouncer, a PostgreSQL
 * server they fault and restart under a running app), and the one that initialises Sentry's SDK,
 * which patches the process for good. Two of the six at once, with a browser run beside, took a
 * two-core machine to a load of 16 and starved each other's processes past their hang guards
 * (docs/PERFORMANCE.md, "The test suite's time").
 */
const ALONE_FILES = [
  'test/integration/workers.test.ts',
  'test/integration/scale-out.test.ts',
  'test/failure/kill-api.test.ts',
  'test/integration/drain.test.ts',
  'test/integration/database-restart.test.ts',
  'test/failure/database-faults.test.ts',
  'test/integration/sentry.test.ts',
];

/**
 * Longer integration files start first, so none of them is left running alone at the end while
 * the other worker idles (on a fresh clone Vitest has no timings yet and orders by file size).
 */
const LONGEST_FIRST = [
  'backup.test.ts',
  'feature-flags.test.ts',
  'idempotency.test.ts',
  'fuzz-openapi.test.ts',
  'embedded-crash.test.ts',
  'runbook-restore.test.ts',
  'main.test.ts',
  'runbook-ledger.test.ts',
  'rate-limit.test.ts',
  'auditability.test.ts',
  'rollback.test.ts',
  'runbook-jobs.test.ts',
  'runbook-database.test.ts',
  'validation-cost.test.ts',
  'embedded-anywhere.test.ts',
  'cli-direct-url.test.ts',
  'restore-check-absent-table.test.ts',
];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = LONGEST_FIRST.indexOf(path.basename(file.moduleId));
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    // Array.prototype.sort is stable: the others keep Vitest's own order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

/**
 * Timeouts end a hang; they do not time the code (benchmarks do). In `npm test` these files share
 * two cores with a browser run, and on a slow machine CPU pressure stays near 90 %: tests that
 * start CLI processes (restore, check-ledger, repair-ledger) took over 60 s there with nothing
 * wrong (CI, 1 December).
 */
const integration = {
  environment: 'node' as const,
  globalSetup: ['test/helpers/global-setup.ts'],
  testTimeout: 180_000,
  hookTimeout: 180_000,
};

export default defineConfig({
  test: {
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      // Unit and integration files share their worker processes and loaded modules (isolate: false):
      // a fresh process and fresh imports for each file cost more than the tests themselves
      // (docs/PERFORMANCE.md, "The test suite's time"). No file may leave a global changed
      // (environment, timers, stubbed globals) past its own hooks.
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'web/src/**/*.test.ts'],
          environment: 'node',
          isolate: false,
          // As many as the integration project's: projects of one group share its worker count.
          maxWorkers: 2,
        },
      },
      // `--project 'integration*'` runs both integration projects (npm run test:integration).
      {
        test: {
          ...integration,
          name: 'integration-alone',
          include: ALONE_FILES,
          maxWorkers: 1,
          // The group after the others' (0): its files start once every other file has ended.
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          ...integration,
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/failure/**/*.test.ts'],
          exclude: ALONE_FILES,
          // Two cores: files run two at a time, each in its own fresh database.
          maxWorkers: 2,
          isolate: false,
        },
      },
    ],
  },
});
