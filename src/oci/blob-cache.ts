import { createReadStream } from 'node:fs';
import { mkdir, rm, stat, utimes } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openAtomicFile } from '../core/index.js';
import { type Digest, DigestVerifier, digestAlgorithm, digestHex } from './digest.js';

/** The cache folder: $PATCHLINE_CACHE_DIR, else $XDG_CACHE_HOME/patchline, else ~/.cache/patchline. */
export function defaultCacheDir(): string {
  const explicit = process.env.PATCHLINE_CACHE_DIR;
  if (explicit) return explicit;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg !== '' ? xdg : join(homedir(), '.cache'), 'patchline');
}

/**
 * Verified blobs keyed by digest. A blob is written to a unique temporary name and renamed into place only after its
 * digest checked out, so an interrupted write leaves no entry and two runs filling the same entry both end well
 * (rename is atomic and both write the same bytes).
 */
export class BlobCache {
  constructor(readonly root: string) {}

  pathOf(digest: Digest): string {
    return join(this.root, 'blobs', digestAlgorithm(digest), digestHex(digest));
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      return (await stat(this.pathOf(digest))).isFile();
    } catch {
      return false;
    }
  }

  open(digest: Digest): Readable {
    const path = this.pathOf(digest);
    // Marks the entry used, for pruning least recently used first (atime is often not kept: noatime, relatime).
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
    return createReadStream(path, { highWaterMark: 1024 * 1024 });
  }

  /** Removes an entry found corrupt on read, so the next look fetches it again. */
  async evict(digest: Digest): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
  }

  /**
   * Returns a pass-through stream: what flows through it is also written to the cache, and committed when the stream
   * ends with the right digest and size. A consumer that stops early (or a mismatch) leaves nothing behind.
   */
  async writeThrough(digest: Digest, size: number | undefined): Promise<Transform> {
    const finalPath = this.pathOf(digest);
    const dir = join(finalPath, '..');
    await mkdir(dir, { recursive: true });
    const file = await openAtomicFile(finalPath);
    const verifier = new DigestVerifier(digest, `cache entry ${digest}`, size);
    const written = pipeline(verifier, file.stream);
    written.catch(() => undefined);
    let failed = false;
    const discard = async () => {
      if (failed) return;
      failed = true;
      verifier.destroy();
      await file.discard();
    };
    const tee = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        if (!failed && !verifier.write(chunk)) {
          verifier.once('drain', () => callback(null, chunk));
          return;
        }
        callback(null, chunk);
      },
      flush(callback) {
        if (failed) {
          callback();
          return;
        }
        verifier.end();
        written.then(
          () => file.commit().then(() => callback(), callback),
          () => discard().then(() => callback(), callback),
        );
      },
    });
    tee.on('close', () => {
      if (!tee.writableFinished) void discard();
    });
    tee.on('error', () => void discard());
    return tee;
  }
}
