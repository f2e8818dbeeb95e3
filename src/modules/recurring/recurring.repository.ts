import type pg from 'pg';
import { lockPersonForCount } from '../../db/locks.js';
import type { Queryable } from '../../db/queryable.js';
import type { Schedule } from './schedule.js';

export interface RuleRow {
  id: string;
  user_id: string;
  type: 'income' | 'expense' | 'transfer';
  account_id: string;
  to_account_id: string | null;
  amount_cents: number;
  description: string;
  category_id: string | null;
  schedule: Schedule;
  start_on: string;
  end_on: string | null;
  occurrences_max: number | null;
  paused_at: Date | null;
  skip_until: string | null;
  ended_at: Date | null;
  materialised_through: string | null;
  schedule_from: string | null;
  occurrences_before: number;
  row_version: number;
  created_at: Date;
}

export interface FailureRow {
  rule_id: string;
  occurs_on: string;
  failure_code: string;
  failure_detail: string | null;
}

const COLUMNS = `id, user_id, type, account_id, to_account_id, amount_cents, description, category_id, schedule, start_on, end_on,
  occurrences_max, paused_at, skip_until, ended_at, materialised_through, schedule_from, occurrences_before, row_version, created_at`;

export async function findRule(client: Queryable, userId: string, ruleId: string): Promise<RuleRow | undefined> {
  const result = await client.query<RuleRow>(`SELECT ${COLUMNS} FROM recurring_rules WHERE user_id = $1 AND id = $2`, [
    userId,
    ruleId,
  ]);
  return result.rows[0];
}

/**
 * For an edit: the rule, locked until the edit commits. A posting of the rule under way
 * holds it FOR SHARE (lockRuleAsPlanned), so the edit waits for that posting and then sees
 * its claim; a posting that comes after waits for the edit and finds a new row_version.
 */
export async function findRuleForUpdate(client: Queryable, userId: string, ruleId: string): Promise<RuleRow | undefined> {
  const result = await client.query<RuleRow>(`SELECT ${COLUMNS} FROM recurring_rules WHERE user_id = $1 AND id = $2 FOR UPDATE`, [
    userId,
    ruleId,
  ]);
  return result.rows[0];
}

/** The rule's latest claimed (posted or failed) occurrence, or null when it has none. */
export async function lastClaimedDay(client: Queryable, ruleId: string): Promise<string | null> {
  const result = await client.query<{ day: string | null }>(
    'SELECT max(occurs_on) AS day FROM recurring_occurrences WHERE rule_id = $1',
    [ruleId],
  );
  return result.rows[0]?.day ?? null;
}

/** For a create: locks the person first (lockPersonForCount), so creates at once count one by one. */
export async function countActiveRules(client: Queryable, userId: string): Promise<number> {
  await lockPersonForCount(client, userId);
  const result = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM recurring_rules WHERE user_id = $1 AND ended_at IS NULL',
    [userId],
  );
  return result.rows[0]?.n ?? 0;
}

export async function insertRule(
  client: Queryable,
  rule: Omit<
    RuleRow,
    'paused_at' | 'skip_until' | 'ended_at' | 'materialised_through' | 'schedule_from' | 'occurrences_before' | 'row_version'
  >,
): Promise<void> {
  await client.query(
    `INSERT INTO recurring_rules (id, user_id, type, account_id, to_account_id, amount_cents, description, category_id, schedule,
       start_on, end_on, occurrences_max, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      rule.id,
      rule.user_id,
      rule.type,
      rule.account_id,
      rule.to_account_id,
      rule.amount_cents,
      rule.description,
      rule.category_id,
      JSON.stringify(rule.schedule),
      rule.start_on,
      rule.end_on,
      rule.occurrences_max,
      rule.created_at,
    ],
  );
}

export async function listRules(
  client: Queryable,
  query: { userId: string; includeEnded: boolean; limit: number; skip: number },
): Promise<{ rows: RuleRow[]; total: number }> {
  const where = 'user_id = $1 AND ($2 OR ended_at IS NULL)';
  const [rows, total] = await Promise.all([
    client.query<RuleRow>(
      `SELECT ${COLUMNS} FROM recurring_rules WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
      [query.userId, query.includeEnded, query.limit, query.skip],
    ),
    client.query<{ n: number }>(`SELECT count(*)::int AS n FROM recurring_rules WHERE ${where}`, [
      query.userId,
      query.includeEnded,
    ]),
  ]);
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
}

/**
 * One page of the rules that may owe occurrences up to `until`, of one person or of
 * everyone, in (user_id, id) order after `after`, optionally only people after `userAbove`
 * or up to `userThrough` (the two laps of a rotation).
 */
export async function findDueRulesPage(
  client: Queryable,
  page: {
    userId: string | null;
    until: string;
    after: { userId: string; id: string } | null;
    userAbove: string | null;
    userThrough: string | null;
    limit: number;
  },
): Promise<RuleRow[]> {
  const result = await client.query<RuleRow>(
    `SELECT ${COLUMNS} FROM recurring_rules
      WHERE ($1::uuid IS NULL OR user_id = $1) AND ended_at IS NULL AND paused_at IS NULL AND start_on <= $2
        AND (materialised_through IS NULL OR materialised_through < $2)
        AND ($3::uuid IS NULL OR (user_id, id) > ($3::uuid, $4::uuid))
        AND ($5::uuid IS NULL OR user_id > $5) AND ($6::uuid IS NULL OR user_id <= $6)
      ORDER BY user_id, id LIMIT $7`,
    [page.userId, page.until, page.after?.userId ?? null, page.after?.id ?? null, page.userAbove, page.userThrough, page.limit],
  );
  return result.rows;
}

/** The person the last full materialisation run served last; the next run starts after them. */
export async function readRotation(client: Queryable): Promise<string | null> {
  const result = await client.query<{ last_served_user_id: string | null }>('SELECT last_served_user_id FROM recurring_rotation');
  return result.rows[0]?.last_served_user_id ?? null;
}

export async function saveRotation(client: Queryable, lastServedUserId: string): Promise<void> {
  await client.query(
    `INSERT INTO recurring_rotation (singleton, last_served_user_id) VALUES (true, $1)
     ON CONFLICT (singleton) DO UPDATE SET last_served_user_id = excluded.last_served_user_id`,
    [lastServedUserId],
  );
}

/** One person's active rules that have started by `until`, whatever their cursor (the bills calendar). */
export async function findScheduledRules(client: Queryable, options: { userId: string; until: string }): Promise<RuleRow[]> {
  const result = await client.query<RuleRow>(
    `SELECT ${COLUMNS} FROM recurring_rules
      WHERE user_id = $1 AND ended_at IS NULL AND paused_at IS NULL AND start_on <= $2`,
    [options.userId, options.until],
  );
  return result.rows;
}

/**
 * The days already claimed (posted or failed) for each rule from `from` on: callers pass
 * the start of the window they enumerate, so old history is never read.
 */
export async function claimedDays(
  client: Queryable,
  rules: ReadonlyArray<{ id: string; from: string }>,
  until: string,
): Promise<Map<string, Set<string>>> {
  const result = await client.query<{ rule_id: string; occurs_on: string }>(
    `SELECT o.rule_id, o.occurs_on FROM recurring_occurrences o
       JOIN unnest($1::uuid[], $2::date[]) AS w(rule_id, from_on) ON w.rule_id = o.rule_id
      WHERE o.occurs_on >= w.from_on AND o.occurs_on <= $3`,
    [rules.map((rule) => rule.id), rules.map((rule) => rule.from), until],
  );
  const claimed = new Map<string, Set<string>>(rules.map((rule) => [rule.id, new Set()]));
  for (const row of result.rows) claimed.get(row.rule_id)?.add(row.occurs_on);
  return claimed;
}

export async function postedCounts(client: Queryable, ruleIds: string[]): Promise<Map<string, number>> {
  const result = await client.query<{ rule_id: string; n: number }>(
    `SELECT rule_id, count(*)::int AS n FROM recurring_occurrences
      WHERE rule_id = ANY($1::uuid[]) AND status = 'posted' GROUP BY rule_id`,
    [ruleIds],
  );
  return new Map(result.rows.map((row) => [row.rule_id, row.n]));
}

export async function recentFailures(client: Queryable, ruleIds: string[], perRuleMax: number): Promise<FailureRow[]> {
  const result = await client.query<FailureRow>(
    `SELECT rule_id, occurs_on, failure_code, failure_detail FROM (
       SELECT *, row_number() OVER (PARTITION BY rule_id ORDER BY occurs_on DESC) AS position
         FROM recurring_occurrences WHERE rule_id = ANY($1::uuid[]) AND status = 'failed') recent
      WHERE position <= $2 ORDER BY occurs_on DESC`,
    [ruleIds, perRuleMax],
  );
  return result.rows;
}

export async function activeAccounts(
  client: Queryable,
  userId: string,
  accountIds: string[],
): Promise<Array<{ id: string; type: string; archived_at: Date | null }>> {
  const found = await client.query<{ id: string; type: string; archived_at: Date | null }>(
    `SELECT id, type, archived_at FROM accounts
      WHERE user_id = $1 AND id = ANY($2::uuid[]) AND type IN ('checking', 'savings', 'credit_card', 'cash', 'investment')`,
    [userId, accountIds],
  );
  return found.rows;
}

/**
 * Applies an edit when row_version still matches. A new schedule (`restart`) records where
 * it starts and what came before, and forgets the materialisation cursor; skip_until also
 * moves to the day before it, so a release that predates schedule_from owes it no backlog.
 */
export async function updateRule(
  client: Queryable,
  edit: Pick<RuleRow, 'user_id' | 'id' | 'row_version' | 'amount_cents' | 'description' | 'category_id' | 'schedule'> &
    Pick<RuleRow, 'end_on' | 'occurrences_max'> & {
      restart: { schedule_from: string; occurrences_before: number } | null;
    },
): Promise<boolean> {
  const updated = await client.query(
    `UPDATE recurring_rules SET amount_cents = $4, description = $5, category_id = $6, schedule = $7, end_on = $8, occurrences_max = $9,
            schedule_from = coalesce($10::date, schedule_from),
            occurrences_before = coalesce($11::int, occurrences_before),
            skip_until = CASE WHEN $10::date IS NULL THEN skip_until ELSE greatest(skip_until, $10::date - 1) END,
            materialised_through = CASE WHEN $10::date IS NULL THEN materialised_through END,
            row_version = row_version + 1
      WHERE user_id = $1 AND id = $2 AND row_version = $3`,
    [
      edit.user_id,
      edit.id,
      edit.row_version,
      edit.amount_cents,
      edit.description,
      edit.category_id,
      JSON.stringify(edit.schedule),
      edit.end_on,
      edit.occurrences_max,
      edit.restart?.schedule_from ?? null,
      edit.restart?.occurrences_before ?? null,
    ],
  );
  return updated.rowCount === 1;
}

const STATE_CHANGES = {
  pause: 'paused_at = coalesce(paused_at, $3)',
  resume: 'skip_until = CASE WHEN paused_at IS NULL THEN skip_until ELSE $3::date END, paused_at = NULL',
  end: 'ended_at = coalesce(ended_at, $3)',
} as const;

/** Pause, resume or end; an ended rule stays ended (ending it again is a no-op). */
export async function changeState(
  client: Queryable,
  options: { userId: string; ruleId: string; action: keyof typeof STATE_CHANGES; value: Date | string },
): Promise<boolean> {
  const result = await client.query(
    `UPDATE recurring_rules SET ${STATE_CHANGES[options.action]}, row_version = row_version + 1
      WHERE user_id = $1 AND id = $2 AND (ended_at IS NULL OR ${options.action === 'end' ? 'true' : 'false'})`,
    [options.userId, options.ruleId, options.value],
  );
  return result.rowCount === 1;
}

/**
 * Locks the rule against edits until the posting commits (FOR SHARE waits for an edit under
 * way) and says whether it still is what the run planned from: the same row_version, neither
 * paused nor ended. Every edit and state change bumps row_version, so an edited rule is
 * planned again by the next run, with its new amount, category and schedule.
 */
export async function lockRuleAsPlanned(client: pg.PoolClient, rule: Pick<RuleRow, 'id' | 'row_version'>): Promise<boolean> {
  const locked = await client.query(
    `SELECT 1 FROM recurring_rules
      WHERE id = $1 AND row_version = $2 AND paused_at IS NULL AND ended_at IS NULL
        FOR SHARE`,
    [rule.id, rule.row_version],
  );
  return locked.rowCount === 1;
}

/** Claims (rule, day); false when another run claimed it first (it waits for that run to commit). */
export async function claimOccurrence(
  client: pg.PoolClient,
  claim: { ruleId: string; day: string; userId: string; transactionId: string; now: Date },
): Promise<boolean> {
  const claimed = await client.query(
    `INSERT INTO recurring_occurrences (rule_id, occurs_on, user_id, status, transaction_id, created_at)
     VALUES ($1, $2, $3, 'posted', $4, $5) ON CONFLICT (rule_id, occurs_on) DO NOTHING`,
    [claim.ruleId, claim.day, claim.userId, claim.transactionId, claim.now],
  );
  return claimed.rowCount === 1;
}

export async function markOccurrenceFailed(
  client: pg.PoolClient,
  failure: { ruleId: string; day: string; code: string; detail: string },
): Promise<void> {
  await client.query(
    `UPDATE recurring_occurrences SET status = 'failed', transaction_id = NULL, failure_code = $3, failure_detail = $4
      WHERE rule_id = $1 AND occurs_on = $2`,
    [failure.ruleId, failure.day, failure.code, failure.detail],
  );
}

/**
 * Moves each rule's cursor forward: every occurrence up to the day is claimed. A rule
 * edited since it was read (another row_version) keeps its cursor, since its schedule may
 * have changed; the next run recomputes it. row_version is not bumped: this is not an edit.
 */
export async function advanceCursors(
  client: Queryable,
  cursors: ReadonlyArray<{ ruleId: string; rowVersion: number; through: string }>,
): Promise<void> {
  if (cursors.length === 0) return;
  await client.query(
    `UPDATE recurring_rules r SET materialised_through = greatest(r.materialised_through, c.through)
       FROM unnest($1::uuid[], $2::int[], $3::date[]) AS c(id, row_version, through)
      WHERE r.id = c.id AND r.row_version = c.row_version`,
    [cursors.map((cursor) => cursor.ruleId), cursors.map((cursor) => cursor.rowVersion), cursors.map((cursor) => cursor.through)],
  );
}

/**
 * One of the person's occurrences of a rule, locked until the transaction ends, so two
 * retries of it at once post it once: the second finds it posted.
 */
export async function lockOccurrence(
  client: pg.PoolClient,
  occurrence: { userId: string; ruleId: string; day: string },
): Promise<{ status: 'posted' | 'failed' } | undefined> {
  const result = await client.query<{ status: 'posted' | 'failed' }>(
    `SELECT status FROM recurring_occurrences WHERE user_id = $1 AND rule_id = $2 AND occurs_on = $3 FOR UPDATE`,
    [occurrence.userId, occurrence.ruleId, occurrence.day],
  );
  return result.rows[0];
}

/** A failed occurrence posted after all, under the transaction that posted it. */
export async function markOccurrencePosted(
  client: pg.PoolClient,
  posted: { ruleId: string; day: string; transactionId: string },
): Promise<void> {
  await client.query(
    `UPDATE recurring_occurrences SET status = 'posted', transaction_id = $3, failure_code = NULL, failure_detail = NULL
      WHERE rule_id = $1 AND occurs_on = $2 AND status = 'failed'`,
    [posted.ruleId, posted.day, posted.transactionId],
  );
}

/** For a retry: the rule, held against edits (FOR SHARE) until the retry commits. */
export async function findRuleForShare(client: Queryable, userId: string, ruleId: string): Promise<RuleRow | undefined> {
  const result = await client.query<RuleRow>(`SELECT ${COLUMNS} FROM recurring_rules WHERE user_id = $1 AND id = $2 FOR SHARE`, [
    userId,
    ruleId,
  ]);
  return result.rows[0];
}

/** Marks the point an occurrence's posting can be undone to, keeping its claim. */
export async function savepoint(client: pg.PoolClient): Promise<void> {
  await client.query('SAVEPOINT occurrence');
}

/** Undoes a refused occurrence's posting; the claim before the savepoint stays. */
export async function rollbackToSavepoint(client: pg.PoolClient): Promise<void> {
  await client.query('ROLLBACK TO SAVEPOINT occurrence');
}
