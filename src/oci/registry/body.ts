import { Readable } from 'node:stream';
import { PatchlineError } from '../../errors.js';
import { DEFAULT_TIMEOUTS, readWithin } from './timeouts.js';

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
export type Reopen = (offset: number) => Promise<Response>;

/**
 * A blob body as one Node stream that survives broken connections: when the body fails mid-way, or sends nothing for
 * `idleMs`, the rest is asked for with a Range request and the stream goes on from the byte where it stopped. The
 * consumer sees one continuous stream; only after `maxResumes` breaks does it see the error. (A body that ends early
 * without an error cannot be told from a short blob here; the digest check the caller runs catches that.)
 */
export function resumingStream(
  first: Response,
  start: number,
  reopen: Reopen,
  maxResumes: number,
  input: string,
  idleMs = DEFAULT_TIMEOUTS.idleMs,
): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    let response = first;
    let position = start;
    let resumes = 0;
    for (;;) {
      const body = response.body;
      if (body === null) return;
      const reader = body.getReader();
      let ended = false;
      try {
        for (;;) {
          const { done, value: chunk } = await readWithin(reader, idleMs);
          if (done) {
            ended = true;
            return;
          }
          position += chunk.byteLength;
          yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        }
      } catch (error) {
        if (resumes >= maxResumes) {
          throw new PatchlineError(
            'registry',
            input,
            `the download broke off at byte ${position} and still did after ${resumes} resumptions (${(error as Error).message})`,
            { cause: error },
          );
        }
        resumes++;
        response = await reopen(position);
      } finally {
        // A consumer that stopped early (or a body we gave up on) must not hold the connection.
        if (!ended) void reader.cancel().catch(() => undefined);
      }
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
