import type pg from 'pg';
import type { Queryable } from '../../db/queryable.js';
import { assert } from '../../lib/assert.js';
import { monthOf } from '../../lib/calendar.js';
import { DomainError, invalidField, notFound } from '../../lib/errors.js';
import type { PageResult } from '../../lib/pagination.js';
import { updateOrConflict } from '../../lib/row-version.js';
import type { RequestContext, ServiceDeps, WriteResult } from '../../lib/service-context.js';
import { INSTALLMENTS_MIN } from '../../policies/cards_v1.js';
import { findUserAccount } from '../accounts/accounts.repository.js';
import { checkInstallmentPurchase, recordInstallments } from '../cards/cards.service.js';
import { findCategory } from '../categories/categories.repository.js';
import { checkCategoryFor } from '../categories/categories.service.js';
import { idempotentWrite } from '../idempotency/idempotency.service.js';
import { markInsightsStale } from '../insights/staleness.js';
import {
  alreadyCorrected,
  alreadyReversed,
  balanceIn,
  type CorrectionPosting,
  correct,
  correctionNotSupported,
  entriesOf,
  findTransaction,
  lockAndLoadAccounts,
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
    const installments = input.installments !== undefined && input.installments >= INSTALLMENTS_MIN ? input.installments : null;
    return idempotentWrite(this.deps, context, async (client, now) => {
      if (installments !== null) {
        await checkInstallmentPurchase(client, {
          userId: context.userId,
          accountId: input.account_id,
          type: input.type,
          amountCents: input.amount_cents,
          count: installments,
        });
      }
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
      const transaction = postedTransactionResponse(posted);
      if (installments !== null) {
        // Under the purchase's locks: the card's schedule cannot change before COMMIT.
        await recordInstallments(client, {
          userId: context.userId,
          accountId: input.account_id,
          transactionId: posted.transaction.id,
          occurredOn: posted.transaction.occurred_on,
          amountCents: input.amount_cents,
          count: installments,
        });
        transaction.installment_count = installments;
      }
      return { status: 201, body: { transaction, account: balanceIn(posted, input.account_id) } };
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
    // A filter naming an account or category that is not the person's is 404, as a path id is.
    if (query.account_id !== undefined && !(await findUserAccount(this.deps.pool, userId, query.account_id)))
      throw notFound('account');
    if (query.category_id !== undefined && !(await findCategory(this.deps.pool, userId, query.category_id)))
      throw notFound('category');
    const { rows, total } = await repository.listTransactions(this.deps.pool, {
      userId,
      accountId: query.account_id,
      categoryId: query.category_id,
      from: query.from,
      to: query.to,
      q: query.q?.trim() || undefined,
      includeReversed: query.include_reversed,
      skip: query.skip,
      limit: query.limit,
    });
    return { items: await this.withEntries(this.deps.pool, userId, rows), total, skip: query.skip, limit: query.limit };
  }

  async get(userId: string, transactionId: string): Promise<TransactionResponse> {
    return this.getWith(this.deps.pool, userId, transactionId);
  }

  private async getWith(client: Queryable, userId: string, transactionId: string): Promise<TransactionResponse> {
    const row = await findTransaction(client, userId, transactionId);
    if (!row) throw notFound('transaction');
    const [response] = await this.withEntries(client, userId, [row]);
    return response as TransactionResponse;
  }

  /**
   * Description, category and notes change in place, guarded by row_version. A new amount,
   * date or account is a correction (the ledger's correct: a reversal plus a new posting,
   * atomically); the answer is then the new posting.
   */
  async patch(context: RequestContext, transactionId: string, input: PatchTransactionInput): Promise<WriteResult<unknown>> {
    return idempotentWrite(this.deps, context, async (client, now) => {
      const current = await findTransaction(client, context.userId, transactionId);
      if (!current) throw notFound('transaction');
      const correction = correctionOf(current, input, now);
      if (correction) {
        const { replacement } = await correct(client, sourceOf(context, this.deps.clock.now()), correction, {
          allowNegative: input.allow_negative,
        });
        return { status: 200, body: postedTransactionResponse(replacement) };
      }
      await this.editDetails(client, context.userId, current, input);
      return { status: 200, body: await this.getWith(client, context.userId, transactionId) };
    });
  }

  /**
   * Only description, category and notes change; money never does (the database refuses). A
   * reversal carries its original's category, so the pair cancels out within that category's
   * spending: a reversed (deleted or corrected) original keeps its category. The accounts'
   * locks, which a reversal takes too, make "not reversed" hold until this edit commits.
   */
  private async editDetails(client: pg.PoolClient, userId: string, current: TransactionListRow, input: PatchTransactionInput) {
    const takesCategory = current.kind === 'income' || current.kind === 'expense';
    if (input.category_id) {
      if (!takesCategory) throw categoryKindMismatch();
      await checkCategoryFor(client, { userId, categoryId: input.category_id, kind: current.kind });
    }
    if (input.category_id !== undefined && input.category_id !== current.category_id) {
      // Clearing one changes it as much as setting one: a reversal keeps its original's.
      if (!takesCategory) throw categoryKindMismatch();
      await lockAndLoadAccounts(client, userId, [current.account_id, current.counterparty_account_id]);
      const locked = await findTransaction(client, userId, current.id);
      if (locked?.corrected_by_transaction_id) throw alreadyCorrected(locked.corrected_by_transaction_id);
      if (locked?.reversed_by_transaction_id) throw alreadyReversed(locked.reversed_by_transaction_id);
    }
    await updateOrConflict({
      entity: 'transaction',
      update: () =>
        updateTransactionDetails(client, {
          userId,
          transactionId: current.id,
          rowVersion: input.row_version,
          ...detailsOf(current, input),
        }),
      current: () => this.getWith(client, userId, current.id),
    });
  }

  /** A reversal posts the original's legs negated (see the ledger's reverse). */
  async reverse(
    context: RequestContext,
    transactionId: string,
    input: { description?: string | undefined; allow_negative?: boolean | undefined },
  ): Promise<WriteResult<unknown>> {
    return idempotentWrite(this.deps, context, async (client) => {
      const posted = await reverse(client, sourceOf(context, this.deps.clock.now()), {
        originalTransactionId: transactionId,
        description: input.description,
        allowNegative: input.allow_negative,
      });
      // The reversal marks cached insights stale from its own month on; what it undoes may have
      // counted in earlier months too (a card purchase's installments on their bills, the
      // installments a refund had moved), so they are marked from the original's month.
      const original = posted.transaction.reverses_transaction_id as string;
      const undone = await findTransaction(client, context.userId, original);
      if (undone) await markInsightsStale(client, context.userId, monthOf(undone.occurred_on));
      return { status: 201, body: { transaction: postedTransactionResponse(posted), accounts: userBalancesOf(posted) } };
    });
  }

  async audit(userId: string, transactionId: string) {
    const row = await findTransaction(this.deps.pool, userId, transactionId);
    if (!row) throw notFound('transaction');
    const linked = (id: string | null) => (id === null ? Promise.resolve(null) : this.linked(userId, id));
    const [entries, reverses, reversedBy, corrects, correctedBy] = await Promise.all([
      entriesOf(this.deps.pool, userId, [row.id]),
      linked(row.reverses_transaction_id),
      linked(row.reversed_by_transaction_id),
      linked(row.corrects_transaction_id),
      linked(row.corrected_by_transaction_id),
    ]);
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
      corrects_transaction_id: row.corrects_transaction_id,
      corrected_by_transaction_id: row.corrected_by_transaction_id,
      amount_cents: row.amount_cents,
      chain: { reverses, reversed_by: reversedBy, corrects, corrected_by: correctedBy },
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

  /** A transaction of the same chain, in the few words the audit view shows. */
  private async linked(userId: string, transactionId: string) {
    const row = await findTransaction(this.deps.pool, userId, transactionId);
    assert(row !== undefined, `linked transaction ${transactionId} is missing`);
    return {
      id: row.id,
      kind: row.kind,
      amount_cents: row.amount_cents,
      occurred_on: row.occurred_on,
      account_id: row.account_id,
      description: row.description,
      created_at: row.created_at.toISOString(),
    };
  }
}

function categoryKindMismatch(): DomainError {
  return new DomainError('category_kind_mismatch', 422, 'Only income and expenses take a category.');
}

/** The details a PATCH leaves: what it sent, else what the transaction has. */
function detailsOf(current: TransactionListRow, input: PatchTransactionInput) {
  return {
    description: input.description?.trim() || current.description,
    categoryId: input.category_id === undefined ? current.category_id : input.category_id,
    notes: input.notes === undefined ? current.notes : input.notes,
  };
}

/**
 * The correction a PATCH asks for, or undefined when its amount, date and account are
 * absent or unchanged (an edit of the details only).
 */
function correctionOf(current: TransactionListRow, input: PatchTransactionInput, now: Date): CorrectionPosting | undefined {
  const accountId = input.account_id ?? current.account_id;
  const amountCents = input.amount_cents ?? current.amount_cents;
  const day = input.occurred_on === undefined ? current.occurred_on : occurredOn(input.occurred_on, now);
  if (accountId === current.account_id && amountCents === current.amount_cents && day === current.occurred_on) {
    return undefined;
  }
  if (current.kind !== 'income' && current.kind !== 'expense') throw correctionNotSupported(current.kind);
  if (current.installment_count) {
    throw new DomainError(
      'correction_not_supported',
      422,
      'A purchase in installments cannot have its amount, date or account changed; reverse it and record it again.',
      { kind: current.kind, reason: 'installments' },
    );
  }
  return {
    originalTransactionId: current.id,
    rowVersion: input.row_version,
    accountId,
    amountCents,
    occurredOn: day,
    ...detailsOf(current, input),
  };
}
