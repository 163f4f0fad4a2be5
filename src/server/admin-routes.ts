import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  API_VERSION,
  durationSchema,
  fleetSchema,
  hostSchema,
  labelsSchema,
  parseDuration,
  previousRelease,
  type Rollout,
  resourceNameSchema,
  rolloutSchema,
  toTimestamp,
} from '../fleet/index.js';
import { type ApplyResult, StoreError } from '../store/index.js';
import { adminAuth } from './auth.js';
import type { ServerContext } from './context.js';
import { list, present, presentHost, requestedVersion } from './present.js';
import { checkAttachments, releaseRequestSchema } from './release-attachments.js';
import { actOnRollout, rolloutActionNames, rolloutActionSchema } from './rollout-action.js';
import { InvalidRequest, parseBody } from './status.js';

export const API_PREFIX = `/apis/${API_VERSION}`;

export const enrollmentTokenRequestSchema = z.object({
  labels: labelsSchema.optional(),
  /** How long the token may be used (e.g. 1h, 7d). */
  ttl: durationSchema.optional(),
});

const nameParams = z.object({ name: resourceNameSchema });
const eventsQuery = z.object({
  after: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().positive().max(10_000).optional(),
});

function nameOf(params: unknown): string {
  return parseBody(nameParams, params, 'the URL').name;
}

function checkName(body: { metadata: { name: string } }, name: string): void {
  if (body.metadata.name !== name) {
    throw new InvalidRequest(`metadata.name: ${body.metadata.name} does not match the URL's ${name}`, 'BadRequest');
  }
}

function versionOf(body: unknown): number | undefined {
  const version = requestedVersion(body);
  if (Number.isNaN(version)) throw new InvalidRequest('metadata.resourceVersion: expected a positive integer');
  return version;
}

function appliedCode(result: ApplyResult): number {
  return result === 'created' ? 201 : 200;
}

/** The admin API: fleets, releases, rollouts and hosts in the Kubernetes shape, plus actions, events and tokens. */
export async function adminRoutes(app: FastifyInstance, context: ServerContext): Promise<void> {
  const { store, clock } = context;
  app.addHook('onRequest', adminAuth(context));
  // A change of a fleet, release or rollout may change what any host should run, a change of a host only its own
  // answer; enrollment tokens change nothing (and are created by the thousand when a fleet is enrolled).
  app.addHook('onResponse', async (request, reply) => {
    if (request.method === 'GET') return;
    request.log.info({ method: request.method, url: request.url, statusCode: reply.statusCode }, 'admin change');
    const [plural, name] = request.url.slice(API_PREFIX.length + 1).split(/[/?]/);
    if (plural === 'fleets' || plural === 'releases' || plural === 'rollouts') {
      context.wake('all');
      context.controller.nudge();
    } else if (plural === 'hosts') {
      context.wake(
        new Set([name ?? (request.body as { metadata?: { name?: string } } | undefined)?.metadata?.name ?? '']),
      );
      context.controller.nudge();
    }
  });

  // ── Fleets ──
  app.get(`${API_PREFIX}/fleets`, async () => list('Fleet', (await store.listFleets()).map(present)));
  app.get(`${API_PREFIX}/fleets/:name`, async (request) => {
    const name = nameOf(request.params);
    const found = await store.getFleet(name);
    if (found === undefined) throw new StoreError('NotFound', `fleet ${name} not found`);
    return present(found);
  });
  app.post(`${API_PREFIX}/fleets`, async (request, reply) => {
    const fleet = parseBody(fleetSchema, request.body, 'Fleet');
    await store.createFleet(fleet, clock());
    return reply.code(201).send(present((await store.getFleet(fleet.metadata.name))!));
  });
  app.put(`${API_PREFIX}/fleets/:name`, async (request, reply) => {
    const name = nameOf(request.params);
    const fleet = parseBody(fleetSchema, request.body, 'Fleet');
    checkName(fleet, name);
    const result = await store.applyFleet(fleet, clock(), versionOf(request.body));
    return reply.code(appliedCode(result)).send(present((await store.getFleet(name))!));
  });
  app.delete(`${API_PREFIX}/fleets/:name`, async (request) => {
    const name = nameOf(request.params);
    await store.deleteFleet(name);
    return deleted('fleet', name);
  });

  // ── Releases ──
  app.get(`${API_PREFIX}/releases`, async (request) => {
    const fleet = (request.query as { fleet?: string }).fleet;
    return list('Release', (await store.listReleases(fleet)).map(present));
  });
  app.get(`${API_PREFIX}/releases/:name`, async (request) => {
    const name = nameOf(request.params);
    const found = await store.getRelease(name);
    if (found === undefined) throw new StoreError('NotFound', `release ${name} not found`);
    return present(found);
  });
  // A release may carry its gate evidence document and image diff (release-attachments.ts): a bigger body.
  const releaseBody = { bodyLimit: releaseBodyLimit(context) };
  const releaseRequest = async (body: unknown) => {
    const request = parseBody(releaseRequestSchema, body, 'Release');
    const previous =
      request.attachments?.diff === undefined
        ? undefined
        : previousRelease(
            (await store.listReleases(request.spec.fleet)).map((each) => each.resource),
            request,
          );
    return checkAttachments(request, previous, {
      evidenceBytes: context.limits.releaseEvidenceBytes,
      diffBytes: context.limits.releaseDiffBytes,
    });
  };
  app.post(`${API_PREFIX}/releases`, releaseBody, async (request, reply) => {
    const { release, attachments } = await releaseRequest(request.body);
    await store.createRelease(release, clock(), attachments);
    return reply.code(201).send(present((await store.getRelease(release.metadata.name))!));
  });
  app.put(`${API_PREFIX}/releases/:name`, releaseBody, async (request, reply) => {
    const name = nameOf(request.params);
    const { release, attachments } = await releaseRequest(request.body);
    checkName(release, name);
    const result = await store.applyRelease(release, clock(), attachments);
    return reply.code(appliedCode(result)).send(present((await store.getRelease(name))!));
  });
  // The evidence document byte for byte as it was hashed, so anyone can check it against spec.gate.evidence.
  app.get(`${API_PREFIX}/releases/:name/evidence`, async (request, reply) => {
    const name = nameOf(request.params);
    const evidence = (await releaseAttachments(store, name)).evidence;
    if (evidence === undefined)
      throw new StoreError('NotFound', `release ${name} was created without its evidence document`);
    return reply.type('application/json').send(Buffer.from(evidence, 'utf8'));
  });
  app.get(`${API_PREFIX}/releases/:name/diff`, async (request, reply) => {
    const name = nameOf(request.params);
    const diff = (await releaseAttachments(store, name)).diff;
    if (diff === undefined) throw new StoreError('NotFound', `release ${name} was created without an image diff`);
    return reply.type('application/json').send(diff);
  });
  app.delete(`${API_PREFIX}/releases/:name`, async (request) => {
    const name = nameOf(request.params);
    await store.deleteRelease(name);
    return deleted('release', name);
  });

  // ── Rollouts ──
  app.get(`${API_PREFIX}/rollouts`, async (request) => {
    const fleet = (request.query as { fleet?: string }).fleet;
    return list('Rollout', (await store.listRollouts(fleet)).map(present));
  });
  app.get(`${API_PREFIX}/rollouts/:name`, async (request) => {
    const name = nameOf(request.params);
    const found = await store.getRollout(name);
    if (found === undefined) throw new StoreError('NotFound', `rollout ${name} not found`);
    return present(found);
  });
  app.post(`${API_PREFIX}/rollouts`, async (request, reply) => {
    const rollout = parseBody(rolloutSchema, request.body, 'Rollout');
    await store.createRollout(withoutStatus(rollout), clock());
    // Decide at once, so the answer already shows where the rollout stands.
    await context.controller.tick();
    return reply.code(201).send(present((await store.getRollout(rollout.metadata.name))!));
  });
  app.put(`${API_PREFIX}/rollouts/:name`, async (request, reply) => {
    const name = nameOf(request.params);
    const rollout = parseBody(rolloutSchema, request.body, 'Rollout');
    checkName(rollout, name);
    const result = await store.applyRollout(withoutStatus(rollout), clock(), versionOf(request.body));
    if (result === 'created') await context.controller.tick();
    return reply.code(appliedCode(result)).send(present((await store.getRollout(name))!));
  });
  app.delete(`${API_PREFIX}/rollouts/:name`, async (request) => {
    const name = nameOf(request.params);
    await store.deleteRollout(name);
    return deleted('rollout', name);
  });
  for (const action of rolloutActionNames) {
    app.post(`${API_PREFIX}/rollouts/:name/${action}`, async (request) => {
      const name = nameOf(request.params);
      const body = parseBody(rolloutActionSchema, request.body ?? {}, `${action} request`);
      return actOnRollout(context, name, action, body);
    });
  }
  app.get(`${API_PREFIX}/rollouts/:name/events`, async (request) => {
    const name = nameOf(request.params);
    const query = parseBody(eventsQuery, request.query, 'the query');
    if ((await store.getRollout(name)) === undefined) throw new StoreError('NotFound', `rollout ${name} not found`);
    return list('Event', await store.events(name, query.after ?? 0, query.limit ?? 1000));
  });

  // ── Hosts ──
  app.get(`${API_PREFIX}/hosts`, async () => {
    const fleets = await store.listFleets();
    return list(
      'Host',
      (await store.listHosts()).map((host) => presentHost(host, fleets, clock())),
    );
  });
  app.get(`${API_PREFIX}/hosts/:name`, async (request) => {
    const name = nameOf(request.params);
    const found = await store.getHost(name);
    if (found === undefined) throw new StoreError('NotFound', `host ${name} not found`);
    return presentHost(found, await store.listFleets(), clock());
  });
  app.post(`${API_PREFIX}/hosts`, async (request, reply) => {
    const host = parseBody(hostSchema, request.body, 'Host');
    await store.createHost(host, clock());
    return reply
      .code(201)
      .send(presentHost((await store.getHost(host.metadata.name))!, await store.listFleets(), clock()));
  });
  app.put(`${API_PREFIX}/hosts/:name`, async (request, reply) => {
    const name = nameOf(request.params);
    const host = parseBody(hostSchema, request.body, 'Host');
    checkName(host, name);
    const result = await store.applyHost(host, clock(), versionOf(request.body));
    return reply
      .code(appliedCode(result))
      .send(presentHost((await store.getHost(name))!, await store.listFleets(), clock()));
  });
  app.delete(`${API_PREFIX}/hosts/:name`, async (request) => {
    const name = nameOf(request.params);
    await store.deleteHost(name);
    return deleted('host', name);
  });

  // ── Enrollment tokens and locks ──
  app.post(`${API_PREFIX}/enrollment-tokens`, async (request, reply) => {
    const body = parseBody(enrollmentTokenRequestSchema, request.body ?? {}, 'enrollment token request');
    const ttlMs = body.ttl === undefined ? context.limits.enrollmentTokenTtlMs : parseDuration(body.ttl);
    const created = await store.createEnrollmentToken(body.labels ?? {}, ttlMs, clock());
    return reply.code(201).send(created);
  });
  app.get(`${API_PREFIX}/locks`, async () => {
    const holders = await store.lockHolders(clock());
    return list(
      'Lock',
      holders.map((holder) => ({
        fleet: holder.fleet,
        group: holder.group,
        id: holder.id,
        acquiredAt: toTimestamp(holder.acquiredAt),
        expiresAt: toTimestamp(holder.expiresAt),
      })),
    );
  });
}

/** Room for the largest evidence document written as a JSON string (escaping can double it) and image diff. */
function releaseBodyLimit(context: ServerContext): number {
  const { bodyBytes, releaseEvidenceBytes, releaseDiffBytes } = context.limits;
  return bodyBytes + 2 * releaseEvidenceBytes + releaseDiffBytes;
}

async function releaseAttachments(store: ServerContext['store'], name: string) {
  const found = await store.releaseAttachments(name);
  if (found === undefined) throw new StoreError('NotFound', `release ${name} not found`);
  return found;
}

function withoutStatus(rollout: Rollout): Rollout {
  const { status: _status, ...rest } = rollout;
  return rest;
}

function deleted(kind: string, name: string) {
  return { apiVersion: 'v1', kind: 'Status', status: 'Success', code: 200, message: `${kind} ${name} deleted` };
}
