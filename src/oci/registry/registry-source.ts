import { pipeline, type Readable, Transform } from 'node:stream';
import type { BlobCache } from '../blob-cache.js';
import type { Digest } from '../digest.js';
import type { ImageSource, ManifestBytes } from '../image-source.js';
import { formatImageReference, type RegistryReference } from '../reference.js';
import type { Descriptor } from '../schemas.js';
import { RegistryClient, type RegistryClientOptions } from './client.js';

export interface RegistrySourceOptions extends RegistryClientOptions {
  cache: BlobCache;
  /** An existing client for the reference's registry, to share its tokens; one is made from the options otherwise. */
  client?: RegistryClient;
}

/**
 * An image in a registry as an ImageSource. Blobs come from the local cache when it has them; otherwise they stream
 * from the registry and into the cache at once, so a second look at the same image downloads no blob again.
 * `bytesDownloaded` counts blob bytes received from the network; manifests are small and are not counted.
 */
export async function openRegistrySource(ref: RegistryReference, options: RegistrySourceOptions): Promise<ImageSource> {
  const { cache, client: given, ...clientOptions } = options;
  const client = given ?? new RegistryClient(ref.registry, clientOptions);
  const repository = ref.repository;
  let downloaded = 0;

  return {
    name: formatImageReference(ref),

    getManifest(digest?: Digest): Promise<ManifestBytes> {
      // A digest pins the content; a tag alone is asked for only when the reference has no digest.
      const reference = digest ?? ref.digest ?? ref.tag ?? 'latest';
      return client.getManifest(repository, reference);
    },

    async openBlob(descriptor: Descriptor): Promise<Readable> {
      if (await cache.has(descriptor.digest)) return cache.open(descriptor.digest);
      const network = await client.getBlob(repository, descriptor.digest);
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          downloaded += chunk.length;
          callback(null, chunk);
        },
      });
      const cached = await cache.writeThrough(descriptor.digest, descriptor.size);
      // pipeline destroys every stage when one fails, so a broken download reaches the consumer as an error on the
      // stream it holds, and the cache discards the partial entry.
      return pipeline(network, counter, cached, () => undefined);
    },

    bytesDownloaded: () => downloaded,

    async close(): Promise<void> {
      // Nothing is held open between calls: fetch's connection pool closes idle sockets by itself.
    },
  };
}
