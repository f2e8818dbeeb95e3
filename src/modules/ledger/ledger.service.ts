import type pg from 'pg';
import { DomainError } from '../../http/errors.js';
import { assert } from '../../lib/assert.js';
import { newId } from '../../lib/ids.js';
import { BALANCE_ABS_MAX_CENTS, checkPosting, type Leg, legsAreBalanced } from '../../policies/ledger_v1.js';
import { type AccountRow, type EntryRow, insertPosting, type NewEntry, type TransactionRow } from './ledger.repository.js';

export interface PostingInput {
  userId: string;
  kind: string;
  accountId: string;
  counterpartyAccountId: string;
  amountCents: number;
  legs: Leg[];
  description: string;
  categoryId: string | null;
  notes: string | null;
  occurredOn: string;
  policyVersion: string;
  reversesTransactionId: string | null;
  idempotencyKey: string | null;
  requestId: string | null;
  postedAt: Date;
  /** Set when the caller needs the id before posting (a recurring occurrence's claim). */
  transactionId?: string;
  /** A paid Pix (payee and txid from its BR Code) or a received Pix charge. */
  pix?: { payeeName: string | null; payeeCity: string | null; txid: string | null; chargeId: string | null };
}

export interface Posted {
  transaction: TransactionRow;
  entries: EntryRow[];
  accounts: Map<string, AccountRow>;
}

export function insufficientFunds(accountId: string, availableCents: number): DomainError {
  return new DomainError('insufficient_funds', 422, 'The account does not have enough funds for this movement.', {
    account_id: accountId,
    available_cents: availableCents,
  });
}

/**
 * Posts a balanced set of legs on accounts the caller has locked (lockAndLoadAccounts).
 * The code checks the double entry and the policy here; the database checks again.
 */
export async function post(client: pg.PoolClient, accounts: Map<string, AccountRow>, input: PostingInput): Promise<Posted> {
  assert(legsAreBalanced(input.legs), `unbalanced legs for ${input.kind}`);
  for (const leg of input.legs) assert(accounts.has(leg.account_id), `leg account ${leg.account_id} is not locked`);
  const check = checkPosting(accounts, input.legs);
  if (!check.ok) throw insufficientFunds(check.account_id, check.available_cents);

  const newEntries: NewEntry[] = input.legs.map((leg) => {
    const account = accounts.get(leg.account_id) as AccountRow;
    const balance = account.balance_cents + leg.amount_cents;
    assert(Math.abs(balance) <= BALANCE_ABS_MAX_CENTS, `balance of ${account.id} leaves the safe range`);
    return {
      account_id: leg.account_id,
      amount_cents: leg.amount_cents,
      balance_after_cents: balance,
      account_version: account.row_version + 1,
    };
  });
  const transaction: TransactionRow = {
    id: input.transactionId ?? newId(),
    user_id: input.userId,
    kind: input.kind,
    account_id: input.accountId,
    counterparty_account_id: input.counterpartyAccountId,
    amount_cents: input.amountCents,
    description: input.description,
    category_id: input.categoryId,
    notes: input.notes,
    occurred_on: input.occurredOn,
    policy_version: input.policyVersion,
    reverses_transaction_id: input.reversesTransactionId,
    idempotency_key: input.idempotencyKey,
    request_id: input.requestId,
    row_version: 1,
    created_at: input.postedAt,
    payee_name: input.pix?.payeeName ?? null,
    payee_city: input.pix?.payeeCity ?? null,
    pix_txid: input.pix?.txid ?? null,
    pix_charge_id: input.pix?.chargeId ?? null,
  };
  await insertPosting(client, transaction, newEntries);

  const updated = new Map(accounts);
  for (const entry of newEntries) {
    const account = accounts.get(entry.account_id) as AccountRow;
    updated.set(entry.account_id, { ...account, balance_cents: entry.balance_after_cents, row_version: entry.account_version });
  }
  const entries: EntryRow[] = newEntries.map((entry) => ({
    ...entry,
    id: 0,
    transaction_id: transaction.id,
    created_at: input.postedAt,
  }));
  return { transaction, entries, accounts: updated };
}
