import { describe, expect, it } from 'vitest';
import { addDays } from '../../lib/calendar.js';
import { cursorAfter, fairShare, planRule, type RulePlan } from './materialisation-plan.js';
import {
  OCCURRENCES_PER_PERSON_PER_RUN_MAX,
  OCCURRENCES_PER_RULE_PER_RUN_MAX,
  OCCURRENCES_PER_RUN_MAX,
} from './recurring.schemas.js';

const daysFrom = (first: string, count: number) => Array.from({ length: count }, (_, index) => addDays(first, index));

function plan(userId: string, ruleId: string, backlog: string[], onTime: string[] = []): RulePlan<null> {
  return planRule({ rule: null, ruleId, userId, backlog, onTime, claimed: new Set() });
}

describe('materialisation plan', () => {
  it('a rule offers at most its bound of unclaimed backlog days, oldest first, skipping claimed ones', () => {
    const days = daysFrom('2025-06-15', 400);
    const planned = planRule({
      rule: null,
      ruleId: 'r',
      userId: 'u',
      backlog: days,
      onTime: [],
      claimed: new Set(days.slice(0, 3)),
    });
    expect(planned.backlog).toHaveLength(OCCURRENCES_PER_RULE_PER_RUN_MAX);
    expect(planned.backlog[0]).toBe(days[3]);
    expect(cursorAfter(planned, new Set())).toBe(days[2]);
    expect(cursorAfter(planned, new Set(days.slice(3, 5)))).toBe(days[4]);
    expect(cursorAfter(planned, new Set(planned.backlog))).toBe(planned.backlog.at(-1));
    const finished = planRule({
      rule: null,
      ruleId: 'r',
      userId: 'u',
      backlog: days.slice(0, 5),
      onTime: [],
      claimed: new Set(days),
    });
    expect(finished.backlog).toEqual([]);
    expect(cursorAfter(finished, new Set())).toBe(days[4]);
  });

  it("a long backlog does not hide the rule's on-time days, and the cursor never passes an unposted day", () => {
    const backlog = daysFrom('2025-12-01', 365);
    const onTime = ['2026-11-28', '2026-11-29', '2026-11-30'];
    const planned = planRule({ rule: null, ruleId: 'r', userId: 'u', backlog, onTime, claimed: new Set() });
    expect(planned).toMatchObject({ onTime, backlogFull: true });
    // On-time days posted before the backlog: the cursor stays before the backlog.
    expect(cursorAfter(planned, new Set(onTime))).toBe('2025-11-30');
    // A backlog left for a later run (null) keeps the cursor where it was.
    const later = planRule({ rule: null, ruleId: 'r', userId: 'u', backlog: null, onTime, claimed: new Set() });
    expect(cursorAfter(later, new Set(onTime))).toBeNull();
    const short = planRule({ rule: null, ruleId: 'r', userId: 'u', backlog: ['2026-11-01'], onTime, claimed: new Set() });
    expect(cursorAfter(short, new Set(['2026-11-01', ...onTime]))).toBe('2026-11-30');
  });

  it('a bill due on time is served before any number of backlogs (the review repro: 1,000 people owed a day in 2025-12)', () => {
    const plans: RulePlan<null>[] = [];
    for (let person = 0; person < OCCURRENCES_PER_RUN_MAX; person += 1) {
      const userId = `a${String(person).padStart(4, '0')}`;
      plans.push(plan(userId, `${userId}-r`, [addDays('2025-12-01', person % 31)]));
    }
    plans.push(plan('z-late-signup', 'bill', [], ['2026-11-30']));
    const { order, lastServed } = fairShare(plans);
    expect(order).toHaveLength(OCCURRENCES_PER_RUN_MAX);
    expect(order[0]).toMatchObject({ day: '2026-11-30', plan: { ruleId: 'bill' } });
    // The run was full: the next one starts after the person served last.
    expect(lastServed).toBe(order.at(-1)?.plan.userId);
  });

  it('backlogs share what is left in turns, and the rotation serves next time whoever this run left out', () => {
    const plans: RulePlan<null>[] = [];
    const people = 1_500;
    for (let person = 0; person < people; person += 1) {
      const userId = `a${String(person).padStart(4, '0')}`;
      plans.push(plan(userId, `${userId}-r`, daysFrom('2025-06-15', 31)));
    }
    const first = fairShare(plans);
    expect(first.order).toHaveLength(OCCURRENCES_PER_RUN_MAX);
    expect(new Set(first.order.map((item) => item.plan.userId)).size).toBe(OCCURRENCES_PER_RUN_MAX);
    expect(first.lastServed).toBe('a0999');
    const second = fairShare(plans, first.lastServed);
    expect(second.order.slice(0, 500).map((item) => item.plan.userId)).toEqual(
      Array.from({ length: 500 }, (_, index) => `a${String(1_000 + index).padStart(4, '0')}`),
    );
    // After the ones left out, the rotation wraps to the start.
    expect(second.order[500]?.plan.userId).toBe('a0000');
  });

  it("a person's share is their most overdue days across rules, within the person bound, each rule's share a prefix", () => {
    const plans = [
      plan('a', 'late', daysFrom('2026-01-01', 31)),
      plan('a', 'early', daysFrom('2025-07-01', 31)),
      ...Array.from({ length: 5 }, (_, index) => plan('a', `more-${index}`, daysFrom('2025-09-01', 31))),
      plan('a', 'today', [], ['2026-06-15']),
    ];
    const { order, lastServed } = fairShare(plans);
    expect(order).toHaveLength(OCCURRENCES_PER_PERSON_PER_RUN_MAX);
    expect(lastServed).toBeNull();
    expect(order[0]).toMatchObject({ day: '2026-06-15' });
    expect(order[1]).toMatchObject({ day: '2025-07-01' });
    expect(order.filter((item) => item.plan.ruleId === 'early')).toHaveLength(31);
    expect(order.filter((item) => item.plan.ruleId === 'late')).toEqual([]);
    for (const rule of plans) {
      const taken = order.filter((item) => item.plan === rule).map((item) => item.day);
      expect(taken).toEqual([...rule.onTime, ...rule.backlog].slice(0, taken.length));
    }
  });
});
