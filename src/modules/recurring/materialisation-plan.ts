/**
 * Which occurrences one materialisation run posts, and in what order: pure, no I/O.
 *
 * Two tiers. First, occurrences due on time (within the last ON_TIME_DAYS days) for
 * everybody; then the backlog (anything older). In each tier the run takes people in
 * turns, one occurrence each per round, starting after the person the previous full run
 * served last (a rotating cursor), until OCCURRENCES_PER_RUN_MAX. So no number of
 * backdated rules delays anyone's bill due today behind them: a backlog only gets what
 * is left once everyone's on-time occurrences are served, and backlogs share that
 * remainder in rotation, so no one is always at the end of the queue.
 */

import { addDays } from '../../lib/calendar.js';
import {
  OCCURRENCES_PER_PERSON_PER_RUN_MAX,
  OCCURRENCES_PER_RULE_PER_RUN_MAX,
  OCCURRENCES_PER_RUN_MAX,
} from './recurring.schemas.js';

export interface RulePlan<Rule> {
  rule: Rule;
  ruleId: string;
  userId: string;
  /** Unclaimed occurrences before the on-time window, ascending, at most the per-rule bound. */
  backlog: string[];
  /** True when the backlog stopped at its bound: later backlog days were not looked at. */
  backlogFull: boolean;
  /** Unclaimed occurrences in the on-time window, ascending, at most the per-rule bound. */
  onTime: string[];
  /** The last occurrence looked at (claimed or pending), or null when there was none. */
  lastSeen: string | null;
}

export interface PlannedOccurrence<Rule> {
  plan: RulePlan<Rule>;
  day: string;
}

/** Unclaimed days from `occurrences`, up to the per-rule bound, and the last day looked at. */
function unclaimed(occurrences: Iterable<string>, claimed: ReadonlySet<string>) {
  const pending: string[] = [];
  let lastSeen: string | null = null;
  for (const day of occurrences) {
    if (pending.length >= OCCURRENCES_PER_RULE_PER_RUN_MAX) return { pending, lastSeen, full: true };
    lastSeen = day;
    if (!claimed.has(day)) pending.push(day);
  }
  return { pending, lastSeen, full: false };
}

/**
 * Walks a rule's backlog (occurrences before the on-time window) and its on-time
 * occurrences separately, skipping those already claimed, each up to the per-rule bound:
 * a long backlog never hides the occurrence due today.
 */
export function planRule<Rule>(options: {
  rule: Rule;
  ruleId: string;
  userId: string;
  /** null: the backlog is left for a later run (treated as full, so the cursor stays before it). */
  backlog: Iterable<string> | null;
  onTime: Iterable<string>;
  claimed: ReadonlySet<string>;
}): RulePlan<Rule> {
  const backlog =
    options.backlog === null ? { pending: [], lastSeen: null, full: true } : unclaimed(options.backlog, options.claimed);
  const onTime = unclaimed(options.onTime, options.claimed);
  return {
    rule: options.rule,
    ruleId: options.ruleId,
    userId: options.userId,
    backlog: backlog.pending,
    backlogFull: backlog.full,
    onTime: onTime.pending,
    lastSeen: onTime.lastSeen ?? backlog.lastSeen,
  };
}

function byDayThenRule<Rule>(a: PlannedOccurrence<Rule>, b: PlannedOccurrence<Rule>): number {
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  return a.plan.ruleId < b.plan.ruleId ? -1 : a.plan.ruleId > b.plan.ruleId ? 1 : 0;
}

/** People in id order, starting after `rotateAfter` and wrapping around. */
function rotation(userIds: Iterable<string>, rotateAfter: string | null): string[] {
  const sorted = [...userIds].sort();
  const start = rotateAfter === null ? 0 : sorted.findIndex((userId) => userId > rotateAfter);
  return start <= 0 ? sorted : [...sorted.slice(start), ...sorted.slice(0, start)];
}

interface Turns<Rule> {
  order: PlannedOccurrence<Rule>[];
  takenBy: Map<string, number>;
}

/** One tier: people in turns, one occurrence each per round, within the person and run bounds. */
function takeTurns<Rule>(turns: Turns<Rule>, people: string[], queues: Map<string, PlannedOccurrence<Rule>[]>): void {
  for (let round = 0; round < OCCURRENCES_PER_PERSON_PER_RUN_MAX; round += 1) {
    let took = false;
    for (const userId of people) {
      const next = queues.get(userId)?.[round];
      const taken = turns.takenBy.get(userId) ?? 0;
      if (next === undefined || taken >= OCCURRENCES_PER_PERSON_PER_RUN_MAX) continue;
      if (turns.order.length >= OCCURRENCES_PER_RUN_MAX) return;
      turns.order.push(next);
      turns.takenBy.set(userId, taken + 1);
      took = true;
    }
    if (!took) return;
  }
}

function queuesOf<Rule>(plans: ReadonlyArray<RulePlan<Rule>>, tier: 'onTime' | 'backlog') {
  const queues = new Map<string, PlannedOccurrence<Rule>[]>();
  for (const plan of plans) {
    const queue = queues.get(plan.userId) ?? [];
    for (const day of plan[tier]) queue.push({ plan, day });
    if (queue.length > 0) queues.set(plan.userId, queue);
  }
  for (const queue of queues.values()) queue.sort(byDayThenRule);
  return queues;
}

/**
 * The run's occurrences in posting order: everyone's on-time occurrences first, then
 * backlogs, each tier in turns starting after `rotateAfter`, each person's own oldest
 * first. `lastServed` is the person served last when the run was full (the next run
 * starts after them), or null when everyone got all the run could give them.
 */
export function fairShare<Rule>(
  plans: ReadonlyArray<RulePlan<Rule>>,
  rotateAfter: string | null = null,
): { order: PlannedOccurrence<Rule>[]; lastServed: string | null } {
  const people = rotation(new Set(plans.map((plan) => plan.userId)), rotateAfter);
  const turns: Turns<Rule> = { order: [], takenBy: new Map() };
  takeTurns(turns, people, queuesOf(plans, 'onTime'));
  takeTurns(turns, people, queuesOf(plans, 'backlog'));
  const full = turns.order.length >= OCCURRENCES_PER_RUN_MAX;
  return { order: turns.order, lastServed: full ? (turns.order.at(-1)?.plan.userId ?? null) : null };
}

/**
 * The rule's new cursor once the days in `handled` were claimed (by this run or a
 * concurrent one): the day before its first unhandled pending occurrence, else the last
 * occurrence seen. A backlog cut at its bound stops the cursor at its last day, since the
 * days after it were not looked at.
 */
export function cursorAfter<Rule>(plan: RulePlan<Rule>, handled: ReadonlySet<string>): string | null {
  for (const day of plan.backlog) if (!handled.has(day)) return addDays(day, -1);
  if (plan.backlogFull) return plan.backlog.at(-1) ?? null; // null: a backlog not looked at
  for (const day of plan.onTime) if (!handled.has(day)) return addDays(day, -1);
  return plan.lastSeen;
}
