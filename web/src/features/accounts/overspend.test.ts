import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/problem';
import { floorCentsOf, overspendFromProblem, overspendOf } from './overspend';

describe('the question before going negative', () => {
  it('asks how far below zero a cash account goes: R$ 900 against R$ 200 is R$ 700', () => {
    expect(overspendOf({ type: 'cash', balanceCents: 20_000, floorCents: 0 }, 90_000)).toEqual({
      kind: 'negative',
      belowZeroCents: 70_000,
    });
    expect(overspendOf({ type: 'cash', balanceCents: 20_000, floorCents: 0 }, 20_000)).toBeNull();
    expect(overspendOf({ type: 'cash', balanceCents: 20_000, floorCents: 0 }, 20_001)).toEqual({
      kind: 'negative',
      belowZeroCents: 1,
    });
  });

  it('does not ask while a checking account stays within its overdraft, and names the limit past it', () => {
    const checking = { type: 'checking' as const, balanceCents: 20_000, floorCents: -50_000 };
    expect(overspendOf(checking, 70_000)).toBeNull();
    expect(overspendOf(checking, 90_000)).toEqual({ kind: 'overdraft', belowZeroCents: 70_000, limitCents: 50_000 });
  });

  it('on a card, says how far past the limit the bill goes', () => {
    expect(overspendOf({ type: 'credit_card', balanceCents: -80_000, floorCents: -100_000 }, 50_000)).toEqual({
      kind: 'card',
      beyondLimitCents: 30_000,
    });
    expect(overspendOf({ type: 'credit_card', balanceCents: 0, floorCents: 0 }, 90_000)).toEqual({
      kind: 'card',
      beyondLimitCents: 90_000,
    });
  });

  it('floors follow the server: minus the limit for checking and cards, zero otherwise', () => {
    expect(floorCentsOf({ type: 'checking', overdraft_limit_cents: 500 })).toBe(-500);
    expect(floorCentsOf({ type: 'credit_card', overdraft_limit_cents: 900 })).toBe(-900);
    expect(floorCentsOf({ type: 'savings', overdraft_limit_cents: 0 })).toBe(0);
  });

  it("reads the server's figures from a 422 insufficient_funds, and nothing else", () => {
    const refusal = new ApiError({
      status: 422,
      code: 'insufficient_funds',
      errors: [],
      extensions: { available_cents: 10_000, balance_cents: 10_000, floor_cents: 0 },
    });
    expect(overspendFromProblem(refusal, 'cash', 90_000)).toEqual({ kind: 'negative', belowZeroCents: 80_000 });
    const old = new ApiError({ status: 422, code: 'insufficient_funds', errors: [], extensions: { available_cents: 0 } });
    expect(overspendFromProblem(old, 'cash', 90_000)).toBeNull();
    const other = new ApiError({ status: 422, code: 'account_archived', errors: [], extensions: {} });
    expect(overspendFromProblem(other, 'cash', 90_000)).toBeNull();
  });
});
