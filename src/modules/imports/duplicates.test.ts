import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../db/queryable.js';
import { findDuplicates, type LineToMatch } from './duplicates.js';
import type { ExistingMovement } from './imports.repository.js';
import { PAYEE_CANDIDATES_MAX } from './payee.js';

/** The two reads findDuplicates makes: no statement key is held, and these movements are in the books. */
function books(movements: ExistingMovement[]): Queryable {
  const query = async (text: string) => ({ rows: text.includes('import_dedupe') ? [] : movements });
  return { query } as unknown as Queryable;
}

/** Payee names of letters only (digits are not part of a payee's key): "aa", "ab", … */
function payee(index: number): string {
  return `Loja ${String.fromCharCode(97 + Math.floor(index / 26))}${String.fromCharCode(97 + (index % 26))}`;
}

const DAY = '2026-11-05';
const movement = (index: number): ExistingMovement => ({
  id: `t${index}`,
  occurred_on: DAY,
  amount_cents: -1_000,
  description: payee(index),
});
const line = (index: number, position: number): LineToMatch => ({
  line: position,
  occurredOn: DAY,
  description: `PIX ENVIADO ${payee(index).toUpperCase()}`,
  amountCents: -1_000,
  dedupeKey: `k${position}`,
});

describe('findDuplicates by payee', () => {
  it('matches each line to the movement of the same day, amount and payee, each movement once', async () => {
    const found = await findDuplicates(books([movement(0), movement(1), movement(2)]), {
      userId: 'u',
      accountId: 'a',
      lines: [line(2, 1), line(0, 2), line(0, 3), line(7, 4)],
    });
    expect([...found]).toEqual([
      [1, 't2'],
      [2, 't0'],
    ]);
  });

  it("compares a line with at most PAYEE_CANDIDATES_MAX of its day and amount's movements: a crafted flood stays linear", async () => {
    const movements = Array.from({ length: PAYEE_CANDIDATES_MAX + 20 }, (_, index) => movement(index));
    const found = await findDuplicates(books(movements), {
      userId: 'u',
      accountId: 'a',
      lines: [line(PAYEE_CANDIDATES_MAX - 1, 1), line(PAYEE_CANDIDATES_MAX + 10, 2)],
    });
    // The first is within the first candidates; the second's movement lies past them, so it is
    // posted (and shows in the preview) rather than compared with every movement of the slot.
    expect([...found]).toEqual([[1, `t${PAYEE_CANDIDATES_MAX - 1}`]]);
  });
});
