import pg from 'pg';
import { resolveAdminUrl, stopAdminServer } from '../helpers/db.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { type AppServer, assertAppBuilt, startAppServer } from './app-server.js';
import { DEFAULT_E2E_CLOCK_START, E2E_CLOCK_RUN_START_VARIABLE, E2E_CLOCK_START_VARIABLE, saoPauloDay } from './clock.js';

/** The browser tests post money through the screens: the ledger they leave must hold its invariants. */
async function checkLedger(databaseUrl: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    await expectLedgerInvariants(pool);
  } finally {
    await pool.end();
  }
}

/**
 * The start instant of the run's clock, E2E_CLOCK_START or an ordinary day, as given (the
 * server checks it strictly again, e.g. refuses a 29 February that does not exist).
 */
function runStart(): { text: string; at: Date } {
  const text = process.env[E2E_CLOCK_START_VARIABLE] || DEFAULT_E2E_CLOCK_START;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new Error(`${E2E_CLOCK_START_VARIABLE} is not an instant: ${JSON.stringify(text)}`);
  return { text, at };
}

/**
 * The latest instant the server's clock gave a row: it stamps each transaction and each
 * session with it (not with the database's now()), so this is as far as that clock got.
 */
const LATEST_SERVER_STAMP_SQL = `SELECT greatest((SELECT max(created_at) FROM transactions),
                                                  (SELECT max(created_at) FROM sessions)) AS latest`;

/**
 * A run whose server clock reached the next day in São Paulo has pages and helpers that
 * computed "today" before it and checks after it: its results mean nothing, so it fails
 * and says why. A run that wrote no row fails too, because it would check nothing.
 */
async function expectSameDay(databaseUrl: string, started: Date): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let latest: Date | null;
  try {
    const result = await client.query<{ latest: Date | null }>(LATEST_SERVER_STAMP_SQL);
    latest = result.rows[0]?.latest ?? null;
  } finally {
    await client.end();
  }
  if (latest === null)
    throw new Error('the browser tests wrote no transaction or session: nothing shows where the server clock got');
  if (saoPauloDay(latest) !== saoPauloDay(started)) {
    throw new Error(
      `the server's clock crossed midnight in São Paulo (${started.toISOString()} to ${latest.toISOString()}): start ${E2E_CLOCK_START_VARIABLE} earlier in the day`,
    );
  }
}

/**
 * Starts the built app against a fresh database with the run's clock (app-server.ts) and
 * publishes its address for the workers, and returns the teardown (Playwright runs it
 * after all tests): stop the app, check the ledger the tests left, drop the database.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  assertAppBuilt();
  // Pin the PostgreSQL server once (a throwaway embedded one if none is given or running),
  // so creating and dropping the databases, here and in the workers, talk to one server.
  process.env.VDP_TEST_ADMIN_URL = await resolveAdminUrl();
  const start = runStart();
  let app: AppServer;
  try {
    app = await startAppServer({ clockStart: start.text });
  } catch (error) {
    await stopAdminServer();
    throw error;
  }
  process.env.E2E_BASE_URL = app.baseUrl;
  // For tests that run a job as an operator would (`npm run job`), against the app's database.
  process.env.E2E_DATABASE_URL = app.databaseUrl;
  process.env[E2E_CLOCK_RUN_START_VARIABLE] = start.at.toISOString();

  return async () => {
    try {
      await app.stopApp();
      await checkLedger(app.databaseUrl);
      await expectSameDay(app.databaseUrl, start.at);
    } finally {
      try {
        await app.stop();
      } finally {
        await stopAdminServer();
      }
    }
  };
}
