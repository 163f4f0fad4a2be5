/**
 * Wall-clock time in an IANA time zone, from Intl (no time zone database of our own). Maintenance windows are written
 * in local time, so "02:00 in Europe/Berlin" is 01:00 UTC in winter and 00:00 UTC in summer.
 */

export const MINUTE_MS = 60_000;
const BUCKET_MS = 15 * MINUTE_MS;

/**
 * No zone changes its offset by more than three hours, or twice within three hours: a look this far to either side
 * of a moment finds every offset that can bear on the wall time shown there.
 */
export const MAX_OFFSET_CHANGE_MS = 3 * 60 * MINUTE_MS;

/** The local calendar fields of one minute. Month is 1–12; weekday is 0–6 from Sunday, as cron counts them. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    // h23 so that midnight is hour 0: "hour12: false" gives "24" in some ICU versions.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether Intl knows the zone (for example "Europe/Berlin", "America/New_York" or "UTC"). */
export function isTimeZone(name: string): boolean {
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

export function floorToMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function exactOffset(timeZone: string, ms: number): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(ms)) {
    if (part.type !== 'literal') {
      fields[part.type] = Number(part.value);
    }
  }
  const wall = Date.UTC(
    fields.year ?? 0,
    (fields.month ?? 1) - 1,
    fields.day ?? 1,
    fields.hour ?? 0,
    fields.minute ?? 0,
  );
  return wall - floorToMinute(ms);
}

// formatToParts costs microseconds, and a window check looks at hundreds of minutes, so offsets are kept per zone
// and quarter hour. Zones change offset on quarter hours; a bucket whose two ends disagree is computed per minute.
const offsets = new Map<string, Map<number, number>>();
const MAX_CACHED_BUCKETS = 100_000;

/** Local time minus UTC, in milliseconds, at a moment: +3,600,000 for Berlin in winter. */
export function utcOffset(timeZone: string, ms: number): number {
  let zone = offsets.get(timeZone);
  if (zone === undefined) {
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  const bucket = Math.floor(ms / BUCKET_MS);
  const cached = zone.get(bucket);
  if (cached !== undefined) {
    return cached;
  }
  const start = bucket * BUCKET_MS;
  const offset = exactOffset(timeZone, start);
  if (offset !== exactOffset(timeZone, start + BUCKET_MS - MINUTE_MS)) {
    return exactOffset(timeZone, ms);
  }
  if (zone.size >= MAX_CACHED_BUCKETS) {
    zone.clear();
  }
  zone.set(bucket, offset);
  return offset;
}

/** The calendar fields of a local wall-clock time given as milliseconds on a naive (zone-less) UTC scale. */
export function wallClockFields(wallMs: number): WallClock {
  const date = new Date(wallMs);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    weekday: date.getUTCDay(),
  };
}

/** The local wall clock in a zone at a moment. */
export function wallClock(timeZone: string, ms: number): WallClock {
  return wallClockFields(floorToMinute(ms) + utcOffset(timeZone, ms));
}

/** The local wall-clock minute in a zone at a moment, on the naive UTC scale. */
export function wallMinute(timeZone: string, ms: number): number {
  return floorToMinute(ms) + utcOffset(timeZone, ms);
}

/**
 * The first moment (a whole minute) at which the clock in the zone shows the wall time `wallMs` (naive UTC scale) or
 * a later one. Most wall times are shown once, at that moment; one the clocks fall back over is shown twice and this
 * is its first showing; one skipped when they spring forward is never shown, and this is the moment of the jump.
 */
export function firstMomentShowing(timeZone: string, wallMs: number): number {
  // `guess` is within one offset change of the answer, so the offsets around it are the only ones that can apply.
  const guess = wallMs - utcOffset(timeZone, wallMs);
  const larger = Math.max(
    utcOffset(timeZone, guess - MAX_OFFSET_CHANGE_MS),
    utcOffset(timeZone, guess + MAX_OFFSET_CHANGE_MS),
  );
  const smaller = Math.min(
    utcOffset(timeZone, guess - MAX_OFFSET_CHANGE_MS),
    utcOffset(timeZone, guess + MAX_OFFSET_CHANGE_MS),
  );
  // The larger offset shows a wall time earlier, so it is tried first.
  for (const offset of [larger, smaller]) {
    if (utcOffset(timeZone, wallMs - offset) === offset) {
      return wallMs - offset;
    }
  }
  // Skipped: the clock shows less than wallMs at `before` and more at `after`; the jump lies in between.
  let before = wallMs - larger;
  let after = wallMs - smaller;
  while (after - before > MINUTE_MS) {
    const middle = before + Math.floor((after - before) / 2 / MINUTE_MS) * MINUTE_MS;
    if (wallMinute(timeZone, middle) >= wallMs) {
      after = middle;
    } else {
      before = middle;
    }
  }
  return after;
}
