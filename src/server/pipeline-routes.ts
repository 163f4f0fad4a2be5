import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { API_PREFIX, exposureSchema, type PipelineRun, pipelineRunSchema, resourceNameSchema } from '../fleet/index.js';
import { StoreError } from '../store/index.js';
import { adminAuth } from './auth.js';
import type { ServerContext } from './context.js';
import { list, listSchema } from './present.js';
import { resourceRoutes } from './resource-routes.js';
import { pipelines } from './resource-table.js';
import { InvalidRequest, successSchema } from './status.js';
import type { ZodTypeProvider } from './zod-provider.js';

const nameParams = z.object({ name: resourceNameSchema });
const runParams = z.object({ name: resourceNameSchema, run: resourceNameSchema });
const runsQuery = z.object({ limit: z.coerce.number().int().positive().max(1000).optional() });
const exposuresQuery = z.object({ fleet: resourceNameSchema.optional() });
const runBody = pipelineRunSchema.meta({ title: 'PipelineRun' });
const exposureUpdates = z.strictObject({ items: z.array(exposureSchema).max(10_000) }).meta({ title: 'ExposureList' });

/**
 * Pipelines (registered with `fleet apply`), their runs and the exposure ledger. `pipeline run` keeps its runs here,
 * so whichever process runs a pipeline (a cron job, a CI schedule, the controller), one run at a time holds its lease
 * and every run's record survives the process.
 */
export async function pipelineRoutes(scope: FastifyInstance, context: ServerContext): Promise<void> {
  const { store, clock } = context;
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', adminAuth(context));
  resourceRoutes(app, context, pipelines);

  app.get(
    `${API_PREFIX}/pipelines/:name/runs`,
    {
      schema: {
        summary: "A pipeline's runs, newest first",
        params: nameParams,
        querystring: runsQuery,
        response: { 200: listSchema('PipelineRun', runBody) },
      },
    },
    async (request) => {
      const { name } = request.params;
      if ((await store.getPipeline(name)) === undefined) throw new StoreError('NotFound', `pipeline ${name} not found`);
      return list('PipelineRun', await store.listRuns(name, request.query.limit ?? 50));
    },
  );
  app.get(
    `${API_PREFIX}/pipelines/:name/runs/:run`,
    { schema: { summary: 'One run', params: runParams, response: { 200: runBody } } },
    async (request) => {
      const params = request.params;
      const run = await store.getRun(params.run);
      if (run === undefined || run.metadata.pipeline !== params.name) {
        throw new StoreError('NotFound', `run ${params.run} of pipeline ${params.name} not found`);
      }
      return run;
    },
  );
  app.post(
    `${API_PREFIX}/pipelines/:name/runs`,
    {
      schema: {
        summary: 'Start a run: it holds the pipeline until it finishes or its lease runs out',
        params: nameParams,
        body: runBody,
        response: { 201: runBody },
      },
    },
    async (request, reply) => {
      const run = checkedRun(request.body, request.params.name);
      await store.startRun(run, clock());
      return reply.code(201).send(run);
    },
  );
  app.put(
    `${API_PREFIX}/pipelines/:name/runs/:run`,
    {
      schema: {
        summary: "Record a run's progress (a finished run does not change)",
        params: runParams,
        body: runBody,
        response: { 200: runBody },
      },
    },
    async (request) => {
      const params = request.params;
      const run = checkedRun(request.body, params.name);
      if (run.metadata.name !== params.run) {
        throw new InvalidRequest(
          `metadata.name: ${run.metadata.name} does not match the URL's ${params.run}`,
          'BadRequest',
        );
      }
      await store.updateRun(run);
      return run;
    },
  );

  app.get(
    `${API_PREFIX}/exposures`,
    {
      schema: {
        summary: 'The exposure ledger: one entry per fix and fleet',
        querystring: exposuresQuery,
        response: { 200: listSchema('Exposure', exposureSchema) },
      },
    },
    async (request) => list('Exposure', await store.listExposures(request.query.fleet)),
  );
  app.post(
    `${API_PREFIX}/exposures`,
    {
      schema: {
        summary: 'Record exposure observations (each stage keeps its first time; closed stays closed)',
        body: exposureUpdates,
        response: { 200: successSchema },
      },
    },
    async (request) => {
      const body = request.body;
      const fleets = new Set((await store.listFleets()).map((fleet) => fleet.resource.metadata.name));
      const unknown = body.items.find((item) => !fleets.has(item.fleet));
      if (unknown !== undefined) throw new InvalidRequest(`items: fleet ${unknown.fleet} does not exist`);
      await store.recordExposures(body.items);
      return {
        apiVersion: 'v1' as const,
        kind: 'Status' as const,
        status: 'Success' as const,
        code: 200,
        message: `${body.items.length} recorded`,
      };
    },
  );
}

function checkedRun(run: PipelineRun, pipeline: string): PipelineRun {
  if (run.metadata.pipeline !== pipeline) {
    throw new InvalidRequest(
      `metadata.pipeline: ${run.metadata.pipeline} does not match the URL's ${pipeline}`,
      'BadRequest',
    );
  }
  return run;
}
