import { describe, expect, it } from 'vitest';
import { cronFiresAt, cronSchedule } from '../../src/fleet/cron.js';
import { parseDuration } from '../../src/fleet/duration.js';
import {
  isAnyWindowOpen,
  isWindowOpen,
  type MaintenanceWindow,
  maintenanceWindowSchema,
  nextWindowOpening,
} from '../../src/fleet/windows.js';
import { seededRandom } from '../helpers/seeded-random.js';

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

describe('windows that open rarely', () => {
  it('finds a 29 February window from a year without one, and across a century year that skips it', () => {
    const leapDay = [window('0 2 29 2 *', 'Europe/Berlin', '2h')];
    // 02:00 CET is 01:00 UTC.
    expect(nextWindowOpening(leapDay, at('2025-03-01T00:00:00Z'))).toBe(at('2028-02-29T01:00:00Z'));
    // 2100 is not a leap year: after 2096 the next 29 February is in 2104, inside the eight-year horizon.
    expect(nextWindowOpening(leapDay, at('2096-03-01T00:00:00Z'))).toBe(at('2104-02-29T01:00:00Z'));
    expect(isWindowOpen(leapDay[0] as MaintenanceWindow, at('2028-02-29T02:59:00Z'))).toBe(true);
    expect(isWindowOpen(leapDay[0] as MaintenanceWindow, at('2028-02-29T03:00:00Z'))).toBe(false);
    expect(isWindowOpen(leapDay[0] as MaintenanceWindow, at('2027-02-28T01:30:00Z'))).toBe(false);
  });

  it('answers none when the opening lies beyond the horizon, and finds it when the horizon reaches it', () => {
    const leapDay = [window('0 2 29 2 *', 'UTC', '1h')];
    const from = at('2025-03-01T00:00:00Z');
    const opening = at('2028-02-29T02:00:00Z');
    expect(nextWindowOpening(leapDay, from, opening - from)).toBe(opening);
    expect(nextWindowOpening(leapDay, from, opening - from - 60_000)).toBeUndefined();
    // The 1st of February when it is a Monday ("*/31" is an unrestricted day field, so both day fields must match):
    // 2027, then 2038, eleven years on, past the default horizon of eight.
    const rare = [window('0 0 */31 2 mon', 'UTC', '1h')];
    expect(nextWindowOpening(rare, at('2026-06-01T00:00:00Z'))).toBe(at('2027-02-01T00:00:00Z'));
    expect(nextWindowOpening(rare, at('2027-02-02T00:00:00Z'))).toBeUndefined();
    expect(nextWindowOpening(rare, at('2027-02-02T00:00:00Z'), 12 * 366 * 86_400_000)).toBe(at('2038-02-01T00:00:00Z'));
  });

  it('never opens a window on a day its months do not have', () => {
    for (const schedule of ['0 0 30 2 *', '0 0 31 4,6,9,11 *', '0 0 30,31 feb *']) {
      const never = window(schedule, 'Europe/Berlin', '1d');
      expect(nextWindowOpening([never], at('2024-01-01T00:00:00Z')), schedule).toBeUndefined();
      expect(isWindowOpen(never, at('2024-03-01T00:00:00Z')), schedule).toBe(false);
    }
    // 31 in a list with a day that exists still opens.
    expect(nextWindowOpening([window('0 0 30,31 2,3 *', 'UTC', '1h')], at('2024-01-01T00:00:00Z'))).toBe(
      at('2024-03-30T00:00:00Z'),
    );
  });

  it('finds a yearly window a year ahead, and keeps it open for its whole length', () => {
    const newYear = window('0 3 1 1 *', 'America/New_York', '6h');
    // 03:00 EST is 08:00 UTC.
    expect(nextWindowOpening([newYear], at('2024-01-02T00:00:00Z'))).toBe(at('2025-01-01T08:00:00Z'));
    expect(isWindowOpen(newYear, at('2025-01-01T07:59:00Z'))).toBe(false);
    expect(isWindowOpen(newYear, at('2025-01-01T08:00:00Z'))).toBe(true);
    expect(isWindowOpen(newYear, at('2025-01-01T13:59:59Z'))).toBe(true);
    expect(isWindowOpen(newYear, at('2025-01-01T14:00:00Z'))).toBe(false);
    // A window as long as its period is always open once it has opened.
    const yearLong = window('0 0 1 1 *', 'UTC', '366d');
    expect(isWindowOpen(yearLong, at('2024-12-31T23:59:00Z'))).toBe(true);
  });
});

describe('windows on the nights the clocks change', () => {
  it('opens a window whose starts fall in the spring gap at the jump, once (Europe/Berlin, 2024-03-31)', () => {
    // Every half hour from 02:00: on the 31st 02:00 and 02:30 never show; both open at the jump, 01:00 UTC.
    const halfHourly = [window('0,30 2 * * *', 'Europe/Berlin', '10m')];
    expect(nextWindowOpening(halfHourly, at('2024-03-30T12:00:00Z'))).toBe(at('2024-03-31T01:00:00Z'));
    expect(nextWindowOpening(halfHourly, at('2024-03-31T01:10:00Z'))).toBe(at('2024-04-01T00:00:00Z'));
    expect(isWindowOpen(halfHourly[0] as MaintenanceWindow, at('2024-03-31T01:09:00Z'))).toBe(true);
    expect(isWindowOpen(halfHourly[0] as MaintenanceWindow, at('2024-03-31T01:35:00Z'))).toBe(false);
    // Asked in the last minute before the jump, the next opening is the jump itself.
    expect(nextWindowOpening(halfHourly, at('2024-03-31T00:59:30Z'))).toBe(at('2024-03-31T01:00:00Z'));
  });

  it('opens a window in the repeated hour on its first showing only (Europe/Berlin, 2024-10-27)', () => {
    // 02:00 and 02:30 show at 00:00 and 00:30 UTC (CEST), and again at 01:00 and 01:30 UTC (CET).
    const halfHourly = window('*/30 2 * * *', 'Europe/Berlin', '20m');
    expect(nextWindowOpening([halfHourly], at('2024-10-27T00:21:00Z'))).toBe(at('2024-10-27T00:30:00Z'));
    expect(nextWindowOpening([halfHourly], at('2024-10-27T00:51:00Z'))).toBe(at('2024-10-28T01:00:00Z'));
    // Asked during the second showing, 02:30 CET is still to come on the clock but opened the window already.
    expect(nextWindowOpening([halfHourly], at('2024-10-27T01:10:00Z'))).toBe(at('2024-10-28T01:00:00Z'));
    expect(isWindowOpen(halfHourly, at('2024-10-27T01:10:00Z'))).toBe(false);
    expect(isWindowOpen(halfHourly, at('2024-10-27T01:40:00Z'))).toBe(false);
    // A long window opened on the first showing is still open during the second.
    expect(isWindowOpen(window('30 2 * * *', 'Europe/Berlin', '90m'), at('2024-10-27T01:45:00Z'))).toBe(true);
    expect(isWindowOpen(window('30 2 * * *', 'Europe/Berlin', '60m'), at('2024-10-27T01:45:00Z'))).toBe(false);
    // At 01:45 UTC the clock shows 02:45 CET, but 02:50 CEST showed 55 minutes before: that window is open.
    expect(isWindowOpen(window('50 2 * * *', 'Europe/Berlin', '1h'), at('2024-10-27T01:45:00Z'))).toBe(true);
  });

  it('does the same in America/New_York (2024-03-10 and 2024-11-03)', () => {
    // Spring: 02:00 EST becomes 03:00 EDT at 07:00 UTC; 02:15 and 02:45 open at the jump.
    const gap = [window('15,45 2 * * *', 'America/New_York', '5m')];
    expect(nextWindowOpening(gap, at('2024-03-10T06:30:00Z'))).toBe(at('2024-03-10T07:00:00Z'));
    expect(nextWindowOpening(gap, at('2024-03-10T07:06:00Z'))).toBe(at('2024-03-11T06:15:00Z'));
    // Fall: 01:00–01:59 shows from 05:00 UTC (EDT) and again from 06:00 UTC (EST); it opens the first time.
    const overlap = [window('*/15 1 * * *', 'America/New_York', '5m')];
    expect(nextWindowOpening(overlap, at('2024-11-03T05:40:00Z'))).toBe(at('2024-11-03T05:45:00Z'));
    expect(nextWindowOpening(overlap, at('2024-11-03T05:50:00Z'))).toBe(at('2024-11-04T06:00:00Z'));
    expect(isWindowOpen(overlap[0] as MaintenanceWindow, at('2024-11-03T06:02:00Z'))).toBe(false);
  });
});

/** The minute walk windows.ts did before croner, kept as the oracle: ask cronFiresAt about every minute. */
const minuteWalk = {
  isWindowOpen(w: MaintenanceWindow, now: number): boolean {
    const schedule = cronSchedule(w.schedule);
    for (let start = Math.floor(now / 60_000) * 60_000; start > now - parseDuration(w.duration); start -= 60_000) {
      if (cronFiresAt(schedule, w.timeZone, start)) return true;
    }
    return false;
  },
  nextWindowOpening(windows: MaintenanceWindow[], now: number, horizonMs: number): number | undefined {
    if (windows.some((w) => minuteWalk.isWindowOpen(w, now))) return now;
    for (let start = Math.floor(now / 60_000) * 60_000 + 60_000; start <= now + horizonMs; start += 60_000) {
      if (windows.some((w) => cronFiresAt(cronSchedule(w.schedule), w.timeZone, start))) return start;
    }
    return undefined;
  },
};

/** A random cron field in the project's grammar: values, ranges, steps of both kinds, lists and names. */
function randomField(random: () => number, min: number, max: number, names: readonly string[] = []): string {
  const value = (low = min) => low + Math.floor(random() * (max - low + 1));
  const item = (): string => {
    const kind = random();
    if (kind < 0.25) return String(value());
    if (kind < 0.4 && names.length > 0) return names[Math.floor(random() * names.length)] as string;
    const first = value();
    const last = value(first);
    if (kind < 0.6) return `${first}-${last}`;
    const step = 1 + Math.floor(random() * Math.max(1, (max - min) / 2));
    if (kind < 0.75) return `*/${step}`;
    if (kind < 0.9) return `${first}-${last}/${step}`;
    return `${first}/${step}`;
  };
  if (random() < 0.35) return '*';
  return Array.from({ length: 1 + Math.floor(random() * 3) }, item).join(',');
}

function randomExpression(random: () => number): string {
  // Hours are drawn mostly from the small hours, where clocks change; months mostly left open, so that windows open
  // within the few days the oracle can afford to walk.
  const hours = random() < 0.6 ? randomField(random, 0, 4) : randomField(random, 0, 23);
  const months = random() < 0.8 ? '*' : randomField(random, 1, 12, ['jan', 'Mar', 'OCT', 'nov']);
  return [
    randomField(random, 0, 59),
    hours,
    random() < 0.6 ? '*' : randomField(random, 1, 31),
    months,
    random() < 0.6 ? '*' : randomField(random, 0, 7, ['sun', 'Mon', 'SAT']),
  ].join(' ');
}

describe('windows against the minute walk', () => {
  // Clock changes of 2024–2026, spring and autumn, in zones that move by an hour, by half an hour (Lord Howe) and at
  // 45 minutes past (Chatham); and two zones that do not change.
  const changes: [string, string][] = [
    ['Europe/Berlin', '2024-03-31T01:00:00Z'],
    ['Europe/Berlin', '2024-10-27T01:00:00Z'],
    ['America/New_York', '2024-03-10T07:00:00Z'],
    ['America/New_York', '2025-11-02T06:00:00Z'],
    ['Australia/Lord_Howe', '2025-04-05T15:00:00Z'],
    ['Australia/Lord_Howe', '2024-10-05T15:30:00Z'],
    ['Pacific/Chatham', '2026-04-04T14:00:00Z'],
    ['Pacific/Chatham', '2025-09-27T14:00:00Z'],
    ['UTC', '2025-03-30T01:00:00Z'],
    ['Asia/Kolkata', '2025-03-30T01:00:00Z'],
  ];
  const durations = ['1m', '5m', '30m', '59m', '1h', '90m', '3h', '1d'];
  const HORIZON_MS = 3 * 86_400_000;

  it.each([1, 2, 3, 4])('agrees on random schedules, zones and moments (seed %i)', (seed) => {
    const random = seededRandom(seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    for (let round = 0; round < 100; round++) {
      const [zone, change] = pick(changes);
      const windows = Array.from({ length: 1 + Math.floor(random() * 2) }, () =>
        window(
          randomExpression(random),
          random() < 0.8 ? zone : pick(changes)[0],
          random() < 0.6 ? pick(durations.slice(0, 4)) : pick(durations),
        ),
      );
      // Mostly at or just before a clock change, at any second; sometimes anywhere in 2024–2030.
      const kind = random();
      const now =
        kind < 0.4
          ? at(change) + Math.floor((random() - 0.5) * 10 * 60_000)
          : kind < 0.8
            ? at(change) + Math.floor((random() - 0.9) * 86_400_000)
            : at('2024-01-01T00:00:00Z') + Math.floor(random() * 7 * 365 * 86_400_000);
      const label = `seed ${seed} round ${round}: ${JSON.stringify(windows)} at ${new Date(now).toISOString()}`;
      expect(nextWindowOpening(windows, now, HORIZON_MS), label).toBe(
        minuteWalk.nextWindowOpening(windows, now, HORIZON_MS),
      );
      for (let probe = 0; probe < 10; probe++) {
        const moment = now + Math.floor(random() * 3 * 3_600_000);
        for (const w of windows) {
          expect(isWindowOpen(w, moment), `${label}, open at ${new Date(moment).toISOString()}?`).toBe(
            minuteWalk.isWindowOpen(w, moment),
          );
        }
      }
    }
  });
});
