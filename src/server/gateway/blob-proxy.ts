import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
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
 * digest (a temporary file renamed into place in BlobCache's layout), so a site downloads each layer from upstream
 * once.
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
    return (await this.download(blob)).stream;
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
        // Nobody reads this download's stream; it still fills the cache.
        const { stream, done } = await this.download(blob);
        stream.destroy();
        await done;
      }
    }
    return createReadStream(this.cache.pathOf(blob.digest), { start: range.start, end: range.end });
  }

  /** Starts the one download of a blob: the stream a client reads, and when the cache entry is in place. */
  private async download(blob: BlobSource): Promise<{ stream: Readable; done: Promise<void> }> {
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
    const entry = this.cache.pathOf(blob.digest);
    let source: Readable;
    try {
      await mkdir(dirname(entry), { recursive: true });
      source = await blob.upstream.client.getBlob(blob.upstream.path, blob.digest);
    } catch (error) {
      // Settled on every path, or requests waiting for this download would wait forever.
      const failure = upstreamFailure(error, what, 'BLOB_UNKNOWN');
      settle?.reject(failure);
      throw failure;
    }
    const verifier = new HoldbackVerifier(blob.digest, blob.size, what);
    const temp = `${entry}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const file = createWriteStream(temp);
    // The client reads through its own stream, so the download into the cache does not depend on it: a client that
    // hangs up, even one that simply closes once it has Content-Length bytes, does not cost the cache its entry.
    let client: PassThrough | undefined = new PassThrough();
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      source.destroy();
      verifier.destroy();
      file.destroy();
      void rm(temp, { force: true });
      const reported = new RegistryError('UNAVAILABLE', error.message, { 'retry-after': '30' });
      // The client never gets the held-back tail: its response is cut short of Content-Length.
      client?.destroy(reported);
      settle?.reject(reported);
    };
    // Both the cache file and the client are fed from the verifier; the slower of the two sets the pace.
    const resume = () => {
      if (!file.writableNeedDrain && !(client?.writableNeedDrain ?? false)) verifier.resume();
    };
    client.on('close', () => {
      client = undefined;
      resume();
    });
    client.on('drain', resume);
    file.on('drain', resume);
    source.on('error', fail);
    verifier.on('error', fail);
    file.on('error', fail);
    verifier.on('data', (chunk: Buffer) => {
      const fileFull = !file.write(chunk);
      const clientFull = client !== undefined && !client.write(chunk);
      if (fileFull || clientFull) verifier.pause();
    });
    // The verifier ends only after the whole blob matched; only then is the entry renamed into place, and only then
    // does the client's response end. BlobCache.writeThrough would hash every byte a second time, which halved the
    // throughput of a cold pull (docs/decisions/0021-registry-gateway.md); the entry has the same layout.
    verifier.on('end', () => {
      file.end(() => {
        rename(temp, entry).then(
          () => {
            client?.end();
            settle?.resolve();
          },
          (error: Error) => fail(error),
        );
      });
    });
    source.pipe(verifier);
    return { stream: client, done };
  }
}
