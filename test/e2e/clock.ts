/**
 * The browser tests' time. The server under test and every page run on one clock: it
 * reads E2E_CLOCK_START when global setup starts the server, then moves in real time.
 * Global setup publishes the distance from the wall clock in E2E_CLOCK_OFFSET_MS, which
 * the workers (started after it) read in support.ts.
 */
export const E2E_CLOCK_START_VARIABLE = 'E2E_CLOCK_START';
export const E2E_CLOCK_OFFSET_VARIABLE = 'E2E_CLOCK_OFFSET_MS';

/**
 * An ordinary day when no hostile one is asked for: mid-month, midday in São Paulo, a
 * Wednesday, so no month end, weekend or midnight is near.
 */
export const DEFAULT_E2E_CLOCK_START = '2026-11-18T12:00:00-03:00';

const SAO_PAULO_DAY = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/Sao_Paulo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The calendar day in São Paulo at an instant, as yyyy-mm-dd. */
export function saoPauloDay(at: Date): string {
  return SAO_PAULO_DAY.format(at);
}
