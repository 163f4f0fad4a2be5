import { z } from 'zod';
import { cronExpressionSchema, cronSchedule } from './cron.js';
import { nextCronFire, previousCronFire } from './cron-search.js';
import { durationSchema, parseDuration } from './duration.js';
import { type Instant, toMillis } from './instant.js';
import { floorToMinute, isTimeZone, MINUTE_MS } from './local-time.js';

/**
 * A maintenance window: it opens whenever the cron schedule fires in the time zone, and stays open for the duration
 * (real elapsed time, so a 4h window that spans a DST change is still 4 hours long).
 */
export const maintenanceWindowSchema = z.strictObject({
  schedule: cronExpressionSchema,
  timeZone: z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin or UTC'),
  duration: durationSchema,
});
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;

/**
 * When hosts may download a new image and when they may reboot into it. An absent or empty list means "any time":
 * most fleets restrict reboots and let downloads run whenever.
 */
export const maintenanceWindowsSchema = z.strictObject({
  download: z.array(maintenanceWindowSchema).optional(),
  reboot: z.array(maintenanceWindowSchema).optional(),
});
export type MaintenanceWindows = z.infer<typeof maintenanceWindowsSchema>;

export function isWindowOpen(window: MaintenanceWindow, at: Instant): boolean {
  const now = toMillis(at);
  const duration = parseDuration(window.duration);
  // Open if it last opened within the past `duration`.
  return previousCronFire(cronSchedule(window.schedule), window.timeZone, now, now - duration) !== undefined;
}

/** Whether any of the windows is open; no windows at all puts no restriction. */
export function isAnyWindowOpen(windows: readonly MaintenanceWindow[] | undefined, at: Instant): boolean {
  return windows === undefined || windows.length === 0 || windows.some((window) => isWindowOpen(window, at));
}

const DAY_MS = 24 * 60 * MINUTE_MS;
/**
 * Eight years: a window on 29 February opens at most eight years apart, when the skipped leap day of a century year
 * falls in between (2096 → 2104). A rarer schedule, such as `0 0 *\/31 2 mon` (1 February when it is a Monday, up
 * to eleven years apart), counts as none.
 */
const DEFAULT_HORIZON_MS = 8 * 366 * DAY_MS;

/**
 * The first moment at or after `now` when one of the windows is open: `now` itself when one already is, undefined
 * when none opens within the horizon.
 */
export function nextWindowOpening(
  windows: readonly MaintenanceWindow[] | undefined,
  at: Instant,
  horizonMs = DEFAULT_HORIZON_MS,
): number | undefined {
  const now = toMillis(at);
  if (isAnyWindowOpen(windows, now)) {
    return now;
  }
  let first: number | undefined;
  for (const window of windows ?? []) {
    const until = first ?? now + horizonMs;
    const opening = nextCronFire(cronSchedule(window.schedule), window.timeZone, floorToMinute(now) + MINUTE_MS, until);
    first = opening ?? first;
  }
  return first;
}

/**
 * Whether a host that applies an update the moment it learns of it (bootc's update service runs `bootc upgrade
 * --apply`: download, stage and reboot at once) may be told of one now: both its download and its reboot windows
 * are open. The registry gateway reveals a new digest only then (docs/decisions/0038).
 */
export function mayApplyNow(windows: MaintenanceWindows | undefined, at: Instant): boolean {
  return isAnyWindowOpen(windows?.download, at) && isAnyWindowOpen(windows?.reboot, at);
}
