import { previousRelease, releaseBlockers, releaseDigest, releaseRepository } from '../../fleet/index.js';
import { parseGateEvidence } from '../../policy/index.js';
import { releaseDiffSchema } from '../../report/index.js';
import { type Store, StoreError } from '../../store/index.js';
import { type DiffView, diffView } from './release-diff-view.js';

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
  /** The gate evidence document kept with the release, summed up; the page fetches the document itself. */
  evidence?: EvidenceSummary | undefined;
  /** The image diff kept with the release, against `previous`. */
  diff?: DiffView | undefined;
  /** Pipeline runs that made it, with the gate evidence's sha256 each recorded. */
  runs: Array<{ name: string; pipeline: string; outcome?: string | undefined; evidence?: string | undefined }>;
}

export interface EvidenceSummary {
  bytes: number;
  verdict: 'pass' | 'fail';
  evaluatedAt: string;
  tool: string;
  policy: { name: string; digest: string };
  database: { snapshotId: string; builtAt?: string | undefined };
  rules: Array<{ rule: string; outcome: string; message: string }>;
}

/**
 * A release as the controller knows it: the gate's verdict, the evidence document and image diff when they were sent
 * with it (a release made before, or by a client that did not send them, has only the evidence's sha256), and
 * the previous release of its fleet.
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
  const previous = previousRelease(
    siblings.map((each) => each.resource),
    release,
  );
  const attachments = (await store.releaseAttachments(name)) ?? {};
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
    evidence: attachments.evidence === undefined ? undefined : evidenceSummary(attachments.evidence, name),
    diff: attachments.diff === undefined ? undefined : storedDiff(attachments.diff, name),
    runs,
  };
}

// What the store holds is input like any other: parsed again, and a damaged one named.
function evidenceSummary(text: string, release: string): EvidenceSummary {
  const evidence = parseGateEvidence(text, `the stored evidence document of release ${release}`);
  return {
    bytes: Buffer.byteLength(text),
    verdict: evidence.verdict,
    evaluatedAt: evidence.evaluatedAt,
    tool: `${evidence.tool.name} ${evidence.tool.version}`,
    policy: { name: evidence.policy.name, digest: evidence.policy.digest },
    database: { snapshotId: evidence.database.snapshotId, builtAt: evidence.database.builtAt },
    rules: evidence.rules.map((rule) => ({ rule: rule.rule, outcome: rule.outcome, message: rule.message })),
  };
}

function storedDiff(text: string, release: string): DiffView {
  const parsed = releaseDiffSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new StoreError('Invalid', `the stored image diff of release ${release} is malformed`);
  return diffView(parsed.data);
}
