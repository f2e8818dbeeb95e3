import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Integration files whose runs are longest (real worker and app processes, killed and restarted;
 * backups): they start first, so on a fresh clone, where Vitest has no timings yet and orders by
 * file size, none of them is left running alone at the end while the other worker idles.
 */
const LONGEST_FIRST = [
  'workers.test.ts',
  'kill-api.test.ts',
  'scale-out.test.ts',
  'backup.test.ts',
  'database-restart.test.ts',
  'drain.test.ts',
  'feature-flags.test.ts',
  'rollback.test.ts',
  'database-faults.test.ts',
  'auditability.test.ts',
  'runbook-jobs.test.ts',
  'runbook-restore.test.ts',
  'runbook-ledger.test.ts',
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

export default defineConfig({
  test: {
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts', 'web/src/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/failure/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts'],
          // Timeouts end a hang; they do not time the code (benchmarks do). In `npm test` these
          // files share two cores with a browser run, and on a slow machine CPU pressure stays
          // near 90 %: tests that start CLI processes (restore, check-ledger, repair-ledger) took
          // over 60 s there with nothing wrong (CI, 1 December).
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Two cores: files run two at a time, each in its own fresh database.
          maxWorkers: 2,
        },
      },
    ],
  },
});
