/**
 * The browser tests' time. The server under test and every page start from one instant:
 * E2E_CLOCK_START, or an ordinary day. Global setup starts the server with it, whose
 * clock then steps one millisecond per reading (src/lib/clock.ts), and publishes it in
 * E2E_CLOCK_RUN_START for the workers (started after it), whose fixture installs every
 * page's clock at it (support.ts); a page's time then flows for the length of its test.
 * So a run can start at 23:59 in São Paulo and still stay on its day: no test lasts a
 * minute, and the server's clock moves a few seconds in a whole run. Both are checked:
 * each test fails if its page's clock crossed midnight, and the teardown fails if the
 * server's latest write is on another day than the start.
 */
export const E2E_CLOCK_START_VARIABLE = 'E2E_CLOCK_START';
export const E2E_CLOCK_RUN_START_VARIABLE = 'E2E_CLOCK_RUN_START';

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
