import type pg from 'pg';
import { runTransaction } from '../../db/unit-of-work.js';
import { OCCURRED_ON_MAX, OCCURRED_ON_MIN } from '../../http/common-schemas.js';
import type { RequestContext, ServiceDeps } from '../../http/context.js';
import { DomainError } from '../../http/errors.js';
import { runIdempotentWrite, type WriteResult } from '../../http/idempotency.js';
import type { PageResult } from '../../http/pagination.js';
import { calendarDay } from '../../lib/dates.js';
import { newId } from '../../lib/ids.js';
import { LEDGER_POLICY_VERSION, type Leg } from '../../policies/ledger_v1.js';
import { TRANSFERS_POLICY_VERSION, transferLegs } from '../../policies/transfers_v1.js';
import { checkCategoryFor } from '../categories/categories.service.js';
import { findInternalAccountId, lockAndLoadAccounts } from '../ledger/ledger.repository.js';
import { post } from '../ledger/ledger.service.js';
import { usableAccount } from '../transactions/transactions.service.js';
import {
  type CreateRecurringInput,
  FAILURES_SHOWN_MAX,
  OCCURRENCES_PER_RUN_MAX,
  type PatchRecurringInput,
  RECURRING_RULES_PER_USER_MAX,
  type RecurringRuleResponse,
} from './recurring.schemas.js';
import { addDays, daysInMonthMax, occurrencesBetween, type Schedule } from './schedule.js';

interface RuleRow {
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
  row_version: number;
  created_at: Date;
}

export interface OccurrenceResult {
  rule_id: string;
  occurs_on: string;
  status: 'posted' | 'failed';
  transaction_id: string | null;
  failure_code: string | null;
}

const COLUMNS = `id, user_id, type, account_id, to_account_id, amount_cents, description, category_id, schedule, start_on, end_on,
  occurrences_max, paused_at, skip_until, ended_at, row_version, created_at`;
/** How far ahead "next occurrence" looks. */
const LOOKAHEAD_DAYS = 400;

function invalid(field: string, message: string, code = 'invalid'): DomainError {
  return new DomainError('validation_failed', 400, 'The request has invalid fields.', {
    errors: [{ field: `body/${field}`, message, code }],
  });
}

function ruleNotFound(): DomainError {
  return new DomainError('not_found', 404, 'No such recurring rule.');
}

function checkSchedule(schedule: Schedule): void {
  if (schedule.kind === 'yearly' && schedule.day > daysInMonthMax(schedule.month)) {
    throw invalid('schedule/day', `month ${schedule.month} has at most ${daysInMonthMax(schedule.month)} days`, 'range');
  }
}

function checkDates(startOn: string, endOn: string | null | undefined): void {
  if (startOn < OCCURRED_ON_MIN || startOn > OCCURRED_ON_MAX)
    throw invalid('start_on', `must be between ${OCCURRED_ON_MIN} and ${OCCURRED_ON_MAX}`, 'range');
  if (endOn && endOn < startOn) throw invalid('end_on', 'must not be before start_on', 'range');
}

export class RecurringService {
  constructor(private readonly deps: ServiceDeps) {}

  private today(): string {
    return calendarDay(this.deps.clock.now());
  }

  private async find(client: pg.Pool | pg.PoolClient, userId: string, ruleId: string): Promise<RuleRow | undefined> {
    const result = await client.query<RuleRow>(`SELECT ${COLUMNS} FROM recurring_rules WHERE user_id = $1 AND id = $2`, [
      userId,
      ruleId,
    ]);
    return result.rows[0];
  }

  /** Occurrences a rule still owes from `from` to `until`: not materialised, not skipped by a pause. */
  private pending(rule: RuleRow, from: string, until: string, done: ReadonlySet<string>): string[] {
    if (rule.paused_at !== null || rule.ended_at !== null) return [];
    return occurrencesBetween(rule, from, until).filter(
      (day) => !done.has(day) && (rule.skip_until === null || day > rule.skip_until),
    );
  }

  private async materialised(client: pg.Pool | pg.PoolClient, ruleIds: string[]): Promise<Map<string, Set<string>>> {
    const result = await client.query<{ rule_id: string; occurs_on: string }>(
      'SELECT rule_id, occurs_on FROM recurring_occurrences WHERE rule_id = ANY($1::uuid[])',
      [ruleIds],
    );
    const done = new Map<string, Set<string>>(ruleIds.map((id) => [id, new Set()]));
    for (const row of result.rows) done.get(row.rule_id)?.add(row.occurs_on);
    return done;
  }

  private async toResponses(rules: RuleRow[]): Promise<RecurringRuleResponse[]> {
    const ids = rules.map((rule) => rule.id);
    const [done, failures] = await Promise.all([
      this.materialised(this.deps.pool, ids),
      this.deps.pool.query<{ rule_id: string; occurs_on: string; failure_code: string; failure_detail: string | null }>(
        `SELECT rule_id, occurs_on, failure_code, failure_detail FROM (
           SELECT *, row_number() OVER (PARTITION BY rule_id ORDER BY occurs_on DESC) AS position
             FROM recurring_occurrences WHERE rule_id = ANY($1::uuid[]) AND status = 'failed') recent
          WHERE position <= $2 ORDER BY occurs_on DESC`,
        [ids, FAILURES_SHOWN_MAX],
      ),
    ]);
    const today = this.today();
    return rules.map((rule) => {
      const ruleDone = done.get(rule.id) ?? new Set<string>();
      const next = this.pending(rule, today, addDays(today, LOOKAHEAD_DAYS), ruleDone)[0] ?? null;
      const failed = failures.rows.filter((row) => row.rule_id === rule.id);
      return {
        id: rule.id,
        type: rule.type,
        account_id: rule.account_id,
        to_account_id: rule.to_account_id,
        amount_cents: rule.amount_cents,
        description: rule.description,
        category_id: rule.category_id,
        schedule: rule.schedule,
        start_on: rule.start_on,
        end_on: rule.end_on,
        occurrences_max: rule.occurrences_max,
        status: rule.ended_at !== null ? 'ended' : rule.paused_at !== null ? 'paused' : 'active',
        next_occurrence_on: next,
        posted_count: ruleDone.size - failed.length,
        failed_occurrences: failed.map((row) => ({
          occurs_on: row.occurs_on,
          failure_code: row.failure_code,
          failure_detail: row.failure_detail,
        })),
        row_version: rule.row_version,
        created_at: rule.created_at.toISOString(),
      };
    });
  }

  private async checkReferences(
    client: pg.Pool | pg.PoolClient,
    userId: string,
    rule: Pick<RuleRow, 'type' | 'account_id' | 'to_account_id' | 'category_id'>,
  ) {
    const ids = [rule.account_id, ...(rule.to_account_id ? [rule.to_account_id] : [])];
    const found = await client.query<{ id: string; type: string; archived_at: Date | null }>(
      "SELECT id, type, archived_at FROM accounts WHERE user_id = $1 AND id = ANY($2::uuid[]) AND type IN ('checking', 'savings', 'credit_card', 'cash', 'investment')",
      [userId, ids],
    );
    for (const id of ids) {
      const account = found.rows.find((row) => row.id === id);
      if (!account) throw new DomainError('not_found', 404, 'No such account.');
      if (account.archived_at !== null)
        throw new DomainError('account_archived', 422, 'This account is archived.', { account_id: id });
    }
    if (rule.category_id) {
      if (rule.type === 'transfer') throw invalid('category_id', 'transfers take no category', 'not_applicable');
      await checkCategoryFor(client, { userId, categoryId: rule.category_id, kind: rule.type });
    }
  }

  async create(context: RequestContext, input: CreateRecurringInput): Promise<WriteResult<RecurringRuleResponse>> {
    if (input.type === 'transfer' && !input.to_account_id)
      throw invalid('to_account_id', 'a transfer needs to_account_id', 'required');
    if (input.type !== 'transfer' && input.to_account_id)
      throw invalid('to_account_id', 'only transfers take to_account_id', 'not_applicable');
    if (input.to_account_id === input.account_id) throw invalid('to_account_id', 'must differ from account_id', 'same_account');
    checkSchedule(input.schedule);
    checkDates(input.start_on, input.end_on);
    const description = input.description.trim();
    if (description.length === 0) throw invalid('description', 'must not be blank', 'blank');
    const written = await runIdempotentWrite({
      ...this.deps,
      userId: context.userId,
      idempotency: context.idempotency,
      work: async (client, now) => {
        const count = await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM recurring_rules WHERE user_id = $1 AND ended_at IS NULL',
          [context.userId],
        );
        if ((count.rows[0]?.n ?? 0) >= RECURRING_RULES_PER_USER_MAX) {
          throw new DomainError(
            'limit_reached',
            422,
            `A person may have at most ${RECURRING_RULES_PER_USER_MAX} active recurring rules.`,
          );
        }
        const rule = {
          type: input.type,
          account_id: input.account_id,
          to_account_id: input.to_account_id ?? null,
          category_id: input.category_id ?? null,
        };
        await this.checkReferences(client, context.userId, rule);
        const id = newId();
        await client.query(
          `INSERT INTO recurring_rules (id, user_id, type, account_id, to_account_id, amount_cents, description, category_id, schedule,
             start_on, end_on, occurrences_max, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [
            id,
            context.userId,
            rule.type,
            rule.account_id,
            rule.to_account_id,
            input.amount_cents,
            description,
            rule.category_id,
            JSON.stringify(input.schedule),
            input.start_on,
            input.end_on ?? null,
            input.occurrences_max ?? null,
            now,
          ],
        );
        return { status: 201, body: { id } };
      },
    });
    // The stored answer is the id; the view is built fresh, so a replay shows the current rule.
    return { ...written, body: await this.get(context.userId, written.body.id) };
  }

  async list(
    userId: string,
    query: { skip: number; limit: number; include_ended: boolean },
  ): Promise<PageResult<RecurringRuleResponse>> {
    const where = 'user_id = $1 AND ($2 OR ended_at IS NULL)';
    const [rows, total] = await Promise.all([
      this.deps.pool.query<RuleRow>(
        `SELECT ${COLUMNS} FROM recurring_rules WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
        [userId, query.include_ended, query.limit, query.skip],
      ),
      this.deps.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM recurring_rules WHERE ${where}`, [
        userId,
        query.include_ended,
      ]),
    ]);
    return { items: await this.toResponses(rows.rows), total: total.rows[0]?.n ?? 0, skip: query.skip, limit: query.limit };
  }

  async get(userId: string, ruleId: string): Promise<RecurringRuleResponse> {
    const rule = await this.find(this.deps.pool, userId, ruleId);
    if (!rule) throw ruleNotFound();
    return (await this.toResponses([rule]))[0] as RecurringRuleResponse;
  }

  /** Edits apply to occurrences not yet posted; posted ones are ledger facts. */
  async patch(userId: string, ruleId: string, input: PatchRecurringInput): Promise<RecurringRuleResponse> {
    const current = await this.find(this.deps.pool, userId, ruleId);
    if (!current) throw ruleNotFound();
    if (input.schedule) checkSchedule(input.schedule);
    const endOn = input.end_on === undefined ? current.end_on : input.end_on;
    checkDates(current.start_on, endOn);
    const categoryId = input.category_id === undefined ? current.category_id : input.category_id;
    if (input.category_id) await this.checkReferences(this.deps.pool, userId, { ...current, category_id: input.category_id });
    const description = input.description?.trim();
    if (description !== undefined && description.length === 0) throw invalid('description', 'must not be blank', 'blank');
    const updated = await this.deps.pool.query(
      `UPDATE recurring_rules SET amount_cents = $4, description = $5, category_id = $6, schedule = $7, end_on = $8, occurrences_max = $9,
              skip_until = CASE WHEN $10::date IS NULL THEN skip_until ELSE greatest(skip_until, $10::date) END,
              row_version = row_version + 1
        WHERE user_id = $1 AND id = $2 AND row_version = $3`,
      [
        userId,
        ruleId,
        input.row_version,
        input.amount_cents ?? current.amount_cents,
        description ?? current.description,
        categoryId,
        JSON.stringify(input.schedule ?? current.schedule),
        endOn,
        input.occurrences_max === undefined ? current.occurrences_max : input.occurrences_max,
        // A new schedule starts from today: days it would have had in the past are not owed.
        input.schedule ? addDays(this.today(), -1) : null,
      ],
    );
    const fresh = await this.get(userId, ruleId);
    if (updated.rowCount !== 1)
      throw new DomainError('row_version_conflict', 409, 'The rule changed since you read it.', { current: fresh });
    return fresh;
  }

  /** Pause, resume (skipping what fell due while paused) or end (no future occurrences). */
  async setState(userId: string, ruleId: string, action: 'pause' | 'resume' | 'end'): Promise<RecurringRuleResponse> {
    const now = this.deps.clock.now();
    const statements = {
      pause: { set: 'paused_at = coalesce(paused_at, $3)', value: now as Date | string },
      resume: {
        set: 'skip_until = CASE WHEN paused_at IS NULL THEN skip_until ELSE $3::date END, paused_at = NULL',
        value: addDays(calendarDay(now), -1),
      },
      end: { set: 'ended_at = coalesce(ended_at, $3)', value: now },
    } as const;
    const { set, value } = statements[action];
    // An ended rule stays ended; ending it again is a no-op.
    const result = await this.deps.pool.query(
      `UPDATE recurring_rules SET ${set}, row_version = row_version + 1
        WHERE user_id = $1 AND id = $2 AND (ended_at IS NULL OR ${action === 'end' ? 'true' : 'false'})`,
      [userId, ruleId, value],
    );
    if (result.rowCount !== 1) {
      if (!(await this.find(this.deps.pool, userId, ruleId))) throw ruleNotFound();
      throw new DomainError('rule_ended', 422, 'This rule has ended.');
    }
    return this.get(userId, ruleId);
  }

  async upcoming(userId: string, days: number) {
    const from = this.today();
    const until = addDays(from, days);
    const rules = await this.deps.pool.query<RuleRow>(
      `SELECT ${COLUMNS} FROM recurring_rules WHERE user_id = $1 AND ended_at IS NULL AND paused_at IS NULL AND start_on <= $2`,
      [userId, until],
    );
    const done = await this.materialised(
      this.deps.pool,
      rules.rows.map((rule) => rule.id),
    );
    const items = rules.rows.flatMap((rule) =>
      this.pending(rule, from, until, done.get(rule.id) ?? new Set()).map((occursOn) => ({
        rule_id: rule.id,
        occurs_on: occursOn,
        type: rule.type,
        amount_cents: rule.amount_cents,
        description: rule.description,
        account_id: rule.account_id,
        to_account_id: rule.to_account_id,
        category_id: rule.category_id,
      })),
    );
    items.sort((a, b) => (a.occurs_on === b.occurs_on ? a.rule_id.localeCompare(b.rule_id) : a.occurs_on < b.occurs_on ? -1 : 1));
    return { from, until, items };
  }

  /**
   * Posts every due occurrence up to `until` (São Paulo days) as a normal ledger
   * transaction. The (rule, day) primary key is claimed first, so two runs at once post
   * each occurrence once; a policy refusal is recorded as a failed occurrence, once.
   */
  async materializeDue(options: { userId?: string; until?: string; requestId?: string | null }) {
    const until = options.until ?? this.today();
    const rules = await this.deps.pool.query<RuleRow>(
      `SELECT ${COLUMNS} FROM recurring_rules
        WHERE ($1::uuid IS NULL OR user_id = $1) AND ended_at IS NULL AND paused_at IS NULL AND start_on <= $2
        ORDER BY id`,
      [options.userId ?? null, until],
    );
    const done = await this.materialised(
      this.deps.pool,
      rules.rows.map((rule) => rule.id),
    );
    const occurrences: OccurrenceResult[] = [];
    for (const rule of rules.rows) {
      for (const day of this.pending(rule, rule.start_on, until, done.get(rule.id) ?? new Set())) {
        if (occurrences.length >= OCCURRENCES_PER_RUN_MAX) break;
        const result = await this.materializeOne(rule, day, options.requestId ?? null);
        if (result) occurrences.push(result);
      }
    }
    return {
      until,
      posted: occurrences.filter((occurrence) => occurrence.status === 'posted').length,
      failed: occurrences.filter((occurrence) => occurrence.status === 'failed').length,
      occurrences,
    };
  }

  private async materializeOne(rule: RuleRow, day: string, requestId: string | null): Promise<OccurrenceResult | undefined> {
    return runTransaction(this.deps.pool, async (client) => {
      const transactionId = newId();
      const claimed = await client.query(
        `INSERT INTO recurring_occurrences (rule_id, occurs_on, user_id, status, transaction_id, created_at)
         VALUES ($1, $2, $3, 'posted', $4, $5) ON CONFLICT (rule_id, occurs_on) DO NOTHING`,
        [rule.id, day, rule.user_id, transactionId, this.deps.clock.now()],
      );
      if (claimed.rowCount !== 1) return undefined;
      await client.query('SAVEPOINT occurrence');
      try {
        await this.postOccurrence(client, rule, day, transactionId, requestId);
        return { rule_id: rule.id, occurs_on: day, status: 'posted', transaction_id: transactionId, failure_code: null };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT occurrence');
        await client.query(
          `UPDATE recurring_occurrences SET status = 'failed', transaction_id = NULL, failure_code = $3, failure_detail = $4
            WHERE rule_id = $1 AND occurs_on = $2`,
          [rule.id, day, error.code, error.message],
        );
        return { rule_id: rule.id, occurs_on: day, status: 'failed', transaction_id: null, failure_code: error.code };
      }
    });
  }

  private async postOccurrence(
    client: pg.PoolClient,
    rule: RuleRow,
    day: string,
    transactionId: string,
    requestId: string | null,
  ) {
    let counterpartyId: string;
    let legs: Leg[];
    if (rule.type === 'transfer') {
      counterpartyId = rule.to_account_id as string;
      legs = transferLegs({ fromAccountId: rule.account_id, toAccountId: counterpartyId, amountCents: rule.amount_cents });
    } else {
      if (rule.category_id)
        await checkCategoryFor(client, { userId: rule.user_id, categoryId: rule.category_id, kind: rule.type });
      counterpartyId = await findInternalAccountId(client, rule.user_id, rule.type);
      const signed = rule.type === 'income' ? rule.amount_cents : -rule.amount_cents;
      legs = [
        { account_id: rule.account_id, amount_cents: signed },
        { account_id: counterpartyId, amount_cents: -signed },
      ];
    }
    const accounts = await lockAndLoadAccounts(client, rule.user_id, [rule.account_id, counterpartyId]);
    usableAccount(accounts, rule.account_id);
    if (rule.type === 'transfer') usableAccount(accounts, counterpartyId);
    await post(client, accounts, {
      userId: rule.user_id,
      kind: rule.type,
      accountId: rule.account_id,
      counterpartyAccountId: counterpartyId,
      amountCents: rule.amount_cents,
      legs,
      description: rule.description,
      categoryId: rule.type === 'transfer' ? null : rule.category_id,
      notes: null,
      occurredOn: day,
      policyVersion: rule.type === 'transfer' ? TRANSFERS_POLICY_VERSION : LEDGER_POLICY_VERSION,
      reversesTransactionId: null,
      idempotencyKey: null,
      requestId,
      postedAt: this.deps.clock.now(),
      transactionId,
    });
  }
}
