import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../core/index.js';
import { type Digest, sha256Digest } from '../../oci/index.js';
import { type UpstreamRepository, upstreamFailure } from './upstream.js';

/** A manifest or index as the upstream registry served it: its exact bytes and its Content-Type. */
export interface StoredManifest {
  digest: Digest;
  bytes: Buffer;
  mediaType: string;
}

// One cache file per manifest holds both its type and bytes, so they are written (and renamed into place) together.
const cacheFileSchema = z.object({ mediaType: z.string().min(1).max(255), data: z.string() });

// Manifests are small (distribution refuses more than 4 MiB); this many kept in memory is a few megabytes in practice.
const MEMORY_ENTRIES = 2000;

/**
 * Manifests by digest: from memory, else from the cache folder, else from the upstream repository (fetched by digest,
 * so the client checks the bytes against it before we keep them). Concurrent requests for the same manifest share
 * one upstream fetch. What is kept never changes: a digest names its content.
 */
export class ManifestStore {
  private readonly memory = new Map<Digest, StoredManifest>();
  private readonly loading = new Map<Digest, Promise<StoredManifest>>();

  constructor(private readonly cacheDir: string) {}

  get(upstream: UpstreamRepository, digest: Digest): Promise<StoredManifest> {
    const known = this.memory.get(digest);
    if (known !== undefined) return Promise.resolve(known);
    let loading = this.loading.get(digest);
    if (loading === undefined) {
      loading = this.load(upstream, digest).finally(() => this.loading.delete(digest));
      this.loading.set(digest, loading);
    }
    return loading;
  }

  private pathOf(digest: Digest): string {
    return join(this.cacheDir, 'manifests', digest.replace(':', '/'));
  }

  private async load(upstream: UpstreamRepository, digest: Digest): Promise<StoredManifest> {
    const manifest = (await this.readCached(digest)) ?? (await this.fetch(upstream, digest));
    if (this.memory.size >= MEMORY_ENTRIES) this.memory.delete(this.memory.keys().next().value as Digest);
    this.memory.set(digest, manifest);
    return manifest;
  }

  private async fetch(upstream: UpstreamRepository, digest: Digest): Promise<StoredManifest> {
    let fetched: { bytes: Buffer; mediaType: string };
    try {
      fetched = await upstream.client.getManifest(upstream.path, digest);
    } catch (error) {
      throw upstreamFailure(error, `manifest ${upstream.name}@${digest}`, 'MANIFEST_UNKNOWN');
    }
    const manifest = { digest, bytes: fetched.bytes, mediaType: fetched.mediaType };
    await this.writeCached(manifest);
    return manifest;
  }

  private async readCached(digest: Digest): Promise<StoredManifest | undefined> {
    let text: string;
    try {
      text = await readFile(this.pathOf(digest), 'utf8');
    } catch {
      return undefined;
    }
    // A cache file that does not parse or match its digest is dropped and fetched again, never served.
    try {
      const entry = cacheFileSchema.parse(JSON.parse(text));
      const bytes = Buffer.from(entry.data, 'base64');
      if (digest.startsWith('sha256:') && sha256Digest(bytes) === digest) {
        return { digest, bytes, mediaType: entry.mediaType };
      }
    } catch {
      // fall through
    }
    await rm(this.pathOf(digest), { force: true });
    return undefined;
  }

  private async writeCached(manifest: StoredManifest): Promise<void> {
    // Only sha256 entries are cached on disk (readCached checks sha256); others stay in memory.
    if (!manifest.digest.startsWith('sha256:')) return;
    const path = this.pathOf(manifest.digest);
    await mkdir(dirname(path), { recursive: true });
    const entry = { mediaType: manifest.mediaType, data: manifest.bytes.toString('base64') };
    await writeFileAtomic(path, JSON.stringify(entry));
  }
}
