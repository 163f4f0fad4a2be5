import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Fleet, releaseDigests, releaseRepository } from '../../fleet/index.js';
import { BlobCache, type Digest, isDigest, mediaTypes } from '../../oci/index.js';
import { isStoreError, type Stored } from '../../store/index.js';
import type { ServerContext } from '../context.js';
import { acceptedTypes, accepts, acceptsAnIndex } from './accept.js';
import { BlobProxy } from './blob-proxy.js';
import { authenticate, basicCredentials, createTokenSigner, hostOfBasic, TOKEN_SERVICE } from './gateway-auth.js';
import { ManifestStore, type StoredManifest } from './manifest-store.js';
import { DEFAULT_GATEWAY_RATE, DEFAULT_TOKEN_TTL_SECONDS, type GatewayOptions } from './options.js';
import { parseRange } from './range.js';
import { RegistryError, sendRegistryError } from './registry-errors.js';
import { ReleaseContents } from './release-content.js';
import { createUpstreams, type UpstreamRepository } from './upstream.js';

/** The one repository of a fleet, as hosts pull it: CONTROLLER/fleets/NAME/os. */
export function fleetRepository(fleet: string): string {
  return `fleets/${fleet}/os`;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

const tokenQuerySchema = z.object({
  service: z.string().max(200).optional(),
  account: z.string().max(253).optional(),
  scope: z.union([z.string().max(500), z.array(z.string().max(500)).max(10)]).optional(),
});

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
): Promise<void> {
  const { store, clock } = context;
  const signer = createTokenSigner();
  const scheme = options.challenge ?? 'bearer';
  const rate = options.rateLimit ?? DEFAULT_GATEWAY_RATE;
  const ttl = options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  const upstreamOf = createUpstreams({ authFile: options.upstreamAuthFile, tlsVerify: options.upstreamTlsVerify });
  const manifests = new ManifestStore(options.cacheDir);
  const contents = new ReleaseContents(manifests, upstreamOf);
  const blobs = new BlobProxy(new BlobCache(options.cacheDir));
  const seconds = () => Math.floor(clock() / 1000);

  app.addHook('onRequest', async (_request, reply) => {
    reply.header('docker-distribution-api-version', 'registry/2.0');
  });
  app.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof RegistryError) return sendRegistryError(reply, error);
    if (isStoreError(error) && error.reason !== 'NotFound') {
      return sendRegistryError(reply, new RegistryError('UNAVAILABLE', `the controller's database: ${error.message}`));
    }
    const code = error.statusCode ?? 500;
    if (code >= 500) request.log.error({ err: error }, 'gateway request failed');
    return reply
      .code(code)
      .type('application/json')
      .send({
        errors: [
          { code: code < 500 ? 'UNSUPPORTED' : 'UNKNOWN', message: code < 500 ? error.message : 'internal error' },
        ],
      });
  });

  /** Counts a request against a rate limit; a 429 in the registry's words when it is spent. */
  function limit(key: string, what = rate): void {
    const retryAfter = context.limiter.take(key, what);
    if (retryAfter !== undefined) {
      throw new RegistryError('TOOMANYREQUESTS', `too many requests; retry in ${retryAfter}s`, {
        'retry-after': String(retryAfter),
      });
    }
  }

  /** The calling host, rate-limited; a 401 with the challenge when there is none. */
  async function callerOf(
    request: FastifyRequest,
    repository?: string,
  ): Promise<{ host: string; token?: string | null }> {
    const caller = await authenticate(request, store, signer, seconds(), scheme, repository);
    if (caller instanceof RegistryError) {
      // Wrong guesses count against the address, so credentials cannot be tried at full speed.
      if (request.headers.authorization !== undefined) limit(`ip:${request.ip}`, context.limits.anonymous);
      throw caller;
    }
    limit(`gateway:${caller.host}`);
    return caller.via === 'token' ? { host: caller.host, token: caller.repository } : { host: caller.host };
  }

  /** The fleet a host belongs to, which must be the one whose repository it asks for. */
  async function ownFleet(host: string, fleetName: string | undefined, asked: string): Promise<Stored<Fleet>> {
    const fleet = await store.fleetOfHost(host);
    if (fleet === undefined) {
      throw new RegistryError('DENIED', `host ${host} belongs to no fleet; it may pull nothing here`);
    }
    if (fleetName !== undefined && fleet.resource.metadata.name !== fleetName) {
      throw new RegistryError(
        'DENIED',
        `host ${host} may pull only ${fleetRepository(fleet.resource.metadata.name)}, not ${asked}`,
      );
    }
    return fleet;
  }

  /** A bearer token opens only the repository it was issued for. */
  function checkScope(request: FastifyRequest, caller: { token?: string | null }, repository: string): void {
    if (caller.token !== undefined && caller.token !== repository) {
      throw new RegistryError('UNAUTHORIZED', `the token does not grant pull on ${repository}`, {
        'www-authenticate': `Bearer realm="${request.protocol}://${request.host}/v2/token",service="${TOKEN_SERVICE}",scope="repository:${repository}:pull",error="insufficient_scope"`,
      });
    }
  }

  function sendManifest(request: FastifyRequest, reply: FastifyReply, manifest: StoredManifest): FastifyReply {
    reply
      .code(200)
      .header('content-type', manifest.mediaType)
      .header('docker-content-digest', manifest.digest)
      .header('etag', `"${manifest.digest}"`)
      .header('content-length', String(manifest.bytes.length));
    // Node sends no body for HEAD; the headers are those of GET, as the distribution spec asks.
    return request.method === 'HEAD' ? reply.send() : reply.send(manifest.bytes);
  }

  /**
   * The manifest in a form the client reads. For a tag, an index a client cannot read is answered with its manifest
   * for linux/amd64 (as distribution does for old clients); a digest always names exactly one document.
   */
  async function negotiate(
    request: FastifyRequest,
    upstream: UpstreamRepository,
    manifest: StoredManifest,
    byTag: boolean,
  ): Promise<StoredManifest> {
    const accepted = acceptedTypes(request.headers.accept);
    if (accepts(accepted, manifest.mediaType)) return manifest;
    if (byTag && mediaTypes.isIndexType(manifest.mediaType) && !acceptsAnIndex(accepted)) {
      const child = platformChild(manifest, accepted);
      if (child !== undefined) return manifests.get(upstream, child);
    }
    throw new RegistryError(
      'MANIFEST_UNKNOWN',
      `manifest ${manifest.digest} is ${manifest.mediaType}, which the request's Accept header does not list`,
    );
  }

  app.get('/v2/', async (request) => {
    await callerOf(request);
    return {};
  });

  app.get('/v2/token', async (request, reply) => {
    const basic = basicCredentials(request);
    if (basic === undefined) {
      throw new RegistryError('UNAUTHORIZED', 'the token endpoint needs HTTP Basic: host name and host credential', {
        'www-authenticate': 'Basic realm="patchline"',
      });
    }
    const host = await hostOfBasic(store, basic);
    if (host === undefined) {
      limit(`ip:${request.ip}`, context.limits.anonymous);
      throw new RegistryError('UNAUTHORIZED', 'the host name and credential do not match an enrolled host', {
        'www-authenticate': 'Basic realm="patchline"',
      });
    }
    limit(`gateway:${host}`);
    const query = tokenQuerySchema.safeParse(request.query);
    if (!query.success)
      throw new RegistryError('UNSUPPORTED', `the token request is not valid: ${query.error.issues[0]?.message}`);
    const scopes = [query.data.scope ?? []].flat();
    const fleet = await store.fleetOfHost(host);
    const own = fleet === undefined ? undefined : fleetRepository(fleet.resource.metadata.name);
    // Like distribution's token servers, a scope the caller may not have is left out of the token, not an error: the
    // registry request that needs it is then denied with a message that says why.
    const granted = scopes.some((scope) => grantsPull(scope, own)) ? (own ?? null) : null;
    const token = signer.issue({ host, repository: granted, exp: seconds() + ttl });
    return reply.header('cache-control', 'no-store').send({
      token,
      access_token: token,
      expires_in: ttl,
      issued_at: new Date(clock()).toISOString(),
    });
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/v2/fleets/:fleet/os/manifests/:reference',
    handler: async (request, reply) => {
      const { fleet: fleetName, reference } = request.params as { fleet: string; reference: string };
      const repository = fleetRepository(fleetName);
      const caller = await callerOf(request, repository);
      const host = caller.host;
      if (isDigest(reference)) {
        const fleet = await ownFleet(host, fleetName, repository);
        checkScope(request, caller, repository);
        const releases = (await store.listReleases(fleet.resource.metadata.name)).map((each) => each.resource);
        const upstream = await contents.locateManifest(releases, reference);
        const manifest = await negotiate(request, upstream, await manifests.get(upstream, reference), false);
        return sendManifest(request, reply, manifest);
      }
      if (reference.startsWith('sha256:') || reference.startsWith('sha512:') || !TAG.test(reference)) {
        throw new RegistryError(
          isDigestLike(reference) ? 'DIGEST_INVALID' : 'TAG_INVALID',
          `"${reference.slice(0, 140)}" is neither a tag nor a digest`,
        );
      }
      const now = clock();
      const desired = await store.desiredFor(host, now).catch((error: unknown) => {
        if (isStoreError(error) && error.reason === 'NotFound') {
          throw new RegistryError('UNAUTHORIZED', `host ${host} is no longer enrolled`);
        }
        throw error;
      });
      if (desired === undefined || desired.fleet !== fleetName) await ownFleet(host, fleetName, repository);
      checkScope(request, caller, repository);
      await store.recordSeen(host, now);
      let upstream: UpstreamRepository;
      let digest: Digest;
      if (desired !== undefined) {
        upstream = upstreamOf(desired.image.slice(0, desired.image.lastIndexOf('@')));
        digest = desired.digest as Digest;
      } else {
        // No rollout speaks for the host: it keeps what it runs, which we can answer only when it is a release.
        const kept = await keptImage(host, fleetName);
        if (kept === undefined) {
          throw new RegistryError(
            'MANIFEST_UNKNOWN',
            `no release of fleet ${fleetName} is meant for host ${host} yet; it keeps the image it runs`,
          );
        }
        ({ upstream, digest } = kept);
      }
      const manifest = await negotiate(request, upstream, await manifests.get(upstream, digest), true);
      // Counted as served only once the host really got the answer, so a rollout does not wait on a host that was
      // told nothing because upstream was down.
      if (desired !== undefined && !desired.servedRecently) {
        await store.recordServed(host, desired.digest, now);
        context.controller.nudge();
      }
      return sendManifest(request, reply, manifest);
    },
  });

  /** The host's booted image, if it is one of its fleet's releases. */
  async function keptImage(
    host: string,
    fleet: string,
  ): Promise<{ upstream: UpstreamRepository; digest: Digest } | undefined> {
    const booted = (await store.getHost(host))?.resource.status?.report?.bootc.status?.booted?.image?.imageDigest;
    if (booted === undefined || booted === null || !isDigest(booted)) return undefined;
    const release = (await store.listReleases(fleet)).find((each) => releaseDigests(each.resource).has(booted));
    return release === undefined
      ? undefined
      : { upstream: upstreamOf(releaseRepository(release.resource)), digest: booted };
  }

  app.route({
    method: ['GET', 'HEAD'],
    url: '/v2/fleets/:fleet/os/blobs/:digest',
    handler: async (request, reply) => {
      const { fleet: fleetName, digest } = request.params as { fleet: string; digest: string };
      const repository = fleetRepository(fleetName);
      const caller = await callerOf(request, repository);
      const fleet = await ownFleet(caller.host, fleetName, repository);
      checkScope(request, caller, repository);
      if (!isDigest(digest)) throw new RegistryError('DIGEST_INVALID', `"${digest.slice(0, 140)}" is not a digest`);
      const releases = (await store.listReleases(fleet.resource.metadata.name)).map((each) => each.resource);
      const located = await contents.locateBlob(releases, digest);
      const blob = { upstream: located.upstream, digest, size: located.value };
      reply
        .header('content-type', 'application/octet-stream')
        .header('docker-content-digest', digest)
        .header('etag', `"${digest}"`)
        .header('accept-ranges', 'bytes');
      if (request.method === 'HEAD') return reply.header('content-length', String(blob.size)).send();
      const range = parseRange(request.headers.range, blob.size);
      if (range === 'unsatisfiable') {
        throw new RegistryError(
          'RANGE_INVALID',
          `the range ${request.headers.range} is outside the blob's ${blob.size} bytes`,
          {
            'content-range': `bytes */${blob.size}`,
          },
        );
      }
      if (range !== undefined) {
        const stream = await blobs.openRange(blob, range);
        return reply
          .code(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${blob.size}`)
          .header('content-length', String(range.end - range.start + 1))
          .send(stream);
      }
      const stream = await blobs.open(blob);
      return reply.header('content-length', String(blob.size)).send(stream);
    },
  });

  // Everything else under /v2/ in the registry's words: other repositories do not exist here, and nothing is written.
  app.all('/v2/*', async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      throw new RegistryError(
        'UNSUPPORTED',
        'the gateway is read-only: hosts pull from it, images are pushed upstream',
      );
    }
    await callerOf(request);
    throw new RegistryError('NAME_UNKNOWN', 'no such repository: hosts pull fleets/FLEET/os');
  });
}

function isDigestLike(reference: string): boolean {
  return reference.includes(':');
}

/** Whether a token scope asks for pull on the host's own repository. */
function grantsPull(scope: string, own: string | undefined): boolean {
  if (own === undefined) return false;
  return scope.split(' ').some((each) => {
    const [type, name, actions] = each.split(':');
    return type === 'repository' && name === own && (actions ?? '').split(',').includes('pull');
  });
}

const indexShape = z.object({
  manifests: z.array(
    z.object({
      mediaType: z.string(),
      digest: z.string().refine(isDigest),
      platform: z.object({ os: z.string(), architecture: z.string() }).optional(),
    }),
  ),
});

/** The linux/amd64 manifest of an index, or its first manifest the client accepts. */
function platformChild(index: StoredManifest, accepted: Set<string> | 'any'): Digest | undefined {
  let parsed: z.infer<typeof indexShape>;
  try {
    parsed = indexShape.parse(JSON.parse(index.bytes.toString('utf8')));
  } catch {
    return undefined;
  }
  const usable = parsed.manifests.filter((each) => accepts(accepted, each.mediaType));
  const chosen =
    usable.find((each) => each.platform?.os === 'linux' && each.platform.architecture === 'amd64') ?? usable[0];
  return chosen?.digest as Digest | undefined;
}
