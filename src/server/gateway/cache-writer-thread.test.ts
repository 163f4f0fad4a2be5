import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../oci/index.js';
import { type CacheFileSink, CacheWriterThread } from './cache-writer-thread.js';
import { HoldbackVerifier } from './verified-stream.js';

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
    expect((await sink.digest()).hex).toBe(createHash('sha256').update(whole).digest('hex'));
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
    expect((await other.digest()).hex).toBe(createHash('sha512').update('still here').digest('hex'));
  });

  it('fails a file it cannot create, naming it, and takes no chunks for it', async () => {
    const path = join(tmpdir(), 'patchline-no-such-dir', String(process.pid), 'x.tmp');
    const sink = thread.open(path, 'sha256');
    await expect(sink.opened).rejects.toThrow(`cannot write the cache file ${path}: ENOENT`);
    await expect(feed(sink, [Buffer.from('x')])).rejects.toThrow(/ENOENT/);
    await expect(sink.digest()).rejects.toThrow(/ENOENT/);
    await sink.abort();
  });

  it('passes a blob on in the batches it wrote, holding the last one back until the whole blob matched', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'patchline-cache-writer-'));
    const mib = 1024 * 1024;
    // Exactly two batches (the held piece is a whole batch, nothing is left over), and two and a bit.
    for (const size of [2 * mib, 2 * mib + 4321]) {
      const whole = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4096) whole.writeUInt32BE(i, i);
      const digest: Digest = `sha256:${createHash('sha256').update(whole).digest('hex')}`;
      const chunksOf = (bytes: Buffer) =>
        Array.from({ length: Math.ceil(size / 65536) }, (_, i) => bytes.subarray(i * 65536, (i + 1) * 65536));
      const run = async (bytes: Buffer) => {
        const sink = thread.open(join(dir, `${size}.${bytes === whole ? 'good' : 'bad'}.tmp`), 'sha256');
        const verifier = new HoldbackVerifier(digest, size, 'blob', sink);
        const out: Buffer[] = [];
        verifier.on('data', (piece: Buffer) => out.push(Buffer.from(piece)));
        const error = await new Promise<Error | undefined>((resolve) => {
          verifier.on('end', () => resolve(undefined));
          verifier.on('error', resolve);
          Readable.from(chunksOf(bytes)).pipe(verifier);
        });
        return { out: Buffer.concat(out), error, pieces: out.map((piece) => piece.length) };
      };
      const good = await run(whole);
      expect(good.error).toBeUndefined();
      expect(good.out.equals(whole)).toBe(true);
      expect(good.pieces.slice(0, 2)).toEqual([mib, mib]);
      // One byte wrong in the last 64 KiB: the client never gets the last batch, or anything after it.
      const bad = Buffer.from(whole);
      bad[size - 10] ^= 1;
      const failed = await run(bad);
      expect(failed.error?.message).toMatch(/content digest is sha256:[a-f0-9]{64}, expected/);
      expect(failed.out.length).toBe(mib);
      expect(failed.out.equals(whole.subarray(0, mib))).toBe(true);
    }
  });
});
