import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Exposure } from '../../../src/fleet/index.js';
import { exposureView } from '../../../src/server/console/exposure-view.js';
import { closedWindowsByWeek, percentile, weekStart } from '../../../src/server/console/exposure-weeks.js';
import { Store } from '../../../src/store/index.js';
import { fleetDoc } from '../../helpers/fleet-docs.js';
import { tempDir } from '../../helpers/tmp.js';

const HOUR = 3600;
const at = (iso: string) => Date.parse(iso);
const NOW = at('2026-03-01T00:00:00Z');

/** A closed exposure: published `hours` before it closed at `completed`. */
function closed(id: string, completed: string, hours: number, fleet = 'web'): Exposure {
  return {
    fleet,
    advisory: id,
    package: 'openssl',
    state: 'closed',
    stages: {
      published: new Date(at(completed) - hours * HOUR * 1000).toISOString(),
      completed,
    },
    releases: ['web-v2'],
  };
}

function open(id: string, published: string | undefined, state: Exposure['state'] = 'open'): Exposure {
  return {
    fleet: 'web',
    advisory: id,
    package: `pkg-${id}`,
    cves: [`CVE-2026-${id}`],
    state,
    stages: published === undefined ? {} : { published },
    releases: [],
  };
}

describe('closed exposure windows by week', () => {
  it('takes the nearest-rank percentile: one of the values, never between two', () => {
    const hours = Array.from({ length: 20 }, (_, index) => (index + 1) * HOUR);
    // Interpolation would give 10.5h and 19.05h; rank floor(p·n) would give 11h and 20h.
    expect(percentile(hours, 50)).toBe(10 * HOUR);
    expect(percentile(hours, 95)).toBe(19 * HOUR);
    expect(percentile([7], 95)).toBe(7);
    expect(() => percentile([], 50)).toThrow(/no values/);
  });

  it('starts weeks on Monday 00:00 UTC', () => {
    expect(new Date(weekStart(at('2026-02-01T23:59:59Z'))).toISOString()).toBe('2026-01-26T00:00:00.000Z');
    expect(new Date(weekStart(at('2026-02-02T00:00:00Z'))).toISOString()).toBe('2026-02-02T00:00:00.000Z');
  });

  it('buckets by the week of closing, oldest first, with p50 and p95 of the windows', () => {
    // Week of 2026-02-02: 20 windows of 1h..20h, closed on different days of the week, in shuffled order.
    const week2 = Array.from({ length: 20 }, (_, index) => {
      const hours = ((index * 7) % 20) + 1;
      return closed(`A-${hours}`, `2026-02-0${2 + (index % 7)}T12:00:00Z`, hours);
    });
    // Week of 2026-01-26, the Sunday just before: 3 windows of 5d, 1d, 2d.
    const week1 = [120, 24, 48].map((hours, index) => closed(`B-${index}`, '2026-02-01T23:59:59Z', hours));
    const ignored = [
      open('C-1', '2026-01-01T00:00:00Z'),
      // Closed but without the moment it closed: no week to put it in.
      { ...closed('C-2', '2026-02-03T00:00:00Z', 1000), stages: { published: '2026-01-01T00:00:00Z' } },
    ];
    expect(closedWindowsByWeek([...week2, ...ignored, ...week1], NOW)).toEqual([
      { week: '2026-01-26', closed: 3, p50Seconds: 48 * HOUR, p95Seconds: 120 * HOUR },
      { week: '2026-02-02', closed: 20, p50Seconds: 10 * HOUR, p95Seconds: 19 * HOUR },
    ]);
  });

  it('measures from availability when the publication is unknown, as the metrics do', () => {
    const exposure: Exposure = {
      ...closed('D', '2026-02-10T00:00:00Z', 0),
      stages: { available: '2026-02-09T18:00:00Z', completed: '2026-02-10T00:00:00Z' },
    };
    expect(closedWindowsByWeek([exposure], NOW)).toEqual([
      { week: '2026-02-09', closed: 1, p50Seconds: 6 * HOUR, p95Seconds: 6 * HOUR },
    ]);
  });
});

describe('the exposure view', () => {
  it('lists each fleet’s open fixes oldest first, any state but closed', async () => {
    const store = await Store.open(join(await tempDir(), 'store.db'));
    try {
      await store.createFleet(fleetDoc('web'), NOW);
      await store.createFleet(fleetDoc('quiet'), NOW);
      await store.recordExposures([
        open('2', '2026-02-20T00:00:00Z'),
        open('1', '2026-01-10T00:00:00Z', 'blocked'),
        open('4', undefined),
        open('3', '2026-02-27T00:00:00Z', 'not-installable'),
        closed('5', '2026-02-25T00:00:00Z', 48),
      ]);
      const { fleets } = await exposureView(store, NOW);
      expect(fleets.map((each) => each.fleet)).toEqual(['quiet', 'web']);
      expect(fleets[0]).toEqual({ fleet: 'quiet', open: [], closedWeeks: [] });
      const web = fleets[1]!;
      expect(web.open.map((fix) => [fix.advisory, fix.state, fix.age])).toEqual([
        ['1', 'blocked', '50d'],
        ['2', 'open', '9d'],
        ['3', 'not-installable', '2d'],
        ['4', 'open', 'unknown'],
      ]);
      expect(web.open[0]).toMatchObject({ cves: ['CVE-2026-1'], package: 'pkg-1', published: '2026-01-10T00:00:00Z' });
      expect(web.closedWeeks).toEqual([
        { week: '2026-02-23', closed: 1, p50Seconds: 48 * HOUR, p95Seconds: 48 * HOUR, p50: '2d', p95: '2d' },
      ]);
    } finally {
      await store.close();
    }
  });
});
