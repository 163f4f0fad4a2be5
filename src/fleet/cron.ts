import { z } from 'zod';
import { MAX_OFFSET_CHANGE_MS, MINUTE_MS, utcOffset, type WallClock, wallClockFields } from './local-time.js';

/**
 * Five-field cron ("minute hour day-of-month month day-of-week") as Vixie cron reads it: `*`, numbers, ranges `a-b`,
 * steps `*\/n`, `a-b/n` and `a/n`, lists `a,b`, month and weekday names, and Sunday as 0 or 7. When both day fields
 * are restricted a day matches if either does, as in cron(5).
 */
export interface CronSchedule {
  readonly expression: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly weekdays: ReadonlySet<number>;
  readonly dayOfMonthRestricted: boolean;
  readonly weekdayRestricted: boolean;
}

export type CronParseResult = { ok: true; schedule: CronSchedule } | { ok: false; problem: string };

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  // 7 is Sunday too; it is folded onto 0 after parsing.
  { name: 'day of week', min: 0, max: 7, names: WEEKDAY_NAMES },
];

function parseValue(text: string, field: FieldSpec): number | undefined {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) {
    // Months are numbered from 1, weekdays from 0.
    return named + field.min;
  }
  if (!/^\d+$/.test(text)) {
    return undefined;
  }
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}

function parseField(text: string, field: FieldSpec): Set<number> | string {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText, ...extra] = item.split('/');
    if (range === undefined || range === '' || extra.length > 0) {
      return `${field.name}: cannot read "${item}"`;
    }
    const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) ? Number(stepText) : 0;
    if (step < 1) {
      return `${field.name}: the step in "${item}" must be a positive whole number`;
    }
    let first: number | undefined;
    let last: number | undefined;
    if (range === '*') {
      first = field.min;
      last = field.max;
    } else {
      const [from, to, ...rest] = range.split('-');
      first = from === undefined ? undefined : parseValue(from, field);
      // "a/n" means from a to the end of the field, stepping by n.
      last = to === undefined ? (stepText === undefined ? first : field.max) : parseValue(to, field);
      if (rest.length > 0 || first === undefined || last === undefined) {
        return `${field.name}: "${item}" is not a value or range within ${field.min}-${field.max}`;
      }
      if (first > last) {
        return `${field.name}: the range "${item}" runs backwards`;
      }
    }
    for (let value = first; value <= last; value += step) {
      values.add(value);
    }
  }
  return values;
}

export function parseCron(expression: string): CronParseResult {
  const texts = expression.trim().split(/\s+/);
  if (texts.length !== FIELDS.length) {
    return {
      ok: false,
      problem: `expected 5 fields (minute hour day-of-month month day-of-week), got ${texts.length}`,
    };
  }
  const sets: Set<number>[] = [];
  for (const [index, field] of FIELDS.entries()) {
    const parsed = parseField(texts[index] ?? '', field);
    if (typeof parsed === 'string') {
      return { ok: false, problem: parsed };
    }
    sets.push(parsed);
  }
  const [minutes, hours, daysOfMonth, months, weekdays] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (weekdays.delete(7)) {
    weekdays.add(0);
  }
  return {
    ok: true,
    schedule: {
      expression,
      minutes,
      hours,
      daysOfMonth,
      months,
      weekdays,
      // cron(5): a day field counts as restricted unless it starts with "*", so "*/2" is not a restriction.
      dayOfMonthRestricted: !texts[2]?.startsWith('*'),
      weekdayRestricted: !texts[4]?.startsWith('*'),
    },
  };
}

export const cronExpressionSchema = z.string().superRefine((expression, context) => {
  const parsed = parseCron(expression);
  if (!parsed.ok) {
    context.addIssue({ code: 'custom', message: `not a cron expression: ${parsed.problem}` });
  }
});

const schedules = new Map<string, CronSchedule>();

/** The schedule of an expression a schema has already accepted; parsed once and kept. */
export function cronSchedule(expression: string): CronSchedule {
  let schedule = schedules.get(expression);
  if (schedule === undefined) {
    const parsed = parseCron(expression);
    if (!parsed.ok) {
      throw new RangeError(`not a cron expression: ${JSON.stringify(expression)}: ${parsed.problem}`);
    }
    schedule = parsed.schedule;
    if (schedules.size >= 1000) {
      schedules.clear();
    }
    schedules.set(expression, schedule);
  }
  return schedule;
}

/** Whether a local wall-clock minute matches the schedule. */
export function cronMatches(schedule: CronSchedule, wall: WallClock): boolean {
  if (!schedule.minutes.has(wall.minute) || !schedule.hours.has(wall.hour) || !schedule.months.has(wall.month)) {
    return false;
  }
  const dayOfMonth = schedule.daysOfMonth.has(wall.day);
  const weekday = schedule.weekdays.has(wall.weekday);
  return schedule.dayOfMonthRestricted && schedule.weekdayRestricted ? dayOfMonth || weekday : dayOfMonth && weekday;
}

const HOUR_MS = 60 * MINUTE_MS;

/**
 * cronMatches for a wall-clock minute given on the naive UTC scale. Window checks run this for every minute of a
 * window's length, so minute and hour are tested by arithmetic before any calendar fields are worked out.
 */
function matchesWallTime(schedule: CronSchedule, wallMs: number): boolean {
  const minutes = Math.floor(wallMs / MINUTE_MS);
  const hours = Math.floor(wallMs / HOUR_MS);
  if (!schedule.minutes.has(((minutes % 60) + 60) % 60) || !schedule.hours.has(((hours % 24) + 24) % 24)) {
    return false;
  }
  return cronMatches(schedule, wallClockFields(wallMs));
}

/**
 * Whether the schedule fires at the start of the minute `ms` (a multiple of a minute) in a time zone. cron-search.ts
 * finds the next and the previous such minute without asking every minute.
 *
 * The schedule is local wall-clock time, and daylight saving makes that clock skip or repeat. A maintenance window
 * should neither vanish nor double on those nights, so: when the clocks jump forward over a matching minute the
 * schedule fires at the jump (02:30 in Berlin on the spring night fires at 03:00 CEST); when they fall back, a
 * matching minute in the repeated hour fires on its first occurrence only. Put together: a matching wall time fires
 * at the first moment the clock shows it or a later time (local-time.ts firstMomentShowing).
 */
export function cronFiresAt(schedule: CronSchedule, timeZone: string, ms: number): boolean {
  const offset = utcOffset(timeZone, ms);
  const offsetBefore = utcOffset(timeZone, ms - MINUTE_MS);
  const wall = ms + offset;
  if (offset > offsetBefore) {
    // The clocks jumped: every wall minute after the previous one up to this one counts as now.
    for (let skipped = ms + offsetBefore; skipped <= wall; skipped += MINUTE_MS) {
      if (matchesWallTime(schedule, skipped)) {
        return true;
      }
    }
    return false;
  }
  if (!matchesWallTime(schedule, wall)) {
    return false;
  }
  return !isRepeatedWallTime(timeZone, ms, offset);
}

/**
 * Whether the wall-clock time at `ms` was already shown earlier because the clocks fell back. If the offset was
 * larger a little earlier, the same wall time happened (earlier offset − current offset) ago. No zone changes its
 * offset by more than three hours, or twice within three hours, so one look three hours back finds the old offset.
 */
function isRepeatedWallTime(timeZone: string, ms: number, offset: number): boolean {
  const earlierOffset = utcOffset(timeZone, ms - MAX_OFFSET_CHANGE_MS);
  if (earlierOffset <= offset) {
    return false;
  }
  return utcOffset(timeZone, ms - (earlierOffset - offset)) === earlierOffset;
}
