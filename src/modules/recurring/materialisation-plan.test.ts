import { describe, expect, it } from 'vitest';
import { cursorAfter, fairShare, planRule, type RulePlan } from './materialisation-plan.js';
import {
  OCCURRENCES_PER_PERSON_PER_RUN_MAX,
  OCCURRENCES_PER_RULE_PER_RUN_MAX,
  OCCURRENCES_PER_RUN_MAX,
} from './recurring.schemas.js';
import { addDays } from './schedule.js';

const daysFrom = (first: string, count: number) => Array.from({ length: count }, (_, index) => addDays(first, index));

function plan(userId: string, ruleId: string, days: string[]): RulePlan<null> {
  return planRule({ rule: null, ruleId, userId, occurrences: days, claimed: new Set() });
}

describe('materialisation plan', () => {
  it('a rule offers at most its bound of unclaimed days, oldest first, skipping claimed ones', () => {
    const days = daysFrom('2025-06-15', 400);
    const planned = planRule({ rule: null, ruleId: 'r', userId: 'u', occurrences: days, claimed: new Set(days.slice(0, 3)) });
    expect(planned.pending).toHaveLength(OCCURRENCES_PER_RULE_PER_RUN_MAX);
    expect(planned.pending[0]).toBe(days[3]);
    expect(cursorAfter(planned, 0)).toBe(days[2]);
    expect(cursorAfter(planned, 2)).toBe(days[4]);
    expect(cursorAfter(planned, OCCURRENCES_PER_RULE_PER_RUN_MAX)).toBe(planned.pending.at(-1));
    const finished = planRule({ rule: null, ruleId: 'r', userId: 'u', occurrences: days.slice(0, 5), claimed: new Set(days) });
    expect(finished.pending).toEqual([]);
    expect(cursorAfter(finished, 0)).toBe(days[4]);
  });

  it('takes people in turns: a bill due today is in the first round behind any number of backlogs', () => {
    const plans: RulePlan<null>[] = [];
    for (let person = 0; person < 40; person += 1) {
      for (let rule = 0; rule < 5; rule += 1) plans.push(plan(`a${person}`, `a${person}-${rule}`, daysFrom('2025-06-15', 31)));
    }
    plans.push(plan('b', 'b-bill', ['2026-06-15']));
    const order = fairShare(plans);
    expect(order).toHaveLength(OCCURRENCES_PER_RUN_MAX);
    const billAt = order.findIndex((item) => item.plan.ruleId === 'b-bill');
    // 40 backlogged people, each more overdue, go first in the round; the bill is 41st.
    expect(billAt).toBe(40);
    const perPerson = new Map<string, number>();
    for (const item of order) perPerson.set(item.plan.userId, (perPerson.get(item.plan.userId) ?? 0) + 1);
    expect(Math.max(...perPerson.values())).toBeLessThanOrEqual(OCCURRENCES_PER_PERSON_PER_RUN_MAX);
    // 1,000 slots shared by 41 people: everyone with a backlog gets the same share, within one.
    const shares = [...perPerson.entries()].filter(([userId]) => userId !== 'b').map(([, count]) => count);
    expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
  });

  it("a person's share is their most overdue days across rules, and each rule's share is a prefix of its days", () => {
    const plans = [
      plan('a', 'late', daysFrom('2026-01-01', 31)),
      plan('a', 'early', daysFrom('2025-07-01', 31)),
      ...Array.from({ length: 5 }, (_, index) => plan('a', `more-${index}`, daysFrom('2025-09-01', 31))),
    ];
    const order = fairShare(plans);
    expect(order).toHaveLength(OCCURRENCES_PER_PERSON_PER_RUN_MAX);
    expect(order[0]).toMatchObject({ day: '2025-07-01' });
    expect(order.filter((item) => item.plan.ruleId === 'early')).toHaveLength(31);
    expect(order.filter((item) => item.plan.ruleId === 'late')).toEqual([]);
    for (const rule of plans) {
      const taken = order.filter((item) => item.plan === rule).map((item) => item.day);
      expect(taken).toEqual(rule.pending.slice(0, taken.length));
    }
  });
});
