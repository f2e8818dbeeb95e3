import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pgCode, pgConstraint, SqlState } from '../../src/db/sqlstate.js';
import { runTransaction } from '../../src/db/unit-of-work.js';
import { AssertionError } from '../../src/lib/assert.js';
import { fixedClock } from '../../src/lib/clock.js';
import { DomainError } from '../../src/lib/errors.js';
import {
  type Posted,
  type Posting,
  type PostingSource,
  postBatch,
  postEntry,
  postGoalMovement,
  postOpening,
  postTransfer,
  reverse,
} from '../../src/modules/ledger/index.js';
import { OCCURRED_ON_MAX, OCCURRED_ON_MIN } from '../../src/policies/ledger_v1.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectAppendOnly, expectLedgerInvariants } from '../helpers/ledger.js';

/**
 * The ledger's posting API called directly, below HTTP: a batch is all or nothing, every
 * kind of posting can be reversed, each entry carries the balance it leaves, an unbalanced
 * leg set is an assertion that writes nothing, and the database refuses a day the code does.
 */
const clock = fixedClock('2026-06-10T15:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
});
afterAll(async () => {
  await expectAppendOnly(t.pool);
  await t?.close();
});

const DAY = '2026-06-10';

async function person() {
  const { user, client } = await signedIn(t.app);
  const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
  const cash = await client.account({ name: 'Carteira', type: 'cash' });
  const source: PostingSource = { userId: user.id, idempotencyKey: null, requestId: 'ledger-api-test', postedAt: clock.now() };
  return { user, client, checking: checking.id, cash: cash.id, source };
}

function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return runTransaction(t.pool, work);
}

async function balances(ids: string[]): Promise<Record<string, number>> {
  const result = await t.pool.query<{ id: string; balance_cents: string }>(
    'SELECT id, balance_cents FROM accounts WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return Object.fromEntries(result.rows.map((row) => [row.id, Number(row.balance_cents)]));
}

async function transactionCount(userId: string): Promise<number> {
  const result = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM transactions WHERE user_id = $1', [userId]);
  return result.rows[0]?.n ?? 0;
}

async function storedEntries(transactionId: string) {
  const result = await t.pool.query<{ account_id: string; amount_cents: string; balance_after_cents: string }>(
    'SELECT account_id, amount_cents, balance_after_cents FROM ledger_entries WHERE transaction_id = $1 ORDER BY account_id',
    [transactionId],
  );
  return result.rows.map((row) => ({
    account_id: row.account_id,
    amount_cents: Number(row.amount_cents),
    balance_after_cents: Number(row.balance_after_cents),
  }));
}

function postedEntries(posted: Posted) {
  return posted.entries
    .map((entry) => ({
      account_id: entry.account_id,
      amount_cents: entry.amount_cents,
      balance_after_cents: entry.balance_after_cents,
    }))
    .sort((a, b) => a.account_id.localeCompare(b.account_id));
}

async function goalAccount(client: Awaited<ReturnType<typeof person>>['client']): Promise<string> {
  const created = await client.post('/api/goals', { name: 'Reserva', target_cents: 1_000_000 });
  expect(created.statusCode).toBe(201);
  const row = await t.pool.query<{ account_id: string }>('SELECT account_id FROM goals WHERE id = $1', [created.json().id]);
  return row.rows[0]?.account_id as string;
}

describe('postBatch', () => {
  it('posts many postings in one transaction, each entry carrying the balance it leaves', async () => {
    const p = await person();
    const postings: Posting[] = [
      {
        kind: 'income',
        accountId: p.cash,
        amountCents: 5_000,
        description: 'Venda',
        categoryId: null,
        notes: null,
        occurredOn: DAY,
      },
      {
        kind: 'transfer',
        fromAccountId: p.checking,
        toAccountId: p.cash,
        amountCents: 3_000,
        description: 'Saque',
        notes: null,
        occurredOn: DAY,
      },
      {
        kind: 'expense',
        accountId: p.cash,
        amountCents: 7_500,
        description: 'Feira',
        categoryId: null,
        notes: null,
        occurredOn: DAY,
      },
    ];
    const posted = await inTransaction((client) => postBatch(client, p.source, postings));
    expect(posted.map((one) => one.transaction.kind)).toEqual(['income', 'transfer', 'expense']);
    // The cash account goes 0 → 5 000 → 8 000 → 500 across the batch, in order.
    const cashAfter = posted.map((one) => one.entries.find((entry) => entry.account_id === p.cash)?.balance_after_cents);
    expect(cashAfter).toEqual([5_000, 8_000, 500]);
    for (const one of posted) expect(await storedEntries(one.transaction.id)).toEqual(postedEntries(one));
    expect(await balances([p.checking, p.cash])).toEqual({ [p.checking]: 7_000, [p.cash]: 500 });
    // Each answer names only the accounts its own legs touched, not everything the batch locked.
    for (const one of posted) {
      expect([...one.accounts.keys()].sort()).toEqual(one.entries.map((entry) => entry.account_id).sort());
    }
    expect(posted[0]?.accounts.has(p.checking)).toBe(false);
  });

  it('refuses to run outside a database transaction, writing nothing', async () => {
    const p = await person();
    const before = await transactionCount(p.user.id);
    const client = await t.pool.connect();
    try {
      const posting: Posting = {
        kind: 'income',
        accountId: p.cash,
        amountCents: 100,
        description: 'Sem transação',
        categoryId: null,
        notes: null,
        occurredOn: DAY,
      };
      await expect(postBatch(client, p.source, [posting])).rejects.toBeInstanceOf(AssertionError);
    } finally {
      client.release();
    }
    expect(await transactionCount(p.user.id)).toBe(before);
  });

  it('is all or nothing: one refused posting rolls back the whole batch', async () => {
    const p = await person();
    const before = await transactionCount(p.user.id);
    const postings: Posting[] = [
      {
        kind: 'income',
        accountId: p.cash,
        amountCents: 5_000,
        description: 'Venda',
        categoryId: null,
        notes: null,
        occurredOn: DAY,
      },
      {
        kind: 'transfer',
        fromAccountId: p.checking,
        toAccountId: p.cash,
        amountCents: 3_000,
        description: 'Saque',
        notes: null,
        occurredOn: DAY,
      },
      // Cash holds 8 000 by now: 8 001 breaches its floor of zero.
      {
        kind: 'expense',
        accountId: p.cash,
        amountCents: 8_001,
        description: 'Feira',
        categoryId: null,
        notes: null,
        occurredOn: DAY,
      },
    ];
    const refused = await inTransaction((client) => postBatch(client, p.source, postings)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: 'insufficient_funds', extra: { account_id: p.cash, available_cents: 8_000 } });
    expect(await transactionCount(p.user.id)).toBe(before);
    expect(await balances([p.checking, p.cash])).toEqual({ [p.checking]: 10_000, [p.cash]: 0 });
  });

  it('refuses an archived account anywhere in the batch, writing nothing', async () => {
    const p = await person();
    const archived = await p.client.account({ name: 'Antiga', type: 'savings' });
    const patched = await p.client.patch(`/api/accounts/${archived.id}`, { archived: true, row_version: archived.row_version });
    expect(patched.statusCode).toBe(200);
    const before = await transactionCount(p.user.id);
    const postings: Posting[] = [
      {
        kind: 'income',
        accountId: p.cash,
        amountCents: 100,
        description: 'Venda',
        categoryId: null,
        notes: null,
        occurredOn: DAY,
      },
      {
        kind: 'income',
        accountId: archived.id,
        amountCents: 100,
        description: 'Juros',
        categoryId: null,
        notes: null,
        occurredOn: DAY,
      },
    ];
    const refused = await inTransaction((client) => postBatch(client, p.source, postings)).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'account_archived', status: 422 });
    expect(await transactionCount(p.user.id)).toBe(before);
    expect(await balances([p.cash])).toEqual({ [p.cash]: 0 });
  });
});

describe('reverse', () => {
  it('undoes every kind of posting exactly, once', async () => {
    const p = await person();
    const goal = await goalAccount(p.client);
    const opening = await t.pool.query<{ id: string }>(
      "SELECT id FROM transactions WHERE user_id = $1 AND kind = 'opening' AND account_id = $2",
      [p.user.id, p.checking],
    );
    const originals = await inTransaction(async (client) => [
      await postEntry(client, p.source, {
        kind: 'income',
        accountId: p.cash,
        amountCents: 4_000,
        description: 'Venda',
        categoryId: null,
        notes: null,
        occurredOn: DAY,
      }),
      await postEntry(client, p.source, {
        kind: 'expense',
        accountId: p.checking,
        amountCents: 1_000,
        description: 'Luz',
        categoryId: null,
        notes: null,
        occurredOn: DAY,
      }),
      await postTransfer(client, p.source, {
        fromAccountId: p.checking,
        toAccountId: p.cash,
        amountCents: 2_000,
        description: 'Saque',
        notes: null,
        occurredOn: DAY,
      }),
      await postGoalMovement(client, p.source, {
        kind: 'goal_contribution',
        accountId: p.cash,
        goalAccountId: goal,
        amountCents: 3_000,
        description: () => 'Reserva',
        occurredOn: DAY,
      }),
      await postGoalMovement(client, p.source, {
        kind: 'goal_withdrawal',
        accountId: p.checking,
        goalAccountId: goal,
        amountCents: 1_000,
        description: () => 'Reserva',
        occurredOn: DAY,
      }),
    ]);
    // Undone newest first (the opening balance last), so no account passes its floor on the way.
    const ids = [opening.rows[0]?.id as string, ...originals.map((one) => one.transaction.id)].reverse();
    expect(ids).toHaveLength(6);
    const reversals = await inTransaction(async (client) => {
      const done: Posted[] = [];
      for (const id of ids) done.push(await reverse(client, p.source, { originalTransactionId: id, description: undefined }));
      return done;
    });
    for (const [index, reversal] of reversals.entries()) {
      expect(reversal.transaction).toMatchObject({ kind: 'reversal', reverses_transaction_id: ids[index], occurred_on: DAY });
      expect(await storedEntries(reversal.transaction.id)).toEqual(postedEntries(reversal));
    }
    // Everything undone, the opening balance included: every account is back at zero.
    expect(await balances([p.checking, p.cash, goal])).toEqual({ [p.checking]: 0, [p.cash]: 0, [goal]: 0 });

    const again = await inTransaction((client) =>
      reverse(client, p.source, { originalTransactionId: ids[0] as string, description: undefined }),
    ).catch((error: unknown) => error);
    expect(again).toMatchObject({
      code: 'already_reversed',
      status: 409,
      extra: { reversed_by_transaction_id: reversals[0]?.transaction.id },
    });
    const ofReversal = await inTransaction((client) =>
      reverse(client, p.source, { originalTransactionId: reversals[0]?.transaction.id as string, description: undefined }),
    ).catch((error: unknown) => error);
    expect(ofReversal).toMatchObject({ code: 'cannot_reverse_reversal', status: 422 });
  });

  it('refuses to reverse into a floor breach, and another person cannot see the transaction', async () => {
    const p = await person();
    const income = await inTransaction((client) =>
      postEntry(client, p.source, {
        kind: 'income',
        accountId: p.cash,
        amountCents: 4_000,
        description: 'Venda',
        categoryId: null,
        notes: null,
        occurredOn: DAY,
      }),
    );
    const other = await person();
    const hidden = await inTransaction((client) =>
      reverse(client, other.source, { originalTransactionId: income.transaction.id, description: undefined }),
    ).catch((error: unknown) => error);
    expect(hidden).toMatchObject({ code: 'not_found', status: 404 });

    await inTransaction((client) =>
      postEntry(client, p.source, {
        kind: 'expense',
        accountId: p.cash,
        amountCents: 3_999,
        description: 'Feira',
        categoryId: null,
        notes: null,
        occurredOn: DAY,
      }),
    );
    const breach = await inTransaction((client) =>
      reverse(client, p.source, { originalTransactionId: income.transaction.id, description: undefined }),
    ).catch((error: unknown) => error);
    expect(breach).toMatchObject({ code: 'insufficient_funds', extra: { account_id: p.cash, available_cents: 1 } });
    expect(await balances([p.cash])).toEqual({ [p.cash]: 1 });
  });
});

describe('assertions and round trips', () => {
  it('an unbalanced leg set is an assertion that writes nothing', async () => {
    const p = await person();
    const before = await transactionCount(p.user.id);
    // A zero amount and one account on both sides cannot make two balanced legs.
    const zero = await inTransaction((client) =>
      postTransfer(client, p.source, {
        fromAccountId: p.checking,
        toAccountId: p.cash,
        amountCents: 0,
        description: 'Nada',
        notes: null,
        occurredOn: DAY,
      }),
    ).catch((error: unknown) => error);
    expect(zero).toBeInstanceOf(AssertionError);
    const sameAccount = await inTransaction((client) =>
      postBatch(client, p.source, [
        {
          kind: 'income',
          accountId: p.cash,
          amountCents: 100,
          description: 'Venda',
          categoryId: null,
          notes: null,
          occurredOn: DAY,
        },
        {
          kind: 'transfer',
          fromAccountId: p.cash,
          toAccountId: p.cash,
          amountCents: 100,
          description: 'Nada',
          notes: null,
          occurredOn: DAY,
        },
      ]),
    ).catch((error: unknown) => error);
    expect(sameAccount).toBeInstanceOf(AssertionError);
    expect(await transactionCount(p.user.id)).toBe(before);
    expect(await balances([p.checking, p.cash])).toEqual({ [p.checking]: 10_000, [p.cash]: 0 });
  });

  it('a transfer takes two round trips inside its transaction: lock-and-load, then the posting', async () => {
    const p = await person();
    const queries = await inTransaction(async (client) => {
      let count = 0;
      const counted = new Proxy(client, {
        get(target, property, receiver) {
          if (property !== 'query') return Reflect.get(target, property, receiver);
          return (...args: Parameters<pg.PoolClient['query']>) => {
            count += 1;
            return (target.query as (...inner: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      await postTransfer(counted, p.source, {
        fromAccountId: p.checking,
        toAccountId: p.cash,
        amountCents: 100,
        description: 'Saque',
        notes: null,
        occurredOn: DAY,
      });
      return count;
    });
    expect(queries).toBe(2);
  });

  it('an opening balance may be a debt, against the equity account', async () => {
    const p = await person();
    const card = await p.client.account({ name: 'Cartão', type: 'credit_card', overdraft_limit_cents: 50_000 });
    const posted = await inTransaction((client) =>
      postOpening(client, p.source, { accountId: card.id, amountCents: -20_000, occurredOn: DAY }),
    );
    expect(posted.transaction).toMatchObject({ kind: 'opening', amount_cents: 20_000, description: 'Saldo inicial' });
    expect(posted.entries.find((entry) => entry.account_id === card.id)?.balance_after_cents).toBe(-20_000);
  });
});

describe('occurred_on bounds', () => {
  it('the code posts on the first and last supported days', async () => {
    const p = await person();
    for (const day of [OCCURRED_ON_MIN, OCCURRED_ON_MAX]) {
      const posted = await inTransaction((client) =>
        postEntry(client, p.source, {
          kind: 'income',
          accountId: p.cash,
          amountCents: 100,
          description: 'Limite',
          categoryId: null,
          notes: null,
          occurredOn: day,
        }),
      );
      expect(posted.transaction.occurred_on).toBe(day);
    }
  });

  it('the database refuses a day outside the code bounds, even written directly', async () => {
    const p = await person();
    for (const day of ['1999-12-31', '2100-01-01', '1900-01-01', '2999-12-31']) {
      const refused = await inTransaction((client) =>
        client.query(
          `INSERT INTO transactions (id, user_id, kind, account_id, counterparty_account_id, amount_cents, description,
             occurred_on, policy_version)
           VALUES (gen_random_uuid(), $1, 'transfer', $2, $3, 100, 'Fora do intervalo', $4, 'transfers_v1')`,
          [p.user.id, p.checking, p.cash, day],
        ),
      ).catch((error: unknown) => error);
      expect(pgCode(refused), day).toBe(SqlState.checkViolation);
      expect(pgConstraint(refused), day).toBe('transactions_occurred_on_range');
    }
    expect(await transactionCount(p.user.id)).toBe(1);
  });
});
