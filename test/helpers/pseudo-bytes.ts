import { createHash } from 'node:crypto';

/** Deterministic bytes from a seed (a SHA-256 chain): content that is the same on every run. */
export function pseudoBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}
