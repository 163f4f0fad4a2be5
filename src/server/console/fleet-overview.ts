import type { Fleet, Release, Rollout } from '../../fleet/index.js';
import { isFinalPhase, resolveRolloutPolicy } from '../../fleet/index.js';
import { oldestReleaseNotEverywhere, rollableReleases, type Store } from '../../store/index.js';
import { hostView, releaseNames } from './host-row.js';

export interface FleetSummary {
  name: string;
  image: string;
  hosts: { total: number; online: number; offline: number; healthy: number; unhealthy: number; unreported: number };
  /** Hosts by the release they booted ('-' for an image no release names), largest first. */
  byRelease: Array<{ release: string; hosts: number }>;
  currentRelease?: string | undefined;
  /** The release of the rollout under way, if one is. */
  rollingRelease?: string | undefined;
  rollout?: RolloutSummary | undefined;
  exposure: {
    /** The oldest release some host has not booted yet, and since when it exists. */
    release?: string | undefined;
    since?: string | undefined;
    /** Fixes the exposure ledger holds open for this fleet, and the oldest one's publication. */
    openFixes: number;
    oldestOpenFix?: { advisory: string; package: string; published?: string | undefined } | undefined;
  };
}

export interface RolloutSummary {
  name: string;
  release: string;
  phase: string;
  batch: number;
  batches: number;
  message?: string | undefined;
  /** Host records by state: the rollout's health. */
  states: Record<string, number>;
}

/** Every fleet at a glance: one read of the hosts' short columns and of the resources. */
export async function fleetOverview(store: Store, now: number): Promise<FleetSummary[]> {
  const [fleets, releases, rollouts, hosts, exposures] = await Promise.all([
    store.listFleets(),
    store.listReleases(),
    store.listRolloutDocuments(),
    store.consoleHosts(),
    store.listExposures(),
  ]);
  const summaries: FleetSummary[] = [];
  for (const { resource: fleet } of fleets) {
    const name = fleet.metadata.name;
    const own = releases.map((each) => each.resource).filter((release) => release.spec.fleet === name);
    const names = releaseNames(own);
    const members = hosts.filter((row) => row.fleet === name).map((row) => hostView(row, fleet, names, new Map(), now));
    const byRelease = new Map<string, number>();
    for (const host of members) {
      if (host.booted === undefined) continue;
      const label = host.release ?? '-';
      byRelease.set(label, (byRelease.get(label) ?? 0) + 1);
    }
    const shown = activeRollout(
      rollouts.map((each) => each.resource),
      own,
    );
    // Only the one rollout shown is read with its per-host records.
    const rollout = shown === undefined ? undefined : (await store.getRollout(shown.metadata.name))?.resource;
    const oldest = oldestReleaseNotEverywhere(
      rollableReleases(own, fleet),
      members.map((host) => host.booted),
    );
    const open = exposures
      .filter((exposure) => exposure.fleet === name && exposure.state !== 'closed')
      .sort((a, b) => (a.stages.published ?? '~').localeCompare(b.stages.published ?? '~'));
    const first = open[0];
    summaries.push({
      name,
      image: fleet.spec.image,
      hosts: {
        total: members.length,
        online: members.filter((host) => host.online).length,
        offline: members.filter((host) => !host.online).length,
        healthy: members.filter((host) => host.health === 'healthy').length,
        unhealthy: members.filter((host) => host.health === 'unhealthy').length,
        unreported: members.filter((host) => host.booted === undefined).length,
      },
      byRelease: [...byRelease]
        .map(([release, count]) => ({ release, hosts: count }))
        .sort((a, b) => b.hosts - a.hosts || a.release.localeCompare(b.release)),
      currentRelease: fleet.status?.currentRelease,
      rollingRelease:
        rollout === undefined || isFinalPhase(rollout.status?.phase ?? 'progressing')
          ? undefined
          : rollout.spec.release,
      rollout: rollout === undefined ? undefined : summarize(rollout, fleet),
      exposure: {
        release: oldest?.metadata.name,
        since: oldest?.metadata.createdAt,
        openFixes: open.length,
        oldestOpenFix:
          first === undefined
            ? undefined
            : { advisory: first.advisory, package: first.package, published: first.stages.published },
      },
    });
  }
  return summaries;
}

/** The fleet's rollout that is not final, else its latest: a rollout does not vanish the moment it ends. */
function activeRollout(rollouts: readonly Rollout[], own: readonly Release[]): Rollout | undefined {
  const releaseSet = new Set(own.map((release) => release.metadata.name));
  const fleetRollouts = rollouts
    .filter((rollout) => releaseSet.has(rollout.spec.release))
    .sort((a, b) => (b.metadata.createdAt ?? '').localeCompare(a.metadata.createdAt ?? ''));
  return (
    fleetRollouts.find((rollout) => rollout.status !== undefined && !isFinalPhase(rollout.status.phase)) ??
    fleetRollouts[0]
  );
}

export function summarize(rollout: Rollout, fleet: Fleet): RolloutSummary {
  const states: Record<string, number> = {};
  for (const record of Object.values(rollout.status?.hosts ?? {})) {
    states[record.state] = (states[record.state] ?? 0) + 1;
  }
  const batches = resolveRolloutPolicy(fleet.spec.rolloutPolicy, rollout.spec).batches.length + 1;
  return {
    name: rollout.metadata.name,
    release: rollout.spec.release,
    phase: rollout.status?.phase ?? 'pending',
    batch: rollout.status?.batch ?? 0,
    batches,
    message: rollout.status?.message,
    states,
  };
}
