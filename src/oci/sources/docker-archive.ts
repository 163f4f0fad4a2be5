import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { isSha256Digest, PatchlineError } from '../../core/index.js';
import { peek, sniffCompression } from '../decompress.js';
import { type Digest, sha256Digest } from '../digest.js';
import type { ImageSource, ManifestBytes } from '../image-source.js';
import { DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_LAYER_TAR, DOCKER_MANIFEST, OCI_LAYER_ZSTD } from '../media-types.js';
import { parseRegistryReference } from '../reference.js';
import { type Descriptor, imageConfigSchema, parseJson } from '../schemas.js';
import type { LayoutFiles } from './layout-files.js';

const MAX_JSON = 8 * 1024 * 1024;
const dockerSaveManifestSchema = z.array(
  z.object({
    Config: z.string(),
    RepoTags: z.array(z.string()).nullable().optional(),
    Layers: z.array(z.string()),
  }),
);

/**
 * A `docker save` / `podman save` archive. It has no registry manifest, so one is built from its manifest.json; that
 * manifest's digest is ours, while the config digest (the image ID) is the archive's own.
 */
export async function openDockerArchive(
  files: LayoutFiles,
  name: string,
  selector: { tag?: string; index?: number },
): Promise<ImageSource> {
  if (!(await files.exists('manifest.json'))) {
    throw new PatchlineError('input', name, 'is not a docker-archive (it has no manifest.json)');
  }
  const entries = parseJson(
    dockerSaveManifestSchema,
    await files.read('manifest.json', MAX_JSON),
    `${name} (manifest.json)`,
  );
  const entry = chooseEntry(entries, selector, name);
  const configBytes = await files.read(entry.Config, MAX_JSON);
  const config = parseJson(imageConfigSchema, configBytes, `${name} (${entry.Config})`);
  if (config.rootfs.diff_ids.length !== entry.Layers.length) {
    throw new PatchlineError(
      'input',
      name,
      `manifest.json lists ${entry.Layers.length} layers but the config has ${config.rootfs.diff_ids.length} diff_ids`,
    );
  }
  const layerPaths = new Map<Digest, string>();
  const layers: Descriptor[] = [];
  for (const [i, path] of entry.Layers.entries()) {
    const probe = files.open(path);
    const compression = sniffCompression(await peek(probe, 4));
    probe.destroy();
    const diffId = config.rootfs.diff_ids[i] as Digest;
    // An uncompressed layer's digest is its diffID; a compressed one (rare in archives) must be hashed once.
    const fromPath = `sha256:${/blobs\/sha256\/([^/]+)$/.exec(path)?.[1]}` as const;
    const digest: Digest = isSha256Digest(fromPath)
      ? fromPath
      : compression === 'none'
        ? diffId
        : await hashMember(files, path);
    const mediaType =
      compression === 'gzip' ? DOCKER_LAYER_GZIP : compression === 'zstd' ? OCI_LAYER_ZSTD : DOCKER_LAYER_TAR;
    layers.push({ mediaType, digest, size: await files.size(path) });
    layerPaths.set(digest, path);
  }
  const configDigest = sha256Digest(configBytes);
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: DOCKER_CONFIG, digest: configDigest, size: configBytes.length },
      layers,
    }),
  );
  const manifest: ManifestBytes = {
    bytes: manifestBytes,
    mediaType: DOCKER_MANIFEST,
    digest: sha256Digest(manifestBytes),
  };

  return {
    name,
    async getManifest(digest?: Digest) {
      if (digest !== undefined && digest !== manifest.digest) {
        throw new PatchlineError('not-found', name, `has no manifest ${digest}`);
      }
      return manifest;
    },
    async openBlob(descriptor: Descriptor): Promise<Readable> {
      if (descriptor.digest === configDigest) return files.open(entry.Config);
      const path = layerPaths.get(descriptor.digest);
      if (!path) throw new PatchlineError('not-found', name, `has no blob ${descriptor.digest}`);
      return files.open(path);
    },
    bytesDownloaded: () => 0,
    async close() {},
    unverifiedIdentity:
      'docker-archive carries no manifest digest: this digest is of a manifest Patchline built from manifest.json; ' +
      "layers were checked against the config's diff_ids, but nothing ties the archive to a registry image",
  };
}

async function hashMember(files: LayoutFiles, path: string): Promise<Digest> {
  const hash = createHash('sha256');
  for await (const chunk of files.open(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

type Entry = z.infer<typeof dockerSaveManifestSchema>[number];

function chooseEntry(entries: Entry[], selector: { tag?: string; index?: number }, name: string): Entry {
  if (selector.index !== undefined) {
    const entry = entries[selector.index];
    if (!entry)
      throw new PatchlineError('not-found', name, `has ${entries.length} images; @${selector.index} is out of range`);
    return entry;
  }
  const all = entries.flatMap((e) => e.RepoTags ?? []);
  if (selector.tag !== undefined) {
    const wanted = canonical(selector.tag);
    const entry = entries.find((e) => (e.RepoTags ?? []).some((t) => canonical(t) === wanted));
    if (!entry)
      throw new PatchlineError(
        'not-found',
        name,
        `has no image "${selector.tag}" (it has: ${all.join(', ') || 'no tags'})`,
      );
    return entry;
  }
  if (entries.length === 1) return entries[0]!;
  throw new PatchlineError(
    'usage',
    name,
    `holds ${entries.length} images; name one with :NAME:TAG or :@INDEX (${all.join(', ')})`,
  );
}

/** `busybox:latest` and `docker.io/library/busybox:latest` name the same image. */
function canonical(tag: string): string {
  try {
    const ref = parseRegistryReference(tag);
    return `${ref.registry}/${ref.repository}:${ref.tag ?? ''}`;
  } catch {
    return tag;
  }
}
