import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecoder } from 'fzstd';
import { PatchlineError } from '../core/index.js';
import type { Compression } from './media-types.js';

const INFLATE_CHUNK = 256 * 1024;
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** Compression told by the first bytes; registries and tools do mislabel layers, the bytes do not lie. */
export function sniffCompression(head: Buffer): Compression {
  if (head.subarray(0, 2).equals(GZIP_MAGIC)) return 'gzip';
  if (head.subarray(0, 4).equals(ZSTD_MAGIC)) return 'zstd';
  return 'none';
}

/** Reads the first bytes of a stream without consuming them. */
export async function peek(stream: Readable, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const chunk: Buffer | null = stream.read();
    if (chunk === null) {
      if (stream.readableEnded || stream.destroyed) break;
      const more = await new Promise<boolean>((resolve, reject) => {
        const cleanup = () => {
          stream.off('readable', onReadable);
          stream.off('end', onEnd);
          stream.off('error', onError);
        };
        const onReadable = () => {
          cleanup();
          resolve(true);
        };
        const onEnd = () => {
          cleanup();
          resolve(false);
        };
        const onError = (error: Error) => {
          cleanup();
          reject(error);
        };
        stream.once('readable', onReadable);
        stream.once('end', onEnd);
        stream.once('error', onError);
      });
      if (!more) break;
      continue;
    }
    chunks.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(chunks);
  if (head.length > 0) stream.unshift(head);
  return head;
}

class ZstdStream extends Transform {
  private readonly decoder = new ZstdDecoder((data) => {
    this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
  private sawInput = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.sawInput = true;
      this.decoder.push(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.sawInput) this.decoder.push(new Uint8Array(0), true);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}

/** Fails the stream once more than `limit` bytes have come out of the decompressor: a decompression bomb guard. */
class SizeLimit extends Transform {
  private seen = 0;
  constructor(
    private readonly limit: number,
    private readonly what: string,
  ) {
    super();
  }

  get bytes(): number {
    return this.seen;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      callback(
        new PatchlineError(
          'limit',
          this.what,
          `decompresses to more than ${this.limit} bytes (the layer size limit; raise it with --max-layer-size if this image is genuine)`,
        ),
      );
      return;
    }
    callback(null, chunk);
  }
}

export interface DecompressedStream {
  stream: Readable;
  compression: Compression;
  /** Uncompressed bytes produced so far. */
  bytesOut(): number;
}

/**
 * The tar bytes of a layer, whatever its compression (told by its first bytes), bounded by `limit` uncompressed bytes.
 * Corrupt or truncated compressed data fails the returned stream with an error naming the layer.
 */
export async function decompressLayer(input: Readable, what: string, limit: number): Promise<DecompressedStream> {
  const compression = sniffCompression(await peek(input, 4));
  const limiter = new SizeLimit(limit, what);
  // 256 KiB output chunks instead of zlib's 16 KiB: every chunk is a round trip to the thread pool, and at 16 KiB those
  // round trips cost more main-thread time than the hashing (profiled in docs/benchmarks.md).
  const decoder =
    compression === 'gzip'
      ? createGunzip({ chunkSize: INFLATE_CHUNK })
      : compression === 'zstd'
        ? new ZstdStream()
        : undefined;
  const describe = (error: Error): Error => {
    if (error instanceof PatchlineError) return error;
    const problem =
      compression === 'none' ? error.message : `is not valid ${compression} data (${error.message || String(error)})`;
    return new PatchlineError('integrity', what, problem, { cause: error });
  };
  // The limiter is the last stage and the stream the consumer reads: an error upstream reaches it rewritten to name the
  // layer, and a consumer that stops early (closing it) releases the file or socket behind the layer.
  const upstream: Readable[] = decoder ? [input, decoder] : [input];
  const stopUpstream = () => {
    for (const stream of upstream) stream.destroy();
  };
  (decoder ? input.pipe(decoder) : input).pipe(limiter);
  for (const stream of upstream) {
    stream.on('error', (error: Error) => {
      if (!limiter.destroyed) limiter.destroy(describe(error));
      stopUpstream();
    });
  }
  limiter.on('close', stopUpstream);
  return { stream: limiter, compression, bytesOut: () => limiter.bytes };
}
