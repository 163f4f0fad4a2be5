import { describe, expect, it } from 'vitest';
import { cronFiresAt, cronMatches, cronSchedule, parseCron } from './cron.js';
import { MINUTE_MS, type WallClock, wallClockFields } from './local-time.js';

function wall(text: string): WallClock {
  return wallClockFields(Date.parse(`${text}Z`));
}

function matches(expression: string, text: string): boolean {
  return cronMatches(cronSchedule(expression), wall(text));
}

describe('parseCron', () => {
  it('reads values, ranges, steps, lists and names', () => {
    const parsed = parseCron('*/15 1-3,22 1 jan,JUL mon-fri');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect([...parsed.schedule.minutes]).toEqual([0, 15, 30, 45]);
    expect([...parsed.schedule.hours]).toEqual([1, 2, 3, 22]);
    expect([...parsed.schedule.months]).toEqual([1, 7]);
    expect([...parsed.schedule.weekdays]).toEqual([1, 2, 3, 4, 5]);
  });

  it('reads a/n as from a to the end, and Sunday as 7', () => {
    const parsed = parseCron('50/5 * * * 7');
    expect(parsed.ok && [...parsed.schedule.minutes]).toEqual([50, 55]);
    expect(parsed.ok && [...parsed.schedule.weekdays]).toEqual([0]);
  });

  it.each([
    ['* * * *', 'expected 5 fields'],
    ['60 * * * *', 'minute'],
    ['* 24 * * *', 'hour'],
    ['* * 0 * *', 'day of month'],
    ['* * * 13 *', 'month'],
    ['* * * * 8', 'day of week'],
    ['5-1 * * * *', 'runs backwards'],
    ['*/0 * * * *', 'positive whole number'],
    ['*/x * * * *', 'positive whole number'],
    ['1-2-3 * * * *', 'minute'],
    ['* * * foo *', 'month'],
    [',1 * * * *', 'cannot read'],
  ])('rejects %j', (expression, problem) => {
    const parsed = parseCron(expression);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.problem).toContain(problem);
  });
});

describe('cronMatches', () => {
  it('matches minute, hour and month', () => {
    expect(matches('30 2 * * *', '2024-05-01T02:30')).toBe(true);
    expect(matches('30 2 * * *', '2024-05-01T02:31')).toBe(false);
    expect(matches('30 2 * 6 *', '2024-05-01T02:30')).toBe(false);
  });

  it('matches either day field when both are restricted, as cron(5) does', () => {
    // 2024-05-06 is a Monday, 2024-05-01 a Wednesday.
    expect(matches('0 0 1 * mon', '2024-05-01T00:00')).toBe(true);
    expect(matches('0 0 1 * mon', '2024-05-06T00:00')).toBe(true);
    expect(matches('0 0 1 * mon', '2024-05-07T00:00')).toBe(false);
  });

  it('needs both when one day field is a wildcard (even a stepped one)', () => {
    expect(matches('0 0 */2 * mon', '2024-05-06T00:00')).toBe(false); // Monday the 6th: even day
    expect(matches('0 0 */2 * mon', '2024-05-13T00:00')).toBe(true); // Monday the 13th: odd day
    expect(matches('0 0 1 * *', '2024-05-06T00:00')).toBe(false);
  });
});

describe('cronFiresAt', () => {
  const at = (iso: string) => Date.parse(iso);
  const DAY_MS = 24 * 60 * MINUTE_MS;

  it('fires at local wall-clock time, whatever the offset of the day', () => {
    const daily = cronSchedule('0 2 * * *');
    expect(cronFiresAt(daily, 'Europe/Berlin', at('2024-01-15T01:00:00Z'))).toBe(true); // CET, UTC+1
    expect(cronFiresAt(daily, 'Europe/Berlin', at('2024-07-15T00:00:00Z'))).toBe(true); // CEST, UTC+2
    expect(cronFiresAt(daily, 'Europe/Berlin', at('2024-07-15T01:00:00Z'))).toBe(false);
    expect(cronFiresAt(daily, 'UTC', at('2024-07-15T02:00:00Z'))).toBe(true);
  });

  // Every daily schedule must fire exactly once per local day, on the nights clocks change too. Lord Howe Island
  // moves its clocks by half an hour, at 02:00 local, which also exercises offsets that change mid-hour in UTC.
  it.each([
    ['Europe/Berlin', '2024-03-29', '2024-04-02'],
    ['Europe/Berlin', '2024-10-25', '2024-10-29'],
    ['America/New_York', '2024-03-08', '2024-03-12'],
    ['America/New_York', '2024-11-01', '2024-11-05'],
    ['Australia/Lord_Howe', '2024-04-05', '2024-04-09'],
    ['Australia/Lord_Howe', '2024-10-04', '2024-10-08'],
  ])('fires every daily schedule once per local day in %s around a DST change (%s to %s)', (zone, from, to) => {
    const schedules = ['0 0', '30 0', '0 1', '30 1', '0 2', '15 2', '30 2', '45 2', '0 3', '30 3'].map((time) =>
      cronSchedule(`${time} * * *`),
    );
    const localDay = new Intl.DateTimeFormat('en-CA', { timeZone: zone });
    for (const schedule of schedules) {
      const firesPerLocalDay = new Map<string, number>();
      // Scan a day beyond each end so that every local day from `from` to `to` is seen whole.
      for (let ms = at(`${from}T00:00:00Z`) - DAY_MS; ms < at(`${to}T00:00:00Z`) + DAY_MS; ms += MINUTE_MS) {
        if (cronFiresAt(schedule, zone, ms)) {
          const day = localDay.format(ms);
          firesPerLocalDay.set(day, (firesPerLocalDay.get(day) ?? 0) + 1);
        }
      }
      for (let day = at(`${from}T12:00:00Z`); day <= at(`${to}T12:00:00Z`); day += DAY_MS) {
        const date = new Date(day).toISOString().slice(0, 10);
        expect(firesPerLocalDay.get(date), `${schedule.expression} on ${date} in ${zone}`).toBe(1);
      }
    }
  });

  it('fires a start that falls in the spring-forward gap at the jump', () => {
    const schedule = cronSchedule('30 2 * * *');
    // Berlin, 2024-03-31: 02:00 CET becomes 03:00 CEST at 01:00 UTC; 02:30 never shows on the clock.
    expect(cronFiresAt(schedule, 'Europe/Berlin', at('2024-03-31T01:00:00Z'))).toBe(true);
    expect(cronFiresAt(schedule, 'Europe/Berlin', at('2024-03-31T01:30:00Z'))).toBe(false);
    // New York, 2024-03-10: 02:00 EST becomes 03:00 EDT at 07:00 UTC.
    expect(cronFiresAt(schedule, 'America/New_York', at('2024-03-10T07:00:00Z'))).toBe(true);
  });

  it('fires a start in the repeated hour of the fall-back night once, the first time', () => {
    const schedule = cronSchedule('30 2 * * *');
    // Berlin, 2024-10-27: 03:00 CEST becomes 02:00 CET at 01:00 UTC, so 02:30 shows at 00:30 and 01:30 UTC.
    expect(cronFiresAt(schedule, 'Europe/Berlin', at('2024-10-27T00:30:00Z'))).toBe(true);
    expect(cronFiresAt(schedule, 'Europe/Berlin', at('2024-10-27T01:30:00Z'))).toBe(false);
    // New York, 2024-11-03: 02:00 EDT becomes 01:00 EST at 06:00 UTC, so 01:30 shows at 05:30 and 06:30 UTC.
    const early = cronSchedule('30 1 * * *');
    expect(cronFiresAt(early, 'America/New_York', at('2024-11-03T05:30:00Z'))).toBe(true);
    expect(cronFiresAt(early, 'America/New_York', at('2024-11-03T06:30:00Z'))).toBe(false);
  });
});
