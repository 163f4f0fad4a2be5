import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  type Fleet,
  type Host,
  type Release,
  releaseDigests,
  releaseRepository,
  revealsNow,
} from '../../fleet/index.js';
import { type Digest, isDigest, mediaTypes } from '../../oci/index.js';
import { isStoreError, type Stored } from '../../store/index.js';
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

  /**
   * What the host runs now, to answer when nothing new is meant for it (yet): the digest it booted, from the release
   * that holds it, or else from the fleet's own repository (a host of a fleet with no release yet runs the image it
   * was installed with). Undefined for a host that has not reported what it runs.
   */
  async function keptImage(
    status: Host['status'],
    fleet: Stored<Fleet>,
  ): Promise<{ upstream: UpstreamRepository; digest: Digest; releases: Release[] } | undefined> {
    const booted = status?.report?.bootc.status?.booted?.image?.imageDigest;
    if (booted === undefined || booted === null || !isDigest(booted)) return undefined;
    const releases = (await store.listReleases(fleet.resource.metadata.name)).map((each) => each.resource);
    const release = releases.find((each) => releaseDigests(each).has(booted));
    const repository = release === undefined ? fleet.resource.spec.image : releaseRepository(release);
    return { upstream: upstreamOf(repository), digest: booted, releases: release === undefined ? [] : [release] };
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
      const own = await access.ownFleet(host, fleet);
      access.checkScope(request, caller, repository);
      const hostStatus = (await store.getHost(host))?.resource.status;
      const kept = await keptImage(hostStatus, own);
      // A change is revealed only while the host may apply it at once (bootc's update service downloads, stages and
      // reboots as soon as it sees a new digest): inside the fleet's download and reboot windows. Until then, and
      // when nothing speaks for the host, it is answered what it runs. Nothing new to the host: what it runs, and
      // what it was last told (it may still be downloading that).
      const known = new Set((kept?.releases ?? []).flatMap((each) => [...releaseDigests(each)]));
      if (kept !== undefined) known.add(kept.digest);
      const told = hostStatus?.lastServed?.digest;
      if (told !== undefined) known.add(told);
      const reveal =
        desired !== undefined && revealsNow(desired.digest, known, own.resource.spec.maintenanceWindows, now);
      let upstream: UpstreamRepository;
      let digest: Digest;
      if (reveal) {
        upstream = upstreamOf(desired.image.slice(0, desired.image.lastIndexOf('@')));
        digest = desired.digest as Digest;
      } else if (kept !== undefined) {
        ({ upstream, digest } = kept);
      } else {
        throw new RegistryError(
          'MANIFEST_UNKNOWN',
          desired === undefined
            ? `host ${host} has not reported the image it runs, and no release of fleet ${fleet} is meant for it yet`
            : `host ${host} has not reported the image it runs, and fleet ${fleet}'s windows are closed`,
        );
      }
      const manifest = await negotiate(request, upstream, await manifests.get(upstream, digest), true);
      // Counted as served only once the host really gets the answer, so a rollout does not wait on a host that was
      // told nothing because upstream was down.
      if (reveal && !desired.servedRecently) {
        await store.recordServed(host, desired.digest, now);
        context.controller.nudge(desired.fleet);
      }
      return sendManifest(request, reply, manifest);
    },
  });
}
