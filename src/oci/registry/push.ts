import { pipeline } from 'node:stream';
import { PatchlineError } from '../../core/index.js';
import { type Digest, DigestVerifier, verifyBuffer } from '../digest.js';
import type { ImageSource, ManifestBytes } from '../image-source.js';
import { isIndexType } from '../media-types.js';
import { formatImageReference, type RegistryReference } from '../reference.js';
import { type Descriptor, indexSchema, manifestSchema, parseJson } from '../schemas.js';
import type { RegistryClient } from './client.js';

export interface PushResult {
  /** Digest of the top-level manifest or index, as stored. */
  digest: Digest;
  /** Blobs uploaded, and blobs the registry already had. */
  blobsPushed: number;
  blobsSkipped: number;
}

/**
 * Copies an image from any source to a registry, children before parents as the registry requires: for an index,
 * every manifest it lists (by digest) first; for a manifest, its config and layers first. Blobs the registry already
 * holds are not sent again. The top-level manifest goes under the target's tag, or its digest when it has none.
 * Every manifest and blob is checked against its digest on the way, so a lying source fails here, naming the blob.
 */
export async function pushImage(
  source: ImageSource,
  manifestDigest: Digest | undefined,
  target: RegistryReference,
  client: RegistryClient,
): Promise<PushResult> {
  if (target.registry !== client.registry) {
    throw new PatchlineError(
      'usage',
      formatImageReference(target),
      `the push target is on ${target.registry}, but the client talks to ${client.registry}`,
    );
  }
  const result: PushResult = { digest: '' as Digest, blobsPushed: 0, blobsSkipped: 0 };
  const top = await source.getManifest(manifestDigest);
  verifyBuffer(top.bytes, top.digest, `manifest ${top.digest} of ${source.name}`, top.size);
  if (target.digest !== undefined && target.digest !== top.digest) {
    throw new PatchlineError(
      'usage',
      formatImageReference(target),
      `the target names digest ${target.digest}, but the image's manifest is ${top.digest}`,
    );
  }
  await pushChildren(source, top, target.repository, client, result);
  result.digest = await client.putManifest(target.repository, target.tag ?? top.digest, top.bytes, top.mediaType);
  return result;
}

async function pushChildren(
  source: ImageSource,
  manifest: ManifestBytes,
  repository: string,
  client: RegistryClient,
  result: PushResult,
): Promise<void> {
  const what = `manifest ${manifest.digest} of ${source.name}`;
  if (isIndex(manifest)) {
    const index = parseJson(indexSchema, manifest.bytes, what);
    for (const child of index.manifests) {
      const childManifest = await source.getManifest(child.digest as Digest);
      verifyBuffer(
        childManifest.bytes,
        child.digest as Digest,
        `manifest ${child.digest} of ${source.name}`,
        child.size,
      );
      await pushChildren(source, childManifest, repository, client, result);
      await client.putManifest(repository, child.digest, childManifest.bytes, child.mediaType);
    }
    return;
  }
  const image = parseJson(manifestSchema, manifest.bytes, what);
  for (const blob of [image.config, ...image.layers] as Descriptor[]) {
    if (await client.blobExists(repository, blob.digest)) {
      result.blobsSkipped++;
      continue;
    }
    await client.pushBlob(repository, blob.digest, blob.size, async () => {
      const verifier = new DigestVerifier(blob.digest, `blob ${blob.digest} of ${source.name}`, blob.size);
      // pipeline, not pipe: errors of either stream reach the upload, and none is left without a listener.
      return pipeline(await source.openBlob(blob), verifier, () => undefined);
    });
    result.blobsPushed++;
  }
}

/** The media type says which it is; a document without one is an index when it lists manifests. */
function isIndex(manifest: ManifestBytes): boolean {
  if (isIndexType(manifest.mediaType)) return true;
  if (manifest.mediaType !== '' && manifest.mediaType !== 'application/json') return false;
  try {
    return Array.isArray((JSON.parse(manifest.bytes.toString('utf8')) as { manifests?: unknown }).manifests);
  } catch {
    return false;
  }
}
