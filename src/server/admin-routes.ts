import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  API_PREFIX,
  durationSchema,
  labelsSchema,
  parseDuration,
  resourceNameSchema,
  rolloutSchema,
  toTimestamp,
} from '../fleet/index.js';
import { releaseDiffSchema } from '../report/index.js';
import { StoreError } from '../store/index.js';
import { adminAuth } from './auth.js';
import type { ServerContext } from './context.js';
import { list, listSchema } from './present.js';
import { resourceRoutes } from './resource-routes.js';
import { fleets, hosts, releases, rollouts } from './resource-table.js';
import { actOnRollout, rolloutActionNames, rolloutActionSchema } from './rollout-action.js';
import type { ZodTypeProvider } from './zod-provider.js';

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
const createdToken = z.object({
  token: z.string().describe('shown only here'),
  expiresAt: z.string(),
});
const lockHolder = z.object({
  fleet: z.string(),
  group: z.string(),
  id: z.string(),
  acquiredAt: z.string(),
  expiresAt: z.string(),
});

/** The admin API: fleets, releases, rollouts and hosts in the Kubernetes shape, plus actions, events and tokens. */
export async function adminRoutes(scope: FastifyInstance, context: ServerContext): Promise<void> {
  const { store, clock } = context;
  const app = scope.withTypeProvider<ZodTypeProvider>();
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

  resourceRoutes(app, context, fleets);
  resourceRoutes(app, context, releases);
  resourceRoutes(app, context, rollouts);
  resourceRoutes(app, context, hosts);

  for (const action of rolloutActionNames) {
    app.post(
      `${API_PREFIX}/rollouts/:name/${action}`,
      {
        schema: {
          summary: `${action[0]?.toUpperCase()}${action.slice(1)} a rollout`,
          params: nameParams,
          // The body may be left out: who and why are optional.
          body: rolloutActionSchema.optional().meta({ title: `${action} request` }),
          response: { 200: rolloutSchema },
        },
      },
      async (request) => actOnRollout(context, request.params.name, action, request.body ?? {}),
    );
  }
  app.get(
    `${API_PREFIX}/rollouts/:name/events`,
    {
      schema: {
        summary: 'Events of a rollout, in order, after an event id',
        params: nameParams,
        querystring: eventsQuery,
      },
    },
    async (request) => {
      const { name } = request.params;
      if ((await store.getRollout(name)) === undefined) throw new StoreError('NotFound', `rollout ${name} not found`);
      return list('Event', await store.events(name, request.query.after ?? 0, request.query.limit ?? 1000));
    },
  );

  // ── A release's attachments (resource-table.ts checks them when the release is created) ──
  // The evidence document byte for byte as it was hashed, so anyone can check it against spec.gate.evidence.
  app.get(
    `${API_PREFIX}/releases/:name/evidence`,
    {
      schema: {
        summary: "The release's gate evidence document, byte for byte as spec.gate.evidence hashes it",
        params: nameParams,
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const evidence = (await releaseAttachments(context, name)).evidence;
      if (evidence === undefined) {
        throw new StoreError('NotFound', `release ${name} was created without its evidence document`);
      }
      return reply.type('application/json').send(Buffer.from(evidence, 'utf8'));
    },
  );
  app.get(
    `${API_PREFIX}/releases/:name/diff`,
    {
      schema: {
        summary: 'The image diff from the previous release of the fleet (patchline diff -f json without layers)',
        params: nameParams,
        response: { 200: releaseDiffSchema },
      },
    },
    async (request) => {
      const { name } = request.params;
      const diff = (await releaseAttachments(context, name)).diff;
      if (diff === undefined) throw new StoreError('NotFound', `release ${name} was created without an image diff`);
      // Kept as the JSON the release was created with, which releaseDiffSchema checked then.
      return JSON.parse(diff) as z.infer<typeof releaseDiffSchema>;
    },
  );

  // ── Enrollment tokens and locks ──
  app.post(
    `${API_PREFIX}/enrollment-tokens`,
    {
      schema: {
        summary: 'Create a one-time enrollment token',
        body: enrollmentTokenRequestSchema.optional().meta({ title: 'enrollment token request' }),
        response: { 201: createdToken },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const ttlMs = body.ttl === undefined ? context.limits.enrollmentTokenTtlMs : parseDuration(body.ttl);
      const created = await store.createEnrollmentToken(body.labels ?? {}, ttlMs, clock());
      return reply.code(201).send(created);
    },
  );
  app.get(
    `${API_PREFIX}/locks`,
    { schema: { summary: 'FleetLock holders', response: { 200: listSchema('Lock', lockHolder) } } },
    async () => {
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
    },
  );
}

async function releaseAttachments({ store }: ServerContext, name: string) {
  const found = await store.releaseAttachments(name);
  if (found === undefined) throw new StoreError('NotFound', `release ${name} not found`);
  return found;
}
