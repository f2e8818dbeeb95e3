import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Posted, type Posting, type PostingSource, postBatch } from '../../src/modules/ledger/index.js';
import { insertPostings } from '../../src/modules/ledger/ledger.repository.js';
import { isBulkBatch } from '../../src/modules/ledger/ledger.service.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectAppendOnly, expectLedgerInvariants } from '../helpers/ledger.js';

/**
 * postBatch writes a batch with no hook in one statement (the bulk path) and any other batch
 * one posting at a time. The bulk path must write exactly what the one-by-one path writes:
 * two people with the same accounts post the same mixed batch, one each way, and their
 * ledgers, read back from the database with ids replaced by names, must be equal.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
});
afterAll(async () => {
  await expectAppendOnly(t.pool);
  await t?.close();
});

const POSTED_AT = new Date('2026-05-04T15:00:00Z');
/** Cached month insights from before the batch's earliest day to after its latest. */
const CACHED_MONTHS = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
/** Enough postings on one account that its balance_after chain runs long within a batch. */
const CHAIN_POSTINGS = 40;
/**
 * What a bulk batch sends: the originals and their legs, the categories (three here), the
 * internal accounts (two), the locks, the originals again under them, the write.
 */
const BULK_STATEMENTS_MAX = 12;

interface Person {
  userId: string;
  accounts: Record<'checking' | 'savings' | 'cash', string>;
  categories: Record<string, string>;
}

async function person(): Promise<Person> {
  const { user, client } = await signedIn(t.app);
  const checking = await client.account({ name: 'Conta', type: 'checking', overdraft_limit_cents: 50_000 });
  const savings = await client.account({ name: 'Poupança', type: 'savings' });
  const cash = await client.account({ name: 'Carteira', type: 'cash' });
  const categories = await t.pool.query<{ id: string; system_key: string }>(
    'SELECT id, system_key FROM categories WHERE user_id = $1 AND system_key IS NOT NULL',
    [user.id],
  );
  return {
    userId: user.id,
    accounts: { checking: checking.id, savings: savings.id, cash: cash.id },
    categories: Object.fromEntries(categories.rows.map((row) => [row.system_key, row.id])),
  };
}

function sourceFor(who: Person, requestId: string): PostingSource {
  return { userId: who.userId, idempotencyKey: `key-${requestId}`, requestId, postedAt: POSTED_AT };
}

async function inTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await t.pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** Runs fn in a transaction and counts the statements it sends (BEGIN and COMMIT not included). */
async function counted<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<{ result: T; statements: number }> {
  let statements = 0;
  const result = await inTransaction(async (client) => {
    const query = client.query;
    client.query = ((...args: Parameters<typeof query>) => {
      statements += 1;
      return Reflect.apply(query, client, args);
    }) as typeof query;
    try {
      return await fn(client);
    } finally {
      client.query = query;
    }
  });
  return { result, statements };
}

/** What every person has before the batch: opening balances and two movements the batch reverses. */
function setupPostings(who: Person): Posting[] {
  return [
    { kind: 'opening', accountId: who.accounts.checking, amountCents: 100_000, occurredOn: '2026-01-02' },
    { kind: 'opening', accountId: who.accounts.savings, amountCents: 20_000, occurredOn: '2026-01-02' },
    { kind: 'opening', accountId: who.accounts.cash, amountCents: 5_000, occurredOn: '2026-01-02' },
    {
      kind: 'expense',
      accountId: who.accounts.checking,
      amountCents: 7_000,
      description: 'Mercado',
      categoryId: who.categories.food ?? null,
      notes: null,
      occurredOn: '2026-01-10',
    },
    {
      kind: 'income',
      accountId: who.accounts.cash,
      amountCents: 900,
      description: 'Troco',
      categoryId: null,
      notes: null,
      occurredOn: '2026-01-11',
    },
  ];
}

/** Incomes, expenses (with category, Pix payee, notes, below the floor), transfers and reversals. */
function mixedPostings(who: Person, originals: readonly string[]): Posting[] {
  const [expense, income] = originals as [string, string];
  const postings: Posting[] = [
    {
      kind: 'income',
      accountId: who.accounts.checking,
      amountCents: 150_000,
      description: 'Salário',
      categoryId: who.categories.salary ?? null,
      notes: null,
      occurredOn: '2026-03-05',
    },
    {
      kind: 'expense',
      accountId: who.accounts.checking,
      amountCents: 2_500,
      description: 'Padaria',
      categoryId: who.categories.food ?? null,
      notes: 'pão',
      occurredOn: '2026-02-10',
      pix: { payeeName: 'PADARIA REAL', payeeCity: 'SAO PAULO', txid: 'TX123', chargeId: null },
    },
    {
      kind: 'transfer',
      fromAccountId: who.accounts.checking,
      toAccountId: who.accounts.savings,
      amountCents: 10_000,
      description: 'Guardar',
      notes: null,
      occurredOn: '2026-03-06',
    },
    { kind: 'reversal', originalTransactionId: expense, description: undefined },
    {
      kind: 'expense',
      accountId: who.accounts.cash,
      amountCents: 300,
      description: 'Café',
      categoryId: null,
      notes: null,
      occurredOn: '2026-01-20',
    },
    // Past the overdraft limit, as a statement import records it (allow_negative).
    {
      kind: 'expense',
      accountId: who.accounts.checking,
      amountCents: 400_000,
      description: 'Aluguel atrasado',
      categoryId: who.categories.housing ?? null,
      notes: null,
      occurredOn: '2026-04-01',
      allowNegative: true,
    },
    { kind: 'reversal', originalTransactionId: income, description: 'Desfeito', allowNegative: true },
    {
      kind: 'transfer',
      fromAccountId: who.accounts.savings,
      toAccountId: who.accounts.cash,
      amountCents: 500,
      description: 'Saque',
      notes: null,
      occurredOn: '2026-04-02',
    },
  ];
  for (let index = 0; index < CHAIN_POSTINGS; index += 1) {
    postings.push({
      kind: index % 5 === 0 ? 'income' : 'expense',
      accountId: index % 3 === 0 ? who.accounts.cash : who.accounts.checking,
      amountCents: 100 + index * 37,
      description: `Linha ${index}`,
      categoryId: null,
      notes: null,
      occurredOn: `2026-0${1 + (index % 6)}-15`,
      allowNegative: true,
    });
  }
  return postings;
}

/** A person's ledger as read from the database, with every id replaced by a name that both people share. */
async function ledgerOf(who: Person) {
  const names = new Map<string, string>();
  const accounts = await t.pool.query<{ id: string; name: string; type: string; balance_cents: number; row_version: number }>(
    'SELECT id, name, type, balance_cents, row_version FROM accounts WHERE user_id = $1 ORDER BY type, name',
    [who.userId],
  );
  for (const row of accounts.rows) names.set(row.id, `${row.type}:${row.name}`);
  for (const [key, id] of Object.entries(who.categories)) names.set(id, `category:${key}`);
  // Transactions in the order of their first leg: the order they were posted in.
  const transactions = await t.pool.query(
    `SELECT t.*, (SELECT min(e.id) FROM ledger_entries e WHERE e.transaction_id = t.id) AS first_leg
       FROM transactions t WHERE t.user_id = $1 ORDER BY first_leg`,
    [who.userId],
  );
  transactions.rows.forEach((row, index) => {
    names.set(row.id, `transaction:${index}`);
  });
  const name = (id: string | null) => (id === null ? null : (names.get(id) ?? `unknown:${id}`));
  const entries = await t.pool.query(
    `SELECT transaction_id, account_id, amount_cents, balance_after_cents, account_version, created_at
       FROM ledger_entries WHERE user_id = $1 ORDER BY id`,
    [who.userId],
  );
  const insights = await t.pool.query('SELECT period, stale FROM insight_cache WHERE user_id = $1 ORDER BY period', [who.userId]);
  return {
    accounts: accounts.rows.map(({ id, ...row }) => ({ ...row, id: name(id) })),
    transactions: transactions.rows.map(({ first_leg: _firstLeg, user_id: _user, ...row }) => ({
      ...row,
      id: name(row.id),
      account_id: name(row.account_id),
      counterparty_account_id: name(row.counterparty_account_id),
      category_id: name(row.category_id),
      reverses_transaction_id: name(row.reverses_transaction_id),
      corrects_transaction_id: name(row.corrects_transaction_id),
    })),
    entries: entries.rows.map((row) => ({ ...row, transaction_id: name(row.transaction_id), account_id: name(row.account_id) })),
    insights: insights.rows,
    names,
  };
}

/** postBatch's answers with ids replaced by the same names. */
function answersOf(posted: readonly Posted[], names: ReadonlyMap<string, string>) {
  return posted.map((answer) => ({
    transaction: names.get(answer.transaction.id),
    kind: answer.transaction.kind,
    entries: answer.entries.map((entry) => [names.get(entry.account_id), entry.balance_after_cents, entry.account_version]),
    accounts: [...answer.accounts.values()].map((account) => [names.get(account.id), account.balance_cents, account.row_version]),
  }));
}

/** A hook that does nothing: it keeps a batch on the one-by-one path without changing what it writes. */
const oneByOne = (postings: Posting[]): Posting[] => [
  { ...(postings[0] as Posting), whileLocked: async () => {} },
  ...postings.slice(1),
];

/** Posts the setup, then caches every month's insights as fresh (the setup marked them stale). */
async function setUp(who: Person): Promise<string[]> {
  const setup = await inTransaction((client) => postBatch(client, sourceFor(who, 'setup'), oneByOne(setupPostings(who))));
  await t.pool.query(
    `INSERT INTO insight_cache (user_id, kind, period, payload, computed_at, stale)
     SELECT $1, 'month', period, '{}'::jsonb, now(), false FROM unnest($2::text[]) AS period
     ON CONFLICT (user_id, kind, period) DO UPDATE SET stale = false`,
    [who.userId, CACHED_MONTHS],
  );
  return setup.slice(3).map((answer) => answer.transaction.id);
}

describe('the bulk path', () => {
  it('writes exactly what the one-by-one path writes for a mixed batch', async () => {
    const [single, bulk] = [await person(), await person()];
    const singlePostings = oneByOne(mixedPostings(single, await setUp(single)));
    const bulkPostings = mixedPostings(bulk, await setUp(bulk));
    expect(isBulkBatch(singlePostings)).toBe(false);
    expect(isBulkBatch(bulkPostings)).toBe(true);

    const singleRun = await counted((client) => postBatch(client, sourceFor(single, 'batch'), singlePostings));
    const bulkRun = await counted((client) => postBatch(client, sourceFor(bulk, 'batch'), bulkPostings));
    const [singleAnswers, bulkAnswers] = [singleRun.result, bulkRun.result];
    // The two paths were taken: one statement per posting, and a handful for the whole batch.
    expect(singleRun.statements).toBeGreaterThan(bulkPostings.length);
    expect(bulkRun.statements).toBeLessThanOrEqual(BULK_STATEMENTS_MAX);

    const [singleLedger, bulkLedger] = [await ledgerOf(single), await ledgerOf(bulk)];
    expect(bulkLedger.transactions).toEqual(singleLedger.transactions);
    expect(bulkLedger.entries).toEqual(singleLedger.entries);
    expect(bulkLedger.accounts).toEqual(singleLedger.accounts);
    expect(bulkLedger.insights).toEqual(singleLedger.insights);
    expect(answersOf(bulkAnswers, bulkLedger.names)).toEqual(answersOf(singleAnswers, singleLedger.names));
    // The comparison means something: the batch moved money, went below a floor and reversed.
    expect(bulkLedger.transactions).toHaveLength(5 + 8 + CHAIN_POSTINGS);
    expect(bulkLedger.accounts.find((account) => account.id === 'checking:Conta')?.balance_cents).not.toBe(0);
    expect(bulkLedger.insights).toContainEqual({ period: '2025-12', stale: false });
    expect(bulkLedger.insights).toContainEqual({ period: '2026-01', stale: true });
  });

  it('keeps the one-by-one path when a posting needs the earlier ones in the database', async () => {
    const who = await person();
    const [expense] = await setUp(who);
    const reversal: Posting = { kind: 'reversal', originalTransactionId: expense as string, description: undefined };
    expect(isBulkBatch([reversal, reversal])).toBe(false);
    expect(isBulkBatch([reversal, { ...reversal, correctedBy: 'x' }])).toBe(false);
    // Two reversals of one original in one batch: the second still meets already_reversed.
    await expect(
      inTransaction((client) => postBatch(client, sourceFor(who, 'twice'), [reversal, reversal])),
    ).rejects.toMatchObject({
      code: 'already_reversed',
    });
    // An original reversed before the batch is refused on the bulk path too, from the row read under the locks.
    await inTransaction((client) => postBatch(client, sourceFor(who, 'once'), [reversal]));
    const again: Posting[] = [
      {
        kind: 'income',
        accountId: who.accounts.cash,
        amountCents: 100,
        description: 'Outra',
        categoryId: null,
        notes: null,
        occurredOn: '2026-05-04',
      },
      reversal,
    ];
    expect(isBulkBatch(again)).toBe(true);
    await expect(inTransaction((client) => postBatch(client, sourceFor(who, 'again'), again))).rejects.toMatchObject({
      code: 'already_reversed',
    });
  });

  it('is refused by the database when a leg breaks its account balance_after or version chain', async () => {
    const who = await person();
    await setUp(who);
    const account = await t.pool.query<{ balance_cents: number; row_version: number }>(
      'SELECT balance_cents, row_version FROM accounts WHERE id = $1',
      [who.accounts.cash],
    );
    const { balance_cents: balance, row_version: version } = account.rows[0] as { balance_cents: number; row_version: number };
    const equity = await t.pool.query<{ id: string }>(`SELECT id FROM accounts WHERE user_id = $1 AND type = 'equity'`, [
      who.userId,
    ]);
    const equityId = (equity.rows[0] as { id: string }).id;
    const equityNow = await t.pool.query<{ balance_cents: number; row_version: number }>(
      'SELECT balance_cents, row_version FROM accounts WHERE id = $1',
      [equityId],
    );
    const equityRow = equityNow.rows[0] as { balance_cents: number; row_version: number };
    const header = (id: string) => ({
      id,
      user_id: who.userId,
      kind: 'adjustment',
      account_id: who.accounts.cash,
      counterparty_account_id: equityId,
      amount_cents: 100,
      description: 'planted',
      category_id: null,
      notes: null,
      occurred_on: '2026-05-04',
      policy_version: 'ledger_v1',
      reverses_transaction_id: null,
      idempotency_key: null,
      request_id: null,
      created_at: POSTED_AT,
    });
    const write = (cashBalanceAfter: number, cashVersion: number) =>
      inTransaction((client) =>
        insertPostings(client, [
          {
            header: header(randomUUID()),
            entries: [
              {
                account_id: who.accounts.cash,
                amount_cents: 100,
                balance_after_cents: cashBalanceAfter,
                account_version: cashVersion,
              },
              {
                account_id: equityId,
                amount_cents: -100,
                balance_after_cents: equityRow.balance_cents - 100,
                account_version: equityRow.row_version + 1,
              },
            ],
          },
        ]),
      );
    // A balance_after one centavo off, and a version that skips one: both refused, nothing written.
    await expect(write(balance + 101, version + 1)).rejects.toMatchObject({ code: '23502', column: 'balance_cents' });
    await expect(write(balance + 100, version + 2)).rejects.toMatchObject({ code: '23502', column: 'balance_cents' });
    const after = await t.pool.query('SELECT balance_cents, row_version FROM accounts WHERE id = $1', [who.accounts.cash]);
    expect(after.rows[0]).toEqual({ balance_cents: balance, row_version: version });
  });
});
