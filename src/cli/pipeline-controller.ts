import {
  type Exposure,
  type Fleet,
  fleetSchema,
  type Pipeline,
  type PipelineRun,
  pipelineRunSchema,
  type Release,
  type Rollout,
  releaseSchema,
  rolloutSchema,
} from '../fleet/index.js';
import type { PipelineController } from '../pipeline/index.js';
import { API_PREFIX, type ControllerClient } from './controller-client.js';
import { listItems } from './resource-commands.js';

/** The pipeline's view of the controller, over the admin API. */
export function httpPipelineController(client: ControllerClient): PipelineController {
  const items = async <T>(path: string, kind: string, parse: (item: unknown) => T, query?: Record<string, string>) =>
    listItems(await client.get(path, query), kind, path).map(parse);
  return {
    async applyPipeline(pipeline: Pipeline) {
      const { status: _status, ...document } = pipeline;
      await client.request('PUT', client.resourcePath('pipelines', pipeline.metadata.name), { body: document });
    },
    listRuns: (pipeline) =>
      items<PipelineRun>(
        `${client.resourcePath('pipelines', pipeline)}/runs`,
        'PipelineRunList',
        (item) => pipelineRunSchema.parse(item),
        { limit: '100' },
      ),
    async startRun(run) {
      await client.request('POST', `${client.resourcePath('pipelines', run.metadata.pipeline)}/runs`, { body: run });
    },
    async updateRun(run) {
      const path = `${client.resourcePath('pipelines', run.metadata.pipeline)}/runs/${encodeURIComponent(run.metadata.name)}`;
      await client.request('PUT', path, { body: run });
    },
    async getFleet(name): Promise<Fleet | undefined> {
      const response = await client.request('GET', client.resourcePath('fleets', name), { accept: [404] });
      return response.status === 404 ? undefined : fleetSchema.parse(response.body);
    },
    listReleases: (fleet) =>
      items<Release>(client.resourcePath('releases'), 'ReleaseList', (item) => releaseSchema.parse(item), { fleet }),
    listRollouts: (fleet) =>
      items<Rollout>(client.resourcePath('rollouts'), 'RolloutList', (item) => rolloutSchema.parse(item), { fleet }),
    async createRelease(release, attachments) {
      const body = attachments === undefined ? release : { ...release, attachments };
      await client.request('POST', client.resourcePath('releases'), { body });
    },
    async startRollout(rollout) {
      await client.request('POST', client.resourcePath('rollouts'), { body: rollout });
    },
    async recordExposures(list: readonly Exposure[]) {
      if (list.length === 0) return;
      await client.request('POST', `${API_PREFIX}/exposures`, { body: { items: list } });
    },
  };
}
