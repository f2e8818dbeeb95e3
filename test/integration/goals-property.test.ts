import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { AMOUNT_MAX_CENTS, OCCURRED_ON_MAX, OCCURRED_ON_MIN } from '../../src/policies/ledger_v1.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';

/**
 * Goals under any amounts, dates and histories: no answer is ever a 5xx, and after every
 * step the goal is readable alone and in the list. Tiny paces on huge targets (a projection
 * past year 9999) and days at both ends of the supported range are drawn on purpose.
 */
const clock = fixedClock('2026-09-15T15:00:00Z');
const DAY_MS = 86_400_000;
const RUNS = 25;
const STEPS_MAX = 6;
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: String(24 * 365), SESSION_IDLE_HOURS: String(24 * 365) } });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
});
afterAll(async () => {
  await t?.close();
});

const dayOf = (at: Date) => at.toISOString().slice(0, 10);
const rangeStart = Date.parse(`${OCCURRED_ON_MIN}T15:00:00Z`);
const rangeEnd = Date.parse(`${OCCURRED_ON_MAX}T15:00:00Z`);

const amount = fc.oneof(
  fc.integer({ min: 1, max: 10 }),
  fc.integer({ min: 1, max: 100_000 }),
  fc.integer({ min: 1, max: AMOUNT_MAX_CENTS }),
  fc.constant(AMOUNT_MAX_CENTS),
);
/** Today: near either end of the supported range, or anywhere in it. */
const today = fc.oneof(
  fc.integer({ min: rangeStart, max: rangeStart + 200 * DAY_MS }),
  fc.integer({ min: rangeEnd - 200 * DAY_MS, max: rangeEnd }),
  fc.integer({ min: rangeStart, max: rangeEnd }),
);
/** occurred_on: omitted, recent, at the range's ends, or outside it (a 400). */
const occurredOn = fc.option(
  fc.oneof(
    fc.integer({ min: 0, max: 120 }).map((daysBack) => ({ daysBack })),
    fc.constantFrom(OCCURRED_ON_MIN, OCCURRED_ON_MAX, '1999-12-31', '2100-01-01'),
  ),
  { nil: undefined },
);
const step = fc.oneof(
  fc.record({ kind: fc.constant('contribute' as const), amount, occurredOn }),
  fc.record({ kind: fc.constant('withdraw' as const), amount, occurredOn }),
  fc.record({ kind: fc.constant('retarget' as const), amount }),
  fc.record({ kind: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 60 }) }),
);

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function movementBody(chosen: Extract<Step, { kind: 'contribute' | 'withdraw' }>, accountId: string) {
  const body: Record<string, unknown> = {
    [chosen.kind === 'contribute' ? 'from_account_id' : 'to_account_id']: accountId,
    amount_cents: chosen.amount,
  };
  const when = chosen.occurredOn;
  if (when !== undefined) {
    body.occurred_on = typeof when === 'string' ? when : dayOf(new Date(clock.now().getTime() - when.daysBack * DAY_MS));
  }
  return body;
}

describe('goals never answer 5xx (property, real PostgreSQL)', () => {
  it('any target, date and history of contributions and withdrawals keeps every goal readable', async () => {
    await fc.assert(
      fc.asyncProperty(today, amount, fc.array(step, { minLength: 1, maxLength: STEPS_MAX }), async (now, target, steps) => {
        clock.set(new Date(now));
        const { client } = await signedIn(t.app);
        const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: AMOUNT_MAX_CENTS });
        const created = await client.post('/api/goals', { name: 'Meta', target_cents: target });
        expect(created.statusCode).toBe(201);
        const goalId = created.json().id as string;
        for (const chosen of steps) {
          let status: number;
          if (chosen.kind === 'advance') {
            clock.advance(chosen.days * DAY_MS);
            status = 200;
          } else if (chosen.kind === 'retarget') {
            const current = (await client.get(`/api/goals/${goalId}`)).json();
            status = (
              await client.patch(`/api/goals/${goalId}`, { target_cents: chosen.amount, row_version: current.row_version })
            ).statusCode;
          } else {
            const path = chosen.kind === 'contribute' ? 'contributions' : 'withdrawals';
            status = (await client.post(`/api/goals/${goalId}/${path}`, movementBody(chosen, account.id))).statusCode;
          }
          expect(status, JSON.stringify(chosen)).toBeLessThan(500);
          const read = await client.get(`/api/goals/${goalId}`);
          expect(read.statusCode, read.body).toBe(200);
          const goal = read.json();
          expect(goal.projected_completion_on === null).toBe(goal.projection_unavailable_reason !== null);
          const listed = await client.get('/api/goals');
          expect(listed.statusCode, listed.body).toBe(200);
          expect(listed.json().items.map((item: { id: string }) => item.id)).toContain(goalId);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
