import { releaseBlockers, releaseDigest, releaseRepository } from '../../fleet/index.js';
import { type Store, StoreError } from '../../store/index.js';

export interface ReleaseView {
  name: string;
  fleet: string;
  image: string;
  repository: string;
  digest: string;
  platformDigests: string[];
  createdAt?: string | undefined;
  gate?: { passed: boolean; evidence?: string | undefined } | undefined;
  force?: { reason: string; by?: string | undefined } | undefined;
  /** Why it may not roll out over its fleet; empty when it may. */
  blockers: string[];
  /** The fleet's release created just before this one, what an image diff would compare against. */
  previous?: { name: string; digest: string; createdAt?: string | undefined } | undefined;
  rollouts: Array<{ name: string; phase: string }>;
  /** The exposure ledger's fixes this release carries for its fleet. */
  fixes: Array<{ advisory: string; package: string; state: string; fixedVersion?: string | undefined }>;
  /** Pipeline runs that made it, with the gate evidence's sha256 each recorded. */
  runs: Array<{ name: string; pipeline: string; outcome?: string | undefined; evidence?: string | undefined }>;
}

/**
 * A release as the controller knows it. The controller stores the gate's verdict and the sha256 of its evidence
 * document, not the document itself nor an image diff (those stay with the pipeline or CI that ran the gate), so
 * the view says what it has and names the previous release to diff against.
 */
export async function releaseView(store: Store, name: string): Promise<ReleaseView> {
  const stored = await store.getRelease(name);
  if (stored === undefined) throw new StoreError('NotFound', `release ${name} not found`);
  const release = stored.resource;
  const fleetName = release.spec.fleet;
  const [fleet, siblings, rollouts, exposures, pipelines] = await Promise.all([
    store.getFleet(fleetName),
    store.listReleases(fleetName),
    store.listRolloutDocuments(fleetName),
    store.listExposures(fleetName),
    store.listPipelines(),
  ]);
  const created = release.metadata.createdAt ?? '';
  const previous = siblings
    .map((each) => each.resource)
    .filter((each) => each.metadata.name !== name && (each.metadata.createdAt ?? '') < created)
    .sort((a, b) => (b.metadata.createdAt ?? '').localeCompare(a.metadata.createdAt ?? ''))[0];
  const runs: ReleaseView['runs'] = [];
  for (const pipeline of pipelines) {
    for (const run of await store.listRuns(pipeline.resource.metadata.name)) {
      if (!(run.status?.releases ?? []).some((each) => each.release === name)) continue;
      runs.push({
        name: run.metadata.name,
        pipeline: pipeline.resource.metadata.name,
        outcome: run.status?.outcome,
        evidence: run.status?.evidence,
      });
    }
  }
  return {
    name,
    fleet: fleetName,
    image: release.spec.image,
    repository: releaseRepository(release),
    digest: releaseDigest(release),
    platformDigests: release.spec.platformDigests ?? [],
    createdAt: release.metadata.createdAt,
    gate: release.spec.gate,
    force: release.spec.force,
    blockers: fleet === undefined ? [`fleet ${fleetName} not found`] : releaseBlockers(release, fleet.resource),
    previous:
      previous === undefined
        ? undefined
        : { name: previous.metadata.name, digest: releaseDigest(previous), createdAt: previous.metadata.createdAt },
    rollouts: rollouts
      .map((each) => each.resource)
      .filter((rollout) => rollout.spec.release === name)
      .map((rollout) => ({ name: rollout.metadata.name, phase: rollout.status?.phase ?? 'pending' })),
    fixes: exposures
      .filter((exposure) => exposure.releases.includes(name))
      .map((exposure) => ({
        advisory: exposure.advisory,
        package: exposure.package,
        state: exposure.state,
        fixedVersion: exposure.fixedVersion,
      })),
    runs,
  };
}
