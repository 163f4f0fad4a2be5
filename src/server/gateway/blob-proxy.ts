import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { renameDurably } from '../../core/index.js';
import type { BlobCache, Digest } from '../../oci/index.js';
import { digestAlgorithm } from '../../oci/index.js';
import { CacheWriterThread } from './cache-writer-thread.js';
import { GatewayMetrics } from './gateway-metrics.js';
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

/** One blob being fetched from upstream into the cache. */
interface Download {
  /** The temporary file the blob is written to, renamed into the cache once verified. */
  temp: string;
  /**
   * Bytes in the temporary file so far. The verifier holds the last chunk back until the whole blob matched, so
   * before `state` is 'verified' this is always short of the blob's size.
   */
  written: number;
  state: 'running' | 'verified' | 'failed';
  error?: Error;
  /** Emits 'progress' on every write and on the end, whichever way it ends. */
  events: EventEmitter;
  /** Resolves once the temporary file exists; rejects when upstream could not be asked. */
  started: Promise<void>;
  /** Resolves once the entry is in the cache. */
  done: Promise<void>;
}

const FOLLOW_CHUNK = 1024 * 1024;

/**
 * Blobs for hosts: from the cache when it holds them, otherwise streamed from the upstream registry through a
 * HoldbackVerifier and into the cache at the same time. The cache gains an entry only when the whole blob matched its
 * digest (a temporary file renamed into place in BlobCache's layout), so a site downloads each layer from upstream
 * once.
 *
 * One download per blob at a time: a request that arrives while the blob is being downloaded reads the download's
 * temporary file as it grows, and gets its last bytes only once the blob verified. A download runs to its end even
 * when the client that started it goes away.
 */
export class BlobProxy {
  private readonly downloading = new Map<Digest, Download>();
  private readonly writer = new CacheWriterThread();

  constructor(
    private readonly cache: BlobCache,
    private readonly metrics: GatewayMetrics = new GatewayMetrics(),
  ) {}

  /** The whole blob, streamed; a mismatch upstream fails the stream before its last bytes. */
  async open(blob: BlobSource): Promise<Readable> {
    if (await this.cache.has(blob.digest)) return this.fromCache(blob.digest);
    const running = this.downloading.get(blob.digest);
    if (running !== undefined) {
      const followed = await follow(running, blob.size);
      if (followed !== undefined) {
        this.metrics.blobOpened('shared-download');
        return followed;
      }
      if (await this.cache.has(blob.digest)) return this.fromCache(blob.digest);
    }
    this.metrics.blobOpened('upstream');
    return (await this.download(blob)).stream;
  }

  /** Stops the thread that writes the cache; downloads still running fail. */
  close(): Promise<void> {
    return this.writer.close();
  }

  private fromCache(digest: Digest): Readable {
    this.metrics.blobOpened('cache');
    return this.cache.open(digest);
  }

  /**
   * Part of a blob. Bytes are only ever sent from a verified copy: the blob is first fetched whole into the cache,
   * since a part alone cannot be checked against the digest.
   */
  async openRange(blob: BlobSource, range: ByteRange): Promise<Readable> {
    if (!(await this.cache.has(blob.digest))) {
      const running = this.downloading.get(blob.digest);
      if (running !== undefined) await running.done.catch(() => undefined);
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
    const entry = this.cache.pathOf(blob.digest);
    const events = new EventEmitter();
    events.setMaxListeners(0);
    const settle = { started: deferred(), done: deferred() };
    const record: Download = {
      temp: `${entry}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
      written: 0,
      state: 'running',
      events,
      started: settle.started.promise,
      done: settle.done.promise,
    };
    // Registered before the first await, so a request arriving meanwhile finds it.
    this.downloading.set(blob.digest, record);
    const end = (state: 'verified' | 'failed', error?: Error) => {
      if (state === 'verified') this.metrics.downloadVerified(blob.size);
      else this.metrics.downloadFailed();
      record.state = state;
      if (error !== undefined) record.error = error;
      if (this.downloading.get(blob.digest) === record) this.downloading.delete(blob.digest);
      events.emit('progress');
      if (error === undefined) settle.done.resolve();
      else settle.done.reject(error);
    };
    const what = `blob ${blob.upstream.name}@${blob.digest}`;
    let source: Readable;
    try {
      await mkdir(dirname(entry), { recursive: true });
      source = await blob.upstream.client.getBlob(blob.upstream.path, blob.digest);
    } catch (error) {
      // Settled on every path, or requests following this download would wait forever.
      const failure = upstreamFailure(error, what, 'BLOB_UNKNOWN');
      settle.started.reject(failure);
      end('failed', failure);
      throw failure;
    }
    // The thread hashes each chunk as it writes it to the temporary file; the verifier compares that hash.
    const file = this.writer.open(record.temp, digestAlgorithm(blob.digest));
    const verifier = new HoldbackVerifier(blob.digest, blob.size, what, file);
    file.opened.then(settle.started.resolve, () => undefined);
    // The client reads through its own stream, so the download into the cache does not depend on it: a client that
    // hangs up, even one that simply closes once it has Content-Length bytes, does not cost the cache its entry.
    let client: PassThrough | undefined = new PassThrough();
    let failed = false;
    const fail = (error: Error) => {
      if (failed || record.state !== 'running') return;
      failed = true;
      source.destroy();
      verifier.destroy();
      const reported = new RegistryError('UNAVAILABLE', error.message, { 'retry-after': '30' });
      // The client never gets the held-back tail: its response is cut short of Content-Length.
      client?.destroy(reported);
      settle.started.reject(reported);
      // Followers are told only once the file is gone, so none finds a half-written one left behind.
      void file.abort().then(() => end('failed', reported));
    };
    // The verifier waits for the thread when the file falls behind; the client sets the pace too.
    const resume = () => {
      if (!(client?.writableNeedDrain ?? false)) verifier.resume();
    };
    client.on('close', () => {
      client = undefined;
      resume();
    });
    client.on('drain', resume);
    source.on('error', fail);
    verifier.on('error', fail);
    // Followers may read what is both on disk and passed by the verifier: never the held-back tail.
    let passed = 0;
    let onDisk = 0;
    const progress = () => {
      record.written = Math.min(passed, onDisk);
      events.emit('progress');
    };
    file.on('written', (bytes: number) => {
      onDisk = bytes;
      progress();
    });
    // The client is one chunk behind the verifier, and gets the last chunk only once the cache entry is in place: a
    // client holding every byte of the blob (which may close at once, having Content-Length bytes) can count on the
    // next request for it being answered from the cache.
    let behind: Buffer | undefined;
    verifier.on('data', (chunk: Buffer) => {
      passed += chunk.length;
      progress();
      const previous = behind;
      behind = chunk;
      if (client !== undefined && previous !== undefined && !client.write(previous)) verifier.pause();
    });
    // The verifier ends only after the whole blob is on disk and matched; only then is the entry renamed into place,
    // and only then does the client get its last bytes. (BlobCache.writeThrough is not used: it would hash every
    // byte a second time.)
    verifier.on('end', () => {
      renameDurably(record.temp, entry).then(
        () => {
          if (behind !== undefined) client?.write(behind);
          client?.end();
          end('verified');
        },
        (error: Error) => fail(error),
      );
    });
    source.pipe(verifier);
    return { stream: client, done: record.done };
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve: () => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * Reads a download's temporary file as it grows: up to what is written while it runs (never the held-back tail),
 * the rest once it verified; a failure of the download fails the stream. Undefined when there is no file to follow
 * (the download failed before it began, or already ended and the file was renamed or removed).
 */
async function follow(download: Download, size: number): Promise<Readable | undefined> {
  let handle: FileHandle;
  try {
    await download.started;
    // Opened now, it stays readable after the rename into the cache (same file) and after a removal.
    handle = await open(download.temp, 'r');
  } catch {
    return undefined;
  }
  const wake = () => new Promise<void>((resolve) => download.events.once('progress', resolve));
  async function* chunks(): AsyncGenerator<Buffer> {
    let position = 0;
    try {
      while (position < size) {
        const available = download.state === 'verified' ? size : download.written;
        if (position < available) {
          const buffer = Buffer.allocUnsafe(Math.min(FOLLOW_CHUNK, available - position));
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
          if (bytesRead === 0) throw new Error(`the download's file ended at byte ${position} of ${size}`);
          position += bytesRead;
          yield buffer.subarray(0, bytesRead);
        } else if (download.state === 'failed') {
          throw download.error ?? new Error('the download failed');
        } else {
          await wake();
        }
      }
    } finally {
      await handle.close();
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
