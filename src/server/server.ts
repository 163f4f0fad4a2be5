import { readFile } from 'node:fs/promises';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { PatchlineError } from '../core/index.js';
import { hostsToWake } from '../fleet/index.js';
import { isStoreError, type Store } from '../store/index.js';
import { adminRoutes } from './admin-routes.js';
import { anonymousLimit } from './auth.js';
import { consoleRoutes } from './console/routes.js';
import { DEFAULT_LIMITS, type ServerContext, type ServerLimits } from './context.js';
import { type Controller, createController } from './controller.js';
import { startDeciderThread } from './controller-thread.js';
import { fleetLockRoutes } from './fleetlock-routes.js';
import { GatewayMetrics } from './gateway/gateway-metrics.js';
import type { GatewayOptions } from './gateway/options.js';
import { gatewayRoutes } from './gateway/routes.js';
import { hostRoutes } from './host-routes.js';
import { metricsText } from './metrics-text.js';
import { collectRoutes, type OpenApiDocument, openApiDocument } from './openapi.js';
import { pipelineRoutes } from './pipeline-routes.js';
import { createRateLimiter } from './rate-limit.js';
import { createRetentionTimer, type RetentionOptions, type RetentionTimer } from './retention-timer.js';
import { InvalidRequest, type StatusReason, sendStatus } from './status.js';
import { createWaiters, type Waiters } from './waiters.js';
import { zodSerializerCompiler, zodValidatorCompiler } from './zod-provider.js';

export interface TlsFiles {
  cert: string;
  key: string;
}

export interface ServerOptions {
  store: Store;
  /** The admin bearer token; null runs the admin API without one (only for --insecure-no-admin-token). */
  adminToken: string | null;
  /** The web console's read-only token (serve --viewer-token-file); none when null or undefined. */
  viewerToken?: string | null | undefined;
  /** The time decisions are taken at; Date.now unless a test sets it. */
  clock?: (() => number) | undefined;
  tls?: TlsFiles | undefined;
  limits?: Partial<ServerLimits> | undefined;
  /** How often the controller decides every active rollout; no timer when undefined. */
  tickMs?: number | undefined;
  nudgeDelayMs?: number | undefined;
  /**
   * Decide on a thread of its own, with its own connection to this database (the store's location), so ticks never
   * hold up host calls; the clock is then the wall clock. In-process when undefined.
   */
  deciderThread?: { location: string } | undefined;
  /** How long the decider lease lasts unless renewed (see controller.ts). */
  leaseMs?: number | undefined;
  /** This controller's name among those sharing the database; a restart under the same name retakes its lease. */
  identity?: string | undefined;
  /** The retention policy and how often it prunes the store; no pruning when undefined. */
  retention?: RetentionOptions | undefined;
  /** The registry gateway (`/v2/`, where hosts pull their fleet's image); not served when undefined. */
  gateway?: GatewayOptions | undefined;
  /** fastify's logger option: false (tests), true, or a pino configuration / instance. */
  logger?: boolean | FastifyBaseLogger | Record<string, unknown> | undefined;
}

export interface PatchlineServer {
  app: FastifyInstance;
  controller: Controller;
  /** Present when the server prunes (options.retention). */
  retention: RetentionTimer | undefined;
}

/**
 * The controller's HTTP server: the admin API, the host API, FleetLock, metrics and the OpenAPI document, with the
 * controller loop attached (started on listen, stopped on close). The store is the caller's to close.
 */
export async function createServer(options: ServerOptions): Promise<PatchlineServer> {
  const clock = options.clock ?? Date.now;
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const https = options.tls === undefined ? undefined : await readTls(options.tls);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: limits.bodyBytes,
    ...(https === undefined ? {} : { https }),
    // Long polls are held open up to longPollMaxSeconds; the socket must outlive them.
    requestTimeout: (limits.longPollMaxSeconds + 30) * 1000,
    return503OnClosing: true,
    // Registry paths carry fleet names (up to 253 characters) and digests (sha512: 135) as path parameters.
    routerOptions: { maxParamLength: 256 },
    // Hosts call every minute: a log line per request would drown everything else. Admin writes and errors are
    // logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(zodSerializerCompiler);
  const routes = collectRoutes(app);
  const waiters = createWaiters();
  const { notifications } = options.store;
  const loop = {
    tickMs: options.tickMs,
    nudgeDelayMs: options.nudgeDelayMs,
    leaseMs: options.leaseMs,
    identity: options.identity,
  };
  // The decision's commit told the other controllers (store.decide); this one's hosts are woken here.
  const controller =
    options.deciderThread === undefined
      ? createController({
          ...loop,
          store: options.store,
          clock,
          log: app.log,
          onDecision: (_rollout, decision) => wakeLocal(waiters, hostsToWake(decision)),
        })
      : await startDeciderThread({
          ...loop,
          location: options.deciderThread.location,
          log: app.log,
          onWake: (hosts) => wakeLocal(waiters, hosts),
        });
  const listening = [
    notifications.subscribe('patchline_desired', (hosts) => wakeLocal(waiters, hosts)),
    notifications.subscribe('patchline_decide', (fleets) => {
      if (!controller.isLeader()) return;
      if (fleets === 'all') controller.nudge();
      else for (const fleet of fleets) controller.nudge(fleet);
    }),
    // Whatever was published while the connection was down is lost: every host looks again, every fleet is decided.
    notifications.onReconnect(() => {
      waiters.notifyAll();
      controller.nudge();
    }),
  ];
  const wake = (hosts: Set<string> | 'all'): void => {
    wakeLocal(waiters, hosts);
    notifications
      .publish(options.store.db, 'patchline_desired', hosts)
      .catch((error: unknown) => app.log.warn({ err: error }, 'cannot tell the other controllers to wake hosts'));
  };
  const retention =
    options.retention === undefined
      ? undefined
      : createRetentionTimer({ ...options.retention, store: options.store, clock, log: app.log });
  const context: ServerContext = {
    store: options.store,
    clock,
    controller,
    waiters,
    wake,
    limiter: createRateLimiter(clock),
    limits,
    adminToken: options.adminToken,
  };

  app.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (isStoreError(error)) return sendStatus(reply, error.reason, error.message);
    if (error instanceof InvalidRequest) return sendStatus(reply, error.reason, error.message);
    if (error instanceof PatchlineError) return sendStatus(reply, 'Invalid', error.message);
    const code = error.statusCode ?? 500;
    if (code < 500) return sendStatus(reply, reasonFor(code), error.message);
    request.log.error({ err: error }, 'request failed');
    return sendStatus(reply, 'InternalError', 'internal error');
  });
  app.setNotFoundHandler(async (request, reply) =>
    sendStatus(reply, 'NotFound', `no route for ${request.method} ${request.url.split('?')[0]}`),
  );

  const gateway = options.gateway;
  const gatewayMetrics = gateway === undefined ? undefined : new GatewayMetrics();

  app.get('/healthz', { schema: { summary: 'Liveness', security: [] } }, async () => ({ status: 'ok' }));
  // Built on the first request, when every route is registered; the same document every time after.
  let document: OpenApiDocument | undefined;
  app.get('/openapi.json', { schema: { summary: 'This document', security: [] } }, async () => {
    document ??= openApiDocument(routes);
    return document;
  });
  app.register(async (scope) => {
    scope.addHook('onRequest', anonymousLimit(context));
    scope.get('/metrics', { schema: { summary: 'Prometheus metrics', security: [] } }, async (_request, reply) => {
      const snapshot = await context.store.metrics(clock());
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(
        metricsText(snapshot, {
          waitingPolls: waiters.size(),
          decider: controller.isLeader(),
          gateway: gatewayMetrics?.snapshot(),
          now: clock(),
          pruned: retention?.totals(),
        }),
      );
    });
  });
  app.register(async (scope) => adminRoutes(scope, context));
  app.register(async (scope) => consoleRoutes(scope, context, { viewerToken: options.viewerToken ?? null }));
  app.register(async (scope) => pipelineRoutes(scope, context));
  app.register(async (scope) => hostRoutes(scope, context));
  app.register(async (scope) => fleetLockRoutes(scope, context));
  if (gateway !== undefined) app.register(async (scope) => gatewayRoutes(scope, context, gateway, gatewayMetrics));

  app.addHook('onListen', async () => {
    await notifications.listen();
    controller.start();
    retention?.start();
  });
  app.addHook('preClose', async () => {
    waiters.notifyAll();
  });
  app.addHook('onClose', async () => {
    for (const unsubscribe of listening) unsubscribe();
    await controller.stop();
    await retention?.stop();
  });
  return { app, controller, retention };
}

async function readTls(tls: TlsFiles): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (path: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new PatchlineError(
        'input',
        path,
        `cannot read the TLS ${what} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
  };
  return { cert: await read(tls.cert, 'certificate'), key: await read(tls.key, 'key') };
}

function wakeLocal(waiters: Waiters, hosts: Set<string> | 'all'): void {
  if (hosts === 'all') waiters.notifyAll();
  else waiters.notify(hosts);
}

function reasonFor(code: number): StatusReason {
  switch (code) {
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 409:
      return 'Conflict';
    case 413:
      return 'RequestEntityTooLarge';
    case 415:
      return 'UnsupportedMediaType';
    case 429:
      return 'TooManyRequests';
    default:
      return 'BadRequest';
  }
}
