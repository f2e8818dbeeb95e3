import type pg from 'pg';
import { OCCURRED_ON_MAX, OCCURRED_ON_MIN } from '../../http/common-schemas.js';
import type { RequestContext, ServiceDeps } from '../../http/context.js';
import { DomainError } from '../../http/errors.js';
import { runIdempotentWrite, type WriteResult } from '../../http/idempotency.js';
import type { PageResult } from '../../http/pagination.js';
import { calendarDay } from '../../lib/dates.js';
import { isInternal, LEDGER_POLICY_VERSION } from '../../policies/ledger_v1.js';
import { accountNotFound } from '../accounts/accounts.service.js';
import { checkCategoryFor } from '../categories/categories.service.js';
import { type AccountRow, findInternalAccountId, lockAndLoadAccounts } from '../ledger/ledger.repository.js';
import { type Posted, post } from '../ledger/ledger.service.js';
import * as repository from './transactions.repository.js';
import type {
  CreateTransactionInput,
  PatchTransactionInput,
  TransactionListInput,
  TransactionResponse,
} from './transactions.schemas.js';

export function balanceOf(account: AccountRow) {
  return { id: account.id, balance_cents: account.balance_cents, row_version: account.row_version };
}

export function transactionNotFound(): DomainError {
  return new DomainError('not_found', 404, 'No such transaction.');
}

/** occurred_on defaults to today in São Paulo and must fall within the supported range. */
export function occurredOn(value: string | undefined, now: Date): string {
  const day = value ?? calendarDay(now);
  if (day < OCCURRED_ON_MIN || day > OCCURRED_ON_MAX) {
    throw new DomainError('validation_failed', 400, 'The request has invalid fields.', {
      errors: [
        { field: 'body/occurred_on', message: `must be between ${OCCURRED_ON_MIN} and ${OCCURRED_ON_MAX}`, code: 'range' },
      ],
    });
  }
  return day;
}

/** The person's own account, usable for a new movement: theirs, not internal, not archived. */
export function usableAccount(accounts: Map<string, AccountRow>, accountId: string): AccountRow {
  const account = accounts.get(accountId);
  if (!account || isInternal(account.type)) throw accountNotFound();
  if (account.archived_at !== null) {
    throw new DomainError('account_archived', 422, 'This account is archived; unarchive it to record movements.', {
      account_id: accountId,
    });
  }
  return account;
}

export function toTransactionResponse(
  row: repository.TransactionListRow,
  entries: ReadonlyArray<{ account_id: string; amount_cents: number; balance_after_cents: number; account_type: string }>,
): TransactionResponse {
  // A transfer (or its reversal) moves money between two of the person's own accounts.
  const counterparty = entries.find((entry) => entry.account_id === row.counterparty_account_id);
  const toAccountId =
    counterparty && !isInternal(counterparty.account_type as AccountRow['type']) ? row.counterparty_account_id : null;
  return {
    id: row.id,
    kind: row.kind as TransactionResponse['kind'],
    account_id: row.account_id,
    to_account_id: toAccountId,
    amount_cents: row.amount_cents,
    description: row.description,
    category_id: row.category_id,
    notes: row.notes,
    occurred_on: row.occurred_on,
    policy_version: row.policy_version,
    reverses_transaction_id: row.reverses_transaction_id,
    reversed_by_transaction_id: row.reversed_by_transaction_id,
    row_version: row.row_version,
    created_at: row.created_at.toISOString(),
    payee_name: row.payee_name ?? null,
    payee_city: row.payee_city ?? null,
    pix_txid: row.pix_txid ?? null,
    pix_charge_id: row.pix_charge_id ?? null,
    entries: entries
      .filter((entry) => !isInternal(entry.account_type as AccountRow['type']))
      .map((entry) => ({
        account_id: entry.account_id,
        amount_cents: entry.amount_cents,
        balance_after_cents: entry.balance_after_cents,
      })),
  };
}

/** The response for a transaction just posted: its header and the legs the person sees. */
export function postedTransactionResponse(posted: Posted): TransactionResponse {
  const entries = posted.entries.map((entry) => ({
    ...entry,
    account_type: (posted.accounts.get(entry.account_id) as AccountRow).type,
  }));
  return toTransactionResponse({ ...posted.transaction, reversed_by_transaction_id: null }, entries);
}

export class TransactionsService {
  constructor(private readonly deps: ServiceDeps) {}

  async create(context: RequestContext, input: CreateTransactionInput): Promise<WriteResult<unknown>> {
    return runIdempotentWrite({
      ...this.deps,
      userId: context.userId,
      idempotency: context.idempotency,
      respond: context.respond,
      work: async (client, now) => {
        const day = occurredOn(input.occurred_on, now);
        if (input.category_id)
          await checkCategoryFor(client, { userId: context.userId, categoryId: input.category_id, kind: input.type });
        const counterpartyId = await findInternalAccountId(client, context.userId, input.type);
        const accounts = await lockAndLoadAccounts(client, context.userId, [input.account_id, counterpartyId]);
        usableAccount(accounts, input.account_id);
        const signed = input.type === 'income' ? input.amount_cents : -input.amount_cents;
        const posted = await post(client, accounts, {
          userId: context.userId,
          kind: input.type,
          accountId: input.account_id,
          counterpartyAccountId: counterpartyId,
          amountCents: input.amount_cents,
          legs: [
            { account_id: input.account_id, amount_cents: signed },
            { account_id: counterpartyId, amount_cents: -signed },
          ],
          description: input.description.trim() || input.description,
          categoryId: input.category_id ?? null,
          notes: input.notes ?? null,
          occurredOn: day,
          policyVersion: LEDGER_POLICY_VERSION,
          reversesTransactionId: null,
          idempotencyKey: context.idempotency?.key ?? null,
          requestId: context.requestId,
          postedAt: this.deps.clock.now(),
        });
        return {
          status: 201,
          body: {
            transaction: postedTransactionResponse(posted),
            account: balanceOf(posted.accounts.get(input.account_id) as AccountRow),
          },
        };
      },
    });
  }

  private async withEntries(client: pg.Pool | pg.PoolClient, userId: string, rows: repository.TransactionListRow[]) {
    const entries = await repository.entriesOf(
      client,
      userId,
      rows.map((row) => row.id),
    );
    return rows.map((row) =>
      toTransactionResponse(
        row,
        entries.filter((entry) => entry.transaction_id === row.id),
      ),
    );
  }

  async list(
    userId: string,
    query: TransactionListInput & { skip: number; limit: number },
  ): Promise<PageResult<TransactionResponse>> {
    if (query.from && query.to && query.from > query.to) {
      throw new DomainError('validation_failed', 400, 'The request has invalid fields.', {
        errors: [{ field: 'querystring/from', message: 'must not be after to', code: 'range' }],
      });
    }
    const { rows, total } = await repository.listTransactions(this.deps.pool, {
      userId,
      accountId: query.account_id,
      categoryId: query.category_id,
      from: query.from,
      to: query.to,
      q: query.q?.trim() || undefined,
      skip: query.skip,
      limit: query.limit,
    });
    return { items: await this.withEntries(this.deps.pool, userId, rows), total, skip: query.skip, limit: query.limit };
  }

  async get(userId: string, transactionId: string): Promise<TransactionResponse> {
    const row = await repository.findTransaction(this.deps.pool, userId, transactionId);
    if (!row) throw transactionNotFound();
    const [response] = await this.withEntries(this.deps.pool, userId, [row]);
    return response as TransactionResponse;
  }

  /** Only description, category and notes change; money never does (the database refuses). */
  async patch(userId: string, transactionId: string, input: PatchTransactionInput): Promise<TransactionResponse> {
    const current = await repository.findTransaction(this.deps.pool, userId, transactionId);
    if (!current) throw transactionNotFound();
    const categoryId = input.category_id === undefined ? current.category_id : input.category_id;
    if (input.category_id) {
      if (current.kind !== 'income' && current.kind !== 'expense') {
        throw new DomainError('category_kind_mismatch', 422, 'Only income and expenses take a category.');
      }
      await checkCategoryFor(this.deps.pool, { userId, categoryId: input.category_id, kind: current.kind });
    }
    const updated = await repository.updateTransactionDetails(this.deps.pool, {
      userId,
      transactionId,
      rowVersion: input.row_version,
      description: input.description?.trim() || current.description,
      categoryId,
      notes: input.notes === undefined ? current.notes : input.notes,
    });
    const fresh = await this.get(userId, transactionId);
    if (!updated) {
      throw new DomainError('row_version_conflict', 409, 'The transaction changed since you read it.', { current: fresh });
    }
    return fresh;
  }

  /**
   * A reversal posts the original's legs negated, under the current policy. The unique
   * index on reverses_transaction_id makes a second reversal impossible even if two race.
   */
  async reverse(
    context: RequestContext,
    transactionId: string,
    input: { description?: string | undefined },
  ): Promise<WriteResult<unknown>> {
    return runIdempotentWrite({
      ...this.deps,
      userId: context.userId,
      idempotency: context.idempotency,
      respond: context.respond,
      work: async (client) => {
        const original = await repository.findTransaction(client, context.userId, transactionId);
        if (!original) throw transactionNotFound();
        if (original.kind === 'reversal')
          throw new DomainError('cannot_reverse_reversal', 422, 'A reversal cannot itself be reversed.');
        const originalEntries = await repository.entriesOf(client, context.userId, [original.id]);
        const accounts = await lockAndLoadAccounts(
          client,
          context.userId,
          originalEntries.map((entry) => entry.account_id),
        );
        // Re-read under the locks: a reversal racing this one has committed or not yet begun.
        const locked = await repository.findTransaction(client, context.userId, transactionId);
        if (locked?.reversed_by_transaction_id) {
          throw new DomainError('already_reversed', 409, 'This transaction was already reversed.', {
            reversed_by_transaction_id: locked.reversed_by_transaction_id,
          });
        }
        const now = this.deps.clock.now();
        const posted = await post(client, accounts, {
          userId: context.userId,
          kind: 'reversal',
          accountId: original.account_id,
          counterpartyAccountId: original.counterparty_account_id,
          amountCents: original.amount_cents,
          legs: originalEntries.map((entry) => ({ account_id: entry.account_id, amount_cents: -entry.amount_cents })),
          description: input.description?.trim() || original.description,
          categoryId: original.category_id,
          notes: null,
          occurredOn: calendarDay(now),
          policyVersion: LEDGER_POLICY_VERSION,
          reversesTransactionId: original.id,
          idempotencyKey: context.idempotency?.key ?? null,
          requestId: context.requestId,
          postedAt: now,
        });
        const transaction = postedTransactionResponse(posted);
        return {
          status: 201,
          body: {
            transaction,
            accounts: [...posted.accounts.values()].filter((account) => !isInternal(account.type)).map(balanceOf),
          },
        };
      },
    });
  }

  async audit(userId: string, transactionId: string) {
    const row = await repository.findTransaction(this.deps.pool, userId, transactionId);
    if (!row) throw transactionNotFound();
    const entries = await repository.entriesOf(this.deps.pool, userId, [row.id]);
    return {
      transaction_id: row.id,
      kind: row.kind,
      created_by: row.user_id,
      created_at: row.created_at.toISOString(),
      request_id: row.request_id,
      idempotency_key: row.idempotency_key,
      policy_version: row.policy_version,
      reverses_transaction_id: row.reverses_transaction_id,
      reversed_by_transaction_id: row.reversed_by_transaction_id,
      entries: entries.map((entry) => ({
        id: entry.id,
        account_id: entry.account_id,
        account_type: entry.account_type,
        amount_cents: entry.amount_cents,
        balance_after_cents: entry.balance_after_cents,
        account_version: entry.account_version,
        created_at: entry.created_at.toISOString(),
      })),
    };
  }
}
