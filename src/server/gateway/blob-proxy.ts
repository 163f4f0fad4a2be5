import { createReadStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import type { BlobCache, Digest } from '../../oci/index.js';
import type { ByteRange } from './range.js';
import { RegistryError } from './registry-errors.js';
import { type UpstreamRepository, upstreamFailure } from './upstream.js';
import { HoldbackVerifier } from './verified-stream.js';

export interface BlobSource {
  upstream: UpstreamRepository;
  digest: Digest;
  /** The size the release's manifest declares. */
  size: number;
}

/**
 * Blobs for hosts: from the cache when it holds them, otherwise streamed from the upstream registry through a
 * HoldbackVerifier and into the cache at the same time. The cache gains an entry only when the whole blob matched its
 * digest (BlobCache.writeThrough renames a verified temporary file into place), so a site downloads each layer from
 * upstream once.
 *
 * One download per blob at a time: a request that arrives while the blob is being downloaded waits for that download
 * and is then served from the cache. A download runs to its end even when the client that started it goes away; if it
 * fails (upstream broke, or sent the wrong bytes), a waiting request starts its own.
 */
export class BlobProxy {
  private readonly downloading = new Map<Digest, Promise<void>>();

  constructor(private readonly cache: BlobCache) {}

  /** The whole blob, streamed; a mismatch upstream fails the stream before its last bytes. */
  async open(blob: BlobSource): Promise<Readable> {
    if (await this.cache.has(blob.digest)) return this.cache.open(blob.digest);
    const pending = this.downloading.get(blob.digest);
    if (pending !== undefined) {
      await pending.catch(() => undefined);
      if (await this.cache.has(blob.digest)) return this.cache.open(blob.digest);
    }
    return this.download(blob);
  }

  /**
   * Part of a blob. Bytes are only ever sent from a verified copy: the blob is first fetched whole into the cache,
   * since a part alone cannot be checked against the digest.
   */
  async openRange(blob: BlobSource, range: ByteRange): Promise<Readable> {
    if (!(await this.cache.has(blob.digest))) {
      const pending = this.downloading.get(blob.digest);
      if (pending !== undefined) await pending.catch(() => undefined);
      if (!(await this.cache.has(blob.digest))) {
        const stream = await this.download(blob);
        stream.destroy();
        await this.downloading.get(blob.digest);
      }
    }
    return createReadStream(this.cache.pathOf(blob.digest), { start: range.start, end: range.end });
  }

  private async download(blob: BlobSource): Promise<Readable> {
    let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
    const done = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    done.catch(() => undefined);
    // Registered before the first await, so a request arriving meanwhile finds it.
    this.downloading.set(blob.digest, done);
    done
      .finally(() => {
        if (this.downloading.get(blob.digest) === done) this.downloading.delete(blob.digest);
      })
      .catch(() => undefined);
    const what = `blob ${blob.upstream.name}@${blob.digest}`;
    let source: Readable;
    try {
      source = await blob.upstream.client.getBlob(blob.upstream.path, blob.digest);
    } catch (error) {
      const failure = upstreamFailure(error, what, 'BLOB_UNKNOWN');
      settle?.reject(failure);
      throw failure;
    }
    const verifier = new HoldbackVerifier(blob.digest, blob.size, what);
    const tee = await this.cache.writeThrough(blob.digest, blob.size);
    let failure: Error | undefined;
    source.on('error', (error) => {
      failure ??= error;
      verifier.destroy(error);
    });
    verifier.on('error', (error) => {
      failure ??= error;
      tee.destroy(error);
    });
    // The client reads through its own stream, so the download into the cache does not depend on it: a client that
    // hangs up, even one that simply closes once it has Content-Length bytes, does not cost the cache its entry.
    let client: PassThrough | undefined = new PassThrough();
    const detach = () => {
      client = undefined;
      tee.resume();
    };
    client.on('close', detach);
    client.on('drain', () => tee.resume());
    tee.on('data', (chunk: Buffer) => {
      if (client !== undefined && !client.write(chunk)) tee.pause();
    });
    let ended = false;
    tee.on('end', () => {
      ended = true;
      client?.end();
      settle?.resolve();
    });
    tee.on('close', () => {
      source.destroy();
      verifier.destroy();
      if (ended) return;
      const error = new RegistryError('UNAVAILABLE', failure?.message ?? `${what}: the download was interrupted`, {
        'retry-after': '30',
      });
      // The client never gets the held-back tail: its response is cut short of Content-Length.
      client?.destroy(error);
      settle?.reject(error);
    });
    source.pipe(verifier).pipe(tee);
    return client;
  }
}
