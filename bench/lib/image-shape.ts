// The layer shape of a real chunked bootc image, shared by the images the benchmarks build, and a seeded hash.

/** Compressed layer sizes (MB) of ../shared/fixtures/bootc/manifest1.json, base first (the 0.3 MB one as 0.5). */
export const CHUNKED_SHAPE_MB = [
  1.4, 48, 124, 38, 77, 21, 59, 49, 21, 15, 14, 8, 6, 8, 6, 16, 5, 4, 5, 4, 3, 2, 3, 3, 3, 3, 0.5, 3, 1, 3, 8, 3, 2, 2,
  2, 3, 2, 2, 2, 2, 2, 2, 2, 5, 1, 2, 1, 2, 2, 3,
];
export const FINAL_CHUNK_MB = 69;
export const EXTRA_CHUNKS_MB = [4, 2, 3, 2, 2, 3, 2, 4, 2, 3, 2, 2];
export const DERIVED_MB = 8;
/** Weights of all layers, base (0) first: 50 chunks + 12 extra small chunks + the final chunk + the derived layer. */
export const WEIGHTS = [...CHUNKED_SHAPE_MB, ...EXTRA_CHUNKS_MB, FINAL_CHUNK_MB, DERIVED_MB];
export const FINAL_CHUNK = WEIGHTS.length - 2;
export const NEWEST = WEIGHTS.length - 1;

/** FNV-1a: a small stable hash for seeded, repeatable choices. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
