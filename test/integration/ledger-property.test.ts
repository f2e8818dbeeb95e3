import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';

/**
 * Random sequences of account creation, income, expenses, transfers, reversals and
 * edits run against the API and against a plain in-memory model of the rules; the two
 * must agree on every answer and every balance.
 */
type AccountType = 'checking' | 'savings' | 'credit_card' | 'cash' | 'investment';
interface ModelAccount {
  id: string;
  type: AccountType;
  limit: number;
  balance: number;
}
interface ModelTransaction {
  id: string;
  legs: Array<{ account: number; amount: number }>;
  reversed: boolean;
  isReversal: boolean;
}

type Operation =
  | { op: 'account'; type: AccountType; initial: number; limit: number }
  | { op: 'income' | 'expense'; account: number; amount: number }
  | { op: 'transfer'; from: number; to: number; amount: number }
  | { op: 'reverse'; transaction: number }
  | { op: 'edit'; transaction: number; description: string };

const accountTypes: AccountType[] = ['checking', 'savings', 'credit_card', 'cash', 'investment'];
const amount = fc.integer({ min: 1, max: 50_000 });
const index = fc.nat({ max: 20 });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    op: fc.constant('account' as const),
    type: fc.constantFrom(...accountTypes),
    initial: fc.integer({ min: -20_000, max: 60_000 }),
    limit: fc.nat({ max: 30_000 }),
  }),
  fc.record({ op: fc.constantFrom('income' as const, 'expense' as const), account: index, amount }),
  fc.record({ op: fc.constant('transfer' as const), from: index, to: index, amount }),
  fc.record({ op: fc.constant('reverse' as const), transaction: index }),
  fc.record({
    op: fc.constant('edit' as const),
    transaction: index,
    description: fc.string({ minLength: 1, maxLength: 30 }).filter((text) => text.trim().length > 0),
  }),
);

function floor(account: ModelAccount): number {
  return account.type === 'checking' || account.type === 'credit_card' ? -account.limit : 0;
}

function allowed(accounts: ModelAccount[], legs: Array<{ account: number; amount: number }>): boolean {
  return legs.every((leg) => {
    const account = accounts[leg.account] as ModelAccount;
    return leg.amount >= 0 || account.balance + leg.amount >= floor(account);
  });
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await expectLedgerInvariants(t.pool);
  await t?.close();
});

describe('the API agrees with a model of the rules', () => {
  it('on random sequences of operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 5, maxLength: 30 }), async (operations) => {
        const { client } = await signedIn(t.app);
        const accounts: ModelAccount[] = [];
        const transactions: ModelTransaction[] = [];
        const apply = (legs: ModelTransaction['legs']) => {
          for (const leg of legs) (accounts[leg.account] as ModelAccount).balance += leg.amount;
        };

        for (const step of operations) {
          if (step.op === 'account') {
            const limit = step.type === 'checking' || step.type === 'credit_card' ? step.limit : 0;
            const candidate: ModelAccount = { id: '', type: step.type, limit, balance: 0 };
            const response = await client.post('/api/accounts', {
              name: `Conta ${accounts.length}`,
              type: step.type,
              initial_balance_cents: step.initial,
              ...(limit > 0 ? { overdraft_limit_cents: limit } : {}),
            });
            const expected = step.initial >= floor(candidate) ? 201 : 422;
            expect(response.statusCode, response.body).toBe(expected);
            if (expected === 201) {
              candidate.id = response.json().id;
              candidate.balance = step.initial;
              accounts.push(candidate);
              if (step.initial !== 0)
                transactions.push({
                  id: '',
                  legs: [{ account: accounts.length - 1, amount: step.initial }],
                  reversed: false,
                  isReversal: false,
                });
            }
          } else if (step.op === 'income' || step.op === 'expense') {
            if (accounts.length === 0) continue;
            const position = step.account % accounts.length;
            const legs = [{ account: position, amount: step.op === 'income' ? step.amount : -step.amount }];
            const response = await client.post('/api/transactions', {
              account_id: (accounts[position] as ModelAccount).id,
              type: step.op,
              amount_cents: step.amount,
              description: step.op,
            });
            const expected = allowed(accounts, legs) ? 201 : 422;
            expect(response.statusCode, response.body).toBe(expected);
            if (expected === 201) {
              apply(legs);
              transactions.push({ id: response.json().transaction.id, legs, reversed: false, isReversal: false });
            }
          } else if (step.op === 'transfer') {
            if (accounts.length < 2) continue;
            const from = step.from % accounts.length;
            const to = step.to % accounts.length;
            const response = await client.post('/api/transfers', {
              from_account_id: (accounts[from] as ModelAccount).id,
              to_account_id: (accounts[to] as ModelAccount).id,
              amount_cents: step.amount,
            });
            const legs = [
              { account: from, amount: -step.amount },
              { account: to, amount: step.amount },
            ];
            const expected = from === to ? 400 : allowed(accounts, legs) ? 201 : 422;
            expect(response.statusCode, response.body).toBe(expected);
            if (expected === 201) {
              apply(legs);
              transactions.push({ id: response.json().transaction.id, legs, reversed: false, isReversal: false });
            }
          } else if (step.op === 'reverse') {
            const candidates = transactions.filter((transaction) => transaction.id !== '');
            if (candidates.length === 0) continue;
            const target = candidates[step.transaction % candidates.length] as ModelTransaction;
            const legs = target.legs.map((leg) => ({ account: leg.account, amount: -leg.amount }));
            const response = await client.post(`/api/transactions/${target.id}/reverse`);
            const expected = target.isReversal ? 422 : target.reversed ? 409 : allowed(accounts, legs) ? 201 : 422;
            expect(response.statusCode, response.body).toBe(expected);
            if (expected === 201) {
              apply(legs);
              target.reversed = true;
              transactions.push({ id: response.json().transaction.id, legs, reversed: false, isReversal: true });
            }
          } else if (step.op === 'edit') {
            const candidates = transactions.filter((transaction) => transaction.id !== '');
            if (candidates.length === 0) continue;
            const target = candidates[step.transaction % candidates.length] as ModelTransaction;
            const current = (await client.get(`/api/transactions/${target.id}`)).json();
            const response = await client.patch(`/api/transactions/${target.id}`, {
              description: step.description,
              row_version: current.row_version,
            });
            expect(response.statusCode, response.body).toBe(200);
            expect(response.json().amount_cents).toBe(current.amount_cents);
          }
        }

        for (const account of accounts) {
          const fetched = (await client.get(`/api/accounts/${account.id}`)).json();
          expect(fetched.balance_cents).toBe(account.balance);
        }
      }),
      { numRuns: 25 },
    );
  });
});
