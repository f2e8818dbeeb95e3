import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Measures how long a piece of work blocked the event loop, on a machine shared with
 * other test processes.
 *
 * A timer that should fire every TICK_MS notes the longest gap between its runs: while
 * the loop is blocked it cannot run, so the gap less TICK_MS is the block. Unlike
 * perf_hooks.monitorEventLoopDelay, whose maximum can only be cleared by waiting for a
 * fresh sample, this one is cleared at once, so each request gets its own reading. On a
 * busy machine the loop can also wait for a core while doing nothing, so a reading counts
 * only as far as the process spent CPU time meanwhile (the smaller of the two): a
 * backtracking pattern or a synchronous loop in a handler does both, a busy neighbour
 * only the first.
 */

const TICK_MS = 5;

export interface BlockMeter {
  /** Runs `work` and answers what it returned and how long it blocked the loop, in ms. */
  measure<T>(work: () => Promise<T>): Promise<{ result: T; blockedMs: number }>;
  close(): void;
}

export function startBlockMeter(): BlockMeter {
  let lastTickMs = performance.now();
  let longestGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - lastTickMs);
    lastTickMs = now;
  }, TICK_MS);
  return {
    async measure(work) {
      longestGapMs = 0;
      lastTickMs = performance.now();
      const cpuBefore = process.cpuUsage();
      const result = await work();
      // The tick is overdue after a block, so it runs before a 1 ms timer set now (timers
      // run in order of when they fell due); the immediate first ends the current phase.
      await new Promise((resolve) => setImmediate(resolve));
      await sleep(1);
      const cpu = process.cpuUsage(cpuBefore);
      const delayMs = Math.max(0, longestGapMs - TICK_MS);
      return { result, blockedMs: Math.min(delayMs, (cpu.user + cpu.system) / 1000) };
    },
    close() {
      clearInterval(timer);
    },
  };
}
