import { DISPLAY_TIME_ZONE } from '../../lib/dates';

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A document's version (its date, "2026-12-01") written out in the reader's language:
 * "1 de dezembro de 2026", "December 1, 2026". Read as a calendar day, not an instant, so
 * no time zone can move it to the day before.
 */
export function formatVersionDate(version: string, language: string): string {
  if (!ISO_DAY.test(version)) return version;
  return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${version}T00:00:00Z`));
}

/** When an acceptance was recorded, in the reader's language, on Brazil's clock like the rest of the app. */
export function formatAcceptedAt(timestamp: string, language: string): string {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return timestamp;
  return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short', timeZone: DISPLAY_TIME_ZONE }).format(date);
}
