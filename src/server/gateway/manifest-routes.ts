import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { releaseDigests, releaseRepository } from '../../fleet/index.js';
import { type Digest, isDigest, mediaTypes } from '../../oci/index.js';
import { isStoreError } from '../../store/index.js';
import { acceptedTypes, accepts, acceptsAnIndex } from './accept.js';
import { fleetRepository } from './access.js';
import type { StoredManifest } from './manifest-store.js';
import type { GatewayParts } from './parts.js';
import { RegistryError } from './registry-errors.js';
import type { UpstreamRepository } from './upstream.js';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

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
 * `/v2/fleets/NAME/os/manifests/REF`. A tag (any tag) answers with the digest the host should run now: the fleet's
 * rollout decides (desiredFor, the host API's desired-state answer), and telling it counts as serving it. A digest is
 * served only when one of the fleet's releases references it.
 */
export async function manifestRoutes(app: FastifyInstance, parts: GatewayParts): Promise<void> {
  const { context, access, manifests, contents, upstreamOf } = parts;
  const { store, clock } = context;

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
    url: '/v2/fleets/:fleet/os/manifests/:reference',
    handler: async (request, reply) => {
      const { fleet, reference } = request.params as { fleet: string; reference: string };
      const repository = fleetRepository(fleet);
      const caller = await access.caller(request, repository);
      const host = caller.host;
      if (isDigest(reference)) {
        await access.ownFleet(host, fleet);
        access.checkScope(request, caller, repository);
        const releases = (await store.listReleases(fleet)).map((each) => each.resource);
        const upstream = await contents.locateManifest(releases, reference);
        return sendManifest(
          request,
          reply,
          await negotiate(request, upstream, await manifests.get(upstream, reference), false),
        );
      }
      if (!TAG.test(reference) || reference.startsWith('sha256:') || reference.startsWith('sha512:')) {
        throw new RegistryError(
          reference.includes(':') ? 'DIGEST_INVALID' : 'TAG_INVALID',
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
      if (desired === undefined || desired.fleet !== fleet) await access.ownFleet(host, fleet);
      access.checkScope(request, caller, repository);
      await store.recordSeen(host, now);
      let upstream: UpstreamRepository;
      let digest: Digest;
      if (desired !== undefined) {
        upstream = upstreamOf(desired.image.slice(0, desired.image.lastIndexOf('@')));
        digest = desired.digest as Digest;
      } else {
        // No rollout speaks for the host: it keeps what it runs, which we can answer only when it is a release.
        const kept = await keptImage(host, fleet);
        if (kept === undefined) {
          throw new RegistryError(
            'MANIFEST_UNKNOWN',
            `no release of fleet ${fleet} is meant for host ${host} yet; it keeps the image it runs`,
          );
        }
        ({ upstream, digest } = kept);
      }
      const manifest = await negotiate(request, upstream, await manifests.get(upstream, digest), true);
      // Counted as served only once the host really gets the answer, so a rollout does not wait on a host that was
      // told nothing because upstream was down.
      if (desired !== undefined && !desired.servedRecently) {
        await store.recordServed(host, desired.digest, now);
        context.controller.nudge();
      }
      return sendManifest(request, reply, manifest);
    },
  });
}
