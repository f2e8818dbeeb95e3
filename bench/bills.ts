/**
 * bench/bills — a credit card with years of history: how long reading its bills takes (the
 * list, one bill) and how long a payment naming its bill takes, p50/p95/max, with pgbench
 * tpcb-like on the same server in the same run for scale. Bills are derived on every read
 * (cards_v1), so the read costs grow with the card's history; this says how much. The card is
 * filled through the API (inject, no socket), so every purchase takes the real road.
 * See docs/PERFORMANCE.md ("Credit card bills (issue 16)").
 *
 *   npm run bench:bills
 *   BENCH_YEARS=2 BENCH_PER_MONTH=20 BENCH_ROUNDS=20 npm run bench:bills
 */
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { dayOf } from '../src/lib/calendar.js';
import { fixedClock } from '../src/lib/clock.js';
import {
  adminUrl,
  type BenchDatabase,
  createDatabase,
  formatTable,
  integerEnv,
  machineFacts,
  pgbenchInit,
  pgbenchTpcb,
  quantile,
  Report,
  runBench,
  serverFacts,
  waitForQuiet,
} from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = `${ROOT}bench/results`;
const YEARS = integerEnv('BENCH_YEARS', 10, { min: 1, max: 40 });
const PER_MONTH = integerEnv('BENCH_PER_MONTH', 50, { min: 1, max: 1_000 });
const ROUNDS = integerEnv('BENCH_ROUNDS', 40, { min: 5, max: 10_000 });
const PGBENCH_SECONDS = integerEnv('BENCH_PGBENCH_S', 10, { min: 1, max: 600 });
const TODAY = '2026-11-10';
/** One purchase in five is in 10 installments. */
const INSTALLMENT_EVERY = 5;
const INSTALLMENTS = 10;
const LIST_LIMIT = 100;

type Inject = (method: 'GET' | 'POST', url: string, body?: unknown) => Promise<{ status: number; json: () => unknown }>;

function clientOf(app: FastifyInstance, token: string): Inject {
  return async (method, url, body) => {
    const response = await app.inject({ method, url, payload: body as object, headers: { authorization: `Bearer ${token}` } });
    return { status: response.statusCode, json: () => response.json() };
  };
}

async function expectOk(answer: Promise<{ status: number; json: () => unknown }>, status: number) {
  const response = await answer;
  if (response.status !== status)
    throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(response.json())}`);
  return response.json() as Record<string, unknown>;
}

/** YEARS of monthly purchases up to TODAY, a fifth in installments, and a payment a month from checking. */
async function seed(call: Inject): Promise<{ cardId: string; checkingId: string; purchases: number }> {
  const card = await expectOk(
    call('POST', '/api/accounts', {
      name: 'Cartão',
      type: 'credit_card',
      credit_limit_cents: 100_000_000_000,
      closing_day: 3,
      due_day: 10,
    }),
    201,
  );
  const checking = await expectOk(
    call('POST', '/api/accounts', { name: 'Conta', type: 'checking', initial_balance_cents: 10_000_000_000 }),
    201,
  );
  let purchases = 0;
  const [todayYear, todayMonth] = TODAY.split('-').map(Number) as [number, number];
  for (let back = YEARS * 12 - 1; back >= 0; back -= 1) {
    const index = todayYear * 12 + (todayMonth - 1) - back;
    const year = Math.floor(index / 12);
    const month = (index % 12) + 1;
    for (let n = 0; n < PER_MONTH; n += 1) {
      const day = dayOf(year, month, 1 + (n % 28));
      if (day > TODAY) continue;
      purchases += 1;
      await expectOk(
        call('POST', '/api/transactions', {
          account_id: card.id,
          type: 'expense',
          amount_cents: 1_000 + ((n * 7919) % 50_000),
          description: `Compra ${n}`,
          occurred_on: day,
          ...(n % INSTALLMENT_EVERY === 0 ? { installments: INSTALLMENTS } : {}),
        }),
        201,
      );
    }
    const payDay = dayOf(year, month, 8);
    if (payDay <= TODAY) {
      await expectOk(
        call('POST', '/api/transfers', {
          from_account_id: checking.id,
          to_account_id: card.id,
          amount_cents: 1_000 * PER_MONTH * 10,
          occurred_on: payDay,
        }),
        201,
      );
    }
  }
  return { cardId: card.id as string, checkingId: checking.id as string, purchases };
}

async function timed(rounds: number, work: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const started = process.hrtime.bigint();
    await work();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times.sort((a, b) => a - b);
}

const ms = (value: number) => value.toFixed(1);

runBench('bench/bills', async (setCleanup) => {
  const url = adminUrl();
  const databases: BenchDatabase[] = [];
  let pool: pg.Pool | undefined;
  let app: FastifyInstance | undefined;
  setCleanup(async () => {
    await app?.close();
    await pool?.end();
    for (const database of databases) await database.drop();
  });
  const report = new Report();
  report.log(
    `bench/bills — a card with ${YEARS} years × ${PER_MONTH} purchases a month (1 in ${INSTALLMENT_EVERY} in ${INSTALLMENTS}×)`,
  );
  report.log(JSON.stringify({ machine: machineFacts(), server: await serverFacts(url) }));
  const database = await createDatabase(url, 'vdp_bills');
  databases.push(database);
  pool = createPool(database.url, { max: 4 });
  await migrate(pool);
  app = await buildApp({ config: loadConfig({ DATA_DIR: '/nonexistent' }), pool, clock: fixedClock(`${TODAY}T15:00:00Z`) });
  await app.ready();
  const registered = await app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email: 'bench.bills@example.com', password: 'senha-forte-123', name: 'Pessoa Bench' },
  });
  const call = clientOf(app, registered.json().token as string);
  const seeding = Date.now();
  const { cardId, checkingId, purchases } = await seed(call);
  report.log(`seeded ${purchases} purchases through the API in ${((Date.now() - seeding) / 1000).toFixed(0)} s`);
  report.log(await waitForQuiet({ wait_s: 60, busy_max_percent: 25 }));

  const list = (await expectOk(call('GET', `/api/accounts/${cardId}/bills?limit=${LIST_LIMIT}`), 200)) as {
    total: number;
    items: Array<{ id: string; status: string }>;
  };
  const open = list.items.find((bill) => bill.status === 'open') ?? list.items[0];
  if (!open) throw new Error('no bill');
  const figures = {
    list: await timed(ROUNDS, () => expectOk(call('GET', `/api/accounts/${cardId}/bills?limit=${LIST_LIMIT}`), 200)),
    one: await timed(ROUNDS, () => expectOk(call('GET', `/api/accounts/${cardId}/bills/${open.id}`), 200)),
    payment: await timed(ROUNDS, () =>
      expectOk(
        call('POST', '/api/transfers', {
          from_account_id: checkingId,
          to_account_id: cardId,
          amount_cents: 100,
          bill_id: open.id,
        }),
        201,
      ),
    ),
    purchase: await timed(ROUNDS, () =>
      expectOk(
        call('POST', '/api/transactions', { account_id: cardId, type: 'expense', amount_cents: 100, description: 'x' }),
        201,
      ),
    ),
  };
  report.log(`${list.total} bills`);
  report.log(
    formatTable(
      ['request', 'p50 ms', 'p95 ms', 'max ms'],
      [
        [`GET bills (limit ${LIST_LIMIT})`, figures.list],
        ['GET one bill', figures.one],
        ['POST transfer with bill_id', figures.payment],
        ['POST purchase (à vista)', figures.purchase],
      ].map(([label, times]) => {
        const sorted = times as number[];
        return [
          label as string,
          ms(quantile(sorted, 0.5)),
          ms(quantile(sorted, 0.95)),
          ms(sorted[sorted.length - 1] ?? Number.NaN),
        ];
      }),
    ),
  );

  const pgbenchDatabase = await createDatabase(url, 'vdp_bills_pgbench');
  databases.push(pgbenchDatabase);
  await pgbenchInit(pgbenchDatabase.url, 1);
  const tpcb = await pgbenchTpcb(pgbenchDatabase.url, 1, PGBENCH_SECONDS);
  report.log(`pgbench tpcb-like, scale 1, 1 client, ${PGBENCH_SECONDS} s, same server: ${tpcb.tps.toFixed(0)} tps`);
  report.write(RESULTS_DIR, 'bills', { figures, tpcb, purchases, bills: list.total });
  return 0;
});
