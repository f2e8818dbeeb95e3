import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres.js';
import { type Attempt, type ClientPlan, checkHistory, type Operation, outcomes, runClients } from './history.js';
import {
  call,
  killHard,
  killStartedProcesses,
  launchApi,
  observerPool,
  requireBuild,
  STARTUP_TIMEOUT_MS,
  seededRandom,
  setUpPerson,
  sleep,
  waitFor,
  waitListening,
} from './support.js';

/**
 * kill -9 of a real API process (node dist/main.js) while eight clients post transfers,
 * incomes and expenses, each retrying its own Idempotency-Key on a lost connection, a 5xx
 * or a key still in flight. The first kill lands while commits are held after they reached
 * the disk and before their answers left: a synchronous standby is required that does not
 * exist, so each COMMIT waits, durable but unanswered, until the process is gone and the
 * requirement is lifted. Those requests took effect and their clients never heard; their
 * retries must replay, not post again. The second kill lands wherever the load is.
 * The database is a throwaway server (ALTER SYSTEM is needed), never the shared one.
 */
const CLIENTS = 8;
const OPERATIONS_PER_CLIENT = 30;
const ACCOUNTS = 16;
/** Two clients give up after a few attempts, so some keys end unanswered. */
const IMPATIENT_CLIENTS = 2;
const IMPATIENT_ATTEMPTS_MAX = 3;
/** The others keep retrying (with 50–100 ms pauses) far longer than any outage here lasts. */
const PATIENT_ATTEMPTS_MAX = 600;
/** Commits held before the first kill: enough that the replay path is certainly walked. */
const HELD_COMMITS_MIN = 2;
const PHASE_TIMEOUT_MS = 30_000;
const FILE_TIMEOUT_MS = 180_000;
const SEED = Number(process.env.FAILURE_SEED ?? 15);

function plans(accountIds: string[]): ClientPlan[] {
  const random = seededRandom(SEED);
  const pick = () => accountIds[Math.floor(random() * accountIds.length)] as string;
  const operation = (): Operation => {
    const amount_cents = 1 + Math.floor(random() * 5_000);
    const roll = random();
    if (roll < 0.6) {
      const from_account_id = pick();
      let to_account_id = pick();
      while (to_account_id === from_account_id) to_account_id = pick();
      return { kind: 'transfer', from_account_id, to_account_id, amount_cents };
    }
    return { kind: roll < 0.8 ? 'expense' : 'income', account_id: pick(), amount_cents };
  };
  return Array.from({ length: CLIENTS }, (_, client) => ({
    operations: Array.from({ length: OPERATIONS_PER_CLIENT }, operation),
    attemptsMax: client < IMPATIENT_CLIENTS ? IMPATIENT_ATTEMPTS_MAX : PATIENT_ATTEMPTS_MAX,
  }));
}

const successes = (history: Attempt[]) => history.filter((attempt) => attempt.status >= 200 && attempt.status < 300).length;

let database: ThrowawayPostgres;

beforeAll(async () => {
  requireBuild();
  database = await startThrowawayPostgres();
}, STARTUP_TIMEOUT_MS);

afterAll(async () => {
  await killStartedProcesses();
  await database?.destroy();
});

describe('kill -9 of the API under retried writes', { timeout: FILE_TIMEOUT_MS }, () => {
  it('every key answered took effect once, every key abandoned at most once, replays are byte-equal, the ledger is whole', async () => {
    const startedAt = Date.now();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { DATABASE_URL: database.url, PORT: String(port) };
    const admin = observerPool(database.url);
    try {
      let api = launchApi(env);
      await waitListening(api);
      const setUp = await setUpPerson(base, ACCOUNTS);
      const history: Attempt[] = [];
      const load = runClients(base, setUp.token, plans(setUp.accountIds), history);
      await waitFor(() => successes(history) >= 40, PHASE_TIMEOUT_MS, 'writes before the first kill', api.output);

      // Hold every COMMIT after it is durable: a synchronous standby nobody provides.
      await admin.query("ALTER SYSTEM SET synchronous_standby_names = 'vdp_phantom_standby'");
      await admin.query('SELECT pg_reload_conf()');
      const heldCommits = async () =>
        Number(
          (
            await admin.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND application_name = 'vai-de-pix'",
            )
          ).rows[0]?.n,
        );
      await waitFor(async () => (await heldCommits()) >= HELD_COMMITS_MIN, PHASE_TIMEOUT_MS, 'commits held', api.output);
      const held = await heldCommits();
      await killHard(api);
      await admin.query('ALTER SYSTEM RESET synchronous_standby_names');
      await admin.query('SELECT pg_reload_conf()');
      await waitFor(async () => (await heldCommits()) === 0, PHASE_TIMEOUT_MS, 'the held commits to finish');
      const firstKillAt = history.length;

      api = launchApi(env);
      await waitListening(api);
      await waitFor(() => successes(history.slice(firstKillAt)) >= 30, PHASE_TIMEOUT_MS, 'writes after the restart', api.output);

      // The second kill, wherever the load happens to be.
      await killHard(api);
      await sleep(300);
      api = launchApi(env);
      await waitListening(api);
      await load;

      const verdict = await checkHistory(admin, history, setUp.accountIds);
      const read: Record<string, number> = {};
      for (const id of setUp.accountIds) {
        const account = await call(`${base}/api/accounts/${id}`, { headers: { authorization: `Bearer ${setUp.token}` } });
        expect(account.status).toBe(200);
        read[id] = Number(account.body.balance_cents);
      }
      console.info(
        `kill-api: ${verdict.keys} keys, ${verdict.attempts} attempts ${JSON.stringify(outcomes(history))}; ` +
          `${held} commits held at the first kill; ${verdict.answeredByReplay} keys first answered by a replay (an answer lost); ` +
          `${verdict.gaveUp} keys abandoned (${verdict.gaveUpWithEffect} of them took effect); ${Date.now() - startedAt} ms`,
      );
      expect(verdict.violations).toEqual([]);
      expect(read).toEqual(Object.fromEntries(verdict.expectedBalances));
      // The history walked the paths the check is about.
      expect(verdict.answeredByReplay).toBeGreaterThan(0);
      expect(verdict.gaveUp).toBeGreaterThan(0);
      expect(history.filter((attempt) => attempt.status === 500)).toEqual([]);
      await expectLedgerInvariants(admin);

      api.child.kill('SIGTERM');
      expect(await api.exited).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
