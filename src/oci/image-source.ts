import type { Readable } from 'node:stream';
import type { Digest } from './digest.js';
import type { Descriptor } from './schemas.js';

export interface ManifestBytes {
  bytes: Buffer;
  mediaType: string;
  digest: Digest;
  /** The size the descriptor that named this manifest declares, when one did (an OCI layout's index.json entry). */
  size?: number;
}

/**
 * Where an image's manifests and blobs come from: a registry, an OCI layout, an archive. Sources only deliver bytes;
 * `openImage` checks every manifest and blob against its digest, so a source never has to be trusted.
 */
export interface ImageSource {
  /** The reference as the user wrote it, for messages. */
  readonly name: string;
  /** The manifest or index the reference names, or, with a digest, that manifest. */
  getManifest(digest?: Digest): Promise<ManifestBytes>;
  /** The blob's raw (possibly compressed) bytes, streamed. */
  openBlob(descriptor: Descriptor): Promise<Readable>;
  /** Bytes this source fetched over the network so far (0 for local sources, and for blobs served from the cache). */
  bytesDownloaded(): number;
  close(): Promise<void>;
  /**
   * Set when the source has no digests of its own, so the identity `openImage` reports was computed by Patchline
   * rather than checked against the source (docker-archive). Says so in words, for reports and gate evidence.
   */
  readonly unverifiedIdentity?: string;
}
