import type { Queryable } from '../../db/queryable.js';
import { DomainError, invalidField, notFound } from '../../lib/errors.js';
import type { PageResult } from '../../lib/pagination.js';
import { updateOrConflict } from '../../lib/row-version.js';
import type { RequestContext, ServiceDeps, WriteResult } from '../../lib/service-context.js';
import { checkCategoryFor } from '../categories/categories.service.js';
import { idempotentWrite } from '../idempotency/idempotency.service.js';
import {
  balanceIn,
  entriesOf,
  findTransaction,
  occurredOn,
  postEntry,
  postedTransactionResponse,
  reverse,
  sourceOf,
  type TransactionListRow,
  toTransactionResponse,
  updateTransactionDetails,
  userBalancesOf,
} from '../ledger/index.js';
import * as repository from './transactions.repository.js';
import type {
  CreateTransactionInput,
  PatchTransactionInput,
  TransactionListInput,
  TransactionResponse,
} from './transactions.schemas.js';

export class TransactionsService {
  constructor(private readonly deps: ServiceDeps) {}

  async create(context: RequestContext, input: CreateTransactionInput): Promise<WriteResult<unknown>> {
    return idempotentWrite(this.deps, context, async (client, now) => {
      const posted = await postEntry(client, sourceOf(context, this.deps.clock.now()), {
        kind: input.type,
        accountId: input.account_id,
        amountCents: input.amount_cents,
        description: input.description.trim() || input.description,
        categoryId: input.category_id ?? null,
        notes: input.notes ?? null,
        occurredOn: occurredOn(input.occurred_on, now),
        allowNegative: input.allow_negative === true,
      });
      return {
        status: 201,
        body: { transaction: postedTransactionResponse(posted), account: balanceIn(posted, input.account_id) },
      };
    });
  }

  private async withEntries(client: Queryable, userId: string, rows: TransactionListRow[]) {
    const entries = await entriesOf(
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
      throw invalidField('querystring/from', 'must not be after to', 'range');
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
    const row = await findTransaction(this.deps.pool, userId, transactionId);
    if (!row) throw notFound('transaction');
    const [response] = await this.withEntries(this.deps.pool, userId, [row]);
    return response as TransactionResponse;
  }

  /** Only description, category and notes change; money never does (the database refuses). */
  async patch(userId: string, transactionId: string, input: PatchTransactionInput): Promise<TransactionResponse> {
    const current = await findTransaction(this.deps.pool, userId, transactionId);
    if (!current) throw notFound('transaction');
    const categoryId = input.category_id === undefined ? current.category_id : input.category_id;
    if (input.category_id) {
      if (current.kind !== 'income' && current.kind !== 'expense') {
        throw new DomainError('category_kind_mismatch', 422, 'Only income and expenses take a category.');
      }
      await checkCategoryFor(this.deps.pool, { userId, categoryId: input.category_id, kind: current.kind });
    }
    await updateOrConflict({
      entity: 'transaction',
      update: () =>
        updateTransactionDetails(this.deps.pool, {
          userId,
          transactionId,
          rowVersion: input.row_version,
          description: input.description?.trim() || current.description,
          categoryId,
          notes: input.notes === undefined ? current.notes : input.notes,
        }),
      current: () => this.get(userId, transactionId),
    });
    return this.get(userId, transactionId);
  }

  /** A reversal posts the original's legs negated (see the ledger's reverse). */
  async reverse(
    context: RequestContext,
    transactionId: string,
    input: { description?: string | undefined },
  ): Promise<WriteResult<unknown>> {
    return idempotentWrite(this.deps, context, async (client) => {
      const posted = await reverse(client, sourceOf(context, this.deps.clock.now()), {
        originalTransactionId: transactionId,
        description: input.description,
      });
      return { status: 201, body: { transaction: postedTransactionResponse(posted), accounts: userBalancesOf(posted) } };
    });
  }

  async audit(userId: string, transactionId: string) {
    const row = await findTransaction(this.deps.pool, userId, transactionId);
    if (!row) throw notFound('transaction');
    const entries = await entriesOf(this.deps.pool, userId, [row.id]);
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
