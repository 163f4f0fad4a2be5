import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { PatchlineError } from '../../errors.js';
import type { Digest } from '../../oci/index.js';

/**
 * Passes a blob through while hashing it, but holds back the chunk last received until the next one arrives, and the
 * final chunk until the whole content matched its digest and size. A consumer therefore never receives a complete
 * blob that is wrong: on a mismatch the stream fails with the tail still held, and the response is cut short of its
 * Content-Length, which every client treats as a failed download.
 */
export class HoldbackVerifier extends Transform {
  private readonly algorithm: string;
  private readonly hash: Hash;
  private seen = 0;
  private held: Buffer | undefined;

  constructor(
    private readonly expected: Digest,
    private readonly size: number,
    private readonly what: string,
  ) {
    super();
    this.algorithm = expected.slice(0, expected.indexOf(':'));
    this.hash = createHash(this.algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.size) {
      callback(new PatchlineError('integrity', this.what, `is longer than its declared size of ${this.size} bytes`));
      return;
    }
    this.hash.update(chunk);
    const previous = this.held;
    this.held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    if (this.seen !== this.size) {
      callback(new PatchlineError('integrity', this.what, `is ${this.seen} bytes, not its declared ${this.size}`));
      return;
    }
    const actual = `${this.algorithm}:${this.hash.digest('hex')}`;
    if (actual !== this.expected) {
      callback(new PatchlineError('integrity', this.what, `content digest is ${actual}, expected ${this.expected}`));
      return;
    }
    callback(null, this.held);
  }
}
