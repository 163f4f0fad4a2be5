import {
  API_VERSION,
  type Fix,
  type Pipeline,
  type PipelineRun,
  previousRelease,
  type Release,
  type Rollout,
  releaseDigests,
  toTimestamp,
} from '../fleet/index.js';
import type { ReleaseDiff } from '../report/index.js';
import type { PipelineController, ReleaseAttachments } from './controller-port.js';
import { exposureRecords } from './fixes.js';
import { decidePromotion, type FleetState, type PromotionDecision } from './promotion.js';

/** The controller's view of every fleet a pipeline promotes to. */
export async function fleetStates(
  pipeline: Pipeline,
  controller: PipelineController,
): Promise<Record<string, FleetState>> {
  const states: Record<string, FleetState> = {};
  for (const promotion of pipeline.spec.promote ?? []) {
    states[promotion.fleet] = {
      releases: await controller.listReleases(promotion.fleet),
      rollouts: await controller.listRollouts(promotion.fleet),
    };
  }
  return states;
}

export interface ShippedImage {
  run: PipelineRun;
  reference: string;
  digest: string;
  decision: PromotionDecision;
}

/**
 * The images the pipeline shipped, newest first, each with where it stands on every fleet. The first one whose
 * promotion has not failed is the current image: the one the fleets run or are moving to.
 */
export function shippedImages(
  pipeline: Pipeline,
  runs: readonly PipelineRun[],
  fleets: Readonly<Record<string, FleetState>>,
  now: number,
): ShippedImage[] {
  const images: ShippedImage[] = [];
  for (const run of runs) {
    const image = run.status.image;
    if (run.status.outcome !== 'shipped' || image === undefined || !image.pushed) continue;
    images.push({
      run,
      reference: image.reference,
      digest: image.digest,
      decision: decidePromotion(pipeline.spec, pipeline.metadata.name, image.digest, fleets, now),
    });
  }
  return images;
}

export interface PromotionStep {
  fleet: string;
  release?: string;
  rollout?: string;
}

/**
 * Carries out what the promotion decided for an image: a release per fleet (with the gate evidence the image was
 * tested with) and its rollout. Each release and rollout started is recorded in the exposure ledger for the fixes the
 * image ships.
 */
export async function carryOutPromotion(
  pipeline: Pipeline,
  image: PromotedImage,
  decision: PromotionDecision,
  controller: PipelineController,
  now: () => number,
  fleets: Readonly<Record<string, FleetState>> = {},
): Promise<PromotionStep[]> {
  const steps: PromotionStep[] = [];
  for (const action of decision.actions) {
    if (action.action === 'release') {
      const release: Release = {
        apiVersion: API_VERSION,
        kind: 'Release',
        metadata: { name: action.name, labels: { 'patchline.dev/pipeline': pipeline.metadata.name } },
        spec: {
          fleet: action.fleet,
          image: image.reference,
          gate: { passed: true, ...(image.evidence === undefined ? {} : { evidence: image.evidence }) },
        },
      };
      await controller.createRelease(release, attachmentsFor(image, release, fleets[action.fleet]));
      steps.push({ fleet: action.fleet, release: action.name });
      await controller.recordExposures(
        exposureRecords(image.shipped, [action.fleet], {
          state: 'open',
          stages: { released: toTimestamp(now()) },
          releases: { [action.fleet]: action.name },
        }),
      );
    } else {
      const rollout: Rollout = {
        apiVersion: API_VERSION,
        kind: 'Rollout',
        metadata: { name: action.release, labels: { 'patchline.dev/pipeline': pipeline.metadata.name } },
        spec: { release: action.release },
      };
      await controller.startRollout(rollout);
      steps.push({ fleet: action.fleet, release: action.release, rollout: action.release });
      await controller.recordExposures(
        exposureRecords(image.shipped, [action.fleet], {
          state: 'open',
          stages: { rolloutStarted: toTimestamp(now()) },
          releases: { [action.fleet]: action.release },
        }),
      );
    }
  }
  return steps;
}

/** An image to promote, with what its release keeps when the run has it. */
export interface PromotedImage {
  reference: string;
  digest: string;
  evidence: string | undefined;
  shipped: readonly Fix[];
  /** The gate evidence document whose sha256 is `evidence`. */
  evidenceDocument?: string | undefined;
  /** The image diff from the image the pipeline last shipped to this one. */
  diff?: ReleaseDiff | undefined;
}

/**
 * The diff goes with a release only when it starts from the fleet's newest release: a fleet whose last release
 * came from elsewhere gets none (the controller would refuse it) rather than a diff against another image.
 */
function attachmentsFor(
  image: PromotedImage,
  release: Release,
  fleet: FleetState | undefined,
): ReleaseAttachments | undefined {
  const latest = fleet === undefined ? undefined : previousRelease(fleet.releases, release);
  const diffFits =
    image.diff?.old.digest !== undefined && latest !== undefined && releaseDigests(latest).has(image.diff.old.digest);
  const attachments: ReleaseAttachments = {
    ...(image.evidenceDocument === undefined ? {} : { evidence: image.evidenceDocument }),
    ...(diffFits && image.diff !== undefined ? { diff: image.diff } : {}),
  };
  return Object.keys(attachments).length === 0 ? undefined : attachments;
}

/** The exposures of an image whose rollout failed: blocked, saying on which release and why. */
export async function recordBlocked(
  pipeline: Pipeline,
  image: ShippedImage,
  controller: PipelineController,
): Promise<void> {
  const failed = image.decision.failed;
  if (failed === undefined) return;
  const fleets = (pipeline.spec.promote ?? []).map((promotion) => promotion.fleet);
  await controller.recordExposures(
    exposureRecords(image.run.status.shipped ?? [], fleets, {
      state: 'blocked',
      stages: {},
      note: `blocked on failed release ${failed.release} (rollout ${failed.phase} on ${failed.fleet}: ${failed.reason}); the image ${image.digest} is not offered again`,
    }),
  );
}
