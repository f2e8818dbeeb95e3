import type { Queryable } from '../../db/queryable.js';
import { TIME_ZONE } from '../../lib/calendar.js';

/** A person's week, read from the ledger: what the summary's figures come from. */
export interface WeekFigures {
  user_id: string;
  spent_cents: number;
  income_cents: number;
  budgets_count: number;
  budgets_spent_cents: number;
  budgets_limit_cents: number;
}

/**
 * The next people (ascending id after `afterUserId`) who had an account before the week
 * ended and have no summary of it yet, with the week's spending and income (the legs on
 * their expense and income counterparty accounts, as budgets read spending; reversals
 * net out) and the budgets of the month the week ended in: spent against limit. Which
 * budgets are over needs rollover (budgets.service), so the job asks for it per person, and
 * with it what the budgets' categories spent as the budgets screen counts it (card
 * installments in the months of their bills), which replaces budgets_spent_cents here.
 */
export async function nextPeopleWithoutSummary(
  db: Queryable,
  options: {
    afterUserId: string;
    dedupeKey: string;
    from: string;
    to: string;
    monthFrom: string;
    monthTo: string;
    limit: number;
  },
): Promise<WeekFigures[]> {
  const result = await db.query<WeekFigures>(
    `WITH people AS (
       SELECT u.id FROM users u
        WHERE u.id > $1
          AND u.deleted_at IS NULL
          AND u.created_at < ($4::date + 1)::timestamp AT TIME ZONE '${TIME_ZONE}'
          AND NOT EXISTS (SELECT 1 FROM notifications n
                           WHERE n.user_id = u.id AND n.kind = 'weekly_summary' AND n.dedupe_key = $2)
        ORDER BY u.id
        LIMIT $7
     ), counterparty AS (
       SELECT a.user_id, a.type, a.id FROM accounts a JOIN people p ON p.id = a.user_id WHERE a.type IN ('expense', 'income')
     ), week AS (
       SELECT c.user_id,
              coalesce(sum(e.amount_cents) FILTER (WHERE c.type = 'expense'), 0) AS spent,
              -coalesce(sum(e.amount_cents) FILTER (WHERE c.type = 'income'), 0) AS income
         FROM people p
         JOIN transactions t ON t.user_id = p.id AND t.occurred_on BETWEEN $3 AND $4
         JOIN ledger_entries e ON e.transaction_id = t.id
         JOIN counterparty c ON c.id = e.account_id
        GROUP BY c.user_id
     ), budget_spent AS (
       SELECT b.user_id, b.limit_cents,
              (SELECT coalesce(sum(e.amount_cents), 0)
                 FROM transactions t
                 JOIN ledger_entries e ON e.transaction_id = t.id
                 JOIN counterparty c ON c.id = e.account_id AND c.type = 'expense'
                WHERE t.user_id = b.user_id AND t.category_id = b.category_id
                  AND t.occurred_on BETWEEN $5 AND $6) AS spent
         FROM budgets b JOIN people p ON p.id = b.user_id
        WHERE b.month = $5
     ), budget_status AS (
       SELECT user_id, count(*) AS budgets, sum(spent) AS spent, sum(limit_cents) AS limit_cents
         FROM budget_spent GROUP BY user_id
     )
     SELECT p.id AS user_id,
            coalesce(w.spent, 0)::bigint AS spent_cents, coalesce(w.income, 0)::bigint AS income_cents,
            coalesce(s.budgets, 0)::int AS budgets_count,
            coalesce(s.spent, 0)::bigint AS budgets_spent_cents, coalesce(s.limit_cents, 0)::bigint AS budgets_limit_cents
       FROM people p
       LEFT JOIN week w ON w.user_id = p.id
       LEFT JOIN budget_status s ON s.user_id = p.id
      ORDER BY p.id`,
    [options.afterUserId, options.dedupeKey, options.from, options.to, options.monthFrom, options.monthTo, options.limit],
  );
  return result.rows;
}
