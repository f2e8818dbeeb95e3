import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import { updateOrConflict } from './row-version.js';

/** What a caller's update and current-row reads did, in order. */
function probe<Row, Current>(outcome: { updated: Row | undefined; current: Current | undefined }) {
  const calls: string[] = [];
  const run = () =>
    updateOrConflict({
      entity: 'category',
      update: async () => {
        calls.push('update');
        return outcome.updated;
      },
      current: async () => {
        calls.push('current');
        return outcome.current;
      },
    });
  return { calls, run };
}

describe('updateOrConflict', () => {
  it('returns the updated row and never reads the current one', async () => {
    const { calls, run } = probe({ updated: { id: 'c1', row_version: 2 }, current: { id: 'c1', row_version: 2 } });
    await expect(run()).resolves.toEqual({ id: 'c1', row_version: 2 });
    expect(calls).toEqual(['update']);
  });

  it('answers 404 not_found when nothing matched and the row is gone (or not yours)', async () => {
    const { calls, run } = probe({ updated: undefined, current: undefined });
    const error = await run().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ status: 404, code: 'not_found', message: 'No such category.' });
    expect((error as DomainError).extra).toEqual({});
    expect(calls).toEqual(['update', 'current']);
  });

  it('answers 409 row_version_conflict carrying the current row when the row changed', async () => {
    const current = { id: 'c1', name: 'Mercado', row_version: 3 };
    const { calls, run } = probe({ updated: undefined, current });
    const error = await run().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ status: 409, code: 'row_version_conflict', extra: { current } });
    expect(calls).toEqual(['update', 'current']);
  });

  it('treats a current of null as a conflict with nothing current, not as missing', async () => {
    const { run } = probe({ updated: undefined, current: null });
    await expect(run()).rejects.toMatchObject({ status: 409, code: 'row_version_conflict', extra: { current: null } });
  });

  it('lets an error of the update through untouched, without reading the current row', async () => {
    const calls: string[] = [];
    const refused = new DomainError('category_name_taken', 409, 'taken');
    const run = updateOrConflict({
      entity: 'category',
      update: async () => {
        throw refused;
      },
      current: async () => {
        calls.push('current');
        return {};
      },
    });
    await expect(run).rejects.toBe(refused);
    expect(calls).toEqual([]);
  });
});
