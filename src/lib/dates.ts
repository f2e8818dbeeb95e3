/**
 * The server's name for "the São Paulo day of an instant". The arithmetic lives in
 * calendar.ts, which the web app shares; this module keeps the server's import path.
 */
export { calendarDay, TIME_ZONE as DEFAULT_TIME_ZONE } from './calendar.js';
