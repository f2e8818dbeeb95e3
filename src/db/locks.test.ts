import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountLockOrder } from './locks.js';

const INT4_MIN = -(2 ** 31);
const INT4_MAX = 2 ** 31 - 1;

/** Lower-case UUIDs, as PostgreSQL returns them; a few share their first 32 bits. */
const accountId = fc.oneof(
  fc.uuid().map((id) => id.toLowerCase()),
  fc.uuid().map((id) => `7fffffff${id.toLowerCase().slice(8)}`),
  fc.uuid().map((id) => `80000000${id.toLowerCase().slice(8)}`),
);

describe('accountLockOrder', () => {
  it('orders ids ascending, whatever the input order', () => {
    const ids = [
      'f0000000-0000-4000-8000-000000000000',
      '10000000-0000-4000-8000-000000000000',
      '80000000-0000-4000-8000-000000000000',
      '7fffffff-0000-4000-8000-000000000000',
    ];
    expect(accountLockOrder(ids).ids).toEqual([
      '10000000-0000-4000-8000-000000000000',
      '7fffffff-0000-4000-8000-000000000000',
      '80000000-0000-4000-8000-000000000000',
      'f0000000-0000-4000-8000-000000000000',
    ]);
  });

  it('collapses duplicates to one lock each', () => {
    const a = '20000000-0000-4000-8000-000000000000';
    const b = '10000000-0000-4000-8000-000000000000';
    expect(accountLockOrder([a, b, a, a, b])).toEqual({ ids: [b, a], keys: [0x1000_0000, 0x2000_0000] });
  });

  it('derives each key from the first 32 bits of the id, as a signed int4', () => {
    const { keys } = accountLockOrder([
      '00000000-ffff-4fff-bfff-ffffffffffff',
      '7fffffff-0000-4000-8000-000000000000',
      '80000000-0000-4000-8000-000000000000',
      'ffffffff-0000-4000-8000-000000000000',
    ]);
    expect(keys).toEqual([0, INT4_MAX, INT4_MIN, -1]);
  });

  it('orders ids a client sent in upper case as PostgreSQL orders the uuids, each once', () => {
    const low = 'a0000000-0000-4000-8000-000000000001';
    const high = 'B0000000-0000-4000-8000-000000000002';
    // Sorted as sent, "B…" would come before "a…": the opposite of the uuids' order.
    expect(accountLockOrder([high, low, low.toUpperCase()]).ids).toEqual([low, high.toLowerCase()]);
  });

  it('is empty for no accounts', () => {
    expect(accountLockOrder([])).toEqual({ ids: [], keys: [] });
  });

  it('gives two callers with the same set of accounts the same order and keys (property)', () => {
    fc.assert(
      fc.property(
        fc
          .array(accountId, { minLength: 1, maxLength: 12 })
          .chain((ids) =>
            fc.tuple(
              fc.constant(ids),
              fc.shuffledSubarray(ids, { minLength: ids.length, maxLength: ids.length }),
              fc.array(fc.constantFrom(...ids), { maxLength: 6 }),
            ),
          ),
        ([ids, shuffled, repeats]) => {
          const first = accountLockOrder(ids);
          const second = accountLockOrder([...shuffled, ...repeats]);
          expect(second).toEqual(first);
          expect(first.ids).toHaveLength(new Set(ids).size);
        },
      ),
      { seed: 20_261_130 },
    );
  });

  it('takes keys in one global order: ascending ids give ascending 32-bit prefixes, so no two writers wait in a cycle (property)', () => {
    fc.assert(
      fc.property(fc.array(accountId, { minLength: 1, maxLength: 12 }), (ids) => {
        const { ids: ordered, keys } = accountLockOrder(ids);
        for (let position = 1; position < ordered.length; position += 1) {
          expect((ordered[position - 1] as string) < (ordered[position] as string)).toBe(true);
          expect((keys[position - 1] as number) >>> 0).toBeLessThanOrEqual((keys[position] as number) >>> 0);
        }
        for (const key of keys) {
          expect(Number.isInteger(key) && key >= INT4_MIN && key <= INT4_MAX).toBe(true);
        }
        // The same id always maps to the same key, call after call.
        expect(accountLockOrder([...ordered].reverse()).keys).toEqual(keys);
      }),
      { seed: 20_261_130 },
    );
  });
});
