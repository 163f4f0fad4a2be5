import { PatchlineError } from './errors.js';

/**
 * Reads a body (a stream of a response, a blob, a file) whole into memory, refusing more than `limit` bytes: what
 * is read whole must be small, and a server or file that sends more is refused as soon as it passes the limit,
 * before it can fill memory. The error is a 'limit' PatchlineError naming `input`; `problem` says it in the words of
 * the caller (by default `is larger than N bytes`).
 */
export async function readBounded(
  source: AsyncIterable<Uint8Array>,
  limit: number,
  input: string,
  problem = `is larger than ${limit} bytes`,
): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const iterator = source[Symbol.asyncIterator]();
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    length += next.value.byteLength;
    if (length > limit) {
      // Stops the source (a stream is destroyed, a response body cancelled) rather than draining it.
      await iterator.return?.();
      throw new PatchlineError('limit', input, problem);
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks);
}
