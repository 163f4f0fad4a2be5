import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  acquireLock,
  checkFleetLockHeader,
  type FleetLockConfig,
  type FleetLockRequest,
  type FleetLockResponse,
  type FleetLockState,
  parseFleetLockBody,
  releaseLock,
} from '../fleet/index.js';
import { lockConfigFor } from '../store/index.js';
import { anonymousLimit } from './auth.js';
import type { ServerContext } from './context.js';

/**
 * The FleetLock protocol (Zincati's reboot manager, and any other client): POST pre-reboot to take a reboot slot of
 * the client's group, POST steady-state to give it back. Under /fleets/{fleet}/ the fleet is named; at the top level
 * it is the fleet of the host whose name is the client id, else the only fleet, else a fleet-less pool.
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

  async function fleetFor(request: FleetLockRequest, named: string | undefined): Promise<string | undefined> {
    if (named !== undefined) return (await store.getFleet(named)) === undefined ? undefined : named;
    const ofHost = await store.fleetOfHost(request.client_params.id);
    if (ofHost !== undefined) return ofHost.resource.metadata.name;
    const fleets = await store.listFleets();
    return fleets.length === 1 ? fleets[0]!.resource.metadata.name : '';
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
    const fleet = await fleetFor(parsed.request, named);
    if (fleet === undefined) {
      return reply.code(404).send({ kind: 'bad_request_invalid_body', value: `fleet ${named} not found` });
    }
    const now = clock();
    let call: (state: FleetLockState) => ReturnType<typeof acquireLock>;
    if (operation === 'pre-reboot') {
      const config = await configFor(fleet);
      call = (state) => acquireLock(state, config, parsed.request, now);
    } else {
      call = (state) => releaseLock(state, parsed.request, now);
    }
    const outcome = await store.fleetLock(fleet, call);
    request.log.info(
      {
        fleet,
        id: parsed.request.client_params.id,
        group: parsed.request.client_params.group,
        status: outcome.response.status,
      },
      `fleetlock ${operation}`,
    );
    return send(reply, outcome.response);
  }

  for (const prefix of ['', '/fleets/:fleet']) {
    app.post(`${prefix}/v1/pre-reboot`, (request, reply) => handle(request, reply, 'pre-reboot'));
    app.post(`${prefix}/v1/steady-state`, (request, reply) => handle(request, reply, 'steady-state'));
  }
}

function send(reply: FastifyReply, response: FleetLockResponse): FastifyReply {
  return response.status === 200 ? reply.code(200).send({}) : reply.code(response.status).send(response.body);
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
