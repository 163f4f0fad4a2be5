// What the benchmarks share: the layer shape of a real chunked bootc image, a string hash, CPU profile summaries.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

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
export function fnv1a(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Self time per function of a .cpuprofile, biggest first. */
export function summarizeProfile(profile, top = 25) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const frame = node.callFrame;
    const where = frame.url
      ? `${frame.url.replace(/^file:\/\//, '').replace(`${REPO_DIR}/`, '')}:${frame.lineNumber + 1}`
      : '';
    const name = `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    self.set(name, (self.get(name) ?? 0) + delta);
  }
  const byFile = new Map();
  for (const [name, micros] of self) {
    const file = name.includes(' ') ? name.slice(name.indexOf(' ') + 1).replace(/:\d+$/, '') : name;
    byFile.set(file, (byFile.get(file) ?? 0) + micros);
  }
  const rows = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, ms: micros / 1000, share: micros / total }));
  return { totalMs: total / 1000, functions: rows(self), files: rows(byFile) };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The nearest-rank percentile (p in 0–100) of a list of numbers. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
