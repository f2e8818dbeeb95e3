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
 * deadlines, the date picker, "Hoje é…"), or whose data is dated: these run again at each
 * hostile date. The others (sign-in, profile, compression, contrast, search, tap-target sizes)
 * do not read the calendar, and running them four times would push CI past its time budget.
 * Within these specs, a test tagged @no-calendar (a menu, a conflict dialog, a language switch,
 * the dark mode, the signed-out pages) reads no date and is left out.
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
  'cards',
].map((name) => `test/e2e/${name}.spec.ts`);

/** A Vitest tier: its projects (`integration*` is both integration projects) and one JSON report. */
const vitest = (tier, projects = tier) =>
  `npx vitest run --project '${projects}' --reporter=default --reporter=json --outputFile.json=${RESULTS}/${tier}.json`;

/**
 * Each step is a set of runs; a step's runs start in order as soon as there is room: a run takes
 * `slots` (default 1) of the step's `capacity`, and no more than `limits[group]` runs of a group
 * run at once. A step of one run prints its output as it comes; the runs of a bigger step each
 * keep theirs in a log, printed whole when the run ends. CI machines have two cores:
 * - the type-checks, lint and unit tests are independent, two at a time;
 * - so are the two builds and the generated-client check;
 * - the integration tests (most files on two Vitest workers, then those that start many processes
 *   one at a time; two slots) leave a core idle while they wait on processes they start,
 *   databases they restart and job ticks: one browser run shares the machine with them, and when
 *   they end the other browser runs go two at a time. Browser runs are independent (each starts
 *   its own server on its own database, with its own clock), and more than two at once would
 *   stretch a test started at 23:59 past midnight.
 */
const BROWSER_RUNS_AT_ONCE = 2;

const run = (label, command, options = {}) => ({ label, command, env: {}, slots: 1, ...options });

const steps = [
  {
    name: 'type-check (server and web), lint, unit tests',
    capacity: 2,
    runs: [
      run('type-check-server', 'npm run typecheck:server'),
      run('type-check-web', 'npm run typecheck:web'),
      run('unit', vitest('unit')),
      run('lint', 'npm run lint'),
    ],
  },
  {
    name: 'build (server and web), generated API client is current',
    capacity: 2,
    runs: [
      run('build-server', 'npm run build:server'),
      run('build-web', 'npm run build:web'),
      run('generated-api-client', 'npm run check:api'),
    ],
  },
  {
    name: `integration tests (PostgreSQL); browser tests (Chromium) on an ordinary day and at hostile dates (${HOSTILE_DATES.map(([, start]) => start).join(', ')})`,
    capacity: 3,
    limits: { browser: BROWSER_RUNS_AT_ONCE },
    runs: [
      run('integration', vitest('integration', 'integration*'), { slots: 2 }),
      run('e2e', 'npx playwright test --reporter=list,json', { group: 'browser' }),
      ...HOSTILE_DATES.map(([label, start]) =>
        run(
          `e2e-${label}`,
          `npx playwright test --reporter=list,json --grep-invert @no-calendar --output ${RESULTS}/e2e-${label} ${HOSTILE_DATE_SPECS.join(' ')}`,
          {
            group: 'browser',
            env: { E2E_CLOCK_START: start, PLAYWRIGHT_JSON_OUTPUT_NAME: `${RESULTS}/e2e-${label}.json` },
          },
        ),
      ),
    ],
  },
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

/**
 * Runs a step's runs, each as soon as it fits (see `steps`), and resolves with 0 only if all
 * passed. Every run is started even when an earlier one failed, so one report shows them all.
 */
function runStep(step) {
  if (step.runs.length === 1) {
    const status = runOne(step.runs[0].command, step.runs[0].env);
    if (status !== 0) failedRuns.push(`${step.runs[0].label} (exit ${status}; its output is above)`);
    return Promise.resolve(status);
  }
  return new Promise((resolve) => {
    const queue = [...step.runs];
    const running = new Set();
    const statuses = [];
    const fits = (candidate) => {
      const used = [...running].reduce((sum, other) => sum + other.slots, 0);
      const sameGroup = [...running].filter((other) => candidate.group && other.group === candidate.group).length;
      const limit = candidate.group ? (step.limits?.[candidate.group] ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
      // A run bigger than the whole step still starts, alone.
      return (used + candidate.slots <= step.capacity || running.size === 0) && sameGroup < limit;
    };
    const startWhatFits = () => {
      for (let index = 0; index < queue.length; ) {
        const candidate = queue[index];
        if (!fits(candidate)) {
          index += 1;
          continue;
        }
        queue.splice(index, 1);
        running.add(candidate);
        runLogged(candidate).then((status) => {
          running.delete(candidate);
          statuses.push(status);
          if (status !== 0) failedRuns.push(`${candidate.label} (exit ${status}; its log: ${RESULTS}/${candidate.label}.log)`);
          if (queue.length === 0 && running.size === 0) resolve(statuses.every((code) => code === 0) ? 0 : 1);
          else startWhatFits();
        });
      }
    };
    startWhatFits();
  });
}

/** The runs that exited non-zero, each with where its output is. */
const failedRuns = [];

/**
 * A run's JSON report, or undefined when it is absent; a report that cannot be read (a run killed
 * while writing it) is named among the failures instead of crashing the summary.
 */
const unreadableReports = [];
function readReport(path) {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if (!unreadableReports.some((line) => line.startsWith(`${path}:`)))
      unreadableReports.push(`${path}: unreadable report (${error.message})`);
    return undefined;
  }
}

const e2eReports = () => readdirSync(RESULTS).filter((name) => /^e2e.*\.json$/.test(name));

function counts() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const tier of ['unit', 'integration']) {
    const report = readReport(`${RESULTS}/${tier}.json`);
    if (!report) continue;
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  }
  for (const file of e2eReports()) {
    const stats = readReport(`${RESULTS}/${file}`)?.stats;
    if (!stats) continue;
    passed += stats.expected + stats.flaky;
    failed += stats.unexpected;
    skipped += stats.skipped;
  }
  return { passed, failed, skipped };
}

const COLOUR_CODES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** The first line of an error message, without colour codes, at most 300 characters. */
const firstLine = (message = '') =>
  String(message)
    .replace(COLOUR_CODES, '')
    .split('\n')
    .find((line) => line.trim() !== '')
    ?.trim()
    .slice(0, 300) ?? '';

/** Playwright's specs, however deeply its suites nest. */
function* specsOf(suite) {
  yield* suite.specs ?? [];
  for (const child of suite.suites ?? []) yield* specsOf(child);
}

/**
 * Each failed test as "tier file › name: first line of its error", so the end of CI's output
 * (all a reader may get) names what failed. A file that failed without a failed test (an error
 * in a hook or at import) is named too.
 */
function failuresFound() {
  const lines = [];
  for (const tier of ['unit', 'integration']) {
    for (const file of readReport(`${RESULTS}/${tier}.json`)?.testResults ?? []) {
      const name = String(file.name ?? '?').replace(`${process.cwd()}/`, '');
      const failedTests = (file.assertionResults ?? []).filter((test) => test.status === 'failed');
      for (const test of failedTests) lines.push(`${tier} ${name} › ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
      if (failedTests.length === 0 && file.status === 'failed')
        lines.push(
          `${tier} ${name}: ${firstLine(file.message) || `failed outside its tests (a describe's hook?); see ${RESULTS}/${tier}.log`}`,
        );
    }
  }
  for (const report of e2eReports()) {
    const { suites = [], errors = [] } = readReport(`${RESULTS}/${report}`) ?? {};
    const run = report.replace(/\.json$/, '');
    for (const spec of suites.flatMap((suite) => [...specsOf(suite)])) {
      for (const test of spec.tests ?? []) {
        if (test.status !== 'unexpected') continue;
        // A timeout's first error says only that the test ran out of time; the second names the step.
        const result = test.results?.find((each) => each.error || each.errors?.length);
        const messages = (result?.errors?.length ? result.errors : [result?.error])
          .slice(0, 2)
          .map((error) => firstLine(error?.message ?? error?.value));
        lines.push(
          `${run} test/e2e/${spec.file}:${spec.line} › ${spec.title}: ${[...new Set(messages.filter(Boolean))].join(' / ')}`,
        );
      }
    }
    for (const error of errors) lines.push(`${run}: ${firstLine(error.message ?? error.value)}`);
  }
  return [...lines, ...unreadableReports];
}

let failedStep;
const started = Date.now();
for (const step of steps) {
  const how =
    step.runs.length === 1
      ? step.runs[0].command
      : `${step.runs.length} runs (${step.runs.map((each) => each.label).join(', ')}), ${step.capacity} slots`;
  console.log(`\n=== ${step.name}: ${how}`);
  const stepStarted = Date.now();
  const status = await runStep(step);
  console.log(`=== ${step.name}: ${status === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - stepStarted) / 1000)} s`);
  if (status !== 0) {
    failedStep = step.name;
    break;
  }
}

const { passed, failed, skipped } = counts();
const seconds = Math.round((Date.now() - started) / 1000);
console.log(`\n=== ${failedStep ? `FAILED at: ${failedStep}` : 'all steps passed'} (${seconds} s)`);
// A failing step that is not a test (type-check, lint, build) still counts as a failure.
const failures = failed === 0 && failedStep ? 1 : failed;
const named = failuresFound();
if (named.length > 0) console.log(`failed tests:\n${named.map((line) => `  ${line}`).join('\n')}`);
if (failedRuns.length > 0) console.log(`failed runs: ${failedRuns.join('; ')}`);
console.log(`tests: ${passed} passed, ${failures} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failedStep ? 1 : 0);
