import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  acquireLock,
  budgetGroup,
  checkFleetLockHeader,
  type FleetLockConfig,
  type FleetLockResponse,
  type FleetLockState,
  fleetLockRequestSchema,
  parseFleetLockBody,
  releaseLock,
} from '../fleet/index.js';
import { DEFAULT_LOCK_GROUP, lockConfigFor } from '../store/index.js';
import { anonymousLimit } from './auth.js';
import type { ServerContext } from './context.js';
import { documentedOnly } from './zod-provider.js';

const fleetLockErrorSchema = z.object({ kind: z.string(), value: z.string() }).meta({ title: 'FleetLockError' });

/**
 * The FleetLock protocol (Zincati's reboot manager, and any other client): POST pre-reboot to take a reboot slot,
 * POST steady-state to give it back. The client id must be an enrolled host (its name, or the fleetLockId it enrolled
 * with); its fleet and group come from the controller (the host's fleet, and the group its disruption budget's
 * groupBy label puts it in), whatever the client says. Under /fleets/{fleet}/ the named fleet must be the host's.
 * FleetLock has no authentication of its own (Zincati sends none), so these routes are rate limited per address;
 * see docs/decisions/0015-controller-store-and-server.md for why that is acceptable and how to restrict them.
 */
const CONFIG_REUSE_MS = 10_000;

export async function fleetLockRoutes(app: FastifyInstance, context: ServerContext): Promise<void> {
  const { store, clock, limits } = context;
  app.addHook('onRequest', anonymousLimit(context));
  // Some clients send no JSON content type; the body is parsed by the protocol's own schema either way.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  // Protocol errors are FleetLock's {kind, value}, not Kubernetes Status: clients parse these.
  app.setErrorHandler(async (error: { statusCode?: number; message: string }, _request, reply) => {
    const code = error.statusCode ?? 500;
    if (code === 413) return reply.code(413).send({ kind: 'bad_request_invalid_body', value: 'the body is too large' });
    if (code >= 400 && code < 500)
      return reply.code(400).send({ kind: 'bad_request_invalid_body', value: error.message });
    throw error;
  });

  // Sizing groups reads every host's labels; a reboot wave would do that once per host. Sizes change slowly
  // (enrollment, relabelling), so each fleet's slots are reused for a while.
  const configs = new Map<string, { config: FleetLockConfig; at: number }>();
  async function configFor(fleet: string): Promise<FleetLockConfig> {
    const cached = configs.get(fleet);
    if (cached !== undefined && performance.now() - cached.at < CONFIG_REUSE_MS) return cached.config;
    const fleetDoc = fleet === '' ? undefined : (await store.getFleet(fleet))?.resource;
    const config = lockConfigFor(
      fleetDoc,
      await store.hostLabels(),
      limits.fleetLockDefaultSlots,
      limits.fleetLockTtlMs,
    );
    configs.set(fleet, { config, at: performance.now() });
    return config;
  }

  async function handle(
    request: FastifyRequest,
    reply: FastifyReply,
    operation: 'pre-reboot' | 'steady-state',
  ): Promise<FastifyReply> {
    const headerProblem = checkFleetLockHeader(headerValue(request.headers['fleet-lock-protocol']));
    if (headerProblem !== undefined) return send(reply, headerProblem);
    const parsed = parseFleetLockBody(typeof request.body === 'string' ? tryJson(request.body) : request.body);
    if (!parsed.ok) return send(reply, parsed.response);
    const named = (request.params as { fleet?: string }).fleet;
    if (named !== undefined && (await store.getFleet(named)) === undefined) {
      return reply.code(404).send({ kind: 'bad_request_invalid_body', value: `fleet ${clip(named)} not found` });
    }
    const client = parsed.request.client_params;
    // The lock is the enrolled host's, in the group its fleet's disruption budget puts it in: neither an id nobody
    // enrolled nor a group the client made up can take or give back a reboot slot.
    const host = await store.hostOfLockId(client.id);
    if (host === undefined) {
      return reply.code(403).send({
        kind: 'bad_request_invalid_body',
        value: `client_params.id: ${clip(client.id)} is not an enrolled host (Zincati's id is given at enrollment as fleetLockId)`,
      });
    }
    const own = await store.fleetOfHost(host);
    const fleet = own?.resource.metadata.name ?? '';
    if (named !== undefined && named !== fleet) {
      return reply.code(403).send({
        kind: 'bad_request_invalid_body',
        value: `host ${host} is in ${fleet === '' ? 'no fleet' : `fleet ${fleet}`}, not ${clip(named)}`,
      });
    }
    const labels = (await store.getHost(host))?.resource.metadata.labels;
    const group = budgetGroup(own?.resource.spec.disruptionBudget, labels) || DEFAULT_LOCK_GROUP;
    const lockRequest = { client_params: { id: host, group } };
    const now = clock();
    let call: (state: FleetLockState) => ReturnType<typeof acquireLock>;
    if (operation === 'pre-reboot') {
      const config = await configFor(fleet);
      call = (state) => acquireLock(state, config, lockRequest, now);
    } else {
      call = (state) => releaseLock(state, lockRequest, now);
    }
    const outcome = await store.fleetLock(fleet, call);
    request.log.info(
      { fleet, host, id: clip(client.id), group, askedGroup: clip(client.group), status: outcome.response.status },
      `fleetlock ${operation}`,
    );
    return send(reply, outcome.response);
  }

  for (const prefix of ['', '/fleets/:fleet']) {
    for (const operation of ['pre-reboot', 'steady-state'] as const) {
      const schema = {
        summary: operation === 'pre-reboot' ? 'FleetLock: take a reboot slot' : 'FleetLock: give the slot back',
        security: [],
        ...(prefix === '' ? {} : { params: z.object({ fleet: z.string() }) }),
        headers: z.object({ 'fleet-lock-protocol': z.literal('true') }),
        body: fleetLockRequestSchema.meta({ title: 'FleetLockRequest' }),
        response: { 200: z.object({}), default: fleetLockErrorSchema },
      };
      // The protocol's own checks answer in its own shape (handle): the schemas here only document them.
      app.post(`${prefix}/v1/${operation}`, { schema, validatorCompiler: documentedOnly }, (request, reply) =>
        handle(request, reply, operation),
      );
    }
  }
}

function send(reply: FastifyReply, response: FleetLockResponse): FastifyReply {
  return response.status === 200 ? reply.code(200).send({}) : reply.code(response.status).send(response.body);
}

// What a client sent is logged at most this long; the schema bounds it too, this keeps logs small whatever it allows.
const LOGGED_CHARS = 64;

function clip(text: string): string {
  return text.length <= LOGGED_CHARS ? text : `${text.slice(0, LOGGED_CHARS)}…`;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
