/**
 * bench/hot-tables — what each thing added to the transfer's tables since `ee8cdcf` costs
 * PostgreSQL per transfer. The transfer as one PL/pgSQL call (bench/one-call-transfer.ts: the
 * app's schema, triggers and constraints, plans cached) runs under pgbench -M prepared on
 * databases that differ by one variant each, in rounds whose order turns each time, after a quiet
 * machine; PostgreSQL's CPU per transfer counts every process of the server (the database's
 * backends, the time of those that exit, and the background processes), and tpcb-like runs in
 * every round for scale. The app's own work is not in it, nor the insights' staleness update the
 * app's posting makes: what is measured is what the schema makes PostgreSQL do.
 *
 *   npx tsx bench/hot-tables.ts
 *   BENCH_ROUNDS=4 BENCH_DURATION_S=10 BENCH_CONNECTIONS=8 npx tsx bench/hot-tables.ts
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { ONE_CALL_PGBENCH_SCRIPT, seedOneCallTransfer } from './one-call-transfer.js';
import * as bench from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = `${ROOT}bench/results`;
const SCRATCH_PARENT = `${ROOT}node_modules/.cache/vai-de-pix-bench`;

const ROUNDS = bench.integerEnv('BENCH_ROUNDS', 4, { min: 1, max: 20 });
const DURATION_S = bench.integerEnv('BENCH_DURATION_S', 10, { min: 1, max: 600 });
const WARMUP_S = bench.integerEnv('BENCH_WARMUP_S', 3, { min: 1, max: 60 });
const CONNECTIONS = bench.integerEnv('BENCH_CONNECTIONS', 8, { min: 1, max: 64 });
const QUIET_WAIT_S = bench.integerEnv('BENCH_QUIET_WAIT_S', 180, { min: 0, max: 3600 });
const QUIET_BUSY_MAX_PERCENT = 15;
const TPCB_SCALE = 10;
/** What a person types for a transfer; the search index takes its trigrams. */
const DESCRIPTION = 'Transferência para a poupança';

const SEARCH_INDEX = 'DROP INDEX transactions_description_search_idx';
const CARD_CHECKS = `ALTER TABLE accounts DROP CONSTRAINT accounts_card_days_only_cards, DROP CONSTRAINT accounts_card_days_range,
  DROP CONSTRAINT accounts_card_days_together, DROP CONSTRAINT accounts_closing_day_purchases_known`;
const COVERING_COLUMN = `DROP INDEX ledger_entries_account_time_idx;
  CREATE INDEX ledger_entries_account_time_idx ON ledger_entries (account_id, created_at, id)`;
const CORRECTIONS = `DROP INDEX transactions_corrects_key;
  ALTER TABLE transactions DROP CONSTRAINT transactions_corrects_fkey, DROP CONSTRAINT transactions_correction_kind`;
const DELETED_PERSON_GUARD = 'DROP TRIGGER transactions_not_for_deleted_person ON transactions';

/** Each variant is the migrated schema less what its statements drop. */
const VARIANTS: ReadonlyArray<{ name: string; sql: string }> = [
  { name: 'schema as is', sql: '' },
  { name: 'without the search index (GIN trigram on the description)', sql: SEARCH_INDEX },
  { name: 'without the four card CHECKs on accounts', sql: CARD_CHECKS },
  { name: 'without the amount carried in the account-time index', sql: COVERING_COLUMN },
  { name: "without the corrections' unique index, foreign key and CHECK", sql: CORRECTIONS },
  { name: "without the deleted person's guard on transactions (a trigger)", sql: DELETED_PERSON_GUARD },
  {
    name: 'without all four',
    sql: [SEARCH_INDEX, CARD_CHECKS, COVERING_COLUMN, CORRECTIONS].join(';\n'),
  },
];

interface Measurement {
  round: number;
  name: string;
  transactions: number;
  per_s: number;
  /** Every process of the server, per transaction. */
  postgres_cpu_ms: number;
  /** Of which the database's backends, up to the last poll that saw each. */
  backends_cpu_ms: number;
  pgbench_cpu_ms: number;
  machine_busy_ms: number;
}

const output = new bench.Report();
const log = output.log;

async function measure(round: number, name: string, url: string, script: string[], postmaster: number): Promise<Measurement> {
  const database = new URL(url).pathname.slice(1);
  const machineBefore = bench.machineCpuSeconds();
  const server = bench.trackPostgresServer(postmaster, [database]);
  const result = await bench.pgbenchRun(url, { clients: CONNECTIONS, duration_s: DURATION_S, script });
  const cpu = server.stop();
  const machineAfter = bench.machineCpuSeconds();
  const perTransaction = (seconds: number) => (1000 * seconds) / result.transactions;
  const backends = cpu.byDatabase[database] ?? 0;
  return {
    round,
    name,
    transactions: result.transactions,
    per_s: result.tps,
    postgres_cpu_ms: perTransaction(backends + cpu.otherDatabases + cpu.background),
    backends_cpu_ms: perTransaction(backends),
    pgbench_cpu_ms: result.client_cpu_ms_per_tx,
    machine_busy_ms: perTransaction(machineAfter.busy - machineBefore.busy),
  };
}

function report(measurements: readonly Measurement[]): string {
  const names = [...VARIANTS.map((variant) => variant.name), 'tpcb-like'];
  const asIs = bench.median(measurements.filter((m) => m.name === 'schema as is').map((m) => m.postgres_cpu_ms));
  const rows = names.map((name) => {
    const mine = measurements.filter((m) => m.name === name);
    const cpu = mine.map((m) => m.postgres_cpu_ms);
    const perS = bench.median(mine.map((m) => m.per_s));
    const mid = bench.median(cpu);
    return [
      name,
      perS.toFixed(0),
      mid.toFixed(3),
      `${Math.min(...cpu).toFixed(3)}–${Math.max(...cpu).toFixed(3)}`,
      name === 'tpcb-like' ? '' : `${(((mid - asIs) / asIs) * 100).toFixed(1)} %`,
      bench.median(mine.map((m) => m.backends_cpu_ms)).toFixed(3),
      bench.median(mine.map((m) => m.pgbench_cpu_ms)).toFixed(3),
      bench.median(mine.map((m) => m.machine_busy_ms)).toFixed(3),
    ];
  });
  return [
    `Medians over ${ROUNDS} rounds; CPU in ms per transfer (tpcb-like: per transaction, simple protocol); ${CONNECTIONS} connections, ${DURATION_S} s each:`,
    bench.formatTable(
      [
        'variant',
        'per s',
        'PostgreSQL ms',
        'PostgreSQL range',
        'against as is',
        'of which backends ms',
        'pgbench ms',
        'machine busy ms',
      ],
      rows,
    ),
  ].join('\n');
}

async function main(setCleanup: (cleanup: () => Promise<void>) => void): Promise<number> {
  const url = bench.adminUrl();
  const databases: bench.BenchDatabase[] = [];
  const pools: pg.Pool[] = [];
  mkdirSync(SCRATCH_PARENT, { recursive: true });
  const scratch = mkdtempSync(`${SCRATCH_PARENT}/hot-tables-`);
  setCleanup(async () => {
    for (const pool of pools) await pool.end().catch(() => {});
    rmSync(scratch, { recursive: true, force: true });
    for (const database of databases) await database.drop().catch((error) => console.error(`drop ${database.name}:`, error));
  });

  const machine = bench.machineFacts();
  const facts = await bench.serverFacts(url);
  const postmaster = await bench.postmasterPid(url);
  log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; ${facts.version}`);
  log(`settings: shared_buffers=${facts.shared_buffers} synchronous_commit=${facts.synchronous_commit} fsync=${facts.fsync}`);
  log(
    `plan: ${VARIANTS.length} variants and tpcb-like (scale ${TPCB_SCALE}), ${ROUNDS} rounds of ${DURATION_S} s at ${CONNECTIONS} connections`,
  );

  const scriptFile = `${scratch}/transfer.sql`;
  writeFileSync(scriptFile, ONE_CALL_PGBENCH_SCRIPT);
  const transferScript = ['-n', '-M', 'prepared', '-f', scriptFile];
  const targets: Array<{ name: string; url: string; script: string[] }> = [];
  for (const [index, variant] of VARIANTS.entries()) {
    const database = await bench.createDatabase(url, `vdp_hot_tables_${index}`);
    databases.push(database);
    const pool = createPool(database.url, { max: 2, applicationName: 'vai-de-pix-bench' });
    pools.push(pool);
    await migrate(pool);
    if (variant.sql) await pool.query(variant.sql);
    await seedOneCallTransfer(pool, DESCRIPTION);
    // Plans made against empty tables are sequential scans that slow with every row (bench/ceiling.ts):
    // a few seconds of transfers, ANALYZE, and every measured backend plans afresh.
    await bench.pgbenchRun(database.url, { clients: CONNECTIONS, duration_s: WARMUP_S, script: transferScript });
    await pool.query('ANALYZE');
    targets.push({ name: variant.name, url: database.url, script: transferScript });
    log(`  ${variant.name}: ${database.name}`);
  }
  const tpcb = await bench.createDatabase(url, 'vdp_hot_tables_pgbench');
  databases.push(tpcb);
  await bench.pgbenchInit(tpcb.url, TPCB_SCALE);
  // -n: pgbench's own VACUUM before each run would count as PostgreSQL's CPU with no transaction.
  targets.push({ name: 'tpcb-like', url: tpcb.url, script: ['-n', '-b', 'tpcb-like'] });

  const measurements: Measurement[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    // Each round starts one further along the list, so no variant always runs first or last.
    const order = targets.map((_, index) => targets[(index + round - 1) % targets.length] as (typeof targets)[number]);
    for (const target of order) {
      const note = await bench.waitForQuiet({ wait_s: QUIET_WAIT_S, busy_max_percent: QUIET_BUSY_MAX_PERCENT });
      const measurement = await measure(round, target.name, target.url, target.script, postmaster);
      measurements.push(measurement);
      log(
        `  round ${round}, ${target.name}: ${measurement.per_s.toFixed(0)}/s, PostgreSQL ${measurement.postgres_cpu_ms.toFixed(3)} ms (${note})`,
      );
    }
  }
  log();
  log(report(measurements));
  log();

  // Every variant's ledger must still be whole: the same checks as the other benchmarks.
  const checks: bench.InvariantCheck[] = [];
  for (const [index, pool] of pools.entries()) {
    for (const check of await bench.checkLedgerInvariants(pool))
      checks.push({ ...check, name: `${VARIANTS[index]?.name}: ${check.name}` });
  }
  const ok = output.checks(checks);
  output.write(RESULTS_DIR, 'hot-tables', {
    machine,
    facts,
    settings: { ROUNDS, DURATION_S, WARMUP_S, CONNECTIONS, TPCB_SCALE, DESCRIPTION },
    variants: VARIANTS,
    measurements,
    checks,
  });
  return ok ? 0 : 1;
}

bench.runBench('dropping the bench databases', main);
