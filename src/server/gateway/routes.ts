import type { FastifyInstance } from 'fastify';
import { BlobCache } from '../../oci/index.js';
import { isStoreError } from '../../store/index.js';
import type { ServerContext } from '../context.js';
import { createAccess, fleetRepository } from './access.js';
import { BlobProxy } from './blob-proxy.js';
import { blobRoutes } from './blob-routes.js';
import { GatewayMetrics, requestKind } from './gateway-metrics.js';
import { manifestRoutes } from './manifest-routes.js';
import { ManifestStore } from './manifest-store.js';
import { DEFAULT_TOKEN_TTL_SECONDS, type GatewayOptions } from './options.js';
import type { GatewayParts } from './parts.js';
import { RegistryError, sendRegistryError } from './registry-errors.js';
import { ReleaseContents } from './release-content.js';
import { tokenRoute } from './token-route.js';
import { createUpstreams } from './upstream.js';

/**
 * The registry gateway: an OCI distribution endpoint, read-only, where each host pulls its fleet's image. A tag
 * answers with the manifest of the digest the fleet's rollout wants this host to run now (what the host API's
 * desired-state poll answers), and telling it counts as serving it; digests and blobs are served only when the fleet's
 * releases reference them. Content comes from the upstream registry the fleet tracks, verified, and is cached.
 * (docs/decisions/0021-registry-gateway.md)
 */
export async function gatewayRoutes(
  app: FastifyInstance,
  context: ServerContext,
  options: GatewayOptions,
  metrics: GatewayMetrics = new GatewayMetrics(),
): Promise<void> {
  const upstreamOf = createUpstreams({ authFile: options.upstreamAuthFile, tlsVerify: options.upstreamTlsVerify });
  const manifests = new ManifestStore(options.cacheDir);
  const parts: GatewayParts = {
    context,
    access: createAccess(context, options),
    upstreamOf,
    manifests,
    contents: new ReleaseContents(manifests, upstreamOf),
    blobs: new BlobProxy(new BlobCache(options.cacheDir), metrics),
    tokenTtlSeconds: options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
  };

  app.addHook('onClose', () => parts.blobs.close());
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('docker-distribution-api-version', 'registry/2.0');
  });
  // Counted when the answer starts, not when it ends: a client that has all its bytes may hang up before the
  // response's 'finish', and the request must count all the same.
  app.addHook('onSend', async (request, reply, payload) => {
    metrics.request(requestKind(request.routeOptions.url), reply.statusCode);
    return payload;
  });
  // Registry clients read the registry's error documents, not our Kubernetes-shaped Status.
  app.setErrorHandler(async (thrown: Error & { statusCode?: number }, request, reply) => {
    const error =
      isStoreError(thrown) && thrown.reason !== 'NotFound'
        ? new RegistryError('UNAVAILABLE', `the controller's database: ${thrown.message}`)
        : thrown;
    if (error instanceof RegistryError) {
      // Hosts retry on their own; the operator needs to hear that upstream (or the database) is failing them.
      if (error.code === 'UNAVAILABLE') {
        request.log.warn({ url: request.url, problem: error.message }, 'gateway unavailable');
      }
      return sendRegistryError(reply, error);
    }
    const code = error.statusCode ?? 500;
    if (code >= 500) request.log.error({ err: error }, 'gateway request failed');
    const detail =
      code < 500 ? { code: 'UNSUPPORTED', message: error.message } : { code: 'UNKNOWN', message: 'internal error' };
    return reply
      .code(code)
      .type('application/json')
      .send({ errors: [detail] });
  });

  app.get('/v2/', async (request) => {
    await parts.access.caller(request);
    return {};
  });
  await tokenRoute(app, parts);
  await manifestRoutes(app, parts);
  await blobRoutes(app, parts);

  // Every tag answers the same (the host's digest now); `latest` is the one listed.
  app.get('/v2/fleets/:fleet/os/tags/list', async (request) => {
    const { fleet } = request.params as { fleet: string };
    const repository = fleetRepository(fleet);
    const caller = await parts.access.caller(request, repository);
    await parts.access.ownFleet(caller.host, fleet);
    parts.access.checkScope(request, caller, repository);
    return { name: repository, tags: ['latest'] };
  });

  // Everything else under /v2/ in the registry's words: other repositories do not exist here, and nothing is written.
  app.all('/v2/*', async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      throw new RegistryError(
        'UNSUPPORTED',
        'the gateway is read-only: hosts pull from it, images are pushed upstream',
      );
    }
    await parts.access.caller(request);
    throw new RegistryError('NAME_UNKNOWN', 'no such repository: hosts pull fleets/FLEET/os');
  });
}
