/**
 * bench/import — a 10,000-line OFX and a 10,000-line CSV statement, each read, previewed
 * (duplicates and category guess) and confirmed (posted through the ledger in one database
 * transaction) on a fresh database: the time of each phase and the process's peak RSS and
 * heap during it; pgbench tpcb-like on the same server in the same run, to say how busy the
 * machine was. The service is called directly (no HTTP, no multipart).
 *
 *   npm run bench:import
 *   BENCH_IMPORT_LINES=50000 npm run bench:import
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { systemClock } from '../src/lib/clock.js';
import type { RequestContext } from '../src/lib/service-context.js';
import { ImportsService } from '../src/modules/imports/imports.service.js';
import { readStatement } from '../src/modules/imports/readers/index.js';
import type { CsvMapping } from '../src/modules/imports/statement.js';
import {
  adminUrl,
  type BenchDatabase,
  checkLedgerInvariants,
  createDatabase,
  formatTable,
  integerEnv,
  machineFacts,
  pgbenchInit,
  pgbenchTpcb,
  Report,
  runBench,
  serverFacts,
  waitForQuiet,
} from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = `${ROOT}bench/results`;
const LINES = integerEnv('BENCH_IMPORT_LINES', 10_000, { min: 100, max: 50_000 });
const PGBENCH_SECONDS = integerEnv('BENCH_PGBENCH_S', 10, { min: 1, max: 600 });
/** The goal: parse + preview + post of a 10,000-line statement. */
const GOAL_TOTAL_MS = 3_000;
/** How often the memory sampler reads process.memoryUsage() during a phase. */
const MEMORY_SAMPLE_MS = 5;
const PAYEES = [
  'UBER TRIP',
  'PADARIA REAL',
  'MERCADO EXTRA',
  'POSTO SHELL',
  'FARMACIA PAGUE MENOS',
  'NETFLIX',
  'IFOOD',
  'SALARIO',
];
const DAY_MS = 86_400_000;
const FIRST_DAY_MS = Date.parse('2024-01-01T12:00:00Z');

/** The i-th movement: a payee, a day spread over two years, an amount; one in eight is an income. */
function movement(index: number) {
  const payee = PAYEES[index % PAYEES.length] as string;
  const day = new Date(FIRST_DAY_MS + (index % 730) * DAY_MS).toISOString().slice(0, 10);
  const cents = 100 + ((index * 7_919) % 50_000);
  return { payee: `${payee} ${index % 97}`, day, cents: payee === 'SALARIO' ? cents * 10 : -cents };
}

function ofxStatement(lines: number): Buffer {
  const rows: string[] = [
    'OFXHEADER:100',
    'DATA:OFXSGML',
    'VERSION:102',
    'ENCODING:USASCII',
    'CHARSET:1252',
    '',
    '<OFX>',
    '<BANKMSGSRSV1>',
    '<STMTTRNRS>',
    '<STMTRS>',
    '<CURDEF>BRL',
    '<BANKTRANLIST>',
  ];
  for (let index = 0; index < lines; index += 1) {
    const { payee, day, cents } = movement(index);
    const amount = `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
    rows.push(
      '<STMTTRN>',
      `<TRNTYPE>${cents < 0 ? 'DEBIT' : 'CREDIT'}`,
      `<DTPOSTED>${day.replaceAll('-', '')}120000[-3:BRT]`,
      `<TRNAMT>${amount}`,
      `<FITID>B${index}`,
      `<MEMO>${payee}`,
      '</STMTTRN>',
    );
  }
  rows.push('</BANKTRANLIST>', '</STMTRS>', '</STMTTRNRS>', '</BANKMSGSRSV1>', '</OFX>', '');
  return Buffer.from(rows.join('\n'));
}

/** A CSV as Brazilian banks write it: `;`, dd/mm/yyyy, comma decimals, one signed amount column. */
const CSV_MAPPING: CsvMapping = {
  preset: 'custom',
  delimiter: ';',
  skipRows: 0,
  hasHeader: true,
  dateColumn: 0,
  dateFormat: 'dd/mm/yyyy',
  descriptionColumn: 1,
  amount: { kind: 'signed', column: 2 },
  decimal: 'comma',
  invertSign: false,
};

function csvStatement(lines: number): Buffer {
  const rows = ['Data;Descrição;Valor'];
  for (let index = 0; index < lines; index += 1) {
    const { payee, day, cents } = movement(index + lines);
    const [year, month, date] = day.split('-');
    const amount = `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)},${String(Math.abs(cents) % 100).padStart(2, '0')}`;
    rows.push(`${date}/${month}/${year};${payee};${amount}`);
  }
  return Buffer.from(`${rows.join('\r\n')}\r\n`);
}

/** Runs fn while sampling the process's memory; the peaks are absolute (the process's, not the phase's growth). */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; rssMb: number; heapMb: number }> {
  let rss = process.memoryUsage().rss;
  let heap = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    const usage = process.memoryUsage();
    rss = Math.max(rss, usage.rss);
    heap = Math.max(heap, usage.heapUsed);
  }, MEMORY_SAMPLE_MS);
  const started = performance.now();
  try {
    const value = await fn();
    const usage = process.memoryUsage();
    return {
      value,
      ms: performance.now() - started,
      rssMb: Math.max(rss, usage.rss) / 2 ** 20,
      heapMb: Math.max(heap, usage.heapUsed) / 2 ** 20,
    };
  } finally {
    clearInterval(timer);
  }
}

async function seedPerson(pool: pg.Pool): Promise<{ userId: string; accounts: string[] }> {
  const person = await pool.query<{ id: string }>(
    `INSERT INTO users (id, email, name, password_hash) VALUES (gen_random_uuid(), 'bench.import@example.com', 'Pessoa Bench', 'not-a-hash') RETURNING id`,
  );
  const userId = person.rows[0]?.id as string;
  await pool.query('SELECT provision_user($1)', [userId]);
  const accounts = await pool.query<{ id: string }>(
    `INSERT INTO accounts (id, user_id, name, type) SELECT gen_random_uuid(), $1, name, 'checking'
       FROM (VALUES ('Conta OFX'), ('Conta CSV')) AS a (name) RETURNING id`,
    [userId],
  );
  return { userId, accounts: accounts.rows.map((row) => row.id) };
}

function context(userId: string, key: string, body: unknown): RequestContext {
  return {
    userId,
    requestId: `bench-${key}`,
    idempotency: {
      key,
      method: 'POST',
      path: '/api/imports',
      requestHash: createHash('sha256').update(JSON.stringify(body)).digest(),
    },
  };
}

const ms = (value: number) => value.toFixed(0);
const mb = (value: number) => value.toFixed(0);

runBench('bench/import', async (setCleanup) => {
  const url = adminUrl();
  const databases: BenchDatabase[] = [];
  let pool: pg.Pool | undefined;
  setCleanup(async () => {
    await pool?.end();
    for (const database of databases) await database.drop();
  });
  const report = new Report();
  report.log(`bench/import — ${LINES}-line OFX and CSV: read, preview, confirm`);
  report.log(JSON.stringify({ machine: machineFacts(), server: await serverFacts(url) }));
  const database = await createDatabase(url, 'vdp_import');
  databases.push(database);
  pool = createPool(database.url, { max: 4, applicationName: 'vai-de-pix-bench-import' });
  await migrate(pool);
  const { userId, accounts } = await seedPerson(pool);
  const service = new ImportsService({ pool, clock: systemClock, hooks: {} });
  const files = [
    { name: 'ofx', bytes: ofxStatement(LINES), accountId: accounts[0] as string, mapping: undefined },
    { name: 'csv', bytes: csvStatement(LINES), accountId: accounts[1] as string, mapping: CSV_MAPPING },
  ];
  report.log(await waitForQuiet({ wait_s: 60, busy_max_percent: 25 }));

  const rows: string[][] = [];
  const figures: Record<string, number> = {};
  let ok = true;
  for (const file of files) {
    const format = file.name === 'ofx' ? 'ofx' : 'csv';
    const read = await measured(async () => readStatement(file.bytes, { format, mapping: file.mapping }));
    const upload = {
      bytes: file.bytes,
      fileName: `bench.${file.name}`,
      accountId: file.accountId,
      format,
      preset: undefined,
      mapping: file.mapping,
    } as const;
    const preview = await measured(() => service.preview(context(userId, `preview-${file.name}`, { file: file.name }), upload));
    const importId = (preview.value.body as { id: string }).id;
    const confirm = await measured(() =>
      service.confirm(context(userId, `confirm-${file.name}`, { id: importId }), importId, {}),
    );
    const posted = (confirm.value.body as { posted_count: number }).posted_count;
    // Undo is not in the goal, but it reverses every posting through the ledger (in batches, like confirm): worth knowing.
    const undo = await measured(() => service.undo(context(userId, `undo-${file.name}`, { id: importId }), importId));
    if ((undo.value.body as { reversed_count: number }).reversed_count !== posted) ok = false;
    if (posted !== read.value.lines.length) ok = false;
    const total = preview.ms + confirm.ms;
    report.log(
      `${file.name}: read ${ms(read.ms)} ms, preview ${ms(preview.ms)} ms, confirm ${ms(confirm.ms)} ms, undo ${ms(undo.ms)} ms`,
    );
    for (const [phase, figure] of [
      ['read (parse only)', read],
      ['preview (parse + duplicates + guess + store)', preview],
      ['confirm (post)', confirm],
      ['undo (reverse all)', undo],
    ] as const) {
      rows.push([file.name, phase, ms(figure.ms), mb(figure.rssMb), mb(figure.heapMb)]);
      figures[`${file.name}_${phase.split(' ')[0]}_ms`] = figure.ms;
      figures[`${file.name}_${phase.split(' ')[0]}_rss_mb`] = figure.rssMb;
      figures[`${file.name}_${phase.split(' ')[0]}_heap_mb`] = figure.heapMb;
    }
    rows.push([file.name, 'preview + confirm', ms(total), '', '']);
    figures[`${file.name}_total_ms`] = total;
    report.log(
      `${file.name}: ${read.value.lines.length} lines read, ${posted} posted; goal < ${GOAL_TOTAL_MS} ms: ${total < GOAL_TOTAL_MS ? 'met' : 'NOT met'} (${ms(total)} ms)`,
    );
  }
  report.log(formatTable(['file', 'phase', 'ms', 'peak RSS MB', 'peak heap MB'], rows));
  ok = report.checks(await checkLedgerInvariants(pool)) && ok;

  const pgbenchDatabase = await createDatabase(url, 'vdp_import_pgbench');
  databases.push(pgbenchDatabase);
  await pgbenchInit(pgbenchDatabase.url, 1);
  const tpcb = await pgbenchTpcb(pgbenchDatabase.url, 1, PGBENCH_SECONDS);
  report.log(`pgbench tpcb-like, scale 1, 1 client, ${PGBENCH_SECONDS} s, same server: ${tpcb.tps.toFixed(0)} tps`);
  report.write(RESULTS_DIR, 'import', { figures, tpcb });
  return ok ? 0 : 1;
});
