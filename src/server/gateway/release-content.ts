import { z } from 'zod';
import { type Release, releaseDigest, releaseRepository } from '../../fleet/index.js';
import { type Digest, isDigest, mediaTypes } from '../../oci/index.js';
import type { ManifestStore } from './manifest-store.js';
import { RegistryError } from './registry-errors.js';
import type { UpstreamRepository } from './upstream.js';

/** Everything one release references: its manifests (index, platform manifests) and blobs (configs, layers). */
interface ReleaseContent {
  manifests: Set<Digest>;
  blobs: Map<Digest, number>;
}

export interface Located<T> {
  upstream: UpstreamRepository;
  value: T;
}

const descriptorShape = z.object({
  digest: z.string().refine(isDigest, 'expected a digest'),
  size: z.number().int().nonnegative(),
});
// Only what the gateway needs of a manifest; anything else in it is passed on untouched.
const indexShape = z.object({ manifests: z.array(descriptorShape) });
const manifestShape = z.object({ config: descriptorShape, layers: z.array(descriptorShape) });

// An index of indexes is legal but rare; deeper nesting than this is refused rather than followed.
const MAX_DEPTH = 3;

/**
 * What the gateway may serve to a fleet's hosts: only what the fleet's releases reference, so a host credential
 * cannot be used to read anything else from the upstream registry. A release never changes, so what it references is
 * worked out once per process (from the cached manifests) and kept.
 */
export class ReleaseContents {
  private readonly known = new Map<string, Promise<ReleaseContent>>();

  constructor(
    private readonly manifests: ManifestStore,
    private readonly upstreamOf: (repository: string) => UpstreamRepository,
  ) {}

  /** The upstream repository to fetch a manifest from, if the digest is one of the releases' manifests. */
  async locateManifest(releases: readonly Release[], digest: Digest): Promise<UpstreamRepository> {
    // The common case, a release's own digest, needs no walk through manifests.
    const own = releases.find((release) => releaseDigest(release) === digest);
    if (own !== undefined) return this.upstreamOf(releaseRepository(own));
    const found = await this.search(releases, (content) => content.manifests.has(digest));
    if (found === undefined) {
      throw new RegistryError('MANIFEST_UNKNOWN', `manifest ${digest} is not part of any release of this fleet`);
    }
    return found.upstream;
  }

  /** The upstream repository and size of a blob, if one of the releases references it. */
  async locateBlob(releases: readonly Release[], digest: Digest): Promise<Located<number>> {
    const found = await this.search(releases, (content) => content.blobs.has(digest));
    if (found === undefined) {
      throw new RegistryError('BLOB_UNKNOWN', `blob ${digest} is not part of any release of this fleet`);
    }
    return { upstream: found.upstream, value: found.content.blobs.get(digest) ?? 0 };
  }

  /**
   * The first release whose content matches. Releases whose manifests cannot be read right now are skipped; if the
   * digest is in none of the others, we cannot tell a stranger from content of an unreadable release: 503, not 404.
   */
  private async search(
    releases: readonly Release[],
    matches: (content: ReleaseContent) => boolean,
  ): Promise<{ upstream: UpstreamRepository; content: ReleaseContent } | undefined> {
    let unreadable: unknown;
    // Newest first: the release being rolled out is the one being pulled.
    for (const release of [...releases].reverse()) {
      const upstream = this.upstreamOf(releaseRepository(release));
      let content: ReleaseContent;
      try {
        content = await this.contentOf(upstream, releaseDigest(release) as Digest);
      } catch (error) {
        // A release whose manifest upstream no longer has holds nothing we could serve; any other failure leaves
        // the answer unknown.
        if (!(error instanceof RegistryError && error.code === 'MANIFEST_UNKNOWN')) unreadable ??= error;
        continue;
      }
      if (matches(content)) return { upstream, content };
    }
    if (unreadable !== undefined) throw unreadable;
    return undefined;
  }

  private contentOf(upstream: UpstreamRepository, digest: Digest): Promise<ReleaseContent> {
    const key = `${upstream.name}@${digest}`;
    let content = this.known.get(key);
    if (content === undefined) {
      content = this.walk(upstream, digest);
      this.known.set(key, content);
      // A failure (upstream down) is not remembered: the next request tries again.
      content.catch(() => this.known.delete(key));
    }
    return content;
  }

  private async walk(upstream: UpstreamRepository, top: Digest): Promise<ReleaseContent> {
    const content: ReleaseContent = { manifests: new Set(), blobs: new Map() };
    const visit = async (digest: Digest, depth: number): Promise<void> => {
      if (content.manifests.has(digest)) return;
      content.manifests.add(digest);
      const manifest = await this.manifests.get(upstream, digest);
      const document = parseDocument(manifest.bytes);
      // A manifest of another shape (an artifact) is still served; it only references nothing we would serve.
      const index = indexShape.safeParse(document);
      if (mediaTypes.isIndexType(manifest.mediaType) || index.success) {
        if (!index.success || depth >= MAX_DEPTH) return;
        for (const child of index.data.manifests) await visit(child.digest as Digest, depth + 1);
        return;
      }
      const image = manifestShape.safeParse(document);
      if (!image.success) return;
      for (const blob of [image.data.config, ...image.data.layers]) content.blobs.set(blob.digest as Digest, blob.size);
    };
    await visit(top, 0);
    return content;
  }
}

function parseDocument(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
