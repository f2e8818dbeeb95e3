import { lockPersonForCount } from '../../db/locks.js';
import type { Queryable } from '../../db/queryable.js';

export interface GoalRow {
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

/**
 * A goal with what it holds (its account's balance) and its net movement over the pace
 * window of goals_v2: after $2 (three months back), or from the goal's first day in São
 * Paulo when it is younger (paceSince in src/policies/goals_v2.ts says the same).
 */
const SELECT_GOAL = `
  SELECT g.id, g.user_id, g.account_id, g.name, g.target_cents, g.target_date, g.icon, g.achieved_at, g.archived_at,
         g.row_version, g.created_at, a.balance_cents AS saved_cents,
         coalesce((SELECT sum(e.amount_cents) FROM ledger_entries e JOIN transactions t ON t.id = e.transaction_id
                    WHERE e.account_id = g.account_id
                      AND t.occurred_on > greatest($2::date, (g.created_at AT TIME ZONE 'America/Sao_Paulo')::date - 1)), 0)::bigint
           AS net_recent_cents
    FROM goals g JOIN accounts a ON a.id = g.account_id`;

/** The goal, with its net movement counted over the days after `since` (or from its first day). */
export async function findGoal(
  client: Queryable,
  options: { userId: string; goalId: string; since: string },
): Promise<GoalRow | undefined> {
  const result = await client.query<GoalRow>(`${SELECT_GOAL} WHERE g.user_id = $1 AND g.id = $3`, [
    options.userId,
    options.since,
    options.goalId,
  ]);
  return result.rows[0];
}

export async function listGoals(
  client: Queryable,
  options: { userId: string; since: string; includeArchived: boolean; skip: number; limit: number },
): Promise<{ rows: GoalRow[]; total: number }> {
  const where = 'g.user_id = $1 AND ($3 OR g.archived_at IS NULL)';
  const [rows, total] = await Promise.all([
    client.query<GoalRow>(`${SELECT_GOAL} WHERE ${where} ORDER BY g.created_at DESC, g.id DESC LIMIT $4 OFFSET $5`, [
      options.userId,
      options.since,
      options.includeArchived,
      options.limit,
      options.skip,
    ]),
    client.query<{ n: number }>(`SELECT count(*)::int AS n FROM goals g WHERE g.user_id = $1 AND ($2 OR g.archived_at IS NULL)`, [
      options.userId,
      options.includeArchived,
    ]),
  ]);
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
}

/** For a create: locks the person first (lockPersonForCount), so creates at once count one by one. */
export async function countGoals(client: Queryable, userId: string): Promise<number> {
  await lockPersonForCount(client, userId);
  const result = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM goals WHERE user_id = $1', [userId]);
  return result.rows[0]?.n ?? 0;
}

/** A goal and the internal ledger account that holds its money. */
export async function insertGoal(
  client: Queryable,
  goal: {
    id: string;
    accountId: string;
    userId: string;
    name: string;
    accountName: string;
    targetCents: number;
    targetDate: string | null;
    icon: string | null;
    now: Date;
  },
): Promise<void> {
  await client.query(`INSERT INTO accounts (id, user_id, name, type, created_at) VALUES ($1, $2, $3, 'goal', $4)`, [
    goal.accountId,
    goal.userId,
    goal.accountName,
    goal.now,
  ]);
  await client.query(
    `INSERT INTO goals (id, user_id, account_id, name, target_cents, target_date, icon, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [goal.id, goal.userId, goal.accountId, goal.name, goal.targetCents, goal.targetDate, goal.icon, goal.now],
  );
}

/** Edits a goal when the version the client read is current; undefined when it is not (or the goal is gone). */
export async function updateGoal(
  client: Queryable,
  goal: {
    userId: string;
    goalId: string;
    rowVersion: number;
    name: string;
    targetCents: number;
    targetDate: string | null;
    icon: string | null;
    achievedAt: Date | null;
    archivedAt: Date | null;
  },
): Promise<true | undefined> {
  const result = await client.query(
    `UPDATE goals SET name = $4, target_cents = $5, target_date = $6, icon = $7, achieved_at = $8, archived_at = $9,
            row_version = row_version + 1
      WHERE user_id = $1 AND id = $2 AND row_version = $3`,
    [
      goal.userId,
      goal.goalId,
      goal.rowVersion,
      goal.name,
      goal.targetCents,
      goal.targetDate,
      goal.icon,
      goal.achievedAt,
      goal.archivedAt,
    ],
  );
  return result.rowCount === 1 ? true : undefined;
}

export async function markAchieved(client: Queryable, options: { userId: string; goalId: string; at: Date }): Promise<void> {
  await client.query('UPDATE goals SET achieved_at = $3, row_version = row_version + 1 WHERE user_id = $1 AND id = $2', [
    options.userId,
    options.goalId,
    options.at,
  ]);
}

export async function accountHasEntries(client: Queryable, accountId: string): Promise<boolean> {
  const result = await client.query('SELECT 1 FROM ledger_entries WHERE account_id = $1 LIMIT 1', [accountId]);
  return (result.rowCount ?? 0) > 0;
}

/** Deletes a goal that never held money, and its ledger account. */
export async function deleteGoal(
  client: Queryable,
  options: { userId: string; goalId: string; accountId: string },
): Promise<void> {
  await client.query('DELETE FROM goals WHERE user_id = $1 AND id = $2', [options.userId, options.goalId]);
  await client.query('DELETE FROM accounts WHERE user_id = $1 AND id = $2', [options.userId, options.accountId]);
}
