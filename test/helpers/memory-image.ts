import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { type Digest, digestHex, sha256Digest } from '../../src/oci/digest.js';
import type { ImageSource, ManifestBytes } from '../../src/oci/image-source.js';
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST } from '../../src/oci/media-types.js';
import type { Descriptor } from '../../src/oci/schemas.js';

/**
 * Small but real OCI images built in memory for registry tests: gzip tar layers, a config whose diff_ids match,
 * a manifest, and optionally an index over several of them. They can be served as an ImageSource or written as an
 * OCI layout for skopeo.
 */
export interface MemoryImage {
  /** The top manifest or index. */
  top: ManifestBytes;
  /** Every manifest (index children included) by digest. */
  manifests: Map<Digest, ManifestBytes>;
  blobs: Map<Digest, Buffer>;
}

export type LayerFiles = Record<string, string | Buffer>;

async function tarOf(files: LayerFiles): Promise<Buffer> {
  const archive = pack();
  for (const [name, content] of Object.entries(files)) {
    archive.entry(
      { name, mode: 0o644, mtime: new Date(0) },
      typeof content === 'string' ? Buffer.from(content) : content,
    );
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function descriptor(mediaType: string, bytes: Buffer, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType, digest: sha256Digest(bytes), size: bytes.length, ...extra } as Descriptor;
}

/** One image: a layer per entry of `layers`, for linux on `architecture`. */
export async function buildImage(layers: LayerFiles[], architecture = 'amd64'): Promise<MemoryImage> {
  const blobs = new Map<Digest, Buffer>();
  const layerDescriptors: Descriptor[] = [];
  const diffIds: Digest[] = [];
  for (const files of layers) {
    const tar = await tarOf(files);
    const gz = gzipSync(tar);
    diffIds.push(sha256Digest(tar));
    const d = descriptor(OCI_LAYER_GZIP, gz);
    blobs.set(d.digest, gz);
    layerDescriptors.push(d);
  }
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      architecture,
      os: 'linux',
      config: { Labels: { 'org.example.test': 'patchline' } },
      rootfs: { type: 'layers', diff_ids: diffIds },
    }),
  );
  const configDescriptor = descriptor(OCI_CONFIG, config);
  blobs.set(configDescriptor.digest, config);
  const bytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDescriptor, layers: layerDescriptors }),
  );
  const top: ManifestBytes = { bytes, mediaType: OCI_MANIFEST, digest: sha256Digest(bytes) };
  return { top, manifests: new Map([[top.digest, top]]), blobs };
}

/** An index over several images, each child tagged with its platform. */
export function buildIndex(images: { image: MemoryImage; architecture: string }[]): MemoryImage {
  const manifests = new Map<Digest, ManifestBytes>();
  const blobs = new Map<Digest, Buffer>();
  const entries = images.map(({ image, architecture }) => {
    for (const [d, m] of image.manifests) manifests.set(d, m);
    for (const [d, b] of image.blobs) blobs.set(d, b);
    return descriptor(OCI_MANIFEST, image.top.bytes, { platform: { os: 'linux', architecture } });
  });
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries }));
  const top: ManifestBytes = { bytes, mediaType: OCI_INDEX, digest: sha256Digest(bytes) };
  manifests.set(top.digest, top);
  return { top, manifests, blobs };
}

/** The image as an ImageSource that counts how often each blob was opened. */
export function memorySource(image: MemoryImage, name = 'memory:test'): ImageSource & { opened: Map<Digest, number> } {
  const opened = new Map<Digest, number>();
  return {
    name,
    opened,
    async getManifest(digest?: Digest) {
      const manifest = digest === undefined ? image.top : image.manifests.get(digest);
      if (manifest === undefined) throw new Error(`no manifest ${digest}`);
      return manifest;
    },
    async openBlob(d: Descriptor) {
      const blob = image.blobs.get(d.digest);
      if (blob === undefined) throw new Error(`no blob ${d.digest}`);
      opened.set(d.digest, (opened.get(d.digest) ?? 0) + 1);
      return Readable.from([blob]);
    },
    bytesDownloaded: () => 0,
    close: async () => undefined,
  };
}

/** Writes the image as an OCI image layout with `tag` in index.json, as skopeo's `oci:DIR:tag` reads it. */
export async function writeOciLayout(dir: string, image: MemoryImage, tag: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const write = (digest: Digest, bytes: Buffer) => writeFile(join(dir, 'blobs', 'sha256', digestHex(digest)), bytes);
  for (const [d, b] of image.blobs) await write(d, b);
  for (const [d, m] of image.manifests) await write(d, m.bytes);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const top = descriptor(image.top.mediaType, image.top.bytes, {
    annotations: { 'org.opencontainers.image.ref.name': tag },
  });
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [top] }));
}
