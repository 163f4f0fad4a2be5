import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  bootcHostSchema,
  fleetLockIdSchema,
  hostHealthSchema,
  labelsSchema,
  resourceNameSchema,
  toTimestamp,
} from '../fleet/index.js';
import type { Desired } from '../store/index.js';
import { anonymousLimit, hostAuth } from './auth.js';
import type { ServerContext } from './context.js';
import { sendStatus } from './status.js';
import type { ZodTypeProvider } from './zod-provider.js';

export const enrollRequestSchema = z.object({
  token: z.string().min(1),
  name: resourceNameSchema,
  labels: labelsSchema.optional(),
  /**
   * The id the host's FleetLock client sends, when it is not the host name. Zincati sends the machine's app-specific
   * id: `systemd-id128 machine-id --app-specific=de35106b6ec24688b63afddaa156679b`.
   */
  fleetLockId: fleetLockIdSchema.optional(),
});

/** A host's report: `bootc status --format=json` as printed, and greenboot's verdict on the current boot. */
export const statusRequestSchema = z.object({
  /** Optional; when given it must be the calling host's own name. */
  name: resourceNameSchema.optional(),
  bootc: bootcHostSchema,
  health: hostHealthSchema.optional(),
});

export const desiredQuerySchema = z.object({
  name: resourceNameSchema.optional(),
  /** The version the host last received; the answer is 204 while it is still the desired one. */
  knownVersion: z.string().max(200).optional(),
  /** Seconds to hold the request open waiting for a change (0: answer at once). */
  wait: z.coerce.number().int().nonnegative().optional(),
});

/**
 * What a host should run. The version is the digest itself: it changes exactly when the answer does. `none` means
 * no release speaks for the host (it is in no fleet, or its fleet has no release yet): it keeps what it runs.
 */
export const desiredResponseSchema = z.object({
  version: z.string(),
  image: z.string().nullable(),
  digest: z.string().nullable(),
});
export type DesiredResponse = z.infer<typeof desiredResponseSchema>;

const enrolledSchema = z.object({ name: z.string(), credential: z.string().describe('shown only here') });

function answer(desired: Desired | undefined): DesiredResponse {
  return desired === undefined
    ? { version: 'none', image: null, digest: null }
    : { version: desired.digest, image: desired.image, digest: desired.digest };
}

function checkSelf(request: FastifyRequest, named: string | undefined): string | undefined {
  return named !== undefined && named !== request.hostName
    ? `this credential belongs to host ${request.hostName}, not ${named}`
    : undefined;
}

export async function hostRoutes(app: FastifyInstance, context: ServerContext): Promise<void> {
  const { store, clock } = context;

  app.register(async (anonymous) => {
    anonymous.addHook('onRequest', anonymousLimit(context));
    anonymous.withTypeProvider<ZodTypeProvider>().post(
      '/host/v1/enroll',
      {
        schema: {
          summary: 'Trade an enrollment token for a host credential (shown once)',
          security: [],
          body: enrollRequestSchema.meta({ title: 'enrollment' }),
          response: { 201: enrolledSchema },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const { credential } = await store.enroll(body.token, body.name, body.labels ?? {}, clock(), body.fleetLockId);
        return reply.code(201).send({ name: body.name, credential });
      },
    );
  });

  app.register(async (scope) => {
    const hosts = scope.withTypeProvider<ZodTypeProvider>();
    hosts.addHook('onRequest', hostAuth(context));

    hosts.post(
      '/host/v1/status',
      {
        bodyLimit: Math.min(context.limits.reportBytes, context.limits.bodyBytes),
        schema: {
          summary: "Report the host's bootc status and health",
          security: [{ host: [] }],
          body: statusRequestSchema.meta({ title: 'status report' }),
          response: { 204: z.void() },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const wrong = checkSelf(request, body.name);
        if (wrong !== undefined) return sendStatus(reply, 'Forbidden', wrong);
        const name = request.hostName!;
        const report = {
          receivedAt: toTimestamp(clock()),
          bootc: body.bootc,
          ...(body.health === undefined ? {} : { health: body.health }),
        };
        const { changed, fleet } = await store.recordReport(name, report);
        if (changed && fleet !== undefined) context.controller.nudge(fleet);
        return reply.code(204).send();
      },
    );

    hosts.get(
      '/host/v1/desired',
      {
        schema: {
          summary: 'What the host should run; long-polls while it is what the host knows',
          security: [{ host: [] }],
          querystring: desiredQuerySchema,
          response: { 200: desiredResponseSchema, 204: z.void() },
        },
      },
      async (request, reply) => {
        const query = request.query;
        const wrong = checkSelf(request, query.name);
        if (wrong !== undefined) return sendStatus(reply, 'Forbidden', wrong);
        const name = request.hostName!;
        // Waiting is real time on the wire, whatever clock decisions are taken on.
        const deadline = performance.now() + Math.min(query.wait ?? 0, context.limits.longPollMaxSeconds) * 1000;
        for (;;) {
          const desired = await store.desiredFor(name, clock());
          const response = answer(desired);
          if (response.version !== query.knownVersion) {
            // A host told the same thing again a moment ago (it asked without knownVersion) is not noted again.
            if (desired !== undefined && !desired.servedRecently) {
              await store.recordServed(name, desired.digest, clock());
              context.controller.nudge(desired.fleet);
            }
            return response;
          }
          const left = deadline - performance.now();
          if (left <= 0 || closing) return reply.code(204).send();
          await context.waiters.wait(name, Math.ceil(left));
        }
      },
    );
  });

  let closing = false;
  app.addHook('onClose', async () => {
    closing = true;
    context.waiters.notifyAll();
  });
  app.addHook('preClose', async () => {
    closing = true;
    context.waiters.notifyAll();
  });
}
