/**
 * bench/plans — the query plans behind every list and lookup, on a seeded ledger, for
 * docs/FINANCIAL-RULES.md. Seeds 50,000 transactions across 100 people (one person with
 * 5,000, whose lists are read), VACUUM ANALYZEs, then captures the exact SQL and
 * parameters the API sends for each request (app.inject, no socket) and prints
 * EXPLAIN (ANALYZE, BUFFERS) for each as Markdown. Exits 1 when a plan reads
 * transactions or ledger_entries with a sequential scan.
 *
 *   npx tsx bench/plans.ts > /tmp/plans.md
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { AUTH_RATE_LIMITS_DEFAULT } from '../src/modules/auth/auth.routes.js';
import { adminUrl, type BenchDatabase, checkLedgerInvariants, createDatabase, integerEnv } from './support.js';

const PEOPLE = integerEnv('BENCH_PEOPLE', 100, { min: 2, max: 10_000 });
const TRANSACTIONS_TOTAL = integerEnv('BENCH_TRANSACTIONS', 50_000, { min: 1_000, max: 10_000_000 });
const READER_TRANSACTIONS = integerEnv('BENCH_READER_TRANSACTIONS', 5_000, { min: 100, max: 1_000_000 });
const BIG_TABLES = new Set(['transactions', 'ledger_entries']);
const SEED_DAYS = 730;
/** BENCH_KEEP=1 leaves the seeded database in place (its name is printed) for experiments; drop it by hand. */
const KEEP_DATABASE = process.env.BENCH_KEEP === '1';
const DESCRIPTIONS = [
  'Mercado',
  'Padaria',
  'Uber',
  'Aluguel',
  'Conta de luz',
  'Farmácia',
  'Salário',
  'Pix recebido',
  'Restaurante',
  'Streaming',
  'Posto de gasolina',
  'Academia',
];

/** Other people: plain rows (no password to hash), provisioned like registered ones. */
async function seedOtherPeople(pool: pg.Pool, count: number): Promise<void> {
  await pool.query(
    `WITH people AS (
       INSERT INTO users (id, email, name, password_hash)
       SELECT gen_random_uuid(), 'pessoa' || g || '@example.com', 'Pessoa ' || g, 'not-a-hash' FROM generate_series(1, $1) AS g
       RETURNING id)
     SELECT provision_user(id) FROM people`,
    [count],
  );
  await pool.query(
    `INSERT INTO accounts (id, user_id, name, type, overdraft_limit_cents, created_at)
     SELECT gen_random_uuid(), u.id, kind.name, kind.type, kind.limit_cents, now() - interval '${SEED_DAYS + 1} days'
       FROM users u
      CROSS JOIN (VALUES ('Conta corrente', 'checking', 100000), ('Poupança', 'savings', 0),
                         ('Cartão', 'credit_card', 500000), ('Carteira', 'cash', 0)) AS kind (name, type, limit_cents)
      WHERE NOT EXISTS (SELECT 1 FROM accounts mine WHERE mine.user_id = u.id AND mine.type = 'checking')`,
  );
}

/**
 * Income, expenses and transfers spread over two years, posted as the app posts them:
 * a header and two legs per transaction, the balance after each leg and the account
 * version in order, the cached balances updated, all in one transaction so the deferred
 * double-entry triggers check every transaction at COMMIT.
 */
async function seedTransactions(pool: pg.Pool, reader: { userId: string; count: number; othersEach: number }) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `CREATE TEMP TABLE seed_people ON COMMIT DROP AS
       SELECT u.id AS user_id,
              (SELECT array_agg(a.id ORDER BY a.created_at, a.id) FROM accounts a
                WHERE a.user_id = u.id AND a.type IN ('checking', 'savings', 'credit_card', 'cash', 'investment')) AS own,
              (SELECT a.id FROM accounts a WHERE a.user_id = u.id AND a.type = 'income') AS income,
              (SELECT a.id FROM accounts a WHERE a.user_id = u.id AND a.type = 'expense') AS expense,
              (SELECT array_agg(c.id ORDER BY c.id) FROM categories c WHERE c.user_id = u.id AND c.kind = 'income') AS income_categories,
              (SELECT array_agg(c.id ORDER BY c.id) FROM categories c WHERE c.user_id = u.id AND c.kind = 'expense') AS expense_categories,
              CASE WHEN u.id = $1 THEN $2::int ELSE $3::int END AS n
         FROM users u`,
      [reader.userId, reader.count, reader.othersEach],
    );
    await client.query(
      `CREATE TEMP TABLE seed_tx ON COMMIT DROP AS
       SELECT gen_random_uuid() AS id, p.user_id, s.kind, p.own[s.a] AS account_id,
              CASE s.kind WHEN 'income' THEN p.income WHEN 'expense' THEN p.expense
                          ELSE p.own[1 + s.a % cardinality(p.own)] END AS counterparty_account_id,
              s.amount_cents,
              CASE s.kind WHEN 'income' THEN p.income_categories[1 + s.c % cardinality(p.income_categories)]
                          WHEN 'expense' THEN p.expense_categories[1 + s.c % cardinality(p.expense_categories)] END AS category_id,
              ($1::text[])[1 + s.d % cardinality($1::text[])] AS description,
              s.at AS created_at,
              (s.at AT TIME ZONE 'America/Sao_Paulo')::date AS occurred_on
         FROM seed_people p
        CROSS JOIN LATERAL (
          SELECT g, CASE WHEN r < 0.35 THEN 'income' WHEN r < 0.8 THEN 'expense' ELSE 'transfer' END AS kind,
                 1 + floor(random() * cardinality(p.own))::int AS a,
                 floor(random() * 1000)::int AS c, floor(random() * 1000)::int AS d,
                 100 + floor(random() * 50000)::bigint AS amount_cents,
                 now() - make_interval(days => $2) + (g::double precision / p.n) * make_interval(days => $2) AS at
            FROM (SELECT g, random() AS r FROM generate_series(1, p.n) AS g) AS draws) AS s`,
      [DESCRIPTIONS, SEED_DAYS],
    );
    await client.query(
      `INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
                                 category_id, occurred_on, policy_version, created_at)
       SELECT id, user_id, kind, account_id, counterparty_account_id, amount_cents, description, category_id, occurred_on,
              CASE kind WHEN 'transfer' THEN 'transfers_v1' ELSE 'ledger_v1' END, created_at
         FROM seed_tx ORDER BY created_at`,
    );
    await client.query(
      `CREATE TEMP TABLE seed_legs ON COMMIT DROP AS
       SELECT id AS transaction_id, user_id, account_id,
              CASE kind WHEN 'income' THEN amount_cents ELSE -amount_cents END AS amount_cents, created_at
         FROM seed_tx
       UNION ALL
       SELECT id, user_id, counterparty_account_id,
              CASE kind WHEN 'income' THEN -amount_cents ELSE amount_cents END, created_at
         FROM seed_tx`,
    );
    await client.query(
      `INSERT INTO ledger_entries (transaction_id, account_id, user_id, amount_cents, balance_after_cents, account_version, created_at)
       SELECT l.transaction_id, l.account_id, l.user_id, l.amount_cents,
              a.balance_cents + sum(l.amount_cents) OVER running, a.row_version + row_number() OVER running, l.created_at
         FROM seed_legs l JOIN accounts a ON a.id = l.account_id
       WINDOW running AS (PARTITION BY l.account_id ORDER BY l.created_at, l.transaction_id)
        ORDER BY l.created_at, l.transaction_id`,
    );
    await client.query(
      `UPDATE accounts SET balance_cents = balance_cents + moved.sum_cents, row_version = row_version + moved.legs
         FROM (SELECT account_id, sum(amount_cents) AS sum_cents, count(*)::int AS legs FROM seed_legs GROUP BY account_id) AS moved
        WHERE accounts.id = moved.account_id`,
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

interface Captured {
  label: string;
  text: string;
  values: unknown[];
}

function seqScansOnBigTables(node: Record<string, unknown>, found: string[] = []): string[] {
  if (node['Node Type'] === 'Seq Scan' && BIG_TABLES.has(String(node['Relation Name'])))
    found.push(String(node['Relation Name']));
  for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) seqScansOnBigTables(child, found);
  return found;
}

function indexesUsed(node: Record<string, unknown>, found = new Set<string>()): Set<string> {
  if (typeof node['Index Name'] === 'string') found.add(String(node['Index Name']));
  for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) indexesUsed(child, found);
  return found;
}

const UUID_LIST = /\{([0-9a-f]{8}-[0-9a-f-]{27})(,[0-9a-f]{8}-[0-9a-f-]{27}){3,}\}/g;

/** Long id lists (a page's transaction ids) are shortened for the reader; nothing else changes. */
function shortenIdLists(text: string): string {
  return text.replace(UUID_LIST, (list, first: string) => `{${first},… ${list.split(',').length} ids}`);
}

function describeValue(value: unknown): string {
  if (Array.isArray(value) && value.length > 3) return `[${JSON.stringify(value[0])}, … ${value.length} ids]`;
  return JSON.stringify(value);
}

/** The SQL as sent, with its parameters shown inline as comments for the reader. */
function describeQuery(query: Captured): string {
  const compact = query.text.replace(/\s+/g, ' ').trim();
  const values = query.values.map((value, index) => `$${index + 1} = ${describeValue(value)}`).join(', ');
  return values ? `${compact}\n-- ${values}` : compact;
}

async function main(): Promise<number> {
  const url = adminUrl();
  let database: BenchDatabase | undefined;
  let pool: pg.Pool | undefined;
  try {
    database = await createDatabase(url, 'vdp_plans');
    pool = createPool(database.url, { max: 4, applicationName: 'vai-de-pix-plans' });
    await migrate(pool);
    const generous = {
      per_ip: { ...AUTH_RATE_LIMITS_DEFAULT.per_ip, max: 1_000 },
      per_network: { ...AUTH_RATE_LIMITS_DEFAULT.per_network, max: 1_000 },
      per_email: AUTH_RATE_LIMITS_DEFAULT.per_email,
      per_device: AUTH_RATE_LIMITS_DEFAULT.per_device,
    };
    const app = await buildApp({ config: loadConfig({ DATA_DIR: '/nonexistent' }), pool, rateLimits: generous });
    await app.ready();
    const inject = async (method: 'GET' | 'POST', path: string, token?: string, payload?: object) => {
      const response = await app.inject({
        method,
        url: path,
        ...(payload ? { payload } : {}),
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${response.body}`);
      return response.json();
    };

    const registered = await inject('POST', '/api/auth/register', undefined, {
      email: `leitora.${randomUUID().slice(0, 8)}@example.com`,
      password: 'senha-forte-123',
      name: 'Leitora',
    });
    const token: string = registered.token;
    const accounts: Array<{ id: string }> = [];
    for (const [name, type, limit] of [
      ['Conta corrente', 'checking', 100_000],
      ['Poupança', 'savings', 0],
      ['Cartão', 'credit_card', 500_000],
      ['Carteira', 'cash', 0],
    ] as const) {
      accounts.push(await inject('POST', '/api/accounts', token, { name, type, overdraft_limit_cents: limit || undefined }));
    }
    await seedOtherPeople(pool, PEOPLE - 1);
    const othersEach = Math.floor((TRANSACTIONS_TOTAL - READER_TRANSACTIONS) / (PEOPLE - 1));
    const started = Date.now();
    await seedTransactions(pool, { userId: registered.user.id, count: READER_TRANSACTIONS, othersEach });
    await pool.query('VACUUM ANALYZE');
    const counts = await pool.query<{ transactions: number; entries: number; people: number }>(
      `SELECT (SELECT count(*) FROM transactions)::int AS transactions, (SELECT count(*) FROM ledger_entries)::int AS entries,
              (SELECT count(*) FROM users)::int AS people`,
    );
    const seeded = counts.rows[0];
    console.log(
      `Seeded ${seeded?.transactions} transactions (${seeded?.entries} ledger entries) for ${seeded?.people} people in ${Date.now() - started} ms; the reader has ${READER_TRANSACTIONS}. VACUUM ANALYZE done.\n`,
    );

    const checking = accounts[0]?.id as string;
    const categories = await inject('GET', '/api/categories?kind=expense', token);
    const food = categories.items.find((category: { system_key: string }) => category.system_key === 'food').id as string;
    const recent = new Date(Date.now() - 45 * 86_400_000).toISOString().slice(0, 10);
    const recentEnd = new Date(Date.now() - 15 * 86_400_000).toISOString().slice(0, 10);
    const requests: Array<[string, string]> = [
      ['transaction list, no filter', '/api/transactions'],
      ['transaction list, page 20', '/api/transactions?skip=1000&limit=50'],
      ['transaction list, account filter', `/api/transactions?account_id=${checking}`],
      ['transaction list, category filter', `/api/transactions?category_id=${food}`],
      ['transaction list, date range (one month)', `/api/transactions?from=${recent}&to=${recentEnd}`],
      ['transaction list, text search', '/api/transactions?q=mercado'],
      [
        'transaction list, every filter',
        `/api/transactions?account_id=${checking}&category_id=${food}&from=${recent}&to=${recentEnd}&q=mercado`,
      ],
      ['account ledger, first page', `/api/accounts/${checking}/ledger`],
      ['account ledger, page 21', `/api/accounts/${checking}/ledger?skip=1000&limit=50`],
      ['balance at an instant', `/api/accounts/${checking}/balance?at=${new Date(Date.now() - 365 * 86_400_000).toISOString()}`],
      ['accounts list', '/api/accounts'],
      ['categories list', '/api/categories'],
    ];

    const captured: Captured[] = [];
    let label = '';
    const original = pool.query.bind(pool) as (text: string, values?: unknown[]) => Promise<pg.QueryResult>;
    (pool as unknown as { query: unknown }).query = (text: string, values?: unknown[]) => {
      if (typeof text === 'string' && /^\s*(SELECT|WITH)/i.test(text) && !/sessions/.test(text))
        captured.push({ label, text, values: values ?? [] });
      return original(text, values);
    };
    for (const [name, path] of requests) {
      label = name;
      await inject('GET', path, token);
    }
    (pool as unknown as { query: unknown }).query = original;

    let seqScans = 0;
    for (const query of captured) {
      const json = await original(`EXPLAIN (FORMAT JSON) ${query.text}`, query.values);
      const plan = (json.rows[0]['QUERY PLAN'] as Array<{ Plan: Record<string, unknown> }>)[0]?.Plan ?? {};
      const scans = seqScansOnBigTables(plan);
      seqScans += scans.length;
      const analysed = await original(`EXPLAIN (ANALYZE, BUFFERS) ${query.text}`, query.values);
      const text = shortenIdLists(analysed.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n'));
      console.log(`#### ${query.label}\n`);
      console.log(
        `Indexes: ${[...indexesUsed(plan)].join(', ') || 'none'}${scans.length ? ` — SEQ SCAN on ${scans.join(', ')}` : ''}\n`,
      );
      console.log(`\`\`\`sql\n${describeQuery(query)}\n\`\`\`\n\n\`\`\`\n${text}\n\`\`\`\n`);
    }
    const checks = await checkLedgerInvariants(pool);
    for (const check of checks) console.log(`${check.ok ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`);
    console.log(`\nSequential scans on transactions/ledger_entries: ${seqScans}`);
    await app.close();
    return seqScans === 0 && checks.every((check) => check.ok) ? 0 : 1;
  } finally {
    await pool?.end().catch(() => {});
    if (KEEP_DATABASE && database) console.error(`kept database ${database.name}: DROP DATABASE ${database.name} WITH (FORCE)`);
    else await database?.drop().catch((error) => console.error(`drop ${database?.name}:`, error));
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
