import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CacheFileSink, CacheWriterThread } from './cache-writer-thread.js';

const thread = new CacheWriterThread();
afterAll(() => thread.close());

/** Gives the sink every chunk, waiting whenever it says so, as the verifier does. */
async function feed(sink: CacheFileSink, chunks: Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    await new Promise<void>((resolve, reject) => sink.update(chunk, (error) => (error ? reject(error) : resolve())));
  }
}

/** 9 MB in uneven chunks: several batches, and more than the thread may fall behind by. */
function blob(): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < 150; i++) chunks.push(createHash('sha512').update(String(i)).digest().subarray(0, 33) as Buffer);
  const big = Buffer.concat(Array.from({ length: 9 * 1024 }, (_, i) => Buffer.alloc(1024, i % 251)));
  return [...chunks, big.subarray(0, 5_000_000), big.subarray(5_000_000), Buffer.from('end')];
}

describe('CacheWriterThread', () => {
  it('writes a blob to its file on the thread and hashes exactly what it wrote', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'patchline-cache-writer-'));
    const chunks = blob();
    const whole = Buffer.concat(chunks);
    const path = join(dir, 'one.tmp');
    const sink = thread.open(path, 'sha256');
    const written: number[] = [];
    sink.on('written', (bytes: number) => written.push(bytes));
    await sink.opened;
    await feed(sink, chunks);
    expect(await sink.digest()).toBe(createHash('sha256').update(whole).digest('hex'));
    expect((await readFile(path)).equals(whole)).toBe(true);
    expect(written.at(-1)).toBe(whole.length);
    // A file it finished can still be given up (a digest that did not match): removed.
    await sink.abort();
    expect(existsSync(path)).toBe(false);
  });

  it('removes a file it is told to abort half-way, and the thread carries on with others', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'patchline-cache-writer-'));
    const path = join(dir, 'half.tmp');
    const half = thread.open(path, 'sha512');
    const other = thread.open(join(dir, 'other.tmp'), 'sha512');
    await feed(half, blob().slice(0, 152));
    await half.abort();
    expect(existsSync(path)).toBe(false);
    await feed(other, [Buffer.from('still here')]);
    expect(await other.digest()).toBe(createHash('sha512').update('still here').digest('hex'));
  });

  it('fails a file it cannot create, naming it, and takes no chunks for it', async () => {
    const path = join(tmpdir(), 'patchline-no-such-dir', String(process.pid), 'x.tmp');
    const sink = thread.open(path, 'sha256');
    await expect(sink.opened).rejects.toThrow(`cannot write the cache file ${path}: ENOENT`);
    await expect(feed(sink, [Buffer.from('x')])).rejects.toThrow(/ENOENT/);
    await expect(sink.digest()).rejects.toThrow(/ENOENT/);
    await sink.abort();
  });
});
