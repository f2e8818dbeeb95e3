import { assert } from '../lib/assert.js';

/**
 * How long one cleanup run may keep deleting from one table. A fixed number of batches
 * per tick caps the rate at which a table can be emptied, so anything that adds rows
 * faster (a flood from fresh addresses) grows it for ever; a time budget lets the run go
 * as fast as the database deletes, which is faster than requests can add rows one by one.
 * Kept well under the shortest job interval (five minutes), so a stopping worker, which
 * waits for a run in progress, is not held up for long.
 */
export const CLEANUP_RUN_MS_MAX = 60_000;
/** A bound that does not depend on the clock: a clock that never moves still ends the run. */
export const CLEANUP_BATCHES_PER_RUN_MAX = 10_000;

export interface DeleteInBatchesOptions {
  /** The most rows deleteBatch removes at once; a shorter batch means nothing is left. */
  batchMax: number;
  /**
   * Milliseconds since the run started, from a monotonic clock; tests pass their own.
   * Called after each batch.
   */
  elapsedMs?: () => number;
}

/** A monotonic stopwatch started now: wall-clock jumps neither end nor prolong a run. */
export function startStopwatch(): () => number {
  const startedMs = performance.now();
  return () => performance.now() - startedMs;
}

/**
 * Runs deleteBatch until a batch comes back short (the table is clean), the run has used
 * CLEANUP_RUN_MS_MAX or CLEANUP_BATCHES_PER_RUN_MAX batches. What is left waits for the
 * next tick, which continues where this one stopped: deletes are by condition. Returns how
 * many rows were removed.
 */
export async function deleteInBatches(deleteBatch: () => Promise<number>, options: DeleteInBatchesOptions): Promise<number> {
  assert(Number.isInteger(options.batchMax) && options.batchMax >= 1, 'batchMax is a positive integer');
  const elapsedMs = options.elapsedMs ?? startStopwatch();
  let removed = 0;
  for (let batch = 0; batch < CLEANUP_BATCHES_PER_RUN_MAX; batch += 1) {
    const count = await deleteBatch();
    assert(count >= 0 && count <= options.batchMax, 'a batch deletes at most batchMax rows');
    removed += count;
    if (count < options.batchMax || elapsedMs() >= CLEANUP_RUN_MS_MAX) break;
  }
  return removed;
}
