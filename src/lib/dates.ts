/** The zone whose calendar decides "today" for a person in Brazil. */
export const DEFAULT_TIME_ZONE = 'America/Sao_Paulo';

const dayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: DEFAULT_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The calendar day (YYYY-MM-DD) an instant falls on in São Paulo. */
export function calendarDay(at: Date): string {
  return dayFormat.format(at);
}
