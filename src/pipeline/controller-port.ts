import type { Exposure, Fleet, Pipeline, PipelineRun, Release, Rollout } from '../fleet/index.js';
import type { ReleaseDiff } from '../report/index.js';

/** As the admin API takes them beside a release (server/release-attachments.ts). */
export interface ReleaseAttachments {
  /** The evidence document, exactly the text spec.gate.evidence hashes. */
  evidence?: string;
  diff?: ReleaseDiff;
}

/**
 * What a pipeline run needs from the controller. The CLI implements it over the admin API; a test or an in-process
 * runner may implement it over the store. Every method throws a PatchlineError naming what failed.
 */
export interface PipelineController {
  /** Registers (or updates) the pipeline, so its runs have a parent. */
  applyPipeline(pipeline: Pipeline): Promise<void>;
  /** The pipeline's runs, newest first. */
  listRuns(pipeline: string): Promise<PipelineRun[]>;
  /** Records a new run; fails if another run of the pipeline holds its lease. */
  startRun(run: PipelineRun): Promise<void>;
  updateRun(run: PipelineRun): Promise<void>;
  getFleet(name: string): Promise<Fleet | undefined>;
  listReleases(fleet: string): Promise<Release[]>;
  listRollouts(fleet: string): Promise<Rollout[]>;
  /** With what it was made with when the run has it: the gate evidence document and the image diff. */
  createRelease(release: Release, attachments?: ReleaseAttachments): Promise<void>;
  startRollout(rollout: Rollout): Promise<void>;
  recordExposures(items: readonly Exposure[]): Promise<void>;
}
