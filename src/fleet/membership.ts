import { type Labels, matchesSelector } from './labels.js';
import type { Fleet } from './resources.js';

/**
 * A host belongs to exactly one fleet, or to none: the fleet whose selector matches its labels. Rollout decisions,
 * the host API, the registry gateway and FleetLock all ask here, so they cannot disagree about a host. The store
 * refuses a fleet, or a host's labels, that would put a host in two (overlapCheck); a host that still matches two
 * (a database from before that rule) belongs to none until an admin resolves it.
 */

/** The fleets whose selectors match the labels, in the order given. */
export function fleetsMatching<F extends { resource: Fleet } | Fleet>(
  fleets: readonly F[],
  labels: Labels | undefined,
): F[] {
  return fleets.filter((fleet) => matchesSelector(fleetOfEntry(fleet).spec.selector, labels));
}

/** The one fleet of a host with these labels; undefined when none matches, or more than one does. */
export function fleetOfLabels<F extends { resource: Fleet } | Fleet>(
  fleets: readonly F[],
  labels: Labels | undefined,
): F | undefined {
  const matching = fleetsMatching(fleets, labels);
  return matching.length === 1 ? matching[0] : undefined;
}

/**
 * Why putting these hosts (by name and labels) and fleets together would place a host in two fleets: one sentence per
 * host, naming it and its fleets; empty when every host has at most one.
 */
export function fleetOverlaps(
  fleets: readonly Fleet[],
  hosts: ReadonlyArray<{ name: string; labels: Labels | undefined }>,
): string[] {
  const problems: string[] = [];
  for (const host of hosts) {
    const matching = fleetsMatching(fleets, host.labels);
    if (matching.length > 1) {
      problems.push(
        `host ${host.name} would be in fleets ${matching.map((fleet) => fleet.metadata.name).join(' and ')}`,
      );
    }
  }
  return problems;
}

function fleetOfEntry(entry: { resource: Fleet } | Fleet): Fleet {
  return 'resource' in entry ? entry.resource : entry;
}
