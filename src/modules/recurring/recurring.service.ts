import type pg from 'pg';
import type { Queryable } from '../../db/queryable.js';
import { runTransaction } from '../../db/unit-of-work.js';
import { addDays, addYears, calendarDay } from '../../lib/calendar.js';
import { DomainError, invalidField, notFound } from '../../lib/errors.js';
import { newId, newTimeOrderedId } from '../../lib/ids.js';
import type { PageResult } from '../../lib/pagination.js';
import { updateOrConflict } from '../../lib/row-version.js';
import type { RequestContext, ServiceDeps, WriteResult } from '../../lib/service-context.js';
import { OCCURRED_ON_MAX } from '../../policies/ledger_v1.js';
import { checkCategoryFor } from '../categories/categories.service.js';
import { idempotentWrite } from '../idempotency/idempotency.service.js';
import { type Posting, postBatch } from '../ledger/index.js';
import { notify } from '../notifications/notify.js';
import { cursorAfter, fairShare, planRule, type RulePlan } from './materialisation-plan.js';
import {
  activeAccounts,
  advanceCursors,
  changeState,
  claimedDays,
  claimOccurrence,
  countActiveRules,
  findDueRulesPage,
  findRule,
  findRuleForShare,
  findRuleForUpdate,
  findScheduledRules,
  insertRule,
  lastClaimedDay,
  listRules,
  lockOccurrence,
  lockRuleAsPlanned,
  markOccurrenceFailed,
  markOccurrencePosted,
  postedCounts,
  type RuleRow,
  readRotation,
  recentFailures,
  rollbackToSavepoint,
  savepoint,
  saveRotation,
  updateRule,
} from './recurring.repository.js';
import {
  type CreateRecurringInput,
  FAILURES_SHOWN_MAX,
  OCCURRENCES_PER_RUN_MAX,
  ON_TIME_DAYS,
  type PatchRecurringInput,
  RECURRING_RULES_PER_USER_MAX,
  type RecurringRuleResponse,
  RULE_PAGES_PER_RUN_MAX,
  RULES_PAGE_MAX,
  START_ON_YEARS_AHEAD_MAX,
  START_ON_YEARS_BACK_MAX,
} from './recurring.schemas.js';
import { changedSchedule, daysInMonthMax, occurrencesFrom, type Schedule, sameSchedule, scheduleStart } from './schedule.js';

export interface OccurrenceResult {
  rule_id: string;
  occurs_on: string;
  status: 'posted' | 'failed';
  transaction_id: string | null;
  failure_code: string | null;
}

/** How far ahead "next occurrence" looks. */
const LOOKAHEAD_DAYS = 400;

function invalid(field: string, message: string, code = 'invalid'): DomainError {
  return invalidField(`body/${field}`, message, code);
}

function checkSchedule(schedule: Schedule): void {
  if (schedule.kind === 'yearly' && schedule.day > daysInMonthMax(schedule.month)) {
    throw invalid('schedule/day', `month ${schedule.month} has at most ${daysInMonthMax(schedule.month)} days`, 'range');
  }
}

/**
 * A new rule starts at most START_ON_YEARS_BACK_MAX years ago, so the occurrences it owes
 * on creation are bounded, and at most START_ON_YEARS_AHEAD_MAX years ahead.
 */
function checkStartOn(startOn: string, today: string): void {
  const earliest = addYears(today, -START_ON_YEARS_BACK_MAX);
  const latest = addYears(today, START_ON_YEARS_AHEAD_MAX);
  if (startOn < earliest) throw invalid('start_on', `must be on or after ${earliest}`, 'too_far_in_past');
  if (startOn > latest) throw invalid('start_on', `must be on or before ${latest}`, 'too_far_in_future');
}

function checkEndOn(startOn: string, endOn: string | null | undefined): void {
  if (!endOn) return;
  if (endOn > OCCURRED_ON_MAX) throw invalid('end_on', `must be on or before ${OCCURRED_ON_MAX}`, 'range');
  if (endOn < startOn) throw invalid('end_on', 'must not be before start_on', 'range');
}

/** The later of two ISO days (Math.max does not order strings). */
function laterDay(a: string, b: string): string {
  if (a > b) return a;
  return b;
}

/** Where a run starts looking for a rule's occurrences: after its cursor and any skipped days. */
function scanStart(rule: RuleRow): string {
  let from = scheduleStart(rule);
  if (rule.materialised_through !== null && addDays(rule.materialised_through, 1) > from)
    from = addDays(rule.materialised_through, 1);
  if (rule.skip_until !== null && addDays(rule.skip_until, 1) > from) from = addDays(rule.skip_until, 1);
  return from;
}

export class RecurringService {
  constructor(private readonly deps: ServiceDeps) {}

  private today(): string {
    return calendarDay(this.deps.clock.now());
  }

  /** Occurrences a rule still owes in [from, until]: not claimed, not skipped by a pause. */
  private pending(rule: RuleRow, from: string, until: string, claimed: ReadonlySet<string>): string[] {
    if (rule.paused_at !== null || rule.ended_at !== null) return [];
    const start = rule.skip_until !== null && addDays(rule.skip_until, 1) > from ? addDays(rule.skip_until, 1) : from;
    return [...occurrencesFrom(rule, start, until)].filter((day) => !claimed.has(day));
  }

  /** Rules as answered; writes pass their transaction's client so the answer is read before COMMIT. */
  private async toResponses(client: Queryable, rules: RuleRow[]): Promise<RecurringRuleResponse[]> {
    const ids = rules.map((rule) => rule.id);
    const today = this.today();
    const horizon = addDays(today, LOOKAHEAD_DAYS);
    const claimed = await claimedDays(
      client,
      rules.map((rule) => ({ id: rule.id, from: today })),
      horizon,
    );
    const posted = await postedCounts(client, ids);
    const failures = await recentFailures(client, ids, FAILURES_SHOWN_MAX);
    return rules.map((rule) => {
      const next = this.pending(rule, today, horizon, claimed.get(rule.id) ?? new Set())[0] ?? null;
      const failed = failures.filter((row) => row.rule_id === rule.id);
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
        posted_count: posted.get(rule.id) ?? 0,
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
    client: Queryable,
    userId: string,
    rule: Pick<RuleRow, 'type' | 'account_id' | 'to_account_id' | 'category_id'>,
  ) {
    const ids = [rule.account_id, ...(rule.to_account_id ? [rule.to_account_id] : [])];
    const found = await activeAccounts(client, userId, ids);
    for (const id of ids) {
      const account = found.find((row) => row.id === id);
      if (!account) throw notFound('account');
      if (account.archived_at !== null)
        throw new DomainError('account_archived', 422, 'This account is archived.', { account_id: id });
    }
    if (rule.category_id) {
      if (rule.type === 'transfer') throw invalid('category_id', 'transfers take no category', 'not_applicable');
      await checkCategoryFor(client, { userId, categoryId: rule.category_id, kind: rule.type });
    }
  }

  private checkCreate(input: CreateRecurringInput): string {
    if (input.type === 'transfer' && !input.to_account_id)
      throw invalid('to_account_id', 'a transfer needs to_account_id', 'required');
    if (input.type !== 'transfer' && input.to_account_id)
      throw invalid('to_account_id', 'only transfers take to_account_id', 'not_applicable');
    if (input.to_account_id === input.account_id) throw invalid('to_account_id', 'must differ from account_id', 'same_account');
    checkSchedule(input.schedule);
    checkStartOn(input.start_on, this.today());
    checkEndOn(input.start_on, input.end_on);
    const description = input.description.trim();
    if (description.length === 0) throw invalid('description', 'must not be blank', 'blank');
    return description;
  }

  async create(context: RequestContext, input: CreateRecurringInput): Promise<WriteResult<RecurringRuleResponse>> {
    const description = this.checkCreate(input);
    // The answer is read and serialised inside the transaction: nothing is read after COMMIT,
    // so a lost connection there cannot answer 503 for a rule that was created.
    return idempotentWrite(this.deps, context, async (client, now) => {
      if ((await countActiveRules(client, context.userId)) >= RECURRING_RULES_PER_USER_MAX) {
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
      await insertRule(client, {
        ...rule,
        id,
        user_id: context.userId,
        amount_cents: input.amount_cents,
        description,
        schedule: input.schedule,
        start_on: input.start_on,
        end_on: input.end_on ?? null,
        occurrences_max: input.occurrences_max ?? null,
        created_at: now,
      });
      return { status: 201, body: await this.view(client, context.userId, id) };
    });
  }

  async list(
    userId: string,
    query: { skip: number; limit: number; include_ended: boolean },
  ): Promise<PageResult<RecurringRuleResponse>> {
    const { rows, total } = await listRules(this.deps.pool, {
      userId,
      includeEnded: query.include_ended,
      limit: query.limit,
      skip: query.skip,
    });
    return { items: await this.toResponses(this.deps.pool, rows), total, skip: query.skip, limit: query.limit };
  }

  async get(userId: string, ruleId: string): Promise<RecurringRuleResponse> {
    return this.view(this.deps.pool, userId, ruleId);
  }

  private async view(client: Queryable, userId: string, ruleId: string): Promise<RecurringRuleResponse> {
    const rule = await findRule(client, userId, ruleId);
    if (!rule) throw notFound('recurring_rule');
    return (await this.toResponses(client, [rule]))[0] as RecurringRuleResponse;
  }

  /**
   * Edits apply to occurrences not yet posted; posted ones are ledger facts. start_on is
   * not editable, so an edit cannot create a backlog. A different schedule starts from
   * today at the earliest, and not in the period of the last occurrence (changedSchedule);
   * the same schedule sent again changes nothing. Answered from inside the transaction
   * (row_version, not an Idempotency-Key, makes a retry safe), so nothing is read after COMMIT.
   */
  async patch(context: RequestContext, ruleId: string, input: PatchRecurringInput): Promise<WriteResult<RecurringRuleResponse>> {
    const description = input.description?.trim();
    const userId = context.userId;
    return idempotentWrite(this.deps, { ...context, idempotency: undefined }, async (client) => {
      const current = await findRuleForUpdate(client, userId, ruleId);
      if (!current) throw notFound('recurring_rule');
      if (input.schedule) checkSchedule(input.schedule);
      const rescheduled = input.schedule !== undefined && !sameSchedule(input.schedule, current.schedule);
      const endOn = input.end_on === undefined ? current.end_on : input.end_on;
      if (input.end_on !== undefined) checkEndOn(current.start_on, endOn);
      const categoryId = input.category_id === undefined ? current.category_id : input.category_id;
      if (input.category_id) await this.checkReferences(client, userId, { ...current, category_id: input.category_id });
      if (description !== undefined && description.length === 0) throw invalid('description', 'must not be blank', 'blank');
      const update = {
        user_id: userId,
        id: ruleId,
        row_version: input.row_version,
        amount_cents: input.amount_cents ?? current.amount_cents,
        description: description ?? current.description,
        category_id: categoryId,
        schedule: input.schedule ?? current.schedule,
        end_on: endOn,
        occurrences_max: input.occurrences_max === undefined ? current.occurrences_max : input.occurrences_max,
        restart:
          rescheduled && input.schedule
            ? changedSchedule(current, input.schedule, {
                today: this.today(),
                lastClaimed: await lastClaimedDay(client, ruleId),
              })
            : null,
      };
      await updateOrConflict({
        entity: 'recurring_rule',
        update: async () => ((await updateRule(client, update)) ? true : undefined),
        current: () => this.view(client, userId, ruleId),
      });
      return { status: 200, body: await this.view(client, userId, ruleId) };
    });
  }

  /**
   * Pause, resume (skipping what fell due while paused) or end (no future occurrences),
   * answered from inside the transaction like the other writes.
   */
  async setState(
    context: RequestContext,
    ruleId: string,
    action: 'pause' | 'resume' | 'end',
  ): Promise<WriteResult<RecurringRuleResponse>> {
    const userId = context.userId;
    return idempotentWrite(this.deps, { ...context, idempotency: undefined }, async (client, now) => {
      const value = action === 'resume' ? addDays(calendarDay(now), -1) : now;
      if (!(await changeState(client, { userId, ruleId, action, value }))) {
        if (!(await findRule(client, userId, ruleId))) throw notFound('recurring_rule');
        throw new DomainError('rule_ended', 422, 'This rule has ended.');
      }
      return { status: 200, body: await this.view(client, userId, ruleId) };
    });
  }

  /**
   * Posts a failed occurrence after all (the money is there now, the account is back), on its
   * own day, with the rule's current amount, accounts and category. A refusal answers the
   * policy's problem and leaves the occurrence failed; an occurrence already posted (another
   * tab's retry) answers 409 `occurrence_posted`. A paused or ended rule's failures can still
   * be posted: they were due before.
   */
  async retryOccurrence(context: RequestContext, ruleId: string, day: string): Promise<WriteResult<RecurringRuleResponse>> {
    const userId = context.userId;
    return idempotentWrite(this.deps, context, async (client, now) => {
      const rule = await findRuleForShare(client, userId, ruleId);
      if (!rule) throw notFound('recurring_rule');
      const occurrence = await lockOccurrence(client, { userId, ruleId, day });
      if (!occurrence) throw notFound('recurring_rule', 'This rule has no occurrence on this day.');
      if (occurrence.status === 'posted')
        throw new DomainError('occurrence_posted', 409, 'This occurrence is already posted.', { occurs_on: day });
      const transactionId = newTimeOrderedId();
      await this.postOccurrence(client, rule, day, transactionId, {
        requestId: context.requestId,
        idempotencyKey: context.idempotency?.key ?? null,
        postedAt: now,
      });
      await markOccurrencePosted(client, { ruleId, day, transactionId });
      return { status: 200, body: await this.view(client, userId, ruleId) };
    });
  }

  /**
   * What falls due from today through `days` ahead. With `itemsMax`, a list that would be
   * longer ends at the last whole day that fits (`truncated`, `until` moved back), so every
   * day it shows is complete.
   */
  async upcoming(userId: string, days: number, itemsMax = Number.POSITIVE_INFINITY) {
    const from = this.today();
    const asked = addDays(from, days);
    const rules = await findScheduledRules(this.deps.pool, { userId, until: asked });
    const claimed = await claimedDays(
      this.deps.pool,
      rules.map((rule) => ({ id: rule.id, from })),
      asked,
    );
    const items = rules.flatMap((rule) =>
      this.pending(rule, from, asked, claimed.get(rule.id) ?? new Set()).map((occursOn) => ({
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
    const firstLeftOut = items[itemsMax]?.occurs_on;
    if (firstLeftOut === undefined) return { from, until: asked, truncated: false, items };
    // A day at most holds one occurrence per rule, far fewer than itemsMax: some whole day fits.
    return {
      from,
      until: addDays(firstLeftOut, -1),
      truncated: true,
      items: items.filter((item) => item.occurs_on < firstLeftOut),
    };
  }

  /**
   * Posts due occurrences up to `until` (São Paulo days) as normal ledger transactions:
   * everyone's on-time occurrences first, then backlogs, in turns, bounded per rule, per
   * person and per run (see materialisation-plan.ts); a long backlog is worked off over
   * several runs. The (rule, day) primary key is claimed first, so two runs at once post
   * each occurrence once; a policy refusal is recorded as a failed occurrence, once.
   */
  async materializeDue(options: { userId?: string; until?: string; requestId?: string | null }) {
    const until = options.until ?? this.today();
    // Only the run over everybody rotates; one person's own run (run-due) serves just them.
    const rotating = options.userId === undefined;
    const rotateAfter = rotating ? await readRotation(this.deps.pool) : null;
    const scan = await this.planRun(options.userId ?? null, until, rotateAfter);
    const { order, lastServed } = fairShare(scan.plans, rotateAfter);
    const handled = new Map<RulePlan<RuleRow>, Set<string>>();
    const occurrences: OccurrenceResult[] = [];
    // The scheduled run announces a failure of a bill due now; someone who pressed "run due"
    // sees theirs on the screen, and a backlog's failures are shown on the rule.
    const announceFrom = rotating ? addDays(until, -ON_TIME_DAYS) : null;
    for (const { plan, day } of order) {
      const announce = announceFrom !== null && day >= announceFrom;
      const result = await this.materializeOne(plan.rule, day, { requestId: options.requestId ?? null, announce });
      handled.set(plan, (handled.get(plan) ?? new Set()).add(day));
      if (result) occurrences.push(result);
    }
    await advanceCursors(this.deps.pool, this.cursors(scan.plans, handled));
    const next = lastServed ?? scan.stoppedAfter;
    if (rotating && next !== null) await saveRotation(this.deps.pool, next);
    return {
      until,
      posted: occurrences.filter((occurrence) => occurrence.status === 'posted').length,
      failed: occurrences.filter((occurrence) => occurrence.status === 'failed').length,
      occurrences,
    };
  }

  /**
   * Plans the due rules page by page in rotation order (people after `rotateAfter`, then
   * the rest). Every rule's on-time occurrences are planned; backlogs only for the first
   * OCCURRENCES_PER_RUN_MAX people who have one, since a run cannot serve more. Stops
   * early once that many people have something on time, or at RULE_PAGES_PER_RUN_MAX;
   * `stoppedAfter` is then the last person read, where the next run continues.
   */
  private async planRun(userId: string | null, until: string, rotateAfter: string | null) {
    const onTimeFrom = addDays(until, -ON_TIME_DAYS);
    const plans: RulePlan<RuleRow>[] = [];
    const backlogPeople = new Set<string>();
    const onTimePeople = new Set<string>();
    const laps =
      rotateAfter === null
        ? [{ above: null, through: null }]
        : [
            { above: rotateAfter, through: null },
            { above: null, through: rotateAfter },
          ];
    let pages = 0;
    let last: RuleRow | undefined;
    for (const lap of laps) {
      let after: RuleRow | undefined;
      for (;;) {
        if (pages >= RULE_PAGES_PER_RUN_MAX || onTimePeople.size >= OCCURRENCES_PER_RUN_MAX)
          return { plans, stoppedAfter: last?.user_id ?? null };
        const rules = await findDueRulesPage(this.deps.pool, {
          userId,
          until,
          after: after ? { userId: after.user_id, id: after.id } : null,
          userAbove: lap.above,
          userThrough: lap.through,
          limit: RULES_PAGE_MAX,
        });
        pages += 1;
        for (const plan of await this.planPage(rules, { until, onTimeFrom, backlogPeople })) {
          if (plan.onTime.length > 0) onTimePeople.add(plan.userId);
          if (plan.backlog.length > 0) backlogPeople.add(plan.userId);
          plans.push(plan);
        }
        after = rules.at(-1) ?? after;
        last = after ?? last;
        if (rules.length < RULES_PAGE_MAX) break;
      }
    }
    return { plans, stoppedAfter: null };
  }

  /** One page's plans: on-time days for every rule, the backlog while the run could still serve it. */
  private async planPage(
    rules: RuleRow[],
    window: { until: string; onTimeFrom: string; backlogPeople: ReadonlySet<string> },
  ): Promise<RulePlan<RuleRow>[]> {
    const starts = rules.map((rule) => ({ id: rule.id, from: scanStart(rule) }));
    const claimed = await claimedDays(this.deps.pool, starts, window.until);
    const people = new Set(window.backlogPeople);
    return rules.map((rule, index) => {
      const from = (starts[index] as { from: string }).from;
      const servable = people.has(rule.user_id) || people.size < OCCURRENCES_PER_RUN_MAX;
      const owesBacklog = from < window.onTimeFrom;
      if (owesBacklog && servable) people.add(rule.user_id);
      return planRule({
        rule,
        ruleId: rule.id,
        userId: rule.user_id,
        backlog: !owesBacklog ? [] : servable ? occurrencesFrom(rule, from, addDays(window.onTimeFrom, -1)) : null,
        onTime: occurrencesFrom(rule, laterDay(from, window.onTimeFrom), window.until),
        claimed: claimed.get(rule.id) ?? new Set(),
      });
    });
  }

  private cursors(plans: RulePlan<RuleRow>[], handled: ReadonlyMap<RulePlan<RuleRow>, ReadonlySet<string>>) {
    const moved: Array<{ ruleId: string; rowVersion: number; through: string }> = [];
    for (const plan of plans) {
      const through = cursorAfter(plan, handled.get(plan) ?? new Set());
      if (through !== null && through >= scanStart(plan.rule))
        moved.push({ ruleId: plan.ruleId, rowVersion: plan.rule.row_version, through });
    }
    return moved;
  }

  private async materializeOne(
    rule: RuleRow,
    day: string,
    options: { requestId: string | null; announce: boolean },
  ): Promise<OccurrenceResult | undefined> {
    const { requestId } = options;
    return runTransaction(this.deps.pool, async (client) => {
      const transactionId = newTimeOrderedId();
      const claim = { ruleId: rule.id, day, userId: rule.user_id, transactionId, now: this.deps.clock.now() };
      // The run read the rule before it began posting: one ended, paused or edited since is
      // left alone (the next run plans an edited one afresh).
      if (!(await lockRuleAsPlanned(client, rule))) return undefined;
      if (!(await claimOccurrence(client, claim))) return undefined;
      await savepoint(client);
      try {
        await this.postOccurrence(client, rule, day, transactionId, {
          requestId,
          idempotencyKey: null,
          postedAt: this.deps.clock.now(),
        });
        return { rule_id: rule.id, occurs_on: day, status: 'posted', transaction_id: transactionId, failure_code: null };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        await rollbackToSavepoint(client);
        await markOccurrenceFailed(client, { ruleId: rule.id, day, code: error.code, detail: error.message });
        if (options.announce) await this.announceFailure(client, rule, day, error.code);
        return { rule_id: rule.id, occurs_on: day, status: 'failed', transaction_id: null, failure_code: error.code };
      }
    });
  }

  /** A notification (and its e-mail, as the person chose) that a bill due now was not posted; once per (rule, day). */
  private async announceFailure(client: pg.PoolClient, rule: RuleRow, day: string, failureCode: string): Promise<void> {
    await notify(client, {
      userId: rule.user_id,
      kind: 'recurring_failed',
      dedupeKey: `${rule.id}:${day}`,
      params: {
        rule_id: rule.id,
        type: rule.type,
        description: rule.description,
        occurs_on: day,
        amount_cents: rule.amount_cents,
        failure_code: failureCode,
      },
      link: '/recorrentes',
      now: this.deps.clock.now(),
    });
  }

  /** One occurrence of a rule, posted through the ledger under the id its claim recorded. */
  private async postOccurrence(
    client: pg.PoolClient,
    rule: RuleRow,
    day: string,
    transactionId: string,
    origin: { requestId: string | null; idempotencyKey: string | null; postedAt: Date },
  ) {
    const posting: Posting =
      rule.type === 'transfer'
        ? {
            kind: 'transfer',
            fromAccountId: rule.account_id,
            toAccountId: rule.to_account_id as string,
            amountCents: rule.amount_cents,
            description: rule.description,
            notes: null,
            occurredOn: day,
            transactionId,
          }
        : {
            kind: rule.type,
            accountId: rule.account_id,
            amountCents: rule.amount_cents,
            description: rule.description,
            categoryId: rule.category_id,
            notes: null,
            occurredOn: day,
            transactionId,
          };
    const source = { userId: rule.user_id, ...origin };
    await postBatch(client, source, [posting]);
  }
}
