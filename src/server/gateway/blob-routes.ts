import type { FastifyInstance } from 'fastify';
import { isDigest } from '../../oci/index.js';
import { fleetRepository } from './access.js';
import type { GatewayParts } from './parts.js';
import { parseRange } from './range.js';
import { RegistryError } from './registry-errors.js';

/**
 * `/v2/fleets/NAME/os/blobs/DIGEST`: configs and layers the fleet's releases reference, from the cache or streamed
 * from upstream with the hold-back verification; single byte ranges from a verified copy.
 */
export async function blobRoutes(app: FastifyInstance, parts: GatewayParts): Promise<void> {
  const { context, access, contents, blobs } = parts;
  app.route({
    method: ['GET', 'HEAD'],
    url: '/v2/fleets/:fleet/os/blobs/:digest',
    handler: async (request, reply) => {
      const { fleet, digest } = request.params as { fleet: string; digest: string };
      const repository = fleetRepository(fleet);
      const caller = await access.caller(request, repository);
      await access.ownFleet(caller.host, fleet);
      access.checkScope(request, caller, repository);
      if (!isDigest(digest)) throw new RegistryError('DIGEST_INVALID', `"${digest.slice(0, 140)}" is not a digest`);
      const releases = (await context.store.listReleases(fleet)).map((each) => each.resource);
      const located = await contents.locateBlob(releases, digest);
      const blob = { upstream: located.upstream, digest, size: located.value };
      reply
        .header('content-type', 'application/octet-stream')
        .header('docker-content-digest', digest)
        .header('etag', `"${digest}"`)
        .header('accept-ranges', 'bytes');
      // The size is the release manifest's word; a HEAD needs nothing from upstream.
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
}
