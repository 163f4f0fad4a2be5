import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { PatchlineError } from '../../errors.js';
import type { Digest } from '../../oci/index.js';

/**
 * Takes a blob's bytes in order and says what they hash to. It may do the hashing elsewhere (the gateway's cache
 * writer thread hashes what it writes), so both steps can wait.
 */
export interface Digester {
  /** Takes the next chunk; calls `ready` once it can take another (with an error if it never will). */
  update(chunk: Buffer, ready: (error?: Error) => void): void;
  /** The hex digest of every byte given to `update`. */
  digest(): Promise<string>;
}

/** Hashes on the calling thread. */
export function digesterOf(algorithm: string): Digester {
  const hash = createHash(algorithm);
  return {
    update(chunk, ready) {
      hash.update(chunk);
      ready();
    },
    digest: async () => hash.digest('hex'),
  };
}

/**
 * Passes a blob through while hashing it, but holds back the chunk last received until the next one arrives, and the
 * final chunk until the whole content matched its digest and size. A consumer therefore never receives a complete
 * blob that is wrong: on a mismatch the stream fails with the tail still held, and the response is cut short of its
 * Content-Length, which every client treats as a failed download. Every byte passed on was given to the digester
 * first.
 */
export class HoldbackVerifier extends Transform {
  private readonly algorithm: string;
  private readonly digester: Digester;
  private seen = 0;
  private held: Buffer | undefined;

  constructor(
    private readonly expected: Digest,
    private readonly size: number,
    private readonly what: string,
    digester?: Digester,
  ) {
    super();
    this.algorithm = expected.slice(0, expected.indexOf(':'));
    this.digester = digester ?? digesterOf(this.algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.size) {
      callback(new PatchlineError('integrity', this.what, `is longer than its declared size of ${this.size} bytes`));
      return;
    }
    this.digester.update(chunk, (error) => {
      if (error !== undefined) {
        callback(error);
        return;
      }
      const previous = this.held;
      this.held = chunk;
      callback(null, previous);
    });
  }

  override _flush(callback: TransformCallback): void {
    if (this.seen !== this.size) {
      callback(new PatchlineError('integrity', this.what, `is ${this.seen} bytes, not its declared ${this.size}`));
      return;
    }
    this.digester.digest().then(
      (hex) => {
        const actual = `${this.algorithm}:${hex}`;
        if (actual !== this.expected) {
          callback(
            new PatchlineError('integrity', this.what, `content digest is ${actual}, expected ${this.expected}`),
          );
          return;
        }
        callback(null, this.held);
      },
      (error: Error) => callback(error),
    );
  }
}
