// The calendar arithmetic the server uses (src/lib/calendar.ts), imported from one place
// so the web app's "today", months and day sums are the server's.
export * from '../../../src/lib/calendar';
