import { describe, expect, it } from 'vitest';
import {
  isAnyWindowOpen,
  isWindowOpen,
  type MaintenanceWindow,
  maintenanceWindowSchema,
  nextWindowOpening,
} from './windows.js';

const at = (iso: string) => Date.parse(iso);

function window(schedule: string, timeZone: string, duration: string): MaintenanceWindow {
  return maintenanceWindowSchema.parse({ schedule, timeZone, duration });
}

/** The [open, close) intervals of a window between two moments, looked at every 5 minutes (all these open on one). */
function openings(w: MaintenanceWindow, from: string, to: string): string[] {
  const intervals: string[] = [];
  let openedAt: number | undefined;
  for (let ms = at(from); ms <= at(to); ms += 5 * 60_000) {
    const open = isWindowOpen(w, ms);
    if (open && openedAt === undefined) openedAt = ms;
    if (!open && openedAt !== undefined) {
      intervals.push(`${new Date(openedAt).toISOString().slice(5, 16)}/${new Date(ms).toISOString().slice(11, 16)}`);
      openedAt = undefined;
    }
  }
  return intervals;
}

describe('maintenance windows', () => {
  it('checks the schedule, the zone and the duration', () => {
    expect(
      maintenanceWindowSchema.safeParse({ schedule: '0 2 * * *', timeZone: 'Europe/Berlin', duration: '4h' }).success,
    ).toBe(true);
    const bad = maintenanceWindowSchema.safeParse({ schedule: '0 25 * * *', timeZone: 'Mars/Olympus', duration: '0m' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((issue) => issue.path[0])).toEqual(['schedule', 'timeZone', 'duration']);
  });

  it('opens at local time in winter and in summer (Europe/Berlin)', () => {
    const nightly = window('0 2 * * *', 'Europe/Berlin', '3h');
    expect(openings(nightly, '2024-01-14T12:00:00Z', '2024-01-15T12:00:00Z')).toEqual(['01-15T01:00/04:00']);
    expect(openings(nightly, '2024-07-14T12:00:00Z', '2024-07-15T12:00:00Z')).toEqual(['07-15T00:00/03:00']);
  });

  it('keeps a window in local time across the spring change (Europe/Berlin, 2024-03-31)', () => {
    const nightly = window('0 2 * * *', 'Europe/Berlin', '3h');
    // 02:00 CET on the 30th; on the 31st 02:00 does not exist and the window opens when the clocks jump, 01:00 UTC
    // (03:00 CEST); on 1 April it opens at 02:00 CEST, 00:00 UTC. Always three real hours.
    expect(openings(nightly, '2024-03-29T12:00:00Z', '2024-04-01T12:00:00Z')).toEqual([
      '03-30T01:00/04:00',
      '03-31T01:00/04:00',
      '04-01T00:00/03:00',
    ]);
  });

  it('opens once on the fall-back night (Europe/Berlin, 2024-10-27)', () => {
    const nightly = window('30 2 * * *', 'Europe/Berlin', '1h');
    // 02:30 happens twice that night (00:30 UTC in CEST, 01:30 UTC in CET); the window opens on the first.
    expect(openings(nightly, '2024-10-26T12:00:00Z', '2024-10-28T12:00:00Z')).toEqual([
      '10-27T00:30/01:30',
      '10-28T01:30/02:30',
    ]);
  });

  it('keeps a window in local time across both changes (America/New_York)', () => {
    const weekend = window('0 1 * * sun', 'America/New_York', '4h');
    // Sunday 01:00 EST is 06:00 UTC; after 2024-03-10 01:00 EDT is 05:00 UTC. On 2024-11-03 01:00 EDT comes first,
    // at 05:00 UTC; the repeated 01:00 EST an hour later does not open it again.
    expect(openings(weekend, '2024-03-02T12:00:00Z', '2024-03-17T12:00:00Z')).toEqual([
      '03-03T06:00/10:00',
      '03-10T06:00/10:00',
      '03-17T05:00/09:00',
    ]);
    expect(openings(weekend, '2024-10-26T12:00:00Z', '2024-11-10T12:00:00Z')).toEqual([
      '10-27T05:00/09:00',
      '11-03T05:00/09:00',
      '11-10T06:00/10:00',
    ]);
  });

  it('treats no windows as always open, and any open window as enough', () => {
    expect(isAnyWindowOpen(undefined, at('2024-01-01T12:00:00Z'))).toBe(true);
    expect(isAnyWindowOpen([], at('2024-01-01T12:00:00Z'))).toBe(true);
    const windows = [window('0 2 * * *', 'UTC', '1h'), window('0 12 * * *', 'UTC', '1h')];
    expect(isAnyWindowOpen(windows, at('2024-01-01T12:30:00Z'))).toBe(true);
    expect(isAnyWindowOpen(windows, at('2024-01-01T13:30:00Z'))).toBe(false);
    // A Date is as good as milliseconds.
    expect(isAnyWindowOpen(windows, new Date('2024-01-01T12:30:00Z'))).toBe(true);
  });

  it('finds the next opening', () => {
    const weekend = [window('0 3 * * sat,sun', 'America/New_York', '2h')];
    // Wednesday 2024-01-10 → Saturday 03:00 EST.
    expect(nextWindowOpening(weekend, at('2024-01-10T12:00:00Z'))).toBe(at('2024-01-13T08:00:00Z'));
    // Already open: now.
    expect(nextWindowOpening(weekend, at('2024-01-13T09:00:00Z'))).toBe(at('2024-01-13T09:00:00Z'));
    // A schedule that never fires within the horizon.
    expect(nextWindowOpening([window('0 0 30 2 *', 'UTC', '1h')], at('2024-01-01T00:00:00Z'))).toBeUndefined();
  });
});
