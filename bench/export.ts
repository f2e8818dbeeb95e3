/**
 * bench/export — the LGPD export of one person at 10,000 and at 100,000 transactions, JSON and
 * ZIP: time, bytes, and the process's peak RSS and heap while it streams, so it shows whether
 * memory stays flat as the person's history grows (the export reads keyset pages of
 * EXPORT_PAGE_ROWS and writes each before the next). The service is called directly (no HTTP);
 * the bytes are counted and dropped, as a socket would take them. pgbench tpcb-like runs on the
 * same server in the same run, to say how busy the machine was.
 *
 *   npm run bench:export
 *   BENCH_EXPORT_SIZES=10000,100000 npm run bench:export
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { systemClock } from '../src/lib/clock.js';
import { EXPORT_PAGE_ROWS, type ExportFormat, PrivacyService } from '../src/modules/privacy/privacy.service.js';
import {
  adminUrl,
  type BenchDatabase,
  createDatabase,
  formatTable,
  integerEnv,
  integerListEnv,
  machineFacts,
  pgbenchInit,
  pgbenchTpcb,
  Report,
  runBench,
  serverFacts,
} from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = `${ROOT}bench/results`;
const SIZES = integerListEnv('BENCH_EXPORT_SIZES', [10_000, 100_000], { min: 100, max: 2_000_000 });
const PGBENCH_SECONDS = integerEnv('BENCH_PGBENCH_S', 10, { min: 1, max: 600 });
/** How often memory is sampled while an export runs. */
const SAMPLE_MS = 5;
/**
 * How often the third run collects garbage before reading the heap: what is still live then is
 * what the export holds, which is the figure that must not grow with the person's history (the
 * peak heap of an ordinary run also counts garbage V8 has not collected yet).
 */
const LIVE_SAMPLE_MS = 50;
const SEED_DAYS = 3 * 365;
const MIB = 1024 * 1024;

/**
 * One person with `transactions` incomes and expenses on two accounts, written as the ledger
 * writes them (a header and two legs each, running balances and versions, cached balances) in
 * one transaction: the deferred double-entry triggers check every one at COMMIT. Descriptions
 * carry a comma, a quote and accents, so the CSV quoting is part of the cost.
 */
async function seedPerson(pool: pg.Pool, transactions: number): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const person = await client.query<{ id: string }>(
      `INSERT INTO users (id, email, name, password_hash)
       VALUES (gen_random_uuid(), 'bench.export.' || $1 || '@example.com', 'Pessoa Exportação', 'not-a-hash') RETURNING id`,
      [transactions],
    );
    const userId = person.rows[0]?.id as string;
    await client.query('SELECT provision_user($1)', [userId]);
    await client.query(
      `INSERT INTO accounts (id, user_id, name, type, created_at)
       VALUES (gen_random_uuid(), $1, 'Conta corrente', 'checking', now() - interval '${SEED_DAYS + 1} days'),
              (gen_random_uuid(), $1, 'Carteira', 'cash', now() - interval '${SEED_DAYS + 1} days')`,
      [userId],
    );
    await client.query(
      `CREATE TEMP TABLE bench_tx ON COMMIT DROP AS
       WITH p AS (
         SELECT (SELECT array_agg(id ORDER BY id) FROM accounts WHERE user_id = $1 AND type IN ('checking', 'cash')) AS own,
                (SELECT id FROM accounts WHERE user_id = $1 AND type = 'income') AS income,
                (SELECT id FROM accounts WHERE user_id = $1 AND type = 'expense') AS expense,
                (SELECT id FROM categories WHERE user_id = $1 AND system_key = 'food') AS food
       )
       SELECT gen_random_uuid() AS id, CASE WHEN g % 3 = 0 THEN 'income' ELSE 'expense' END AS kind,
              p.own[1 + g % 2] AS account_id,
              CASE WHEN g % 3 = 0 THEN p.income ELSE p.expense END AS counterparty_account_id,
              CASE WHEN g % 3 = 0 THEN 30000 ELSE 100 + g % 9000 END::bigint AS amount_cents,
              CASE WHEN g % 3 = 0 THEN NULL ELSE p.food END AS category_id,
              'Padaria São João, "Centro" nº ' || g AS description,
              now() - make_interval(days => $3) + (g::double precision / $2) * make_interval(days => $3) AS created_at
         FROM generate_series(1, $2) AS g CROSS JOIN p`,
      [userId, transactions, SEED_DAYS],
    );
    await client.query(
      `INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
                                 category_id, occurred_on, policy_version, created_at)
       SELECT id, $1, kind, account_id, counterparty_account_id, amount_cents, description, category_id,
              (created_at AT TIME ZONE 'America/Sao_Paulo')::date, 'ledger_v2', created_at
         FROM bench_tx ORDER BY created_at`,
      [userId],
    );
    await client.query(
      `CREATE TEMP TABLE bench_legs ON COMMIT DROP AS
       SELECT id AS transaction_id, account_id, CASE kind WHEN 'income' THEN amount_cents ELSE -amount_cents END AS amount_cents, created_at
         FROM bench_tx
       UNION ALL
       SELECT id, counterparty_account_id, CASE kind WHEN 'income' THEN -amount_cents ELSE amount_cents END, created_at
         FROM bench_tx`,
    );
    await client.query(
      `INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
       SELECT l.transaction_id, l.account_id, $1, l.amount_cents,
              sum(l.amount_cents) OVER running, row_number() OVER running, l.created_at
         FROM bench_legs l
       WINDOW running AS (PARTITION BY l.account_id ORDER BY l.created_at, l.transaction_id)`,
      [userId],
    );
    await client.query(
      `UPDATE accounts SET balance_cents = moved.sum_cents, row_version = 1 + moved.legs
         FROM (SELECT account_id, sum(amount_cents) AS sum_cents, count(*)::int AS legs FROM bench_legs GROUP BY account_id) AS moved
        WHERE accounts.id = moved.account_id`,
    );
    await client.query('COMMIT');
    return userId;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

interface Measured {
  /** Peak heap right after a full collection, in a separate run (see LIVE_SAMPLE_MS). */
  peakLiveHeapMib?: number;
  seconds: number;
  bytes: number;
  peakRssMib: number;
  peakHeapMib: number;
  heapGrowthMib: number;
}

/** One export streamed to a counting sink, with memory sampled every SAMPLE_MS. */
async function measure(
  privacy: PrivacyService,
  userId: string,
  format: ExportFormat,
  options: { collectWhileSampling: boolean } = { collectWhileSampling: false },
): Promise<Measured> {
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage.rss();
  let peakHeap = heapBefore;
  const sampler = setInterval(
    () => {
      if (options.collectWhileSampling) collect?.();
      const usage = process.memoryUsage();
      peakRss = Math.max(peakRss, usage.rss);
      peakHeap = Math.max(peakHeap, usage.heapUsed);
    },
    options.collectWhileSampling ? LIVE_SAMPLE_MS : SAMPLE_MS,
  );
  let bytes = 0;
  const started = performance.now();
  try {
    const download = await privacy.export(userId, format);
    await pipeline(
      download.stream,
      new Writable({
        write(chunk: Buffer | string, _encoding, callback) {
          bytes += Buffer.byteLength(chunk);
          callback();
        },
      }),
    );
  } finally {
    clearInterval(sampler);
  }
  return {
    seconds: (performance.now() - started) / 1000,
    bytes,
    peakRssMib: peakRss / MIB,
    peakHeapMib: peakHeap / MIB,
    heapGrowthMib: (peakHeap - heapBefore) / MIB,
  };
}

runBench('bench/export', async (setCleanup) => {
  const url = adminUrl();
  const databases: BenchDatabase[] = [];
  let pool: pg.Pool | undefined;
  setCleanup(async () => {
    await pool?.end();
    for (const database of databases) await database.drop();
  });
  const report = new Report();
  report.log(`bench/export — people with ${SIZES.join(' and ')} transactions, JSON and ZIP, pages of ${EXPORT_PAGE_ROWS} rows`);
  report.log(JSON.stringify({ machine: machineFacts(), server: await serverFacts(url) }));
  if (!(globalThis as { gc?: () => void }).gc) report.log('note: run with node --expose-gc for comparable heap figures');
  const database = await createDatabase(url, 'vdp_export');
  databases.push(database);
  pool = createPool(database.url, { max: 4, applicationName: 'vai-de-pix-bench-export' });
  await migrate(pool);
  const privacy = new PrivacyService({ pool, clock: systemClock, rateLimitKeysOf: () => [] });

  const rows: string[][] = [];
  const figures: Record<string, Measured> = {};
  for (const size of SIZES) {
    const seedStarted = performance.now();
    const userId = await seedPerson(pool, size);
    await pool.query('VACUUM ANALYZE');
    report.log(`seeded ${size} transactions in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
    for (const format of ['json', 'zip'] as const) {
      // A first run warms the caches and the JIT; the second is the one reported.
      await measure(privacy, userId, format);
      const result = await measure(privacy, userId, format);
      result.peakLiveHeapMib = (await measure(privacy, userId, format, { collectWhileSampling: true })).peakHeapMib;
      figures[`${format}_${size}`] = result;
      rows.push([
        String(size),
        format,
        result.seconds.toFixed(2),
        (result.bytes / MIB).toFixed(1),
        (result.bytes / MIB / result.seconds).toFixed(1),
        result.peakRssMib.toFixed(0),
        result.peakHeapMib.toFixed(0),
        result.heapGrowthMib.toFixed(1),
        result.peakLiveHeapMib.toFixed(1),
      ]);
    }
  }
  report.log(
    formatTable(
      [
        'transactions',
        'format',
        'seconds',
        'MiB',
        'MiB/s',
        'peak RSS MiB',
        'peak heap MiB',
        'heap growth MiB',
        'peak live heap MiB',
      ],
      rows,
    ),
  );

  const pgbenchDatabase = await createDatabase(url, 'vdp_export_pgbench');
  databases.push(pgbenchDatabase);
  await pgbenchInit(pgbenchDatabase.url, 1);
  const tpcb = await pgbenchTpcb(pgbenchDatabase.url, 1, PGBENCH_SECONDS);
  report.log(`pgbench tpcb-like, scale 1, 1 client, ${PGBENCH_SECONDS} s, same server: ${tpcb.tps.toFixed(0)} tps`);
  report.write(RESULTS_DIR, 'export', { figures, tpcb });
  return 0;
});
