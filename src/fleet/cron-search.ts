import { Cron } from 'croner';
import type { CronSchedule } from './cron.js';
import {
  firstMomentShowing,
  floorToMinute,
  MAX_OFFSET_CHANGE_MS,
  MINUTE_MS,
  utcOffset,
  wallMinute,
} from './local-time.js';

/**
 * The next and the previous moment at which a schedule fires in a time zone: exactly the minutes cronFiresAt accepts,
 * found without asking every minute.
 *
 * croner answers the calendar question (the next 29 February, the first Monday of a month) on a zone-less clock, its
 * UTC mode, where wall-clock time never skips or repeats. Which moment a matching wall time fires at is this
 * project's daylight-saving policy: the first moment the clock shows that time or a later one (firstMomentShowing).
 * croner's own time-zone mode differs for schedules with lists, ranges or steps in the minute or hour field, which it
 * skips in the spring gap and runs twice in the autumn overlap (docs/decisions/0043).
 */

// A day exists in some year in each month; February's 29th only in leap years.
const LONGEST_MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** False for a schedule that names only days its months never have, such as 30 February; croner would hunt for years. */
function firesInSomeYear(schedule: CronSchedule): boolean {
  // A restricted weekday comes round in every month; an unrestricted day of month ("*", "*/n") includes the 1st.
  if (!schedule.dayOfMonthRestricted || schedule.weekdayRestricted) {
    return true;
  }
  const days = [...schedule.daysOfMonth];
  return [...schedule.months].some((month) => days.some((day) => day <= (LONGEST_MONTH_DAYS[month - 1] ?? 0)));
}

const calendars = new WeakMap<CronSchedule, Cron | null>();

/** The schedule as a croner job on the zone-less clock, or null when it never fires. */
function wallCalendar(schedule: CronSchedule): Cron | null {
  let calendar = calendars.get(schedule);
  if (calendar === undefined) {
    // The project's parser has read the expression; croner gets the values it found, so that both agree on the grammar
    // ("50/5", Sunday as 7, names), and the cron(5) rule for the two day fields is stated rather than inferred.
    const fields = [schedule.minutes, schedule.hours, schedule.daysOfMonth, schedule.months, schedule.weekdays];
    calendar = firesInSomeYear(schedule)
      ? new Cron(fields.map((values) => [...values].join(',')).join(' '), {
          paused: true,
          mode: '5-part',
          utcOffset: 0,
          domAndDow: !(schedule.dayOfMonthRestricted && schedule.weekdayRestricted),
        })
      : null;
    calendars.set(schedule, calendar);
  }
  return calendar;
}

/** The first moment in [from, until] at which the schedule fires in the zone, if any. */
export function nextCronFire(
  schedule: CronSchedule,
  timeZone: string,
  from: number,
  until: number,
): number | undefined {
  const calendar = wallCalendar(schedule);
  if (calendar === null) {
    return undefined;
  }
  const start = Math.ceil(from / MINUTE_MS) * MINUTE_MS;
  // Every wall time up to the one shown just before `start` fired before it.
  let lowest = wallMinute(timeZone, start - MINUTE_MS) + MINUTE_MS;
  for (;;) {
    const wall = calendar.nextRun(new Date(lowest - 1));
    if (wall === null) {
      return undefined;
    }
    const moment = firstMomentShowing(timeZone, wall.getTime());
    if (moment >= start) {
      return moment <= until ? moment : undefined;
    }
    // A wall time the clocks fell back over, repeated after `start` but fired at its first showing, before it.
    lowest = wall.getTime() + MINUTE_MS;
  }
}

/** The latest moment in (after, at] at which the schedule fired in the zone, if any. */
export function previousCronFire(
  schedule: CronSchedule,
  timeZone: string,
  at: number,
  after: number,
): number | undefined {
  const calendar = wallCalendar(schedule);
  if (calendar === null) {
    return undefined;
  }
  const end = floorToMinute(at);
  // Before a recent fall-back the clock showed later times than it shows now, up to the size of the change.
  const fallBack = Math.max(0, utcOffset(timeZone, end - MAX_OFFSET_CHANGE_MS) - utcOffset(timeZone, end));
  let highest = wallMinute(timeZone, end) + fallBack;
  for (;;) {
    const [wall] = calendar.previousRuns(1, new Date(highest + 1));
    if (wall === undefined) {
      return undefined;
    }
    const moment = firstMomentShowing(timeZone, wall.getTime());
    if (moment <= end) {
      return moment > after ? moment : undefined;
    }
    // Not shown yet: a time after the one the clock showed before it fell back.
    highest = wall.getTime() - MINUTE_MS;
  }
}
