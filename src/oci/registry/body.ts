import { Readable } from 'node:stream';
import { PatchlineError } from '../../core/index.js';
import { DEFAULT_TIMEOUTS, readWithin, timeoutError } from '../../http/index.js';

/**
 * A whole small response body (a manifest, a token), refusing more than `limit` bytes before reading them, and
 * failing when no data comes for `idleMs`.
 */
export async function readBounded(
  response: Response,
  limit: number,
  input: string,
  what: string,
  idleMs = DEFAULT_TIMEOUTS.idleMs,
): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new PatchlineError('limit', input, `${what} is ${declared} bytes, more than the limit of ${limit} bytes`);
  }
  const reader = response.body?.getReader();
  if (reader === undefined) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await readWithin(reader, idleMs);
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw new PatchlineError('limit', input, `${what} is more than the limit of ${limit} bytes`);
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
  } catch (error) {
    if (error instanceof PatchlineError) throw error;
    throw new PatchlineError(
      'registry',
      input,
      `the connection broke while reading the ${what} (${(error as Error).message})`,
      {
        cause: error,
      },
    );
  }
  return Buffer.concat(chunks);
}

/** Opens the rest of a blob from `offset` on, checking the registry really starts there. */
export type Reopen = (offset: number) => Promise<Readable>;

/**
 * A blob body as one Node stream that survives broken connections: when the body fails mid-way, or sends nothing for
 * `idleMs` while it is being read, the rest is asked for with a Range request and the stream goes on from the byte
 * where it stopped. The consumer sees one continuous stream; only after `maxResumes` breaks does it see the error. (A
 * body that ends early without an error cannot be told from a short blob here; the digest check the caller runs
 * catches that.)
 */
export function resumingStream(
  first: Readable,
  start: number,
  reopen: Reopen,
  maxResumes: number,
  input: string,
  idleMs = DEFAULT_TIMEOUTS.idleMs,
): Readable {
  return new ResumingBody(first, start, reopen, maxResumes, input, idleMs);
}

class ResumingBody extends Readable {
  private body: Readable | undefined;
  private resumes = 0;
  /** The consumer asked for more and has not refused any since: the time without data counts against upstream. */
  private reading = false;
  /** When data last came, or reading began. */
  private lastProgress = 0;
  /**
   * One timer for the whole body, not one per chunk (a blob is tens of thousands of chunks): when it fires it checks
   * how long ago data last came and sets itself again for the rest of `idleMs`.
   */
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    first: Readable,
    private position: number,
    private readonly reopen: Reopen,
    private readonly maxResumes: number,
    private readonly input: string,
    private readonly idleMs: number,
  ) {
    super();
    this.attach(first);
  }

  override _read(): void {
    if (!this.reading) {
      this.reading = true;
      this.lastProgress = performance.now();
      this.watchIdle(this.idleMs);
    }
    this.body?.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stopWatching();
    // A consumer that stopped early (or a body we gave up on) must not hold the connection.
    this.body?.destroy();
    this.body = undefined;
    callback(error);
  }

  private attach(body: Readable): void {
    this.body = body;
    body.on('data', (chunk: Buffer) => {
      if (this.body !== body) return;
      this.position += chunk.length;
      this.lastProgress = performance.now();
      if (!this.push(chunk)) {
        body.pause();
        this.reading = false;
      }
    });
    body.once('end', () => {
      if (this.body !== body) return;
      this.stopWatching();
      this.body = undefined;
      this.push(null);
    });
    // `on`, not `once`: a body may fail again as it is torn down, and an error without a listener would throw.
    body.on('error', (error) => this.broke(body, error));
    if (!this.reading) body.pause();
  }

  private watchIdle(ms: number): void {
    if (this.idleTimer !== undefined) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (!this.reading || this.body === undefined) return;
      const left = this.lastProgress + this.idleMs - performance.now();
      if (left > 0) this.watchIdle(left);
      else
        this.broke(this.body, timeoutError('UND_ERR_BODY_TIMEOUT', `no data for ${Math.round(this.idleMs / 1000)}s`));
    }, ms);
  }

  private stopWatching(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private broke(body: Readable, error: Error): void {
    if (this.body !== body) return;
    this.body = undefined;
    this.stopWatching();
    body.destroy();
    if (this.resumes >= this.maxResumes) {
      this.destroy(
        new PatchlineError(
          'registry',
          this.input,
          `the download broke off at byte ${this.position} and still did after ${this.resumes} resumptions (${error.message})`,
          { cause: error },
        ),
      );
      return;
    }
    this.resumes++;
    this.reopen(this.position).then(
      (next) => {
        if (this.destroyed) {
          next.destroy();
          return;
        }
        this.attach(next);
        if (this.reading) {
          this.lastProgress = performance.now();
          this.watchIdle(this.idleMs);
        }
      },
      (failure: Error) => this.destroy(failure),
    );
  }
}
