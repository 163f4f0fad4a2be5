import type { Exposure, Fleet, Pipeline, PipelineRun, Release, Rollout } from '../fleet/index.js';

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
  createRelease(release: Release): Promise<void>;
  startRollout(rollout: Rollout): Promise<void>;
  recordExposures(items: readonly Exposure[]): Promise<void>;
}
