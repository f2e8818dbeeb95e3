/** A clock that tests can fix; production code never calls Date.now() directly. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock & { set(at: Date | string): void; advance(ms: number): void } {
  let current = new Date(at);
  return {
    now: () => new Date(current),
    set(next) {
      current = new Date(next);
    },
    advance(ms) {
      current = new Date(current.getTime() + ms);
    },
  };
}

/**
 * The system clock, or, given a start, a clock that reads `start` first and then one
 * millisecond more at each reading, whatever the wall clock does. Browser tests pin
 * "today" this way: a run at 23:59 stays on its day however long it takes (a whole run
 * makes a few thousand readings, a few seconds of this clock), while rows written one
 * after another still get strictly increasing times and no two readings tie. Nothing
 * ever expires on it by waiting (sessions, rate-limit windows, cached sessions), which
 * is what a test that pins the date wants.
 */
export function clockStartingAt(start: Date | undefined): Clock {
  if (start === undefined) return systemClock;
  let lastMs = start.getTime() - 1;
  return {
    now: () => {
      lastMs += 1;
      return new Date(lastMs);
    },
  };
}
