import type { Readable, Transform } from 'node:stream';
import { readBounded } from '../core/index.js';

/** `from.pipe(to)`, but an error or early close on either side reaches the other, as a consumer of `to` expects. */
export function pipeInto<T extends Transform>(from: Readable, to: T): T {
  from.on('error', (error) => to.destroy(error));
  to.on('close', () => from.destroy());
  from.pipe(to);
  return to;
}

/** Reads a whole stream into memory, refusing more than `limit` bytes: for manifests, configs and small files. */
export async function readAll(stream: Readable, limit: number, what: string): Promise<Buffer> {
  return readBounded(stream, limit, what, `is larger than the ${limit}-byte limit for this kind of content`);
}
