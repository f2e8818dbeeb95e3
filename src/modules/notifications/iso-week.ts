import { addDays, daysBetween, type IsoDay, weekdayOf } from '../../lib/calendar.js';

/** An ISO 8601 week: Monday to Sunday, numbered within the year that holds its Thursday. */
export interface IsoWeek {
  /** "2026-W53": the ISO week-numbering year and the week, two digits. */
  key: string;
  /** Its Monday. */
  from: IsoDay;
  /** Its Sunday. */
  to: IsoDay;
}

const DAYS_PER_WEEK = 7;
const THURSDAY_OFFSET = 3;

/** The Monday of the ISO week a day is in. */
export function mondayOf(day: IsoDay): IsoDay {
  // weekdayOf numbers Sunday 0; ISO weeks start on Monday, so Sunday is the week's 7th day.
  return addDays(day, -((weekdayOf(day) + 6) % DAYS_PER_WEEK));
}

/** The ISO week a day falls in: 2027-01-01 (a Friday) is in 2026-W53. */
export function isoWeekOf(day: IsoDay): IsoWeek {
  const from = mondayOf(day);
  const thursday = addDays(from, THURSDAY_OFFSET);
  const year = thursday.slice(0, 4);
  const week = Math.floor(daysBetween(`${year}-01-01`, thursday) / DAYS_PER_WEEK) + 1;
  return { key: `${year}-W${String(week).padStart(2, '0')}`, from, to: addDays(from, DAYS_PER_WEEK - 1) };
}

/** The last whole week before the one `today` is in: what Monday's summary is about. */
export function weekEndedBefore(today: IsoDay): IsoWeek {
  return isoWeekOf(addDays(mondayOf(today), -1));
}
