import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { type Digest, digestAlgorithm, PatchlineError } from '../core/index.js';

// The digest grammar is core's (one definition for every module); this file hashes and verifies content.
export { type Digest, digestAlgorithm, digestHex, isDigest, parseDigest } from '../core/index.js';

export function sha256Digest(data: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The sha256 digest of a file's bytes, streamed (a SCAP datastream is tens of megabytes). */
export async function sha256OfFile(path: string): Promise<Digest> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

export function verifyBuffer(data: Buffer, expected: Digest, what: string, expectedSize?: number): void {
  if (expectedSize !== undefined && data.length !== expectedSize) {
    throw new PatchlineError('integrity', what, `size is ${data.length} bytes, expected ${expectedSize}`);
  }
  const actual = `${digestAlgorithm(expected)}:${createHash(digestAlgorithm(expected)).update(data).digest('hex')}`;
  if (actual !== expected) {
    throw new PatchlineError('integrity', what, `content digest is ${actual}, expected ${expected}`);
  }
}

/**
 * Passes bytes through while hashing them, and fails the stream, before its end is signalled, when the content does
 * not match the expected digest or size. Consumers that trust content only after 'end' therefore never trust a lie.
 */
export class DigestVerifier extends Transform {
  private readonly hash: Hash;
  private seen = 0;

  constructor(
    private readonly expected: Digest,
    private readonly what: string,
    private readonly expectedSize?: number,
  ) {
    super();
    this.hash = createHash(digestAlgorithm(expected));
  }

  get bytes(): number {
    return this.seen;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.expectedSize !== undefined && this.seen > this.expectedSize) {
      callback(
        new PatchlineError('integrity', this.what, `is longer than its declared size of ${this.expectedSize} bytes`),
      );
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expectedSize !== undefined && this.seen !== this.expectedSize) {
      callback(
        new PatchlineError(
          'integrity',
          this.what,
          `is ${this.seen} bytes, shorter than its declared ${this.expectedSize}`,
        ),
      );
      return;
    }
    const actual = `${digestAlgorithm(this.expected)}:${this.hash.digest('hex')}`;
    if (actual !== this.expected) {
      callback(new PatchlineError('integrity', this.what, `content digest is ${actual}, expected ${this.expected}`));
      return;
    }
    callback();
  }
}
