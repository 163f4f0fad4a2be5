import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Digest } from '../../oci/index.js';
import { HoldbackVerifier } from './verified-stream.js';

function digestOf(bytes: Buffer): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Feeds chunks through a verifier; returns what came out and the error it ended with, if any. */
async function through(chunks: Buffer[], digest: Digest, size: number): Promise<{ out: Buffer; error?: Error }> {
  const verifier = new HoldbackVerifier(digest, size, 'blob');
  const out: Buffer[] = [];
  verifier.on('data', (chunk: Buffer) => out.push(chunk));
  try {
    await new Promise<void>((resolve, reject) => {
      verifier.on('end', resolve);
      verifier.on('error', reject);
      Readable.from(chunks).pipe(verifier);
    });
    return { out: Buffer.concat(out) };
  } catch (error) {
    return { out: Buffer.concat(out), error: error as Error };
  }
}

const chunks = [Buffer.from('aaaa'), Buffer.from('bbbb'), Buffer.from('cc')];
const whole = Buffer.concat(chunks);

describe('HoldbackVerifier', () => {
  it('passes a blob that matches its digest through whole', async () => {
    expect(await through(chunks, digestOf(whole), whole.length)).toEqual({ out: whole });
    expect(await through([], digestOf(Buffer.alloc(0)), 0)).toEqual({ out: Buffer.alloc(0) });
  });

  it('never lets the last chunk of a wrong blob out', async () => {
    const wrong = [Buffer.from('aaaa'), Buffer.from('bXbb'), Buffer.from('cc')];
    const result = await through(wrong, digestOf(whole), whole.length);
    expect(result.error?.message).toMatch(/content digest is sha256:[a-f0-9]{64}, expected/);
    expect(result.out.toString()).toBe('aaaabXbb');
  });

  it('fails on more or fewer bytes than declared, before passing on the tail', async () => {
    const long = await through([...chunks, Buffer.from('d')], digestOf(whole), whole.length);
    expect(long.error?.message).toMatch(/longer than its declared size of 10 bytes/);
    expect(long.out.length).toBeLessThan(whole.length);
    const short = await through(chunks.slice(0, 2), digestOf(whole), whole.length);
    expect(short.error?.message).toMatch(/is 8 bytes, not its declared 10/);
    expect(short.out.toString()).toBe('aaaa');
  });
});
