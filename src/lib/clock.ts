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
 * The system clock, or, given a start, a clock that reads `start` now and then runs in
 * real time: browser tests pin "today" this way, while rows written one after another
 * still get increasing times.
 */
export function clockStartingAt(start: Date | undefined): Clock {
  if (start === undefined) return systemClock;
  const offsetMs = start.getTime() - Date.now();
  return { now: () => new Date(Date.now() + offsetMs) };
}
