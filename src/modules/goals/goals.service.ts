import type pg from 'pg';
import { runTransaction } from '../../db/unit-of-work.js';
import type { RequestContext, ServiceDeps } from '../../http/context.js';
import { DomainError } from '../../http/errors.js';
import { runIdempotentWrite, type WriteResult } from '../../http/idempotency.js';
import type { PageResult } from '../../http/pagination.js';
import { calendarDay } from '../../lib/dates.js';
import { newId } from '../../lib/ids.js';
import {
  addMonths,
  contributionLegs,
  GOALS_POLICY_VERSION,
  PACE_MONTHS,
  progress,
  withdrawalLegs,
} from '../../policies/goals_v1.js';
import { type AccountRow, lockAndLoadAccounts } from '../ledger/ledger.repository.js';
import { post } from '../ledger/ledger.service.js';
import { balanceOf, occurredOn, postedTransactionResponse, usableAccount } from '../transactions/transactions.service.js';
import {
  type ContributionInput,
  type CreateGoalInput,
  GOALS_PER_USER_MAX,
  type GoalResponse,
  type PatchGoalInput,
  type WithdrawalInput,
} from './goals.schemas.js';

interface GoalRow {
  id: string;
  user_id: string;
  account_id: string;
  name: string;
  target_cents: number;
  target_date: string | null;
  icon: string | null;
  achieved_at: Date | null;
  archived_at: Date | null;
  row_version: number;
  created_at: Date;
  saved_cents: number;
  net_recent_cents: number;
}

const SELECT_GOAL = `
  SELECT g.id, g.user_id, g.account_id, g.name, g.target_cents, g.target_date, g.icon, g.achieved_at, g.archived_at,
         g.row_version, g.created_at, a.balance_cents AS saved_cents,
         coalesce((SELECT sum(e.amount_cents) FROM ledger_entries e JOIN transactions t ON t.id = e.transaction_id
                    WHERE e.account_id = g.account_id AND t.occurred_on > $2::date), 0)::bigint AS net_recent_cents
    FROM goals g JOIN accounts a ON a.id = g.account_id`;

function goalNotFound(): DomainError {
  return new DomainError('not_found', 404, 'No such goal.');
}

function blankName(): DomainError {
  return new DomainError('validation_failed', 400, 'The request has invalid fields.', {
    errors: [{ field: 'body/name', message: 'must not be blank', code: 'blank' }],
  });
}

export class GoalsService {
  constructor(private readonly deps: ServiceDeps) {}

  private today(): string {
    return calendarDay(this.deps.clock.now());
  }

  private toResponse(row: GoalRow): GoalResponse {
    return {
      id: row.id,
      name: row.name,
      target_cents: row.target_cents,
      target_date: row.target_date,
      icon: row.icon,
      ...progress({
        savedCents: row.saved_cents,
        targetCents: row.target_cents,
        netLastMonthsCents: row.net_recent_cents,
        today: this.today(),
      }),
      achieved: row.achieved_at !== null,
      achieved_at: row.achieved_at?.toISOString() ?? null,
      archived: row.archived_at !== null,
      row_version: row.row_version,
      created_at: row.created_at.toISOString(),
    };
  }

  private async find(client: pg.Pool | pg.PoolClient, userId: string, goalId: string): Promise<GoalRow | undefined> {
    const since = addMonths(this.today(), -PACE_MONTHS);
    const result = await client.query<GoalRow>(`${SELECT_GOAL} WHERE g.user_id = $1 AND g.id = $3`, [userId, since, goalId]);
    return result.rows[0];
  }

  async create(context: RequestContext, input: CreateGoalInput): Promise<WriteResult<GoalResponse>> {
    const name = input.name.trim();
    if (name.length === 0) throw blankName();
    return runIdempotentWrite({
      ...this.deps,
      userId: context.userId,
      idempotency: context.idempotency,
      respond: context.respond,
      work: async (client, now) => {
        const count = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM goals WHERE user_id = $1', [
          context.userId,
        ]);
        if ((count.rows[0]?.n ?? 0) >= GOALS_PER_USER_MAX) {
          throw new DomainError('limit_reached', 422, `A person may have at most ${GOALS_PER_USER_MAX} goals.`);
        }
        const goalId = newId();
        const accountId = newId();
        await client.query(`INSERT INTO accounts (id, user_id, name, type, created_at) VALUES ($1, $2, $3, 'goal', $4)`, [
          accountId,
          context.userId,
          name.slice(0, 100),
          now,
        ]);
        await client.query(
          `INSERT INTO goals (id, user_id, account_id, name, target_cents, target_date, icon, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [goalId, context.userId, accountId, name, input.target_cents, input.target_date ?? null, input.icon ?? null, now],
        );
        return { status: 201, body: this.toResponse((await this.find(client, context.userId, goalId)) as GoalRow) };
      },
    });
  }

  async list(
    userId: string,
    query: { skip: number; limit: number; include_archived: boolean },
  ): Promise<PageResult<GoalResponse>> {
    const since = addMonths(this.today(), -PACE_MONTHS);
    const where = 'g.user_id = $1 AND ($3 OR g.archived_at IS NULL)';
    const [rows, total] = await Promise.all([
      this.deps.pool.query<GoalRow>(`${SELECT_GOAL} WHERE ${where} ORDER BY g.created_at DESC, g.id DESC LIMIT $4 OFFSET $5`, [
        userId,
        since,
        query.include_archived,
        query.limit,
        query.skip,
      ]),
      this.deps.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM goals g WHERE g.user_id = $1 AND ($2 OR g.archived_at IS NULL)`,
        [userId, query.include_archived],
      ),
    ]);
    return {
      items: rows.rows.map((row) => this.toResponse(row)),
      total: total.rows[0]?.n ?? 0,
      skip: query.skip,
      limit: query.limit,
    };
  }

  async get(userId: string, goalId: string): Promise<GoalResponse> {
    const row = await this.find(this.deps.pool, userId, goalId);
    if (!row) throw goalNotFound();
    return this.toResponse(row);
  }

  /** An edit, answered from inside its transaction so the answer is checked before COMMIT. */
  async patch(context: RequestContext, goalId: string, input: PatchGoalInput): Promise<WriteResult<GoalResponse>> {
    const name = input.name?.trim();
    if (name !== undefined && name.length === 0) throw blankName();
    const userId = context.userId;
    // row_version, not an Idempotency-Key, makes an edit safe to retry.
    return runIdempotentWrite({
      ...this.deps,
      userId,
      idempotency: undefined,
      respond: context.respond,
      work: async (client, now) => {
        const before = await this.find(client, userId, goalId);
        if (!before) throw goalNotFound();
        // The goal's account lock serialises this edit with contributions and withdrawals.
        await lockAndLoadAccounts(client, userId, [before.account_id]);
        const current = (await this.find(client, userId, goalId)) as GoalRow;
        if (current.row_version !== input.row_version) {
          throw new DomainError('row_version_conflict', 409, 'The goal changed since you read it.', {
            current: this.toResponse(current),
          });
        }
        if (input.archived === true && current.saved_cents > 0) {
          throw new DomainError('goal_has_balance', 422, 'Withdraw the money in this goal to an account before archiving it.', {
            saved_cents: current.saved_cents,
          });
        }
        const target = input.target_cents ?? current.target_cents;
        let achievedAt = current.achieved_at;
        if (input.achieved === false) achievedAt = null;
        else if (input.target_cents !== undefined) achievedAt = current.saved_cents >= target ? (achievedAt ?? now) : null;
        const archivedAt =
          input.archived === undefined ? current.archived_at : input.archived ? (current.archived_at ?? now) : null;
        await client.query(
          `UPDATE goals SET name = $3, target_cents = $4, target_date = $5, icon = $6, achieved_at = $7, archived_at = $8,
                row_version = row_version + 1
          WHERE user_id = $1 AND id = $2`,
          [
            userId,
            goalId,
            name ?? current.name,
            target,
            input.target_date === undefined ? current.target_date : input.target_date,
            input.icon === undefined ? current.icon : input.icon,
            achievedAt,
            archivedAt,
          ],
        );
        return { status: 200, body: this.toResponse((await this.find(client, userId, goalId)) as GoalRow) };
      },
    });
  }

  /** Deleting is allowed only for a goal that never held money; otherwise archive it. */
  async remove(userId: string, goalId: string): Promise<void> {
    await runTransaction(this.deps.pool, async (client) => {
      const goal = await this.find(client, userId, goalId);
      if (!goal) throw goalNotFound();
      await lockAndLoadAccounts(client, userId, [goal.account_id]);
      const entries = await client.query('SELECT 1 FROM ledger_entries WHERE account_id = $1 LIMIT 1', [goal.account_id]);
      if (entries.rowCount) {
        throw new DomainError(
          'goal_has_entries',
          409,
          'This goal has movements in the ledger; archive it instead of deleting it.',
        );
      }
      await client.query('DELETE FROM goals WHERE user_id = $1 AND id = $2', [userId, goalId]);
      await client.query('DELETE FROM accounts WHERE user_id = $1 AND id = $2', [userId, goal.account_id]);
    });
  }

  contribute(context: RequestContext, goalId: string, input: ContributionInput) {
    return this.move(context, goalId, 'goal_contribution', input.from_account_id, input);
  }

  withdraw(context: RequestContext, goalId: string, input: WithdrawalInput) {
    return this.move(context, goalId, 'goal_withdrawal', input.to_account_id, input);
  }

  /** A contribution or withdrawal: goal and account locked together, in ascending id order. */
  private async move(
    context: RequestContext,
    goalId: string,
    kind: 'goal_contribution' | 'goal_withdrawal',
    accountId: string,
    input: { amount_cents: number; occurred_on?: string | undefined; description?: string | undefined },
  ): Promise<WriteResult<unknown>> {
    return runIdempotentWrite({
      ...this.deps,
      userId: context.userId,
      idempotency: context.idempotency,
      respond: context.respond,
      work: async (client, now) => {
        const day = occurredOn(input.occurred_on, now);
        const goal = await this.find(client, context.userId, goalId);
        if (!goal) throw goalNotFound();
        const accounts = await lockAndLoadAccounts(client, context.userId, [goal.account_id, accountId]);
        usableAccount(accounts, accountId);
        const current = (await this.find(client, context.userId, goalId)) as GoalRow;
        if (current.archived_at !== null) throw new DomainError('goal_archived', 422, 'This goal is archived.');
        const legs =
          kind === 'goal_contribution'
            ? contributionLegs({ fromAccountId: accountId, goalAccountId: goal.account_id, amountCents: input.amount_cents })
            : withdrawalLegs({ goalAccountId: goal.account_id, toAccountId: accountId, amountCents: input.amount_cents });
        const postedAt = this.deps.clock.now();
        const posted = await post(client, accounts, {
          userId: context.userId,
          kind,
          accountId,
          counterpartyAccountId: goal.account_id,
          amountCents: input.amount_cents,
          legs,
          description: input.description?.trim() || current.name,
          categoryId: null,
          notes: null,
          occurredOn: day,
          policyVersion: GOALS_POLICY_VERSION,
          reversesTransactionId: null,
          idempotencyKey: context.idempotency?.key ?? null,
          requestId: context.requestId,
          postedAt,
        });
        const saved = (posted.accounts.get(goal.account_id) as AccountRow).balance_cents;
        if (kind === 'goal_contribution' && current.achieved_at === null && saved >= current.target_cents) {
          await client.query('UPDATE goals SET achieved_at = $3, row_version = row_version + 1 WHERE user_id = $1 AND id = $2', [
            context.userId,
            goalId,
            postedAt,
          ]);
        }
        return {
          status: 201,
          body: {
            goal: this.toResponse((await this.find(client, context.userId, goalId)) as GoalRow),
            transaction: postedTransactionResponse(posted),
            account: balanceOf(posted.accounts.get(accountId) as AccountRow),
          },
        };
      },
    });
  }
}
