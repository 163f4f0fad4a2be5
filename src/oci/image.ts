import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { PatchlineError } from '../core/index.js';
import { BlobCache, defaultCacheDir } from './blob-cache.js';
import { decompressLayer } from './decompress.js';
import { type Digest, DigestVerifier, verifyBuffer } from './digest.js';
import type { ImageSource } from './image-source.js';
import { DOCKER_CONFIG, isIndexType, layerCompression, OCI_CONFIG } from './media-types.js';
import { defaultPlatform, formatPlatform, type Platform, platformMatches } from './platform.js';
import { formatImageReference, type ImageReference, parseImageReference } from './reference.js';
import { openRegistrySource } from './registry/index.js';
import {
  type Descriptor,
  type ImageConfig,
  imageConfigSchema,
  indexSchema,
  type Manifest,
  manifestSchema,
  parseJson,
} from './schemas.js';
import { openArchive } from './sources/archive.js';
import { openDockerArchive } from './sources/docker-archive.js';
import { archiveFiles, directoryFiles } from './sources/layout-files.js';
import { openOciLayout } from './sources/oci-layout.js';
import { pipeInto, readAll } from './streams.js';

export interface ImageLimits {
  /** Most uncompressed bytes one layer may expand to: the decompression-bomb guard. */
  maxLayerBytes: number;
  /** Most bytes of a manifest, index or config. */
  maxJsonBytes: number;
}

export const DEFAULT_LIMITS: ImageLimits = {
  maxLayerBytes: 64 * 1024 ** 3,
  maxJsonBytes: 8 * 1024 * 1024,
};

export interface OpenImageOptions {
  platform?: Platform;
  cacheDir?: string;
  /** false allows plain HTTP and unverified TLS for the registry, like skopeo's --tls-verify=false. */
  tlsVerify?: boolean;
  /** Registry credential files to read instead of the standard ones. */
  authFiles?: string[];
  /** Explicit registry credentials (like skopeo's --creds). */
  credentials?: { username: string; password: string };
  limits?: Partial<ImageLimits>;
}

export interface LayerInfo {
  /** 0 is the base (lowest) layer. */
  index: number;
  descriptor: Descriptor;
  diffId: Digest;
}

export interface LayerStream {
  /** The layer's uncompressed tar bytes. It errors, before it ends, if the blob digest or diffID does not match. */
  tar: Readable;
  /** Compressed bytes read from the source so far. */
  bytesRead(): number;
  /** Uncompressed bytes produced so far. */
  bytesUncompressed(): number;
}

export interface Image {
  /** The reference as given, in transport syntax. */
  name: string;
  reference: ImageReference;
  /** Digest of the image manifest (the platform's manifest when the reference names an index). */
  digest: Digest;
  mediaType: string;
  /** Digest of the index the reference named, when it named one. */
  indexDigest?: Digest;
  /** Set when the source carries no digests of its own (docker-archive): why `digest` was computed, not checked. */
  unverifiedIdentity?: string;
  platform: Platform;
  manifest: Manifest;
  config: ImageConfig;
  configDigest: Digest;
  layers: LayerInfo[];
  limits: ImageLimits;
  openLayer(index: number): Promise<LayerStream>;
  bytesDownloaded(): number;
  close(): Promise<void>;
}

/** Opens the source an image reference names; `dir:` (a plain root filesystem) is not an image and is refused here. */
export async function openImageSource(
  reference: ImageReference,
  options: OpenImageOptions = {},
): Promise<{ source: ImageSource; cleanup: () => Promise<void> }> {
  const name = formatImageReference(reference);
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  switch (reference.transport) {
    case 'docker': {
      const cache = new BlobCache(options.cacheDir ?? defaultCacheDir());
      const source = await openRegistrySource(reference, {
        cache,
        ...(options.tlsVerify === undefined ? {} : { tlsVerify: options.tlsVerify }),
        ...(options.authFiles === undefined ? {} : { authFiles: options.authFiles }),
        ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      });
      return { source, cleanup: async () => {} };
    }
    case 'oci': {
      const dir = resolve(reference.path);
      if (
        !(await stat(dir).then(
          (s) => s.isDirectory(),
          () => false,
        ))
      ) {
        throw new PatchlineError(
          'not-found',
          name,
          `${dir} is not a folder (an OCI layout is a folder; for a tar file use oci-archive:)`,
        );
      }
      return { source: await openOciLayout(directoryFiles(dir), name, reference.tag), cleanup: async () => {} };
    }
    case 'oci-archive': {
      const archive = await openArchive(reference.path, limits.maxLayerBytes);
      try {
        const files = archiveFiles(archive.tarPath, archive.index);
        return { source: await openOciLayout(files, name, reference.tag), cleanup: archive.cleanup };
      } catch (error) {
        await archive.cleanup();
        throw error;
      }
    }
    case 'docker-archive': {
      const archive = await openArchive(reference.path, limits.maxLayerBytes);
      try {
        const files = archiveFiles(archive.tarPath, archive.index);
        const selector = {
          ...(reference.tag === undefined ? {} : { tag: reference.tag }),
          ...(reference.index === undefined ? {} : { index: reference.index }),
        };
        return { source: await openDockerArchive(files, name, selector), cleanup: archive.cleanup };
      } catch (error) {
        await archive.cleanup();
        throw error;
      }
    }
    case 'dir':
      throw new PatchlineError(
        'usage',
        name,
        'is a root filesystem, not an image; only file-tree commands accept dir:',
      );
  }
}

export async function openImage(input: string | ImageReference, options: OpenImageOptions = {}): Promise<Image> {
  const reference = typeof input === 'string' ? parseImageReference(input) : input;
  const name = formatImageReference(reference);
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const { source, cleanup } = await openImageSource(reference, options);
  const close = async () => {
    await source.close();
    await cleanup();
  };
  try {
    const image = await resolveImage(source, name, reference, options.platform ?? defaultPlatform(), limits);
    return { ...image, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function resolveImage(
  source: ImageSource,
  name: string,
  reference: ImageReference,
  platform: Platform,
  limits: ImageLimits,
): Promise<Omit<Image, 'close'>> {
  let top = await source.getManifest();
  // The manifest the reference resolves to is checked like every other: a source only delivers bytes, and a layout
  // whose blob was rewritten under the same name must not be read as the image its digest names.
  verifyBuffer(top.bytes, top.digest, `${name}: manifest ${top.digest}`, top.size);
  let indexDigest: Digest | undefined;
  // An index may point at another index (rare, but legal); two levels are plenty.
  for (let depth = 0; isIndexType(top.mediaType) && depth < 2; depth++) {
    indexDigest ??= top.digest;
    const index = parseJson(indexSchema, top.bytes, `${name} (index ${top.digest})`);
    const entry = choosePlatform(index.manifests, platform, name);
    const next = await source.getManifest(entry.digest);
    verifyBuffer(next.bytes, entry.digest, `${name}: manifest ${entry.digest}`, entry.size);
    top = { ...next, mediaType: entry.mediaType };
  }
  if (isIndexType(top.mediaType)) throw new PatchlineError('input', name, 'has indexes nested more than two deep');
  const manifest = parseJson(manifestSchema, top.bytes, `${name} (manifest ${top.digest})`);
  if (manifest.config.mediaType !== OCI_CONFIG && manifest.config.mediaType !== DOCKER_CONFIG) {
    throw new PatchlineError(
      'unsupported',
      name,
      `is not a container image: its config media type is ${manifest.config.mediaType}`,
    );
  }
  const configStream = pipeInto(
    await source.openBlob(manifest.config),
    new DigestVerifier(manifest.config.digest, `${name}: config ${manifest.config.digest}`, manifest.config.size),
  );
  const configBytes = await readAll(configStream, limits.maxJsonBytes, `${name}: config ${manifest.config.digest}`);
  const config = parseJson(imageConfigSchema, configBytes, `${name} (config ${manifest.config.digest})`);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new PatchlineError(
      'input',
      name,
      `the manifest has ${manifest.layers.length} layers but the config lists ${config.rootfs.diff_ids.length} diff_ids`,
    );
  }
  const layers: LayerInfo[] = manifest.layers.map((descriptor, index) => ({
    index,
    descriptor: descriptor as Descriptor,
    diffId: config.rootfs.diff_ids[index] as Digest,
  }));
  const actualPlatform: Platform = { os: config.os, architecture: config.architecture };
  if (config.variant) actualPlatform.variant = config.variant;

  const openLayer = async (index: number): Promise<LayerStream> => {
    const layer = layers[index];
    if (!layer) throw new PatchlineError('usage', name, `has no layer ${index}`);
    const what = `${name}: layer ${index} (${layer.descriptor.digest})`;
    if (layerCompression(layer.descriptor.mediaType) === undefined) {
      throw new PatchlineError('unsupported', what, `has the unknown media type ${layer.descriptor.mediaType}`);
    }
    const blob = pipeInto(
      await source.openBlob(layer.descriptor),
      new DigestVerifier(layer.descriptor.digest, what, layer.descriptor.size),
    );
    const decompressed = await decompressLayer(blob, what, limits.maxLayerBytes);
    const tar = pipeInto(decompressed.stream, new DigestVerifier(layer.diffId, `${what} diffID`));
    return { tar, bytesRead: () => blob.bytes, bytesUncompressed: () => decompressed.bytesOut() };
  };

  const image: Omit<Image, 'close'> = {
    name,
    reference,
    digest: top.digest,
    mediaType: top.mediaType,
    platform: actualPlatform,
    manifest,
    config,
    configDigest: manifest.config.digest as Digest,
    layers,
    limits,
    openLayer,
    bytesDownloaded: () => source.bytesDownloaded(),
  };
  if (indexDigest !== undefined) image.indexDigest = indexDigest;
  if (source.unverifiedIdentity !== undefined) image.unverifiedIdentity = source.unverifiedIdentity;
  return image;
}

function choosePlatform(entries: Descriptor[], wanted: Platform, name: string): Descriptor {
  const images = entries.filter((e) => e.platform && e.platform.os !== 'unknown');
  const match = images.find((e) => e.platform && platformMatches(e.platform, wanted));
  if (match) return match;
  const available = images.map((e) => (e.platform ? formatPlatform(e.platform) : '?'));
  throw new PatchlineError(
    'not-found',
    name,
    `has no image for platform ${formatPlatform(wanted)} (it has: ${available.join(', ') || 'no platform entries'}); choose one with --platform`,
  );
}
