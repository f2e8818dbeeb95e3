/**
 * Which occurrences one materialisation run posts, and in what order: pure, no I/O.
 *
 * Each rule offers its most overdue occurrences (at most OCCURRENCES_PER_RULE_PER_RUN_MAX),
 * each person their most overdue ones across their rules (at most
 * OCCURRENCES_PER_PERSON_PER_RUN_MAX), and the run takes people in turns, one occurrence
 * each per round, until OCCURRENCES_PER_RUN_MAX. So one person's long backlog costs
 * everyone else at most one slot per round: a bill due today is posted by the first run
 * that sees it as long as fewer than OCCURRENCES_PER_RUN_MAX people have anything due.
 */
import {
  OCCURRENCES_PER_PERSON_PER_RUN_MAX,
  OCCURRENCES_PER_RULE_PER_RUN_MAX,
  OCCURRENCES_PER_RUN_MAX,
} from './recurring.schemas.js';
import { addDays } from './schedule.js';

export interface RulePlan<Rule> {
  rule: Rule;
  ruleId: string;
  userId: string;
  /** The rule's unclaimed occurrences from the scan start, ascending, at most the per-rule bound. */
  pending: string[];
  /** The last occurrence looked at (claimed or pending), or null when there was none. */
  lastSeen: string | null;
}

export interface PlannedOccurrence<Rule> {
  plan: RulePlan<Rule>;
  day: string;
}

/**
 * Walks a rule's occurrences from the scan start, skipping those already claimed, until
 * the per-rule bound of pending ones. Claimed ones in between cost a step each; the
 * cursor keeps those few.
 */
export function planRule<Rule>(options: {
  rule: Rule;
  ruleId: string;
  userId: string;
  occurrences: Iterable<string>;
  claimed: ReadonlySet<string>;
}): RulePlan<Rule> {
  const pending: string[] = [];
  let lastSeen: string | null = null;
  for (const day of options.occurrences) {
    lastSeen = day;
    if (options.claimed.has(day)) continue;
    pending.push(day);
    if (pending.length >= OCCURRENCES_PER_RULE_PER_RUN_MAX) break;
  }
  return { rule: options.rule, ruleId: options.ruleId, userId: options.userId, pending, lastSeen };
}

function byDayThenRule<Rule>(a: PlannedOccurrence<Rule>, b: PlannedOccurrence<Rule>): number {
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  return a.plan.ruleId < b.plan.ruleId ? -1 : a.plan.ruleId > b.plan.ruleId ? 1 : 0;
}

/**
 * The run's occurrences in posting order: round-robin over people, most overdue person
 * first in each round, each person's own most overdue occurrences first. Every rule's
 * share is a prefix of its pending days, so its cursor can move past what was posted.
 */
export function fairShare<Rule>(plans: ReadonlyArray<RulePlan<Rule>>): PlannedOccurrence<Rule>[] {
  const perPerson = new Map<string, PlannedOccurrence<Rule>[]>();
  for (const plan of plans) {
    const share = perPerson.get(plan.userId) ?? [];
    for (const day of plan.pending) share.push({ plan, day });
    perPerson.set(plan.userId, share);
  }
  const queues = [...perPerson.entries()]
    .map(([userId, share]) => ({ userId, share: share.sort(byDayThenRule).slice(0, OCCURRENCES_PER_PERSON_PER_RUN_MAX) }))
    .filter((queue) => queue.share.length > 0)
    .sort(
      (a, b) =>
        byDayThenRule(a.share[0] as PlannedOccurrence<Rule>, b.share[0] as PlannedOccurrence<Rule>) ||
        (a.userId < b.userId ? -1 : 1),
    );
  const order: PlannedOccurrence<Rule>[] = [];
  for (let round = 0; round < OCCURRENCES_PER_PERSON_PER_RUN_MAX; round += 1) {
    for (const queue of queues) {
      const next = queue.share[round];
      if (next === undefined) continue;
      if (order.length >= OCCURRENCES_PER_RUN_MAX) return order;
      order.push(next);
    }
  }
  return order;
}

/**
 * The rule's new cursor once the first `handled` of its pending occurrences were claimed
 * (by this run or a concurrent one): everything up to the day before the first unhandled
 * one, or up to the last occurrence seen when all were handled.
 */
export function cursorAfter<Rule>(plan: RulePlan<Rule>, handled: number): string | null {
  const firstLeft = plan.pending[handled];
  return firstLeft === undefined ? plan.lastSeen : addDays(firstLeft, -1);
}
