// `npm test`: every tier in order, stopping at the first that fails, then one plain
// summary line ("tests: N passed, N failed") that CI reads. Exit code 0 only if all passed.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';

const RESULTS = 'test-results';
mkdirSync(RESULTS, { recursive: true });
for (const file of readdirSync(RESULTS)) {
  if (/^(unit|integration|e2e.*)\.json$/.test(file)) rmSync(`${RESULTS}/${file}`, { force: true });
}

/**
 * The browser tests run on an ordinary day (test/e2e/clock.ts), then the specs that read the
 * calendar (HOSTILE_DATE_SPECS) again at each date where calendar code breaks: a leap day, New Year's Eve a minute before
 * midnight in São Paulo (already 1 January in UTC) and a 30-day month's last minute
 * (already the next month in UTC). The server's test clock steps a millisecond per reading
 * and each page's clock restarts at the start in every test, so a run at 23:59 stays on
 * its day; a run that crosses midnight anyway fails, in the test or in the teardown.
 */
const HOSTILE_DATES = [
  ['leap-day', '2028-02-29T12:00:00-03:00'],
  ['new-years-eve', '2026-12-31T23:59:00-03:00'],
  ['month-end', '2026-11-30T23:59:00-03:00'],
];

/**
 * The specs whose screens show, compute or default a date (today, months, due days, goal
 * deadlines, the date picker, "Hoje é…"), or whose data is dated (tap-targets seeds this
 * month's budget and a bill from today): these run again at each hostile date. The others
 * (sign-in, profile, compression, contrast, search) do not read the calendar, and running
 * them four times would push CI past its time budget. Within these specs, a test tagged
 * @no-calendar (a menu, a conflict dialog, a language switch) reads no date and is left out.
 */
const HOSTILE_DATE_SPECS = [
  'ledger',
  'planning',
  'corrections',
  'first-visit',
  'pix',
  'pix-undo',
  'transfer-balances',
  'comfort',
  'layout',
  'tap-targets',
].map((name) => `test/e2e/${name}.spec.ts`);

const vitest = (project) =>
  `npx vitest run --project ${project} --reporter=default --reporter=json --outputFile.json=${RESULTS}/${project}.json`;

/**
 * The browser runs (the ordinary day and each hostile date) are independent: each starts its own
 * server on its own database, with its own clock. They run this many at a time, each one's
 * output kept in a log and printed whole when it ends. A browser run keeps about one core busy;
 * two at a time suit the two-core machines CI runs on, and four runs make two full rounds.
 */
const BROWSER_RUNS_AT_ONCE = 2;

const steps = [
  ['type-check (server and web)', 'npm run typecheck'],
  ['lint', 'npm run lint'],
  ['unit tests', vitest('unit')],
  ['build (server and web)', 'npm run build'],
  ['generated API client is current', 'npm run check:api'],
  ['integration tests (PostgreSQL)', vitest('integration')],
  [
    `browser tests (Chromium), on an ordinary day and at hostile dates (${HOSTILE_DATES.map(([, start]) => start).join(', ')})`,
    [
      { label: 'e2e', command: 'npx playwright test --reporter=list,json', env: {} },
      ...HOSTILE_DATES.map(([label, start]) => ({
        label: `e2e-${label}`,
        command: `npx playwright test --reporter=list,json --grep-invert @no-calendar --output ${RESULTS}/e2e-${label} ${HOSTILE_DATE_SPECS.join(' ')}`,
        env: { E2E_CLOCK_START: start, PLAYWRIGHT_JSON_OUTPUT_NAME: `${RESULTS}/e2e-${label}.json` },
      })),
    ],
  ],
];

const baseEnv = () => ({ ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: `${RESULTS}/e2e.json` });

/** One command, its output on this terminal; resolves with its exit status. */
function runOne(command, env) {
  return spawnSync(command, { shell: true, stdio: 'inherit', env: { ...baseEnv(), ...env } }).status;
}

/** Each run's output goes to its log while it runs and is printed whole when it ends. */
function runLogged(run) {
  const logPath = `${RESULTS}/${run.label}.log`;
  return new Promise((resolve) => {
    const log = createWriteStream(logPath);
    const child = spawn(run.command, { shell: true, env: { ...baseEnv(), ...run.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    // A run that cannot even start is a failed run, not a crash of the whole summary.
    child.on('error', (error) => log.write(`could not start: ${error.message}\n`));
    child.on('close', (status) => {
      log.end(() => {
        console.log(`\n--- ${run.label} (exit ${status}): ${run.command}`);
        process.stdout.write(readFileSync(logPath, 'utf8'));
        resolve(status);
      });
    });
  });
}

/** The runs of a parallel step, `atOnce` at a time; resolves with 0 only if all passed. */
async function runParallel(runs, atOnce) {
  const queue = [...runs];
  const statuses = [];
  const worker = async () => {
    for (let run = queue.shift(); run !== undefined; run = queue.shift()) statuses.push(await runLogged(run));
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, runs.length) }, worker));
  return statuses.every((status) => status === 0) ? 0 : 1;
}

function counts() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const tier of ['unit', 'integration']) {
    const path = `${RESULTS}/${tier}.json`;
    if (!existsSync(path)) continue;
    const report = JSON.parse(readFileSync(path, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  }
  for (const file of readdirSync(RESULTS).filter((name) => /^e2e.*\.json$/.test(name))) {
    const { stats } = JSON.parse(readFileSync(`${RESULTS}/${file}`, 'utf8'));
    passed += stats.expected + stats.flaky;
    failed += stats.unexpected;
    skipped += stats.skipped;
  }
  return { passed, failed, skipped };
}

let failedStep;
const started = Date.now();
for (const [name, command] of steps) {
  const parallel = Array.isArray(command);
  console.log(`\n=== ${name}: ${parallel ? `${command.length} runs, ${BROWSER_RUNS_AT_ONCE} at a time` : command}`);
  const stepStarted = Date.now();
  const status = parallel ? await runParallel(command, BROWSER_RUNS_AT_ONCE) : runOne(command, {});
  console.log(`=== ${name}: ${status === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - stepStarted) / 1000)} s`);
  if (status !== 0) {
    failedStep = name;
    break;
  }
}

const { passed, failed, skipped } = counts();
const seconds = Math.round((Date.now() - started) / 1000);
console.log(`\n=== ${failedStep ? `FAILED at: ${failedStep}` : 'all steps passed'} (${seconds} s)`);
// A failing step that is not a test (type-check, lint, build) still counts as a failure.
const failures = failed === 0 && failedStep ? 1 : failed;
console.log(`tests: ${passed} passed, ${failures} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failedStep ? 1 : 0);
