import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobCache } from './blob-cache.js';
import { sha256Digest } from './digest.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'patchline-cache-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function drain(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function chunked(data: Buffer, size = 1000): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) parts.push(data.subarray(at, at + size));
  return Readable.from(parts);
}

describe('BlobCache', () => {
  const data = Buffer.alloc(64 * 1024, 'patchline');
  const digest = sha256Digest(data);

  it('commits a blob that streamed through with the right digest, and passes every byte on', async () => {
    const cache = new BlobCache(root);
    const passed = await drain(chunked(data).pipe(await cache.writeThrough(digest, data.length)));
    expect(passed.equals(data)).toBe(true);
    expect(await cache.has(digest)).toBe(true);
    expect((await readFile(cache.pathOf(digest))).equals(data)).toBe(true);
  });

  it('commits nothing when the bytes do not match the digest', async () => {
    const cache = new BlobCache(root);
    const wrong = Buffer.from(data);
    wrong[100] = 0;
    await drain(chunked(wrong).pipe(await cache.writeThrough(digest, data.length)));
    expect(await cache.has(digest)).toBe(false);
    expect(await readdir(join(root, 'blobs/sha256'))).toEqual([]);
  });

  it('leaves no entry and no temporary file when a download is interrupted', async () => {
    const cache = new BlobCache(root);
    const tee = await cache.writeThrough(digest, data.length);
    const source = chunked(data);
    let seen = 0;
    await expect(
      pipeline(source, tee, async function* (chunks) {
        for await (const chunk of chunks) {
          seen += (chunk as Buffer).length;
          if (seen > 10_000) throw new Error('connection reset');
          yield chunk;
        }
      }),
    ).rejects.toThrow('connection reset');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await cache.has(digest)).toBe(false);
    expect(await readdir(join(root, 'blobs/sha256'))).toEqual([]);
  });

  it('lets two runs fill the same entry at once', async () => {
    const one = new BlobCache(root);
    const two = new BlobCache(root);
    const [a, b] = await Promise.all([
      drain(chunked(data, 777).pipe(await one.writeThrough(digest, data.length))),
      drain(chunked(data, 1234).pipe(await two.writeThrough(digest, data.length))),
    ]);
    expect(a.equals(data) && b.equals(data)).toBe(true);
    expect((await readFile(one.pathOf(digest))).equals(data)).toBe(true);
    expect(await readdir(join(root, 'blobs/sha256'))).toEqual([digest.slice(7)]);
  });
});
