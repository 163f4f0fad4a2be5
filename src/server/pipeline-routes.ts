import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  API_PREFIX,
  exposureSchema,
  type Pipeline,
  type PipelineRun,
  pipelineRunSchema,
  pipelineSchema,
  resourceNameSchema,
} from '../fleet/index.js';
import { type Stored, StoreError } from '../store/index.js';
import { adminAuth } from './auth.js';
import type { ServerContext } from './context.js';
import { list, present, requestedVersion } from './present.js';
import { InvalidRequest, parseBody } from './status.js';

const nameParams = z.object({ name: resourceNameSchema });
const runParams = z.object({ name: resourceNameSchema, run: resourceNameSchema });
const runsQuery = z.object({ limit: z.coerce.number().int().positive().max(1000).optional() });
const exposuresQuery = z.object({ fleet: resourceNameSchema.optional() });
const exposureUpdates = z.strictObject({ items: z.array(exposureSchema).max(10_000) });

/**
 * Pipelines (registered with `fleet apply`), their runs and the exposure ledger. `pipeline run` keeps its runs here,
 * so whichever process runs a pipeline (a cron job, a CI schedule, the controller), one run at a time holds its lease
 * and every run's record survives the process.
 */
export async function pipelineRoutes(app: FastifyInstance, context: ServerContext): Promise<void> {
  const { store, clock } = context;
  app.addHook('onRequest', adminAuth(context));

  app.get(`${API_PREFIX}/pipelines`, async () => {
    const items = [];
    for (const stored of await store.listPipelines()) items.push(await withStatus(stored));
    return list('Pipeline', items);
  });
  app.get(`${API_PREFIX}/pipelines/:name`, async (request) => {
    const { name } = parseBody(nameParams, request.params, 'the URL');
    const stored = await store.getPipeline(name);
    if (stored === undefined) throw new StoreError('NotFound', `pipeline ${name} not found`);
    return withStatus(stored);
  });
  const apply = async (body: unknown, name: string | undefined) => {
    const pipeline = parseBody(pipelineSchema, body, 'Pipeline');
    if (name !== undefined && pipeline.metadata.name !== name) {
      throw new InvalidRequest(
        `metadata.name: ${pipeline.metadata.name} does not match the URL's ${name}`,
        'BadRequest',
      );
    }
    const version = requestedVersion(body);
    if (Number.isNaN(version)) throw new InvalidRequest('metadata.resourceVersion: expected a positive integer');
    return { result: await store.applyPipeline(pipeline, clock(), version), name: pipeline.metadata.name };
  };
  app.post(`${API_PREFIX}/pipelines`, async (request, reply) => {
    const pipeline = parseBody(pipelineSchema, request.body, 'Pipeline');
    if ((await store.getPipeline(pipeline.metadata.name)) !== undefined) {
      throw new StoreError('AlreadyExists', `pipeline ${pipeline.metadata.name} already exists`);
    }
    const { name } = await apply(request.body, undefined);
    return reply.code(201).send(await withStatus((await store.getPipeline(name))!));
  });
  app.put(`${API_PREFIX}/pipelines/:name`, async (request, reply) => {
    const { name } = parseBody(nameParams, request.params, 'the URL');
    const { result } = await apply(request.body, name);
    return reply.code(result === 'created' ? 201 : 200).send(await withStatus((await store.getPipeline(name))!));
  });
  app.delete(`${API_PREFIX}/pipelines/:name`, async (request) => {
    const { name } = parseBody(nameParams, request.params, 'the URL');
    await store.deletePipeline(name);
    return { apiVersion: 'v1', kind: 'Status', status: 'Success', code: 200, message: `pipeline ${name} deleted` };
  });

  app.get(`${API_PREFIX}/pipelines/:name/runs`, async (request) => {
    const { name } = parseBody(nameParams, request.params, 'the URL');
    const query = parseBody(runsQuery, request.query, 'the query');
    if ((await store.getPipeline(name)) === undefined) throw new StoreError('NotFound', `pipeline ${name} not found`);
    return list('PipelineRun', await store.listRuns(name, query.limit ?? 50));
  });
  app.get(`${API_PREFIX}/pipelines/:name/runs/:run`, async (request) => {
    const params = parseBody(runParams, request.params, 'the URL');
    const run = await store.getRun(params.run);
    if (run === undefined || run.metadata.pipeline !== params.name) {
      throw new StoreError('NotFound', `run ${params.run} of pipeline ${params.name} not found`);
    }
    return run;
  });
  app.post(`${API_PREFIX}/pipelines/:name/runs`, async (request, reply) => {
    const { name } = parseBody(nameParams, request.params, 'the URL');
    const run = checkedRun(request.body, name);
    await store.startRun(run, clock());
    return reply.code(201).send(run);
  });
  app.put(`${API_PREFIX}/pipelines/:name/runs/:run`, async (request) => {
    const params = parseBody(runParams, request.params, 'the URL');
    const run = checkedRun(request.body, params.name);
    if (run.metadata.name !== params.run) {
      throw new InvalidRequest(
        `metadata.name: ${run.metadata.name} does not match the URL's ${params.run}`,
        'BadRequest',
      );
    }
    await store.updateRun(run);
    return run;
  });

  app.get(`${API_PREFIX}/exposures`, async (request) => {
    const query = parseBody(exposuresQuery, request.query, 'the query');
    return list('Exposure', await store.listExposures(query.fleet));
  });
  app.post(`${API_PREFIX}/exposures`, async (request) => {
    const body = parseBody(exposureUpdates, request.body, 'ExposureList');
    const fleets = new Set((await store.listFleets()).map((fleet) => fleet.resource.metadata.name));
    const unknown = body.items.find((item) => !fleets.has(item.fleet));
    if (unknown !== undefined) throw new InvalidRequest(`items: fleet ${unknown.fleet} does not exist`);
    await store.recordExposures(body.items);
    return { apiVersion: 'v1', kind: 'Status', status: 'Success', code: 200, message: `${body.items.length} recorded` };
  });

  async function withStatus(stored: Stored<Pipeline>): Promise<Pipeline> {
    const pipeline = present(stored);
    const runs = await store.listRuns(pipeline.metadata.name, 20);
    return { ...pipeline, status: pipelineStatus(runs) };
  }
}

function checkedRun(body: unknown, pipeline: string): PipelineRun {
  const run = parseBody(pipelineRunSchema, body, 'PipelineRun');
  if (run.metadata.pipeline !== pipeline) {
    throw new InvalidRequest(
      `metadata.pipeline: ${run.metadata.pipeline} does not match the URL's ${pipeline}`,
      'BadRequest',
    );
  }
  return run;
}

/** What `pipeline get` shows, derived from the newest runs rather than stored beside them. */
export function pipelineStatus(runs: readonly PipelineRun[]): Record<string, unknown> {
  const last = runs[0];
  const shipped = runs.find((run) => run.status.outcome === 'shipped');
  const status: Record<string, unknown> = {};
  if (last !== undefined) {
    status.lastRun = {
      name: last.metadata.name,
      outcome: last.status.outcome,
      startedAt: last.status.startedAt,
      ...(last.status.finishedAt === undefined ? {} : { finishedAt: last.status.finishedAt }),
      ...(last.status.message === undefined ? {} : { message: last.status.message }),
    };
  }
  if (shipped?.status.image !== undefined) {
    status.lastShipped = {
      run: shipped.metadata.name,
      image: shipped.status.image.reference,
      at: shipped.status.finishedAt,
    };
  }
  return status;
}
