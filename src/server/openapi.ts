import { z } from 'zod';
import {
  exposureSchema,
  fleetLockRequestSchema,
  fleetSchema,
  hostSchema,
  pipelineRunSchema,
  pipelineSchema,
  rolloutSchema,
} from '../fleet/index.js';
import { VERSION } from '../version.js';
import { API_PREFIX, enrollmentTokenRequestSchema } from './admin-routes.js';
import { desiredResponseSchema, enrollRequestSchema, statusRequestSchema } from './host-routes.js';
import { releaseRequestSchema } from './release-attachments.js';
import { rolloutActionSchema } from './rollout-action.js';

/**
 * The OpenAPI 3.1 document, generated from the zod schemas that validate the requests, so the two cannot drift.
 * OpenAPI 3.1 uses JSON Schema 2020-12, which is what z.toJSONSchema writes.
 */
function schema(type: z.ZodType): Record<string, unknown> {
  const generated = z.toJSONSchema(type, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }) as Record<
    string,
    unknown
  >;
  delete generated.$schema;
  return generated;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });
const failure = { description: 'Failure, as a Kubernetes Status', ...json('Status') };
const nameParameter = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };

function resourcePaths(plural: string, kind: string): Record<string, unknown> {
  const listSchema = {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { const: `${kind}List` },
      items: { type: 'array', items: ref(kind) },
    },
  };
  return {
    [`${API_PREFIX}/${plural}`]: {
      get: {
        summary: `List ${plural}`,
        responses: {
          200: { description: 'The list', content: { 'application/json': { schema: listSchema } } },
          default: failure,
        },
      },
      post: {
        summary: `Create a ${kind}`,
        requestBody: { required: true, ...json(kind) },
        responses: { 201: { description: 'Created', ...json(kind) }, 409: failure, 422: failure, default: failure },
      },
    },
    [`${API_PREFIX}/${plural}/{name}`]: {
      parameters: [nameParameter],
      get: { summary: `Read a ${kind}`, responses: { 200: { description: kind, ...json(kind) }, 404: failure } },
      put: {
        summary: `Create or update a ${kind}`,
        requestBody: { required: true, ...json(kind) },
        responses: {
          200: { description: 'Updated', ...json(kind) },
          201: { description: 'Created', ...json(kind) },
          409: failure,
          422: failure,
        },
      },
      delete: { summary: `Delete a ${kind}`, responses: { 200: { description: 'Deleted' }, 404: failure } },
    },
  };
}

export function openApiDocument(): Record<string, unknown> {
  const admin = [{ admin: [] }];
  const host = [{ host: [] }];
  const paths: Record<string, unknown> = {
    ...resourcePaths('fleets', 'Fleet'),
    ...resourcePaths('releases', 'Release'),
    ...resourcePaths('rollouts', 'Rollout'),
    ...resourcePaths('hosts', 'Host'),
    ...resourcePaths('pipelines', 'Pipeline'),
  };
  paths[`${API_PREFIX}/pipelines/{name}/runs`] = {
    parameters: [nameParameter, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } }],
    get: {
      summary: "A pipeline's runs, newest first",
      responses: { 200: { description: 'PipelineRunList' }, 404: failure },
    },
    post: {
      summary: 'Start a run: it holds the pipeline until it finishes or its lease runs out',
      requestBody: { required: true, ...json('PipelineRun') },
      responses: { 201: { description: 'Started', ...json('PipelineRun') }, 409: failure, 422: failure },
    },
  };
  paths[`${API_PREFIX}/pipelines/{name}/runs/{run}`] = {
    parameters: [nameParameter, { name: 'run', in: 'path', required: true, schema: { type: 'string' } }],
    get: {
      summary: 'One run',
      responses: { 200: { description: 'PipelineRun', ...json('PipelineRun') }, 404: failure },
    },
    put: {
      summary: "Record a run's progress (a finished run does not change)",
      requestBody: { required: true, ...json('PipelineRun') },
      responses: { 200: { description: 'Recorded', ...json('PipelineRun') }, 409: failure, 422: failure },
    },
  };
  paths[`${API_PREFIX}/exposures`] = {
    parameters: [{ name: 'fleet', in: 'query', schema: { type: 'string' } }],
    get: {
      summary: 'The exposure ledger: one entry per fix and fleet',
      responses: { 200: { description: 'ExposureList' } },
    },
    post: {
      summary: 'Record exposure observations (each stage keeps its first time; closed stays closed)',
      requestBody: json('ExposureList'),
      responses: { 200: { description: 'Recorded' }, 422: failure },
    },
  };
  for (const action of ['pause', 'resume', 'approve', 'abort']) {
    paths[`${API_PREFIX}/rollouts/{name}/${action}`] = {
      parameters: [nameParameter],
      post: {
        summary: `${action[0]?.toUpperCase()}${action.slice(1)} a rollout`,
        requestBody: json('RolloutAction'),
        responses: { 200: { description: 'The rollout', ...json('Rollout') }, 404: failure, 409: failure },
      },
    };
  }
  for (const [attachment, summary] of [
    ['evidence', "The release's gate evidence document, byte for byte as spec.gate.evidence hashes it"],
    ['diff', 'The image diff from the previous release of the fleet (patchline diff -f json without layers)'],
  ] as const) {
    paths[`${API_PREFIX}/releases/{name}/${attachment}`] = {
      parameters: [nameParameter],
      get: { summary, responses: { 200: { description: 'JSON as stored' }, 404: failure } },
    };
  }
  paths[`${API_PREFIX}/rollouts/{name}/events`] = {
    parameters: [
      nameParameter,
      { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0 } },
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000 } },
    ],
    get: {
      summary: 'Events of a rollout, in order, after an event id',
      responses: { 200: { description: 'EventList' }, 404: failure },
    },
  };
  paths[`${API_PREFIX}/enrollment-tokens`] = {
    post: {
      summary: 'Create a one-time enrollment token',
      requestBody: json('EnrollmentTokenRequest'),
      responses: { 201: { description: '{token, expiresAt}; the token is shown only here' } },
    },
  };
  paths[`${API_PREFIX}/locks`] = {
    get: { summary: 'FleetLock holders', responses: { 200: { description: 'LockList' } } },
  };
  paths['/host/v1/enroll'] = {
    post: {
      summary: 'Trade an enrollment token for a host credential (shown once)',
      security: [],
      requestBody: { required: true, ...json('EnrollRequest') },
      responses: { 201: { description: '{name, credential}' }, 401: failure, 409: failure },
    },
  };
  paths['/host/v1/status'] = {
    post: {
      summary: "Report the host's bootc status and health",
      security: host,
      requestBody: { required: true, ...json('StatusReport') },
      responses: { 204: { description: 'Stored' }, 401: failure, 403: failure, 422: failure },
    },
  };
  paths['/host/v1/desired'] = {
    get: {
      summary: 'What the host should run; long-polls while it is what the host knows',
      security: host,
      parameters: [
        { name: 'knownVersion', in: 'query', schema: { type: 'string' } },
        { name: 'wait', in: 'query', schema: { type: 'integer', minimum: 0 } },
        { name: 'name', in: 'query', schema: { type: 'string' } },
      ],
      responses: {
        200: { description: 'Changed', ...json('Desired') },
        204: { description: 'Unchanged' },
        401: failure,
      },
    },
  };
  for (const prefix of ['', '/fleets/{fleet}']) {
    for (const operation of ['pre-reboot', 'steady-state']) {
      paths[`${prefix}/v1/${operation}`] = {
        ...(prefix === ''
          ? {}
          : { parameters: [{ name: 'fleet', in: 'path', required: true, schema: { type: 'string' } }] }),
        post: {
          summary: operation === 'pre-reboot' ? 'FleetLock: take a reboot slot' : 'FleetLock: give the slot back',
          security: [],
          parameters: [{ name: 'fleet-lock-protocol', in: 'header', required: true, schema: { const: 'true' } }],
          requestBody: { required: true, ...json('FleetLockRequest') },
          responses: {
            200: { description: 'Done' },
            400: { description: '{kind, value}' },
            409: { description: '{kind, value}' },
          },
        },
      };
    }
  }
  paths['/metrics'] = {
    get: { summary: 'Prometheus metrics', security: [], responses: { 200: { description: 'text/plain' } } },
  };
  paths['/healthz'] = { get: { summary: 'Liveness', security: [], responses: { 200: { description: 'ok' } } } };

  return {
    openapi: '3.1.0',
    info: { title: 'Patchline controller', version: VERSION },
    security: admin,
    paths,
    components: {
      securitySchemes: {
        admin: { type: 'http', scheme: 'bearer', description: 'PATCHLINE_ADMIN_TOKEN' },
        host: { type: 'http', scheme: 'bearer', description: 'the credential a host got at enrollment' },
      },
      schemas: {
        Fleet: schema(fleetSchema),
        // Requests may carry attachments (the evidence document, the image diff); responses never do.
        Release: schema(releaseRequestSchema),
        Rollout: schema(rolloutSchema),
        Host: schema(hostSchema),
        Pipeline: schema(pipelineSchema),
        PipelineRun: schema(pipelineRunSchema),
        ExposureList: {
          type: 'object',
          required: ['items'],
          properties: { items: { type: 'array', items: schema(exposureSchema) } },
        },
        RolloutAction: schema(rolloutActionSchema),
        EnrollmentTokenRequest: schema(enrollmentTokenRequestSchema),
        EnrollRequest: schema(enrollRequestSchema),
        StatusReport: schema(statusRequestSchema),
        Desired: schema(desiredResponseSchema),
        FleetLockRequest: schema(fleetLockRequestSchema),
        Status: {
          type: 'object',
          required: ['apiVersion', 'kind', 'status', 'message', 'reason', 'code'],
          properties: {
            apiVersion: { const: 'v1' },
            kind: { const: 'Status' },
            status: { const: 'Failure' },
            message: { type: 'string' },
            reason: { type: 'string' },
            code: { type: 'integer' },
          },
        },
      },
    },
  };
}
