import {
  type Fleet,
  fromTimestamp,
  hostOfflineAfterMs,
  isOnline,
  type Release,
  releaseDigests,
} from '../../fleet/index.js';
import type { ConsoleHostRow } from '../../store/index.js';

/** One host as the console shows it: its images named by release, its health, and whether it is online. */
export interface HostView {
  name: string;
  labels: Record<string, string>;
  /** The release whose image it booted; undefined when no release of its fleet names that digest. */
  release?: string | undefined;
  booted?: string | undefined;
  staged?: string | undefined;
  health: 'healthy' | 'unhealthy' | 'unknown';
  failedChecks: string[];
  lastSeen?: string | undefined;
  online: boolean;
  /** Where it stands in the fleet's latest rollout. */
  rolloutState?: string | undefined;
}

/** Digest → release name for a fleet's releases (each platform digest of an index too). */
export function releaseNames(releases: readonly Release[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const release of releases) {
    for (const digest of releaseDigests(release)) names.set(digest, release.metadata.name);
  }
  return names;
}

export function hostView(
  row: ConsoleHostRow,
  fleet: Fleet | undefined,
  names: ReadonlyMap<string, string>,
  rolloutStates: ReadonlyMap<string, string>,
  now: number,
): HostView {
  const { booted, staged, health } = row;
  return {
    name: row.name,
    labels: row.labels,
    release: booted === undefined ? undefined : names.get(booted),
    booted,
    staged,
    health: health?.state ?? 'unknown',
    failedChecks: health?.state === 'unhealthy' ? health.failedChecks : [],
    lastSeen: row.lastSeen,
    // The store moves last_seen with every report too, so the column is the host's last sign of life.
    online: isOnline(
      row.lastSeen === undefined ? undefined : fromTimestamp(row.lastSeen),
      hostOfflineAfterMs(fleet),
      now,
    ),
    rolloutState: rolloutStates.get(row.name),
  };
}
