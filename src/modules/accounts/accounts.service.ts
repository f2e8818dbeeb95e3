import type pg from 'pg';
import { runTransaction } from '../../db/unit-of-work.js';
import { ACCOUNTS_PER_USER_MAX } from '../../lib/bounds.js';
import { calendarDay } from '../../lib/calendar.js';
import { DomainError, invalidField, rowVersionConflict } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import type { PageResult } from '../../lib/pagination.js';
import { updateOrConflict } from '../../lib/row-version.js';
import type { RequestContext, ServiceDeps, WriteResult } from '../../lib/service-context.js';
import type { ClosingDayPurchases } from '../../policies/cards_v1.js';
import { acceptsOverdraftLimit, balanceFloorCents, isInternal } from '../../policies/ledger_v1.js';
import { changeSchedule } from '../cards/cards.service.js';
import { idempotentWrite } from '../idempotency/idempotency.service.js';
import { type AccountRow, accountNotFound, lockAndLoadAccounts, postOpening, sourceOf } from '../ledger/index.js';
import type { UserAccountRow } from './accounts.repository.js';
import * as repository from './accounts.repository.js';
import type { AccountResponse, CreateAccountInput, PatchAccountInput } from './accounts.schemas.js';

export function toAccountResponse(row: UserAccountRow): AccountResponse {
  const card = row.type === 'credit_card';
  const used = Math.max(0, -row.balance_cents);
  return {
    id: row.id,
    name: row.name,
    type: row.type as AccountResponse['type'],
    currency: 'BRL',
    balance_cents: row.balance_cents,
    overdraft_limit_cents: row.overdraft_limit_cents,
    credit_limit_cents: card ? row.overdraft_limit_cents : null,
    credit_used_cents: card ? used : null,
    credit_available_cents: card ? row.overdraft_limit_cents + row.balance_cents : null,
    closing_day: row.closing_day,
    due_day: row.due_day,
    closing_day_purchases: row.closing_day_purchases,
    archived: row.archived_at !== null,
    archived_at: row.archived_at?.toISOString() ?? null,
    row_version: row.row_version,
    created_at: row.created_at.toISOString(),
  };
}

function notApplicable(field: string, message: string): DomainError {
  return invalidField(`body/${field}`, message, 'not_applicable');
}

type CardInput = Pick<
  CreateAccountInput,
  'overdraft_limit_cents' | 'credit_limit_cents' | 'closing_day' | 'due_day' | 'closing_day_purchases'
>;

/** The limit a request asks for: overdraft_limit_cents, or credit_limit_cents (a card's name for it); both must agree. */
function limitOf(input: CardInput): number | undefined {
  if (
    input.overdraft_limit_cents !== undefined &&
    input.credit_limit_cents !== undefined &&
    input.overdraft_limit_cents !== input.credit_limit_cents
  ) {
    throw invalidField('body/credit_limit_cents', 'must equal overdraft_limit_cents when both are sent', 'mismatch');
  }
  return input.credit_limit_cents ?? input.overdraft_limit_cents;
}

/**
 * A card's bill days as the request leaves them: what it sent over what the card has. The
 * closing and due days come together the first time; later either may change alone.
 */
function cardDaysOf(
  type: string,
  input: CardInput,
  current: Pick<UserAccountRow, 'closing_day' | 'due_day' | 'closing_day_purchases'> | undefined,
): { closingDay: number; dueDay: number; closingDayPurchases: ClosingDayPurchases } | null {
  const sent = input.closing_day !== undefined || input.due_day !== undefined || input.closing_day_purchases !== undefined;
  if (type !== 'credit_card') {
    if (sent) throw notApplicable('closing_day', 'only credit cards have closing and due days');
    if (input.credit_limit_cents !== undefined)
      throw notApplicable('credit_limit_cents', 'only credit cards have a credit limit');
    return null;
  }
  const closingDay = input.closing_day ?? current?.closing_day ?? undefined;
  const dueDay = input.due_day ?? current?.due_day ?? undefined;
  if (closingDay === undefined && dueDay === undefined) {
    if (input.closing_day_purchases !== undefined)
      throw notApplicable('closing_day_purchases', 'set the closing and due days with it');
    return null;
  }
  if (closingDay === undefined || dueDay === undefined) {
    const missing = closingDay === undefined ? 'closing_day' : 'due_day';
    throw invalidField(`body/${missing}`, 'the closing and due days are set together', 'required');
  }
  return {
    closingDay,
    dueDay,
    closingDayPurchases: input.closing_day_purchases ?? current?.closing_day_purchases ?? 'next_bill',
  };
}

export class AccountsService {
  constructor(private readonly deps: ServiceDeps) {}

  async create(context: RequestContext, input: CreateAccountInput): Promise<WriteResult<AccountResponse>> {
    const name = input.name.trim();
    if (name.length === 0) throw notApplicable('name', 'must not be blank');
    const overdraft = limitOf(input) ?? 0;
    if (overdraft > 0 && !acceptsOverdraftLimit(input.type)) {
      throw notApplicable('overdraft_limit_cents', 'only checking and credit card accounts have a limit');
    }
    const days = cardDaysOf(input.type, input, undefined);
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
        closing_day: days?.closingDay ?? null,
        due_day: days?.dueDay ?? null,
        closing_day_purchases: days?.closingDayPurchases ?? null,
      });
      if (days) await changeSchedule(client, { userId: context.userId, accountId: account.id, ...days, today: calendarDay(now) });
      const initial = input.initial_balance_cents ?? 0;
      if (initial !== 0) account = { ...account, ...(await this.postOpening(client, context, account, initial, now)) };
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
      const locked = (await lockAndLoadAccounts(client, userId, [accountId])).get(accountId);
      if (!locked || isInternal(locked.type)) throw accountNotFound();
      const current = (await repository.findUserAccount(client, userId, accountId)) as UserAccountRow;
      if (current.row_version !== input.row_version) {
        // Checked first, under the lock, so a stale edit is a 409 before any other rule judges it;
        // the conditional UPDATE keeps the same guard in the SQL.
        throw rowVersionConflict('account', toAccountResponse(current));
      }
      const name = input.name?.trim() ?? current.name;
      if (name.length === 0) throw notApplicable('name', 'must not be blank');
      const overdraft = limitOf(input) ?? current.overdraft_limit_cents;
      if (overdraft !== current.overdraft_limit_cents && !acceptsOverdraftLimit(current.type)) {
        throw notApplicable('overdraft_limit_cents', 'only checking and credit card accounts have a limit');
      }
      const floor = balanceFloorCents({ ...current, overdraft_limit_cents: overdraft });
      if (floor !== undefined && current.balance_cents < floor && overdraft < current.overdraft_limit_cents) {
        throw new DomainError('limit_below_usage', 422, 'The new limit is below what the account already uses.', {
          balance_cents: current.balance_cents,
        });
      }
      const days = cardDaysOf(current.type, input, current);
      if (days) {
        await changeSchedule(client, { userId, accountId, ...days, today: calendarDay(this.deps.clock.now()) });
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
            closingDay: days?.closingDay ?? null,
            dueDay: days?.dueDay ?? null,
            closingDayPurchases: days?.closingDayPurchases ?? null,
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
        installment_count: row.installment_count,
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
