/**
 * bench/first-load — how long the built app takes to become usable on a phone connection,
 * cold cache, and how many bytes that costs, for a newcomer's first screen (the sign-up or
 * sign-in form) and for a signed-in person's dashboard; then pgbench tpcb-like on the same
 * PostgreSQL server, so the figures can be read against the machine. See bench/README.md.
 *
 *   npm run build && npm run bench:first-load
 *   BENCH_RUNS=9 npm run bench:first-load
 *   BENCH_BASE_URL=http://127.0.0.1:3000 npm run bench:first-load   # an app already running
 *   BENCH_WATERFALL=1 npm run bench:first-load   # also each run's requests, sent → finished
 *
 * Chromium (/usr/bin/chromium, the flags of playwright.config.ts) is throttled through the
 * DevTools protocol: Network.emulateNetworkConditions (1.6 Mbps down, 750 kbps up, 150 ms
 * round trip) and Emulation.setCPUThrottlingRate 4. Every run is a new browser context,
 * so nothing is cached.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from '@playwright/test';
import playwrightConfig from '../playwright.config.js';
import {
  adminUrl,
  type BenchDatabase,
  createDatabase,
  integerEnv,
  machineFacts,
  median,
  pgbenchInit,
  pgbenchTpcb,
  Report,
  type RunningServer,
  runBench,
  serverFacts,
  startServerProcess,
  waitForQuiet,
} from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = `${ROOT}bench/results`;
const SERVER_ENTRY = `${ROOT}dist/main.js`;
const SPA_ENTRY = `${ROOT}web/dist/index.html`;

const RUNS = integerEnv('BENCH_RUNS', 5, { min: 1, max: 50 });
const PGBENCH_DURATION_S = integerEnv('BENCH_PGBENCH_S', 10, { min: 0, max: 600 });
const QUIET_WAIT_S = integerEnv('BENCH_QUIET_WAIT_S', 60, { min: 0, max: 3600 });
const QUIET_BUSY_MAX_PERCENT = 15;
const BASE_URL = process.env.BENCH_BASE_URL;
const WATERFALL = process.env.BENCH_WATERFALL === '1';

/** The phone profile: 1.6 Mbps down, 750 kbps up, 150 ms round trip, a CPU 4× slower. */
const DOWNLOAD_BITS_PER_S = 1_600_000;
const UPLOAD_BITS_PER_S = 750_000;
const ROUND_TRIP_MS = 150;
const CPU_SLOWDOWN = 4;
const PHONE_VIEWPORT = { width: 360, height: 800 };
/** The goals of issue 11. */
const USABLE_GOAL_MS = 3_000;
const FIRST_SCREEN_JS_GOAL_BYTES = 250_000;

/** A first screen that takes longer than this on the throttled profile counts as a failed run. */
const USABLE_TIMEOUT_MS = 60_000;
const BENCH_PASSWORD = 'bench-password-123';

const output = new Report();
const log = output.log;

// ---------------------------------------------------------------- the app under test

/** The built app, `node dist/main.js`, as production runs it (and as the browser tests do). */
async function startServer(databaseUrl: string): Promise<RunningServer> {
  for (const file of [SERVER_ENTRY, SPA_ENTRY]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  return startServerProcess({
    args: [SERVER_ENTRY],
    cwd: ROOT,
    env: (port) => ({ ...process.env, DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' }),
  });
}

/**
 * One person with one account, signed in through the API: the session cookie (and the
 * app's marker of an earlier sign-in) land in a storage state that each dashboard run
 * starts from (the HTTP cache stays cold).
 */
type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;
const SIGNED_IN_BEFORE_KEY = 'vai-de-pix.signed-in-before';

async function signedInState(browser: Browser, base: string): Promise<StorageState> {
  const context = await browser.newContext({ baseURL: base });
  try {
    const email = `first-load.${randomBytes(4).toString('hex')}@example.com`;
    const registered = await context.request.post('/api/auth/register', {
      data: { email, password: BENCH_PASSWORD, name: 'Bench Pessoa' },
    });
    if (registered.status() !== 201) throw new Error(`register: ${registered.status()} ${await registered.text()}`);
    const account = await context.request.post('/api/accounts', {
      headers: { 'idempotency-key': randomBytes(16).toString('hex'), 'x-requested-with': 'vai-de-pix' },
      data: { name: 'Conta corrente', type: 'checking', initial_balance_cents: 150_000 },
    });
    if (account.status() !== 201) throw new Error(`create account: ${account.status()} ${await account.text()}`);
    // A returning person's browser also holds the app's "signed in here before" marker
    // (web/src/features/auth/visitMarker.ts), which lets the app fetch the dashboard early.
    const state = await context.storageState();
    return {
      ...state,
      origins: [{ origin: new URL(base).origin, localStorage: [{ name: SIGNED_IN_BEFORE_KEY, value: '1' }] }],
    };
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------- one measured load

interface Screen {
  name: string;
  /**
   * An expression, evaluated in the page (the server's type checker has no DOM), that is
   * true once the screen can be used.
   */
  ready: string;
  signedIn: boolean;
}

/** The newcomer's form: its submit button drawn and enabled. */
const NEWCOMER_FORM_READY = `(() => {
  const button = document.querySelector('form button[type="submit"]');
  return button !== null && !button.disabled && button.getClientRects().length > 0;
})()`;

/** The dashboard: the total balance drawn, so the accounts have loaded. */
const DASHBOARD_READY = `(() => {
  const balance = document.querySelector('[data-testid="total-balance"]');
  return balance !== null && balance.getClientRects().length > 0;
})()`;

/**
 * Checks `ready` every frame; once true, waits for a frame and then a task (the main thread
 * is free to answer input) and resolves with the page's clock. An expression evaluated in
 * the page, not a function: the app's Content-Security-Policy forbids eval, which
 * page.waitForFunction needs.
 */
function usableAt(ready: string): string {
  return `new Promise((resolve) => {
    const check = () => {
      if (${ready}) requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0));
      else requestAnimationFrame(check);
    };
    check();
  })`;
}

const SCREENS: readonly Screen[] = [
  { name: 'newcomer (sign-up / sign-in form)', ready: NEWCOMER_FORM_READY, signedIn: false },
  { name: 'signed in (dashboard)', ready: DASHBOARD_READY, signedIn: true },
];

interface LoadResult {
  usable_ms: number;
  js_bytes_until_usable: number;
  /** The same without response headers: the compressed JavaScript itself. */
  js_body_bytes_until_usable: number;
  bytes_until_usable: number;
  js_bytes_total: number;
  bytes_total: number;
  requests_total: number;
  statuses_5xx: number;
  /** Each request's path with when it was sent and finished (printed with BENCH_WATERFALL=1). */
  waterfall: string[];
}

/**
 * Bytes on the wire per request, by resource type, from CDP: loadingFinished counts headers
 * and the encoded body; the headers are what had arrived at responseReceived.
 */
class TransferLog {
  private readonly types = new Map<string, string>();
  private readonly headerBytes = new Map<string, number>();
  private readonly bytes = new Map<string, number>();
  private readonly timeline = new Map<string, { url: string; sent_s: number; finished_s?: number }>();
  fivexx = 0;

  sent(id: string, url: string, timestamp_s: number): void {
    this.timeline.set(id, { url, sent_s: timestamp_s });
  }

  received(id: string, response: { type: string; status: number; header_bytes: number }): void {
    this.types.set(id, response.type);
    this.headerBytes.set(id, response.header_bytes);
    if (response.status >= 500) this.fivexx += 1;
  }
  finished(id: string, encoded: number, timestamp_s: number): void {
    this.bytes.set(id, encoded);
    const entry = this.timeline.get(id);
    if (entry) entry.finished_s = timestamp_s;
  }
  /** Each request's path, when it was sent and when it finished, from the first request's start. */
  waterfall(): string[] {
    const entries = [...this.timeline.entries()].sort((a, b) => a[1].sent_s - b[1].sent_s);
    const start = entries[0]?.[1].sent_s ?? 0;
    const ms = (seconds: number) => ((seconds - start) * 1000).toFixed(0).padStart(5);
    return entries.map(([id, entry]) => {
      const path = new URL(entry.url).pathname + new URL(entry.url).search;
      const finished = entry.finished_s === undefined ? '    —' : ms(entry.finished_s);
      return `    ${ms(entry.sent_s)} → ${finished} ms  ${kB(this.bytes.get(id) ?? 0).padStart(9)}  ${path}`;
    });
  }
  totals(): { js: number; js_body: number; all: number; requests: number } {
    let js = 0;
    let jsBody = 0;
    let all = 0;
    for (const [id, bytes] of this.bytes) {
      all += bytes;
      if (this.types.get(id) !== 'Script') continue;
      js += bytes;
      jsBody += bytes - (this.headerBytes.get(id) ?? 0);
    }
    return { js, js_body: jsBody, all, requests: this.bytes.size };
  }
}

async function throttle(context: BrowserContext, page: Page, transfers: TransferLog): Promise<void> {
  const cdp = await context.newCDPSession(page);
  cdp.on('Network.responseReceived', (event) =>
    transfers.received(event.requestId, {
      type: event.type,
      status: event.response.status,
      header_bytes: event.response.encodedDataLength,
    }),
  );
  cdp.on('Network.requestWillBeSent', (event) => transfers.sent(event.requestId, event.request.url, event.timestamp));
  cdp.on('Network.loadingFinished', (event) => transfers.finished(event.requestId, event.encodedDataLength, event.timestamp));
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: ROUND_TRIP_MS,
    downloadThroughput: DOWNLOAD_BITS_PER_S / 8,
    uploadThroughput: UPLOAD_BITS_PER_S / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
}

/**
 * Loads `/` in a fresh context and returns the page's own clock (milliseconds since the
 * navigation started) once the screen is ready AND the main thread answers a frame and a
 * task: a form that is drawn but still frozen by script is not usable.
 */
async function measure(browser: Browser, base: string, screen: Screen, signedIn: StorageState): Promise<LoadResult> {
  const context = await browser.newContext({
    baseURL: base,
    viewport: PHONE_VIEWPORT,
    locale: 'pt-BR',
    timezoneId: 'America/Sao_Paulo',
    storageState: screen.signedIn ? signedIn : undefined,
  });
  try {
    const page = await context.newPage();
    const transfers = new TransferLog();
    await throttle(context, page, transfers);
    await page.goto('/', { waitUntil: 'commit' });
    const usable = page.evaluate<number>(usableAt(screen.ready));
    const usable_ms = await Promise.race([usable, page.waitForTimeout(USABLE_TIMEOUT_MS).then(() => Number.NaN)]);
    if (Number.isNaN(usable_ms)) throw new Error(`${screen.name}: not usable within ${USABLE_TIMEOUT_MS} ms`);
    const untilUsable = transfers.totals();
    await page.waitForLoadState('networkidle');
    const total = transfers.totals();
    return {
      usable_ms,
      js_bytes_until_usable: untilUsable.js,
      js_body_bytes_until_usable: untilUsable.js_body,
      bytes_until_usable: untilUsable.all,
      js_bytes_total: total.js,
      bytes_total: total.all,
      requests_total: total.requests,
      statuses_5xx: transfers.fivexx,
      waterfall: transfers.waterfall(),
    };
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------- report

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

function summarise(screen: Screen, results: readonly LoadResult[]): string[] {
  const usable = median(results.map((result) => result.usable_ms));
  const js = median(results.map((result) => result.js_body_bytes_until_usable));
  const lines = [
    `${screen.name}, median of ${results.length}:`,
    `  usable after      ${usable.toFixed(0)} ms  (runs: ${results.map((result) => result.usable_ms.toFixed(0)).join(', ')}) — goal ≤ ${USABLE_GOAL_MS} ms: ${usable <= USABLE_GOAL_MS ? 'met' : 'NOT met'}`,
    `  JS until usable   ${kB(js)} compressed, ${kB(median(results.map((result) => result.js_bytes_until_usable)))} with headers — goal < ${kB(FIRST_SCREEN_JS_GOAL_BYTES)}: ${js < FIRST_SCREEN_JS_GOAL_BYTES ? 'met' : 'NOT met'}`,
    `  all until usable  ${kB(median(results.map((result) => result.bytes_until_usable)))}`,
    `  JS, network idle  ${kB(median(results.map((result) => result.js_bytes_total)))}`,
    `  all, network idle ${kB(median(results.map((result) => result.bytes_total)))} in ${median(results.map((result) => result.requests_total))} requests`,
  ];
  const fivexx = results.reduce((sum, result) => sum + result.statuses_5xx, 0);
  if (fivexx > 0) lines.push(`  WARNING: ${fivexx} responses ≥ 500`);
  return lines;
}

// ---------------------------------------------------------------- main

function launchOptions() {
  const project = playwrightConfig.projects?.[0];
  return { ...project?.use?.launchOptions };
}

async function pgbenchFigure(url: string, databases: BenchDatabase[]): Promise<void> {
  if (PGBENCH_DURATION_S === 0) return;
  const database = await createDatabase(url, 'vdp_pgbench_s1');
  databases.push(database);
  await pgbenchInit(database.url, 1);
  const note = await waitForQuiet({ wait_s: QUIET_WAIT_S, busy_max_percent: QUIET_BUSY_MAX_PERCENT });
  const tpcb = await pgbenchTpcb(database.url, 1, PGBENCH_DURATION_S);
  log(
    `pgbench tpcb-like, scale 1, 1 client, ${PGBENCH_DURATION_S} s on the same server: ${tpcb.tps.toFixed(0)} tps, ${tpcb.latency_average_ms.toFixed(2)} ms average (${note})`,
  );
}

async function main(setCleanup: (cleanup: () => Promise<void>) => void): Promise<number> {
  const url = adminUrl();
  const databases: BenchDatabase[] = [];
  // The app started here, or the one at BENCH_BASE_URL (no child process of ours).
  let server: Pick<RunningServer, 'base' | 'stop'> | undefined;
  let browser: Browser | undefined;
  setCleanup(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    for (const database of databases) await database.drop().catch((error) => console.error(`drop ${database.name}:`, error));
  });

  const machine = machineFacts();
  const facts = await serverFacts(url);
  log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; PostgreSQL: ${facts.version}`);
  log(
    `profile: ${DOWNLOAD_BITS_PER_S / 1e6} Mbps down, ${UPLOAD_BITS_PER_S / 1e3} kbps up, ${ROUND_TRIP_MS} ms round trip, CPU ${CPU_SLOWDOWN}× slower, ${PHONE_VIEWPORT.width}×${PHONE_VIEWPORT.height}, cold cache; ${RUNS} runs per screen`,
  );
  if (BASE_URL) {
    server = { base: BASE_URL, stop: async () => {} };
  } else {
    const database = await createDatabase(url, 'vdp_firstload');
    databases.push(database);
    server = await startServer(database.url);
  }
  log(`app: ${server.base}`);

  browser = await chromium.launch(launchOptions());
  const signedIn = await signedInState(browser, server.base);
  const results: Record<string, LoadResult[]> = {};
  for (const screen of SCREENS) {
    const runs: LoadResult[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const note = await waitForQuiet({ wait_s: QUIET_WAIT_S, busy_max_percent: QUIET_BUSY_MAX_PERCENT });
      const result = await measure(browser, server.base, screen, signedIn);
      log(
        `  ${screen.name} run ${run + 1}: usable ${result.usable_ms.toFixed(0)} ms, JS ${kB(result.js_bytes_until_usable)} (${note})`,
      );
      if (WATERFALL) for (const line of result.waterfall) log(line);
      runs.push(result);
    }
    results[screen.name] = runs;
  }
  log();
  for (const screen of SCREENS) for (const line of summarise(screen, results[screen.name] ?? [])) log(line);
  log();
  await pgbenchFigure(url, databases);
  output.write(RESULTS_DIR, 'first-load', { machine, facts, settings: { RUNS, BASE_URL }, results });
  const fivexx = Object.values(results)
    .flat()
    .some((result) => result.statuses_5xx > 0);
  return fivexx ? 1 : 0;
}

runBench('stopping the app and dropping the bench databases', main);
