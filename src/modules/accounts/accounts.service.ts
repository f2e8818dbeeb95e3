import type pg from 'pg';
import { runTransaction } from '../../db/unit-of-work.js';
import { ACCOUNTS_PER_USER_MAX } from '../../lib/bounds.js';
import { calendarDay } from '../../lib/calendar.js';
import { DomainError, invalidField, rowVersionConflict } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import type { PageResult } from '../../lib/pagination.js';
import { updateOrConflict } from '../../lib/row-version.js';
import type { RequestContext, ServiceDeps, WriteResult } from '../../lib/service-context.js';
import { acceptsOverdraftLimit, balanceFloorCents, isInternal } from '../../policies/ledger_v1.js';
import { idempotentWrite } from '../idempotency/idempotency.service.js';
import { type AccountRow, accountNotFound, lockAndLoadAccounts, postOpening, sourceOf } from '../ledger/index.js';
import * as repository from './accounts.repository.js';
import type { AccountResponse, CreateAccountInput, PatchAccountInput } from './accounts.schemas.js';

export function toAccountResponse(row: AccountRow): AccountResponse {
  return {
    id: row.id,
    name: row.name,
    type: row.type as AccountResponse['type'],
    currency: 'BRL',
    balance_cents: row.balance_cents,
    overdraft_limit_cents: row.overdraft_limit_cents,
    archived: row.archived_at !== null,
    archived_at: row.archived_at?.toISOString() ?? null,
    row_version: row.row_version,
    created_at: row.created_at.toISOString(),
  };
}

function notApplicable(field: string, message: string): DomainError {
  return invalidField(`body/${field}`, message, 'not_applicable');
}

export class AccountsService {
  constructor(private readonly deps: ServiceDeps) {}

  async create(context: RequestContext, input: CreateAccountInput): Promise<WriteResult<AccountResponse>> {
    const name = input.name.trim();
    if (name.length === 0) throw notApplicable('name', 'must not be blank');
    const overdraft = input.overdraft_limit_cents ?? 0;
    if (overdraft > 0 && !acceptsOverdraftLimit(input.type)) {
      throw notApplicable('overdraft_limit_cents', 'only checking and credit card accounts have a limit');
    }
    return idempotentWrite(this.deps, context, async (client, now) => {
      if ((await repository.countUserAccounts(client, context.userId)) >= ACCOUNTS_PER_USER_MAX) {
        throw new DomainError('limit_reached', 422, `A person may have at most ${ACCOUNTS_PER_USER_MAX} accounts.`);
      }
      let account = await repository.insertAccount(client, {
        id: newId(),
        user_id: context.userId,
        name,
        type: input.type,
        overdraft_limit_cents: overdraft,
        created_at: now,
      });
      const initial = input.initial_balance_cents ?? 0;
      if (initial !== 0) account = await this.postOpening(client, context, account, initial, now);
      return { status: 201, body: toAccountResponse(account) };
    });
  }

  /** An initial balance is an `opening` transaction against the person's equity account. */
  private async postOpening(
    client: pg.PoolClient,
    context: RequestContext,
    account: AccountRow,
    amountCents: number,
    now: Date,
  ): Promise<AccountRow> {
    const posted = await postOpening(client, sourceOf(context, now), {
      accountId: account.id,
      amountCents,
      occurredOn: calendarDay(now),
    });
    return posted.accounts.get(account.id) as AccountRow;
  }

  async list(
    userId: string,
    query: { skip: number; limit: number; include_archived: boolean },
  ): Promise<PageResult<AccountResponse>> {
    const { rows, total } = await repository.listUserAccounts(this.deps.pool, {
      userId,
      includeArchived: query.include_archived,
      skip: query.skip,
      limit: query.limit,
    });
    return { items: rows.map(toAccountResponse), total, skip: query.skip, limit: query.limit };
  }

  async get(userId: string, accountId: string): Promise<AccountResponse> {
    const row = await repository.findUserAccount(this.deps.pool, userId, accountId);
    if (!row) throw accountNotFound();
    return toAccountResponse(row);
  }

  /**
   * Rename, change the limit, archive or unarchive. Takes the same locks as a posting,
   * so a limit is never lowered under a withdrawal that is checking against it.
   */
  async patch(userId: string, accountId: string, input: PatchAccountInput): Promise<AccountResponse> {
    return runTransaction(this.deps.pool, async (client) => {
      const current = (await lockAndLoadAccounts(client, userId, [accountId])).get(accountId);
      if (!current || isInternal(current.type)) throw accountNotFound();
      if (current.row_version !== input.row_version) {
        // Checked first, under the lock, so a stale edit is a 409 before any other rule judges it;
        // the conditional UPDATE keeps the same guard in the SQL.
        throw rowVersionConflict('account', toAccountResponse(current));
      }
      const name = input.name?.trim() ?? current.name;
      if (name.length === 0) throw notApplicable('name', 'must not be blank');
      const overdraft = input.overdraft_limit_cents ?? current.overdraft_limit_cents;
      if (overdraft !== current.overdraft_limit_cents && !acceptsOverdraftLimit(current.type)) {
        throw notApplicable('overdraft_limit_cents', 'only checking and credit card accounts have a limit');
      }
      const floor = balanceFloorCents({ ...current, overdraft_limit_cents: overdraft });
      if (floor !== undefined && current.balance_cents < floor && overdraft < current.overdraft_limit_cents) {
        throw new DomainError('limit_below_usage', 422, 'The new limit is below what the account already uses.', {
          balance_cents: current.balance_cents,
        });
      }
      const archivedAt =
        input.archived === undefined
          ? current.archived_at
          : input.archived
            ? (current.archived_at ?? this.deps.clock.now())
            : null;
      const updated = await updateOrConflict({
        entity: 'account',
        update: () =>
          repository.updateAccount(client, {
            userId,
            accountId,
            rowVersion: input.row_version,
            name,
            overdraftLimitCents: overdraft,
            archivedAt,
          }),
        current: async () => {
          const fresh = await repository.findUserAccount(client, userId, accountId);
          return fresh && toAccountResponse(fresh);
        },
      });
      return toAccountResponse(updated);
    });
  }

  async ledger(userId: string, accountId: string, query: { skip: number; limit: number; include_reversed: boolean }) {
    await this.get(userId, accountId);
    const { rows, total } = await repository.listLedger(this.deps.pool, {
      accountId,
      includeReversed: query.include_reversed,
      skip: query.skip,
      limit: query.limit,
    });
    return {
      items: rows.map((row) => ({
        id: row.id,
        transaction_id: row.transaction_id,
        kind: row.kind,
        description: row.description,
        occurred_on: row.occurred_on,
        reverses_transaction_id: row.reverses_transaction_id,
        reversed_by_transaction_id: row.reversed_by_transaction_id,
        corrects_transaction_id: row.corrects_transaction_id,
        corrected_by_transaction_id: row.corrected_by_transaction_id,
        amount_cents: row.amount_cents,
        balance_after_cents: row.balance_after_cents,
        account_version: row.account_version,
        created_at: row.created_at.toISOString(),
      })),
      total,
      skip: query.skip,
      limit: query.limit,
    };
  }

  async balanceAt(userId: string, accountId: string, at: string) {
    await this.get(userId, accountId);
    const result = await repository.balanceAt(this.deps.pool, accountId, new Date(at));
    return { account_id: accountId, at: new Date(at).toISOString(), ...result };
  }
}
