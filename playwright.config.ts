import { defineConfig, devices } from '@playwright/test';

/**
 * Browser tests run the BUILT app (`npm run build` first) against a fresh PostgreSQL
 * database. test/e2e/global-setup.ts creates the database, starts `node dist/main.js`
 * on a free port with the run's clock (E2E_CLOCK_START, or an ordinary day; see
 * test/e2e/clock.ts) and publishes its address in E2E_BASE_URL, which worker processes
 * (started after global setup) read here. After the run it checks the ledger the tests
 * left behind and that the run stayed on its day in São Paulo. `npm test` runs the suite
 * again at hostile dates (scripts/test.mjs).
 */
export const E2E_OUTPUT_DIR = 'test-results/e2e';

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '*.spec.ts',
  outputDir: E2E_OUTPUT_DIR,
  globalSetup: './test/e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  reporter: 'list',
  // A test's timeout is there to end a hang, not to time the app (benchmarks do that): beside the
  // integration tests on two busy cores, every step of a sign-up, sign-out and sign-in flow took
  // about a second and its 25 steps 36 s (CI, 1 December). Longer flows set their own.
  timeout: 60_000,
  expect: { timeout: 5_000 },
  use: {
    baseURL: process.env.E2E_BASE_URL,
    locale: 'pt-BR',
    timezoneId: 'America/Sao_Paulo',
    // A failed test keeps its trace (DOM snapshots of every step) and a screenshot. The trace's
    // screencast is off: recording it in every test, passed or not, nearly doubled Chromium's CPU
    // time (docs/PERFORMANCE.md, "Browser tests").
    trace: { mode: 'retain-on-failure', screenshots: false, snapshots: true, sources: false },
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        // Debian's Chromium; Playwright cannot download its own browsers on these machines.
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          headless: true,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      },
    },
  ],
});
