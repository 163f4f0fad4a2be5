import type { Readable } from 'node:stream';
import { z } from 'zod';
import { PatchlineError } from '../../core/index.js';
import { type Digest, digestAlgorithm, digestHex, sha256Digest } from '../digest.js';
import type { ImageSource, ManifestBytes } from '../image-source.js';
import { sniffManifestMediaType } from '../manifest-type.js';
import { OCI_INDEX } from '../media-types.js';
import { type Descriptor, indexSchema, parseJson } from '../schemas.js';
import type { LayoutFiles } from './layout-files.js';

const REF_NAME = 'org.opencontainers.image.ref.name';
const MAX_JSON = 8 * 1024 * 1024;
const layoutMarkerSchema = z.object({ imageLayoutVersion: z.string() });

export function blobPath(digest: Digest): string {
  return `blobs/${digestAlgorithm(digest)}/${digestHex(digest)}`;
}

/** An OCI image layout (image-spec layout.md), in a folder (`oci:`) or in a tar archive (`oci-archive:`). */
export async function openOciLayout(files: LayoutFiles, name: string, tag: string | undefined): Promise<ImageSource> {
  if (!(await files.exists('oci-layout'))) {
    throw new PatchlineError('input', name, `${files.where} is not an OCI image layout (it has no oci-layout file)`);
  }
  parseJson(layoutMarkerSchema, await files.read('oci-layout', MAX_JSON), `${name} (oci-layout)`);
  const indexBytes = await files.read('index.json', MAX_JSON);
  const index = parseJson(indexSchema, indexBytes, `${name} (index.json)`);
  // Several untagged entries that each name a platform are one multi-arch image: index.json itself is its index.
  const chosen = chooseManifest(index.manifests, tag, name) ?? {
    mediaType: OCI_INDEX,
    digest: sha256Digest(indexBytes),
    size: indexBytes.length,
  };

  const readBlob = async (digest: Digest): Promise<Buffer> => {
    const path = blobPath(digest);
    if (!(await files.exists(path)))
      throw new PatchlineError('not-found', name, `blob ${digest} is missing from the layout`);
    return files.read(path, MAX_JSON);
  };

  return {
    name,
    async getManifest(digest?: Digest): Promise<ManifestBytes> {
      const wanted = digest ?? chosen.digest;
      if (digest === undefined && chosen.mediaType === OCI_INDEX && chosen.digest === sha256Digest(indexBytes)) {
        return { bytes: indexBytes, mediaType: OCI_INDEX, digest: chosen.digest };
      }
      const bytes = await readBlob(wanted);
      if (digest !== undefined) {
        return { bytes, mediaType: sniffManifestMediaType(bytes, `${name}@${wanted}`), digest: wanted };
      }
      // index.json's entry declares the digest and size; openImage checks the bytes against both before using them.
      return { bytes, mediaType: chosen.mediaType, digest: wanted, size: chosen.size };
    },
    async openBlob(descriptor: Descriptor): Promise<Readable> {
      const path = blobPath(descriptor.digest);
      if (!(await files.exists(path))) {
        throw new PatchlineError('not-found', name, `blob ${descriptor.digest} is missing from the layout`);
      }
      return files.open(path);
    },
    bytesDownloaded: () => 0,
    async close() {},
  };
}

function chooseManifest(manifests: Descriptor[], tag: string | undefined, name: string): Descriptor | undefined {
  const tags = manifests.map((m) => m.annotations?.[REF_NAME]).filter((t): t is string => t !== undefined);
  if (tag !== undefined) {
    const match = manifests.find((m) => m.annotations?.[REF_NAME] === tag);
    if (!match) {
      throw new PatchlineError(
        'not-found',
        name,
        `has no image tagged "${tag}" (tags here: ${tags.length > 0 ? tags.join(', ') : 'none'})`,
      );
    }
    return match;
  }
  if (manifests.length === 1) return manifests[0]!;
  if (manifests.length === 0) throw new PatchlineError('not-found', name, 'the layout holds no image');
  // Several entries and no tag: a layout whose entries are one image's platforms is read as that index.
  if (tags.length === 0 && manifests.every((m) => m.platform !== undefined)) return undefined;
  throw new PatchlineError(
    'usage',
    name,
    `holds ${manifests.length} images; name one with :TAG (tags here: ${tags.join(', ')})`,
  );
}
