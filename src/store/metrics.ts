import type { Kysely } from 'kysely';
import {
  type Exposure,
  type Fleet,
  fleetOfLabels,
  fromTimestamp,
  hostOfflineAfterMs,
  isOnline,
  type Release,
  releaseBlockers,
  releaseDigests,
} from '../fleet/index.js';
import { listExposures } from './pipelines.js';
import { listDocuments } from './resources.js';
import type { Database } from './schema.js';

/** What /metrics shows, gathered in one pass over the store. */
export interface MetricsSnapshot {
  fleets: Array<{
    fleet: string;
    hosts: number;
    online: number;
    /** Seconds since the oldest release not yet booted by every host of the fleet was created; 0 when none. */
    exposureSeconds: number;
    currentRelease?: string | undefined;
  }>;
  rollouts: Array<{ rollout: string; fleet: string; phase: string; batch: number; hosts: Record<string, number> }>;
  locks: Array<{ fleet: string; group: string; holders: number }>;
  hostsTotal: number;
  /** The exposure ledger, for open exposures by age and the closed windows' histogram. */
  exposures: Exposure[];
}

export async function metricsSnapshot(db: Kysely<Database>, now: number): Promise<MetricsSnapshot> {
  const hosts = await db.selectFrom('hosts').select(['labels', 'last_seen', 'booted']).execute();
  const fleets = await listDocuments(db, 'fleets');
  const releases = await listDocuments(db, 'releases');
  const parsedHosts = hosts.map((row) => ({
    labels: JSON.parse(row.labels) as Record<string, string>,
    lastSeen: row.last_seen === null ? undefined : fromTimestamp(row.last_seen),
    booted: row.booted ?? undefined,
  }));
  const fleetDocs = fleets.map((each) => each.resource);
  const fleetRows = fleets.map(({ resource: fleet }) => {
    const members = parsedHosts.filter(
      (host) => fleetOfLabels(fleetDocs, host.labels)?.metadata.name === fleet.metadata.name,
    );
    const offlineAfter = hostOfflineAfterMs(fleet);
    // last_seen moves with every report too: it is the host's last sign of life.
    const online = members.filter((host) => isOnline(host.lastSeen, offlineAfter, now)).length;
    const own = rollableReleases(
      releases.map((release) => release.resource),
      fleet,
    );
    return {
      fleet: fleet.metadata.name,
      hosts: members.length,
      online,
      exposureSeconds: exposureSeconds(
        own,
        members.map((host) => host.booted),
        now,
      ),
      currentRelease: fleet.status?.currentRelease,
    };
  });

  // Active rollouts, and each fleet's latest even once finished, so a rollout does not vanish from dashboards the
  // moment it ends.
  const allRollouts = await db
    .selectFrom('rollouts')
    .select(['name', 'fleet', 'phase', 'doc', 'active', 'seq'])
    .orderBy('seq', 'desc')
    .execute();
  const latest = new Set<string>();
  const rolloutRows = allRollouts
    .filter((row) => {
      const first = !latest.has(row.fleet);
      latest.add(row.fleet);
      return first || row.active === 1;
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const shown = rolloutRows.map((row) => row.name);
  const counts =
    shown.length === 0
      ? []
      : await db
          .selectFrom('rollout_hosts')
          .select(['rollout', 'state', (eb) => eb.fn.countAll().as('count')])
          .where('rollout', 'in', shown)
          .groupBy(['rollout', 'state'])
          .execute();
  const rollouts = rolloutRows.map((row) => {
    const status = (JSON.parse(row.doc) as { status?: { batch?: number } }).status;
    return {
      rollout: row.name,
      fleet: row.fleet,
      phase: row.phase ?? 'pending',
      batch: status?.batch ?? 0,
      hosts: Object.fromEntries(
        counts.filter((count) => count.rollout === row.name).map((count) => [count.state, Number(count.count)]),
      ),
    };
  });

  const lockRows = await db
    .selectFrom('fleet_locks')
    .select(['fleet', 'grp', (eb) => eb.fn.countAll().as('count')])
    .where('expires_at', '>', new Date(now).toISOString())
    .groupBy(['fleet', 'grp'])
    .orderBy('fleet')
    .orderBy('grp')
    .execute();
  return {
    fleets: fleetRows,
    rollouts,
    locks: lockRows.map((row) => ({ fleet: row.fleet, group: row.grp, holders: Number(row.count) })),
    hostsTotal: hosts.length,
    exposures: await listExposures(db),
  };
}

/** A fleet's releases that may roll out over it, oldest first: those the exposure counts from. */
export function rollableReleases(releases: readonly Release[], fleet: Fleet): Release[] {
  return releases
    .filter((release) => release.spec.fleet === fleet.metadata.name && releaseBlockers(release, fleet).length === 0)
    .sort((a, b) => (a.metadata.createdAt ?? '').localeCompare(b.metadata.createdAt ?? ''));
}

/**
 * The exposure window as it stands: a host running release i has every fix of releases up to i, so the oldest
 * release not yet everywhere is the one after the least updated host's. A host booting an image no release names
 * counts as behind all of them; hosts that never reported are not counted (nothing is known of them).
 */
export function exposureSeconds(
  releases: readonly Release[],
  booted: ReadonlyArray<string | undefined>,
  now: number,
): number {
  const oldest = oldestReleaseNotEverywhere(releases, booted);
  if (oldest?.metadata.createdAt === undefined) return 0;
  return Math.max(0, (now - fromTimestamp(oldest.metadata.createdAt)) / 1000);
}

/**
 * The oldest release (of `releases`, oldest first) that some host has not booted yet, by the rule above; undefined
 * when every host that reported boots the newest.
 */
export function oldestReleaseNotEverywhere(
  releases: readonly Release[],
  booted: ReadonlyArray<string | undefined>,
): Release | undefined {
  if (releases.length === 0) return undefined;
  const digestSets = releases.map(releaseDigests);
  let behind = releases.length;
  for (const digest of booted) {
    if (digest === undefined) continue;
    let index = -1;
    for (let each = digestSets.length - 1; each >= 0; each--) {
      if (digestSets[each]?.has(digest)) {
        index = each;
        break;
      }
    }
    behind = Math.min(behind, index + 1);
  }
  return releases[behind];
}
