import type { Queryable } from '../../db/queryable.js';
import { runTransaction } from '../../db/unit-of-work.js';
import { addMonths, calendarDay } from '../../lib/calendar.js';
import { DomainError, invalidField, notFound, rowVersionConflict } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import type { PageResult } from '../../lib/pagination.js';
import { updateOrConflict } from '../../lib/row-version.js';
import type { RequestContext, ServiceDeps, WriteResult } from '../../lib/service-context.js';
import { PACE_WINDOW_MONTHS, progress } from '../../policies/goals_v2.js';
import { idempotentWrite } from '../idempotency/idempotency.service.js';
import {
  type AccountRow,
  balanceIn,
  lockAndLoadAccounts,
  occurredOn,
  postedTransactionResponse,
  postGoalMovement,
  sourceOf,
} from '../ledger/index.js';
import type { GoalRow } from './goals.repository.js';
import * as repository from './goals.repository.js';
import {
  type ContributionInput,
  type CreateGoalInput,
  GOALS_PER_USER_MAX,
  type GoalResponse,
  type PatchGoalInput,
  type WithdrawalInput,
} from './goals.schemas.js';

function blankName(): DomainError {
  return invalidField('body/name', 'must not be blank', 'blank');
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
        netWindowCents: row.net_recent_cents,
        startedOn: calendarDay(row.created_at),
        today: this.today(),
      }),
      achieved: row.achieved_at !== null,
      achieved_at: row.achieved_at?.toISOString() ?? null,
      archived: row.archived_at !== null,
      row_version: row.row_version,
      created_at: row.created_at.toISOString(),
    };
  }

  private find(client: Queryable, userId: string, goalId: string): Promise<GoalRow | undefined> {
    return repository.findGoal(client, { userId, goalId, since: addMonths(this.today(), -PACE_WINDOW_MONTHS) });
  }

  async create(context: RequestContext, input: CreateGoalInput): Promise<WriteResult<GoalResponse>> {
    const name = input.name.trim();
    if (name.length === 0) throw blankName();
    return idempotentWrite(this.deps, context, async (client, now) => {
      if ((await repository.countGoals(client, context.userId)) >= GOALS_PER_USER_MAX) {
        throw new DomainError('limit_reached', 422, `A person may have at most ${GOALS_PER_USER_MAX} goals.`);
      }
      const goalId = newId();
      await repository.insertGoal(client, {
        id: goalId,
        accountId: newId(),
        userId: context.userId,
        name,
        accountName: name.slice(0, 100),
        targetCents: input.target_cents,
        targetDate: input.target_date ?? null,
        icon: input.icon ?? null,
        now,
      });
      return { status: 201, body: this.toResponse((await this.find(client, context.userId, goalId)) as GoalRow) };
    });
  }

  async list(
    userId: string,
    query: { skip: number; limit: number; include_archived: boolean },
  ): Promise<PageResult<GoalResponse>> {
    const { rows, total } = await repository.listGoals(this.deps.pool, {
      userId,
      since: addMonths(this.today(), -PACE_WINDOW_MONTHS),
      includeArchived: query.include_archived,
      skip: query.skip,
      limit: query.limit,
    });
    return { items: rows.map((row) => this.toResponse(row)), total, skip: query.skip, limit: query.limit };
  }

  async get(userId: string, goalId: string): Promise<GoalResponse> {
    const row = await this.find(this.deps.pool, userId, goalId);
    if (!row) throw notFound('goal');
    return this.toResponse(row);
  }

  /** An edit, answered from inside its transaction so the answer is checked before COMMIT. */
  async patch(context: RequestContext, goalId: string, input: PatchGoalInput): Promise<WriteResult<GoalResponse>> {
    const name = input.name?.trim();
    if (name !== undefined && name.length === 0) throw blankName();
    const userId = context.userId;
    // row_version, not an Idempotency-Key, makes an edit safe to retry.
    return idempotentWrite(this.deps, { ...context, idempotency: undefined }, async (client, now) => {
      const before = await this.find(client, userId, goalId);
      if (!before) throw notFound('goal');
      // The goal's account lock serialises this edit with contributions and withdrawals.
      await lockAndLoadAccounts(client, userId, [before.account_id]);
      // A deletion that held the lock before this edit took it has removed the goal.
      const current = await this.find(client, userId, goalId);
      if (!current) throw notFound('goal');
      // Checked first, under the lock, so a stale edit is a 409 before any other rule judges it;
      // the conditional UPDATE below keeps the same guard in the SQL.
      if (current.row_version !== input.row_version) throw rowVersionConflict('goal', this.toResponse(current));
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
      await updateOrConflict({
        entity: 'goal',
        update: () =>
          repository.updateGoal(client, {
            userId,
            goalId,
            rowVersion: input.row_version,
            name: name ?? current.name,
            targetCents: target,
            targetDate: input.target_date === undefined ? current.target_date : input.target_date,
            icon: input.icon === undefined ? current.icon : input.icon,
            achievedAt,
            archivedAt,
          }),
        current: async () => {
          const fresh = await this.find(client, userId, goalId);
          return fresh && this.toResponse(fresh);
        },
      });
      return { status: 200, body: this.toResponse((await this.find(client, userId, goalId)) as GoalRow) };
    });
  }

  /** Deleting is allowed only for a goal that never held money; otherwise archive it. */
  async remove(userId: string, goalId: string): Promise<void> {
    await runTransaction(this.deps.pool, async (client) => {
      const goal = await this.find(client, userId, goalId);
      if (!goal) throw notFound('goal');
      await lockAndLoadAccounts(client, userId, [goal.account_id]);
      if (await repository.accountHasEntries(client, goal.account_id)) {
        throw new DomainError(
          'goal_has_entries',
          409,
          'This goal has movements in the ledger; archive it instead of deleting it.',
        );
      }
      await repository.deleteGoal(client, { userId, goalId, accountId: goal.account_id });
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
    return idempotentWrite(this.deps, context, async (client, now) => {
      const day = occurredOn(input.occurred_on, now);
      const goal = await this.find(client, context.userId, goalId);
      if (!goal) throw notFound('goal');
      let current = goal;
      const postedAt = this.deps.clock.now();
      const posted = await postGoalMovement(client, sourceOf(context, postedAt), {
        kind,
        accountId,
        goalAccountId: goal.account_id,
        amountCents: input.amount_cents,
        description: () => input.description?.trim() || current.name,
        occurredOn: day,
        whileLocked: async () => {
          const locked = await this.find(client, context.userId, goalId);
          // Deleted by a request that held the lock first.
          if (!locked) throw notFound('goal');
          if (locked.archived_at !== null) throw new DomainError('goal_archived', 422, 'This goal is archived.');
          current = locked;
        },
      });
      const saved = (posted.accounts.get(goal.account_id) as AccountRow).balance_cents;
      if (kind === 'goal_contribution' && current.achieved_at === null && saved >= current.target_cents) {
        await repository.markAchieved(client, { userId: context.userId, goalId, at: postedAt });
      }
      return {
        status: 201,
        body: {
          goal: this.toResponse((await this.find(client, context.userId, goalId)) as GoalRow),
          transaction: postedTransactionResponse(posted),
          account: balanceIn(posted, accountId),
        },
      };
    });
  }
}
