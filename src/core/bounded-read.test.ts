import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBounded } from './bounded-read.js';
import { PatchlineError } from './errors.js';

function chunks(sizes: number[], log: string[] = []): AsyncIterable<Uint8Array> {
  return (async function* () {
    try {
      for (const [i, size] of sizes.entries()) {
        log.push(`chunk ${i}`);
        yield new Uint8Array(size).fill(97 + i);
      }
    } finally {
      log.push('stopped');
    }
  })();
}

describe('readBounded', () => {
  it('reads everything up to and including the limit', async () => {
    expect((await readBounded(chunks([2, 3]), 5, 'x')).toString()).toBe('aabbb');
    expect((await readBounded(chunks([]), 0, 'x')).length).toBe(0);
  });

  it('refuses the first byte past the limit, naming the input, and stops reading the source', async () => {
    const log: string[] = [];
    const error = await readBounded(chunks([3, 3, 3, 3], log), 5, 'https://feed.example/big.json').catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PatchlineError);
    expect((error as PatchlineError).kind).toBe('limit');
    expect((error as PatchlineError).message).toBe('https://feed.example/big.json: is larger than 5 bytes');
    expect(log).toEqual(['chunk 0', 'chunk 1', 'stopped']);
  });

  it('says the problem in the words given, and destroys a stream it refuses', async () => {
    const stream = Readable.from([Buffer.alloc(4), Buffer.alloc(4)]);
    await expect(readBounded(stream, 6, 'config', 'is too big for a config')).rejects.toThrow(
      'config: is too big for a config',
    );
    expect(stream.destroyed).toBe(true);
  });
});
