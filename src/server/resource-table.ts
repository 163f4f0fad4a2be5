import { z } from 'zod';
import {
  type Fleet,
  fleetSchema,
  type Host,
  hostSchema,
  objectMetaSchema,
  type Pipeline,
  pipelineSchema,
  previousRelease,
  type Rollout,
  releaseSchema,
  rolloutSchema,
} from '../fleet/index.js';
import { StoreError } from '../store/index.js';
import type { ServerContext } from './context.js';
import { presentHost, presentPipeline } from './present.js';
import { checkAttachments, type ReleaseRequest, releaseRequestSchema } from './release-attachments.js';
import type { Resource } from './resource-routes.js';

/**
 * The kinds of the admin API, one row each: everything that differs between them. resource-routes.ts makes the same
 * five routes of every row, and openapi.ts documents them from the same schemas.
 */

/** Requests may name the version they change (metadata.resourceVersion), as Kubernetes clients do. */
const requestMetadata = objectMetaSchema.extend({
  resourceVersion: z.unknown().optional().describe('The version this change expects to replace (a positive integer)'),
});

export const fleets: Resource<Fleet> = {
  plural: 'fleets',
  kind: 'Fleet',
  noun: 'fleet',
  schema: fleetSchema.extend({ metadata: requestMetadata }).meta({ title: 'Fleet' }),
  list: (store) => store.listFleets(),
  get: (store, name) => store.getFleet(name),
  create: async ({ store, clock }, fleet) => {
    await store.createFleet(fleet, clock());
  },
  apply: ({ store, clock }, fleet, requested) => store.applyFleet(fleet, clock(), requested()),
  remove: (store, name) => store.deleteFleet(name),
};

/**
 * Releases are immutable: applying one again is a no-op, so a version precondition means nothing. A request may carry
 * the release's gate evidence document and image diff (release-attachments.ts), checked before anything is kept;
 * answers never carry them (they have routes of their own).
 */
export const releases: Resource<ReleaseRequest> = {
  plural: 'releases',
  kind: 'Release',
  noun: 'release',
  schema: releaseSchema.extend({ metadata: requestMetadata }).meta({ title: 'Release' }),
  requestSchema: releaseRequestSchema.extend({ metadata: requestMetadata }).meta({ title: 'Release' }),
  bodyLimit: ({ limits }) => limits.bodyBytes + 2 * limits.releaseEvidenceBytes + limits.releaseDiffBytes,
  byFleet: true,
  list: (store, fleet) => store.listReleases(fleet),
  get: (store, name) => store.getRelease(name),
  create: async (context, request) => {
    const { release, attachments } = await checkedRelease(context, request);
    await context.store.createRelease(release, context.clock(), attachments);
  },
  apply: async (context, request) => {
    const { release, attachments } = await checkedRelease(context, request);
    return context.store.applyRelease(release, context.clock(), attachments);
  },
  remove: (store, name) => store.deleteRelease(name),
};

async function checkedRelease({ store, limits }: ServerContext, request: ReleaseRequest) {
  const previous =
    request.attachments?.diff === undefined
      ? undefined
      : previousRelease(
          (await store.listReleases(request.spec.fleet)).map((each) => each.resource),
          request,
        );
  return checkAttachments(request, previous, {
    evidenceBytes: limits.releaseEvidenceBytes,
    diffBytes: limits.releaseDiffBytes,
  });
}

/** A rollout's status is the controller's; a new one is decided at once, so the answer shows where it stands. */
export const rollouts: Resource<Rollout> = {
  plural: 'rollouts',
  kind: 'Rollout',
  noun: 'rollout',
  schema: rolloutSchema.extend({ metadata: requestMetadata }).meta({ title: 'Rollout' }),
  byFleet: true,
  list: (store, fleet) => store.listRollouts(fleet),
  get: (store, name) => store.getRollout(name),
  create: async (context, rollout) => {
    await context.store.createRollout(withoutStatus(rollout), context.clock());
    await context.controller.tick();
  },
  apply: async (context, rollout, requested) => {
    const result = await context.store.applyRollout(withoutStatus(rollout), context.clock(), requested());
    if (result === 'created') await context.controller.tick();
    return result;
  },
  remove: (store, name) => store.deleteRollout(name),
};

/** A host's status is its own to report; answers add its fleet and whether it is online. */
export const hosts: Resource<Host> = {
  plural: 'hosts',
  kind: 'Host',
  noun: 'host',
  schema: hostSchema.extend({ metadata: requestMetadata }).meta({ title: 'Host' }),
  list: (store) => store.listHosts(),
  get: (store, name) => store.getHost(name),
  create: ({ store, clock }, host) => store.createHost(host, clock()),
  apply: ({ store, clock }, host, requested) => store.applyHost(host, clock(), requested()),
  remove: (store, name) => store.deleteHost(name),
  presenter: async ({ store, clock }) => {
    const fleets = await store.listFleets();
    const now = clock();
    return (stored) => presentHost(stored, fleets, now);
  },
};

/** Pipelines are kept by apply alone (create is apply where none exists); answers add their runs' status. */
export const pipelines: Resource<Pipeline> = {
  plural: 'pipelines',
  kind: 'Pipeline',
  noun: 'pipeline',
  schema: pipelineSchema.meta({ title: 'Pipeline' }),
  list: (store) => store.listPipelines(),
  get: (store, name) => store.getPipeline(name),
  create: async ({ store, clock }, pipeline, requested) => {
    if ((await store.getPipeline(pipeline.metadata.name)) !== undefined) {
      throw new StoreError('AlreadyExists', `pipeline ${pipeline.metadata.name} already exists`);
    }
    await store.applyPipeline(pipeline, clock(), requested());
  },
  apply: ({ store, clock }, pipeline, requested) => store.applyPipeline(pipeline, clock(), requested()),
  remove: (store, name) => store.deletePipeline(name),
  presenter:
    async ({ store }) =>
    (stored) =>
      presentPipeline(store, stored),
};

function withoutStatus(rollout: Rollout): Rollout {
  const { status: _status, ...rest } = rollout;
  return rest;
}
