import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balanceFloorCents, checkPosting, legsAreBalanced, type PolicyAccount } from './ledger_v1.js';
import { checkPosting as checkPostingV2, legObeysFloor, mayGoBelowFloor } from './ledger_v2.js';
import { checkTransfer, transferLegs } from './transfers_v1.js';

const account = (type: PolicyAccount['type'], balance_cents: number, overdraft_limit_cents = 0): PolicyAccount => ({
  type,
  balance_cents,
  overdraft_limit_cents,
});

describe('ledger_v1 floors', () => {
  it.each([
    ['cash', 0, 0],
    ['savings', 5_000, 0],
    ['investment', 0, 0],
    ['checking', 50_000, -50_000],
    ['credit_card', 300_000, -300_000],
  ] as const)('%s with limit %i has floor %i', (type, limit, floor) => {
    expect(balanceFloorCents(account(type, 0, limit))).toBe(floor);
  });

  it('a savings goal never goes below zero', () => {
    expect(balanceFloorCents(account('goal', 0))).toBe(0);
  });

  it('counterparty accounts have no floor', () => {
    for (const type of ['income', 'expense', 'equity'] as const) expect(balanceFloorCents(account(type, 0))).toBeUndefined();
  });
});

describe('checkPosting', () => {
  const ids = { cash: 'a', checking: 'b', card: 'c', expense: 'x' };
  const accounts = new Map<string, PolicyAccount>([
    [ids.cash, account('cash', 1_000)],
    [ids.checking, account('checking', 1_000, 500)],
    [ids.card, account('credit_card', -900, 1_000)],
    [ids.expense, account('expense', 0)],
  ]);

  it('lets cash reach exactly zero and not one centavo below', () => {
    expect(
      checkPosting(accounts, [
        { account_id: ids.cash, amount_cents: -1_000 },
        { account_id: ids.expense, amount_cents: 1_000 },
      ]),
    ).toEqual({
      ok: true,
    });
    expect(
      checkPosting(accounts, [
        { account_id: ids.cash, amount_cents: -1_001 },
        { account_id: ids.expense, amount_cents: 1_001 },
      ]),
    ).toEqual({
      ok: false,
      code: 'insufficient_funds',
      account_id: ids.cash,
      available_cents: 1_000,
    });
  });

  it('lets checking use its overdraft and a card its limit', () => {
    expect(checkTransfer(accounts, { fromAccountId: ids.checking, toAccountId: ids.cash, amountCents: 1_500 }).ok).toBe(true);
    expect(checkTransfer(accounts, { fromAccountId: ids.checking, toAccountId: ids.cash, amountCents: 1_501 }).ok).toBe(false);
    expect(checkTransfer(accounts, { fromAccountId: ids.card, toAccountId: ids.cash, amountCents: 100 }).ok).toBe(true);
    expect(checkTransfer(accounts, { fromAccountId: ids.card, toAccountId: ids.cash, amountCents: 101 }).ok).toBe(false);
  });

  it('always lets money in, even below the floor', () => {
    const overdrawn = new Map([...accounts, ['d', account('checking', -2_000, 500)]]);
    expect(checkTransfer(overdrawn, { fromAccountId: ids.cash, toAccountId: 'd', amountCents: 10 }).ok).toBe(true);
  });

  it('never lets a floored balance end below its floor (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('cash', 'savings', 'checking', 'credit_card', 'investment' as const),
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 2_000_000 }),
        (type, balance, limit, amount) => {
          const source = account(type, balance, type === 'checking' || type === 'credit_card' ? limit : 0);
          const map = new Map([
            ['s', source],
            ['t', account('cash', 0)],
          ]);
          const result = checkTransfer(map, { fromAccountId: 's', toAccountId: 't', amountCents: amount });
          const floor = balanceFloorCents(source) ?? Number.NEGATIVE_INFINITY;
          expect(result.ok).toBe(balance - amount >= floor);
        },
      ),
    );
  });
});

describe('legsAreBalanced', () => {
  it('accepts legs that sum to zero on distinct accounts', () => {
    expect(legsAreBalanced(transferLegs({ fromAccountId: 'a', toAccountId: 'b', amountCents: 10 }))).toBe(true);
  });
  it.each([
    [[{ account_id: 'a', amount_cents: 10 }]],
    [
      [
        { account_id: 'a', amount_cents: 10 },
        { account_id: 'b', amount_cents: -9 },
      ],
    ],
    [
      [
        { account_id: 'a', amount_cents: 10 },
        { account_id: 'a', amount_cents: -10 },
      ],
    ],
    [
      [
        { account_id: 'a', amount_cents: 0 },
        { account_id: 'b', amount_cents: 0 },
      ],
    ],
    [
      [
        { account_id: 'a', amount_cents: 0.5 },
        { account_id: 'b', amount_cents: -0.5 },
      ],
    ],
  ])('refuses %j', (legs) => {
    expect(legsAreBalanced(legs)).toBe(false);
  });
});

describe('goals_v1 progress', () => {
  it('projects completion at the pace of the last three months', async () => {
    const { progress } = await import('./goals_v1.js');
    expect(progress({ savedCents: 40_000, targetCents: 100_000, netLastMonthsCents: 30_000, today: '2026-01-31' })).toEqual({
      saved_cents: 40_000,
      remaining_cents: 60_000,
      percent: 40,
      monthly_pace_cents: 10_000,
      projected_completion_on: '2026-07-31',
      projection_unavailable_reason: null,
    });
  });

  it('has no projection without a positive pace, or once reached', async () => {
    const { progress } = await import('./goals_v1.js');
    expect(
      progress({ savedCents: 10, targetCents: 100, netLastMonthsCents: 0, today: '2026-01-01' }).projected_completion_on,
    ).toBeNull();
    expect(
      progress({ savedCents: 10, targetCents: 100, netLastMonthsCents: -300, today: '2026-01-01' }).projected_completion_on,
    ).toBeNull();
    const reached = progress({ savedCents: 150, targetCents: 100, netLastMonthsCents: 300, today: '2026-01-01' });
    expect(reached).toMatchObject({
      remaining_cents: 0,
      percent: 150,
      projected_completion_on: null,
      projection_unavailable_reason: 'reached',
    });
    expect(progress({ savedCents: 10, targetCents: 100, netLastMonthsCents: -300, today: '2026-01-01' })).toMatchObject({
      projection_unavailable_reason: 'no_progress',
    });
  });

  it('projects no further than the horizon: beyond it the date is null, with the reason', async () => {
    const { progress, PROJECTION_HORIZON_MONTHS } = await import('./goals_v1.js');
    // R$ 1 bilhão saved at 1 centavo a month would end in the year 8.3 billion.
    expect(progress({ savedCents: 3, targetCents: 100_000_000_000, netLastMonthsCents: 3, today: '2026-09-15' })).toMatchObject({
      monthly_pace_cents: 1,
      projected_completion_on: null,
      projection_unavailable_reason: 'too_far',
    });
    const atHorizon = progress({
      savedCents: 0,
      targetCents: PROJECTION_HORIZON_MONTHS,
      netLastMonthsCents: 3,
      today: '2099-12-31',
    });
    expect(atHorizon).toMatchObject({ projected_completion_on: '2199-12-31', projection_unavailable_reason: null });
    const pastHorizon = progress({
      savedCents: 0,
      targetCents: PROJECTION_HORIZON_MONTHS + 1,
      netLastMonthsCents: 3,
      today: '2099-12-31',
    });
    expect(pastHorizon).toMatchObject({ projected_completion_on: null, projection_unavailable_reason: 'too_far' });
  });

  it('adds months clamping to the last day', async () => {
    const { addMonths } = await import('../lib/calendar.js');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2026-11-15', 3)).toBe('2027-02-15');
  });
});

describe('ledger_v1 legs', () => {
  const amounts = fc.integer({ min: 1, max: 100_000_000_000 });

  it('an income raises the account and an expense lowers it, against the counterparty, always balanced', async () => {
    const { entryLegs } = await import('./ledger_v1.js');
    const options = { accountId: 'a', counterpartyAccountId: 'c', amountCents: 2_500 };
    expect(entryLegs({ ...options, type: 'income' })).toEqual([
      { account_id: 'a', amount_cents: 2_500 },
      { account_id: 'c', amount_cents: -2_500 },
    ]);
    expect(entryLegs({ ...options, type: 'expense' })).toEqual([
      { account_id: 'a', amount_cents: -2_500 },
      { account_id: 'c', amount_cents: 2_500 },
    ]);
    fc.assert(
      fc.property(amounts, fc.constantFrom('income' as const, 'expense' as const), (amountCents, type) =>
        legsAreBalanced(entryLegs({ ...options, amountCents, type })),
      ),
    );
  });

  it('an opening balance may be a debt; it is booked against equity', async () => {
    const { openingLegs } = await import('./ledger_v1.js');
    expect(openingLegs({ accountId: 'a', equityAccountId: 'e', amountCents: -700 })).toEqual([
      { account_id: 'a', amount_cents: -700 },
      { account_id: 'e', amount_cents: 700 },
    ]);
  });

  it('a reversal negates every leg, so original and reversal sum to zero per account', async () => {
    const { reversalLegs } = await import('./ledger_v1.js');
    fc.assert(
      fc.property(amounts, amounts, (first, second) => {
        const original = [
          { account_id: 'a', amount_cents: -first - second },
          { account_id: 'b', amount_cents: first },
          { account_id: 'c', amount_cents: second },
        ];
        const reversal = reversalLegs(original);
        expect(legsAreBalanced(reversal)).toBe(legsAreBalanced(original));
        for (const [index, leg] of reversal.entries()) {
          expect(leg.account_id).toBe(original[index]?.account_id);
          expect(leg.amount_cents + (original[index]?.amount_cents ?? 0)).toBe(0);
        }
      }),
    );
  });
});

describe('ledger_v2', () => {
  const accounts = new Map<string, PolicyAccount>([
    ['cash', account('cash', 20_000)],
    ['x', account('expense', 0)],
  ]);
  const spend = (amount: number) => [
    { account_id: 'cash', amount_cents: -amount },
    { account_id: 'x', amount_cents: amount },
  ];

  it('is ledger_v1 without consent and lets an income or expense below the floor with it', () => {
    expect(checkPostingV2(accounts, spend(90_000), { kind: 'expense', allowNegative: false })).toMatchObject({
      ok: false,
      available_cents: 20_000,
    });
    expect(checkPostingV2(accounts, spend(90_000), { kind: 'expense', allowNegative: true })).toEqual({ ok: true });
    expect(checkPostingV2(accounts, spend(90_000), { kind: 'income', allowNegative: true })).toEqual({ ok: true });
  });

  it.each(['transfer', 'goal_contribution', 'opening', 'reversal'])('keeps the floor for %s even with consent', (kind) => {
    expect(checkPostingV2(accounts, spend(20_001), { kind, allowNegative: true })).toMatchObject({ ok: false });
    expect(mayGoBelowFloor(kind)).toBe(false);
  });

  it('verifies a leg under the version it was posted under', () => {
    const leg = { recordedKind: 'expense', amountCents: -90_000, balanceAfterCents: -70_000, floorCents: 0 };
    expect(legObeysFloor({ ...leg, policyVersion: 'ledger_v1' })).toBe(false);
    expect(legObeysFloor({ ...leg, policyVersion: 'ledger_v2' })).toBe(true);
    expect(legObeysFloor({ ...leg, policyVersion: 'ledger_v2', recordedKind: 'transfer' })).toBe(false);
    expect(legObeysFloor({ ...leg, policyVersion: 'transfers_v1', recordedKind: 'transfer' })).toBe(false);
    // Raising a balance that is below its floor (paying a debt) is fine under every version.
    expect(legObeysFloor({ ...leg, policyVersion: 'ledger_v1', amountCents: 10_000 })).toBe(true);
    expect(legObeysFloor({ ...leg, policyVersion: 'ledger_v1', floorCents: undefined })).toBe(true);
  });
});
