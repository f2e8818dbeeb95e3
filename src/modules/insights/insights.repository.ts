import type pg from 'pg';
import type { Queryable } from '../../db/queryable.js';
import { INSTALLMENT_MONTH } from '../budgets/budgets.repository.js';
import { MONTH_INSIGHTS } from './staleness.js';

/** What moved per month and category: income and expenses, and what openings put into the person's own accounts. */
export interface FlowRow {
  month: string;
  category_id: string | null;
  income: number;
  expense: number;
  opened: number;
}

/**
 * The person's flows from `fromDay` on, per month and category, read from the journal
 * headers: an income or an expense (or its reversal, which keeps the original's accounts and
 * counts negated) moves its amount between the person's account and their income or expense
 * account, exactly as its two legs do. A card refund (cards_v1) moves its amount back from the
 * expense account to the card, so it counts as negative spending (and its reversal as
 * spending again). Only an opening's sign (a debt opens negative) is read from its leg.
 * Transfers and goal movements stay among the person's own accounts.
 */
export async function flowsFrom(
  client: Queryable,
  options: { userId: string; fromDay: string; counterparties: Counterparties },
): Promise<FlowRow[]> {
  const result = await client.query<FlowRow>({
    name: 'insights_flows_from_v2',
    text: `SELECT to_char(t.occurred_on, 'YYYY-MM') AS month, t.category_id,
                  coalesce(sum(CASE WHEN t.counterparty_account_id = $3 THEN signed.cents END), 0)::bigint AS income,
                  coalesce(sum(CASE WHEN t.counterparty_account_id = $4 THEN signed.cents END), 0)::bigint AS expense,
                  coalesce(sum(CASE WHEN t.counterparty_account_id = $5 THEN
                    (SELECT e.amount_cents FROM ledger_entries e WHERE e.transaction_id = t.id AND e.account_id = t.account_id)
                  END), 0)::bigint AS opened
             FROM transactions t
             LEFT JOIN transactions o ON o.id = t.reverses_transaction_id AND o.user_id = t.user_id
            CROSS JOIN LATERAL (SELECT t.amount_cents
                                       * CASE WHEN t.kind = 'reversal' THEN -1 ELSE 1 END
                                       * CASE WHEN coalesce(o.kind, t.kind) = 'refund' THEN -1 ELSE 1 END AS cents) signed
            WHERE t.user_id = $1 AND t.occurred_on >= $2
            GROUP BY 1, 2`,
    values: [
      options.userId,
      options.fromDay,
      options.counterparties.income,
      options.counterparties.expense,
      options.counterparties.equity,
    ],
  });
  return result.rows;
}

export interface Counterparties {
  income: string;
  expense: string;
  equity: string;
}

/** The person's income, expense and equity accounts. */
export async function counterpartiesOf(client: Queryable, userId: string): Promise<Counterparties> {
  const result = await client.query<{ type: keyof Counterparties; id: string }>({
    name: 'insights_counterparties',
    text: `SELECT type, id FROM accounts WHERE user_id = $1 AND type IN ('income', 'expense', 'equity')`,
    values: [userId],
  });
  const found = Object.fromEntries(result.rows.map((row) => [row.type, row.id])) as Partial<Counterparties>;
  if (!found.income || !found.expense || !found.equity) throw new Error('person has no internal accounts');
  return { income: found.income, expense: found.expense, equity: found.equity };
}

/** What the person's own accounts (every type but income, expense and equity) hold now, archived or not. */
export async function ownBalanceNow(client: Queryable, userId: string): Promise<number> {
  const result = await client.query<{ cents: number }>({
    name: 'insights_own_balance',
    text: `SELECT coalesce(sum(balance_cents), 0)::bigint AS cents FROM accounts
            WHERE user_id = $1 AND type NOT IN ('income', 'expense', 'equity')`,
    values: [userId],
  });
  return result.rows[0]?.cents ?? 0;
}

/** The balance of the person's active accounts (not archived, not a goal's): what a projection starts from. */
export async function activeBalanceNow(client: Queryable, userId: string): Promise<number> {
  const result = await client.query<{ cents: number }>({
    name: 'insights_active_balance',
    text: `SELECT coalesce(sum(balance_cents), 0)::bigint AS cents FROM accounts
            WHERE user_id = $1 AND type NOT IN ('income', 'expense', 'equity', 'goal') AND archived_at IS NULL`,
    values: [userId],
  });
  return result.rows[0]?.cents ?? 0;
}

export interface CategoryRow {
  id: string;
  name: string;
  system_key: string | null;
}

export async function categoriesOf(client: Queryable, userId: string, ids: readonly string[]): Promise<CategoryRow[]> {
  if (ids.length === 0) return [];
  const result = await client.query<CategoryRow>(
    'SELECT id, name, system_key FROM categories WHERE user_id = $1 AND id = ANY($2::uuid[])',
    [userId, ids],
  );
  return result.rows;
}

export interface PayeeRow {
  payee: string;
  spent_cents: number;
  count: number;
}

/**
 * The month's spending per payee: a paid Pix's payee name, otherwise the description, with
 * case and surrounding spaces ignored. A reversal counts against its original's payee. A card
 * purchase in installments that holds counts by the installments on the month's bills (each
 * one a purchase of the month), not whole on its day, as the month's spending does; one that
 * was reversed counts nowhere, nor does its reversal (it vanishes from the bills). Refunds are
 * not payees' spending.
 */
export async function topPayees(
  client: Queryable,
  options: { userId: string; fromDay: string; toDay: string; limit: number },
): Promise<PayeeRow[]> {
  const result = await client.query<PayeeRow>({
    name: 'insights_top_payees_v3',
    text: `WITH spending AS (
             SELECT coalesce(nullif(btrim(coalesce(o.payee_name, t.payee_name)), ''), btrim(coalesce(o.description, t.description))) AS payee,
                    CASE WHEN t.kind = 'reversal' THEN -t.amount_cents ELSE t.amount_cents END AS cents,
                    CASE WHEN t.kind = 'reversal' THEN -1 ELSE 1 END AS counted
               FROM transactions t
               LEFT JOIN transactions o ON o.id = t.reverses_transaction_id
              WHERE t.user_id = $1 AND t.occurred_on BETWEEN $2 AND $3
                AND coalesce(o.kind, t.kind) = 'expense'
                AND NOT EXISTS (SELECT 1 FROM card_installments x WHERE x.transaction_id = coalesce(o.id, t.id))
             UNION ALL
             SELECT coalesce(nullif(btrim(t.payee_name), ''), btrim(t.description)), i.amount_cents, 1
               FROM accounts a
               JOIN card_installments i ON i.account_id = a.id AND i.user_id = a.user_id
               JOIN transactions t ON t.id = i.transaction_id AND t.user_id = i.user_id
              WHERE a.user_id = $1 AND a.type = 'credit_card'
                AND i.bill_month >= $2 AND ${INSTALLMENT_MONTH} BETWEEN $2 AND $3
                AND NOT EXISTS (SELECT 1 FROM transactions r WHERE r.reverses_transaction_id = t.id)
           )
           SELECT min(payee) AS payee, sum(cents)::bigint AS spent_cents, sum(counted)::int AS count
             FROM spending GROUP BY lower(payee)
           HAVING sum(cents) > 0
            ORDER BY 2 DESC, 1 LIMIT $4`,
    values: [options.userId, options.fromDay, options.toDay, options.limit],
  });
  return result.rows;
}

export interface UnusualRow {
  transaction_id: string;
  occurred_on: string;
  description: string;
  category_id: string;
  amount_cents: number;
  median_cents: number;
}

/**
 * The month's expenses (not reversed) well above the person's usual for their category: more
 * than `factor` times the median of that category's expenses over the `baselineFrom` ..
 * `fromDay` - 1 window, with at least `minSamples` of them, and at least `floorCents`.
 */
export async function unusualExpenses(
  client: Queryable,
  options: {
    userId: string;
    baselineFrom: string;
    fromDay: string;
    toDay: string;
    factor: number;
    minSamples: number;
    floorCents: number;
  },
): Promise<UnusualRow[]> {
  const result = await client.query<UnusualRow>({
    name: 'insights_unusual',
    text: `WITH expenses AS (
             SELECT t.id, t.occurred_on, t.description, t.category_id, t.amount_cents
               FROM transactions t
              WHERE t.user_id = $1 AND t.kind = 'expense' AND t.category_id IS NOT NULL
                AND t.occurred_on BETWEEN $2 AND $4
                AND NOT EXISTS (SELECT 1 FROM transactions r WHERE r.reverses_transaction_id = t.id)
           ), usual AS (
             SELECT category_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY amount_cents) AS median, count(*) AS samples
               FROM expenses WHERE occurred_on < $3 GROUP BY category_id
           )
           SELECT x.id AS transaction_id, x.occurred_on, x.description, x.category_id, x.amount_cents,
                  round(u.median)::bigint AS median_cents
             FROM expenses x JOIN usual u ON u.category_id = x.category_id
            WHERE x.occurred_on >= $3 AND u.samples >= $6 AND x.amount_cents >= $7 AND x.amount_cents > $5 * u.median
            ORDER BY x.amount_cents DESC, x.id LIMIT 20`,
    values: [
      options.userId,
      options.baselineFrom,
      options.fromDay,
      options.toDay,
      options.factor,
      options.minSamples,
      options.floorCents,
    ],
  });
  return result.rows;
}

export interface CachedInsights {
  payload: unknown;
  computed_at: Date;
}

/** The fresh cached insights of a month, or undefined when they are stale, being computed or missing. */
export async function freshCache(client: Queryable, userId: string, month: string): Promise<CachedInsights | undefined> {
  const result = await client.query<CachedInsights>({
    name: 'insights_fresh_cache',
    text: `SELECT payload, computed_at FROM insight_cache
            WHERE user_id = $1 AND kind = '${MONTH_INSIGHTS}' AND period = $2 AND NOT stale AND payload IS NOT NULL`,
    values: [userId, month],
  });
  return result.rows[0];
}

/**
 * Claims a month's entry for a computation, in the caller's transaction: creates it or
 * empties it (no payload, not stale), so that any posting that commits from now on marks it
 * stale again and the store below then refuses. The person's accounts are read FOR SHARE
 * first, in the ascending id order postings lock them in: a posting holds at least one of
 * them FOR UPDATE until it commits, so one in flight commits before the claim and its
 * figures are in what is computed after it. Writes that touch no account (a detail edit, a
 * category rename) mark the entry stale even when it already is, so they hold its row lock:
 * the upsert below waits for them to commit, and one that starts after the claim makes the
 * store refuse.
 */
export async function claimCache(client: pg.PoolClient, userId: string, month: string): Promise<void> {
  await client.query({
    name: 'insights_wait_for_postings',
    text: 'SELECT 1 FROM accounts WHERE user_id = $1 ORDER BY id FOR SHARE',
    values: [userId],
  });
  await client.query({
    name: 'insights_claim',
    text: `INSERT INTO insight_cache (user_id, kind, period, payload, computed_at, stale)
           VALUES ($1, '${MONTH_INSIGHTS}', $2, NULL, NULL, false)
           ON CONFLICT (user_id, kind, period) DO UPDATE SET payload = NULL, computed_at = NULL, stale = false`,
    values: [userId, month],
  });
}

/** Stores computed insights unless a posting marked the claimed entry stale meanwhile; false when it did. */
export async function storeCache(
  client: Queryable,
  options: { userId: string; month: string; payload: unknown; computedAt: Date },
): Promise<boolean> {
  const result = await client.query({
    name: 'insights_store',
    text: `UPDATE insight_cache SET payload = $3, computed_at = $4
            WHERE user_id = $1 AND kind = '${MONTH_INSIGHTS}' AND period = $2 AND NOT stale AND payload IS NULL`,
    values: [options.userId, options.month, JSON.stringify(options.payload), options.computedAt],
  });
  return result.rowCount === 1;
}

/**
 * People whose insights for one of `months` are stale or missing, the longest-waiting first
 * (missing before stale, then the oldest computation), at most `limit` (person, month) pairs.
 */
export async function dueEntries(
  client: Queryable,
  options: { months: readonly string[]; limit: number },
): Promise<Array<{ user_id: string; month: string }>> {
  const result = await client.query<{ user_id: string; month: string }>({
    name: 'insights_due',
    text: `SELECT u.id AS user_id, m.month
             FROM users u CROSS JOIN unnest($1::text[]) AS m (month)
             LEFT JOIN insight_cache c ON c.user_id = u.id AND c.kind = '${MONTH_INSIGHTS}' AND c.period = m.month
            WHERE u.deleted_at IS NULL AND (c.user_id IS NULL OR c.stale OR c.payload IS NULL)
            ORDER BY c.computed_at NULLS FIRST, u.id, m.month
            LIMIT $2`,
    values: [options.months, options.limit],
  });
  return result.rows;
}
