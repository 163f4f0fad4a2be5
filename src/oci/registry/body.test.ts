import { PassThrough, type Readable } from 'node:stream';
import { setTimeout as pause } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { resumingStream } from './body.js';

const IDLE_MS = 50;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('resumingStream', () => {
  it('asks for the rest from the byte where a body went silent while it was being read', async () => {
    const first = new PassThrough();
    first.write(Buffer.alloc(100, 1));
    const asked: number[] = [];
    const stream = resumingStream(
      first,
      0,
      async (offset) => {
        asked.push(offset);
        const rest = new PassThrough();
        rest.end(Buffer.alloc(50, 2));
        return rest;
      },
      1,
      'test blob',
      IDLE_MS,
    );
    const bytes = await readAll(stream);
    expect(asked).toEqual([100]);
    expect(bytes).toEqual(Buffer.concat([Buffer.alloc(100, 1), Buffer.alloc(50, 2)]));
    expect(first.destroyed).toBe(true);
  });

  it('does not count a consumer that stopped reading as a silent body', async () => {
    const first = new PassThrough();
    const asked: number[] = [];
    const stream = resumingStream(
      first,
      0,
      async (offset) => {
        asked.push(offset);
        return new PassThrough();
      },
      1,
      'test blob',
      IDLE_MS,
    );
    // Many times what the stream buffers, so it stops reading the body until its consumer reads.
    for (let i = 0; i < 64; i++) first.write(Buffer.alloc(4096, i));
    first.end();
    const iterator = stream[Symbol.asyncIterator]();
    const firstChunk = (await iterator.next()).value as Buffer;
    // The consumer is busy for several idle periods; the body is not to blame for that.
    await pause(IDLE_MS * 4);
    const chunks = [firstChunk];
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      chunks.push(next.value as Buffer);
    }
    expect(asked).toEqual([]);
    expect(Buffer.concat(chunks)).toEqual(Buffer.concat(Array.from({ length: 64 }, (_, i) => Buffer.alloc(4096, i))));
  });

  it('fails naming the byte once the resumptions are used up', async () => {
    const first = new PassThrough();
    first.write(Buffer.alloc(10));
    const stream = resumingStream(
      first,
      0,
      async () => {
        const again = new PassThrough();
        again.write(Buffer.alloc(5));
        return again;
      },
      2,
      'test blob',
      IDLE_MS,
    );
    await expect(readAll(stream)).rejects.toThrow(/broke off at byte 20 and still did after 2 resumptions \(no data/);
  });
});
