import { formatAge } from '../../core/index.js';
import { type Exposure, exposureWindowSeconds } from '../../fleet/index.js';
import type { Store } from '../../store/index.js';
import { type ClosedWeek, closedWindowsByWeek } from './exposure-weeks.js';

export interface OpenFix {
  advisory: string;
  cves: string[];
  package: string;
  fixedVersion?: string | undefined;
  /** open, not-installable or blocked. */
  state: Exposure['state'];
  note?: string | undefined;
  published?: string | undefined;
  available?: string | undefined;
  /** Seconds since publication (or availability); undefined when the ledger has neither. */
  ageSeconds?: number | undefined;
  age: string;
}

export interface FleetExposure {
  fleet: string;
  /** Fixes not yet on every host of the fleet, oldest first (those of unknown age last). */
  open: OpenFix[];
  /** p50 and p95 also as text, in the CLI's grammar (formatAge). */
  closedWeeks: Array<ClosedWeek & { p50: string; p95: string }>;
}

/** Issue 17's exposure view: per fleet, the open fixes oldest first and the closed windows by week. */
export async function exposureView(store: Store, now: number): Promise<{ fleets: FleetExposure[] }> {
  const [fleets, exposures] = await Promise.all([store.listFleets(), store.listExposures()]);
  // A fleet since deleted keeps its ledger: its exposures still happened.
  const names = [
    ...new Set([...fleets.map((each) => each.resource.metadata.name), ...exposures.map((each) => each.fleet)]),
  ].sort();
  return {
    fleets: names.map((fleet) => {
      const own = exposures.filter((exposure) => exposure.fleet === fleet);
      return {
        fleet,
        open: openFixes(own, now),
        closedWeeks: closedWindowsByWeek(own, now).map((week) => ({
          ...week,
          p50: formatAge(week.p50Seconds),
          p95: formatAge(week.p95Seconds),
        })),
      };
    }),
  };
}

function openFixes(exposures: readonly Exposure[], now: number): OpenFix[] {
  return exposures
    .filter((exposure) => exposure.state !== 'closed')
    .map((exposure): OpenFix => {
      const ageSeconds = exposureWindowSeconds(exposure, now);
      return {
        advisory: exposure.advisory,
        cves: exposure.cves ?? [],
        package: exposure.package,
        fixedVersion: exposure.fixedVersion,
        state: exposure.state,
        note: exposure.note,
        published: exposure.stages.published,
        available: exposure.stages.available,
        ageSeconds,
        age: ageSeconds === undefined ? 'unknown' : formatAge(ageSeconds),
      };
    })
    .sort(
      (a, b) =>
        (b.ageSeconds ?? -1) - (a.ageSeconds ?? -1) ||
        a.advisory.localeCompare(b.advisory) ||
        a.package.localeCompare(b.package),
    );
}
