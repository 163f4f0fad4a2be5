import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What the caches under one cache folder hold, and trimming them to a size, least recently used first. Only the
 * content-addressed areas are touched (the advisory database beside them is data to keep, not cache to drop); a
 * BlobCache marks an entry used by setting its mtime when it is read.
 */
export interface CacheEntry {
  path: string;
  bytes: number;
  /** When the entry was last written or read (its mtime). */
  usedMs: number;
}

export interface CacheArea {
  name: string;
  dir: string;
  entries: CacheEntry[];
}

/** The scanner's blob cache and the registry gateway's default cache (`serve --gateway-cache` may put it elsewhere). */
export function cacheAreaDirs(root: string): { name: string; dir: string }[] {
  return [
    { name: 'image blobs', dir: join(root, 'blobs') },
    { name: 'gateway blobs', dir: join(root, 'gateway', 'blobs') },
    { name: 'gateway manifests', dir: join(root, 'gateway', 'manifests') },
  ];
}

export async function cacheAreas(root: string): Promise<CacheArea[]> {
  return Promise.all(cacheAreaDirs(root).map(async (area) => ({ ...area, entries: await entriesUnder(area.dir) })));
}

/** Every committed entry under `dir` (a write in progress, `*.tmp`, is not one yet). */
async function entriesUnder(dir: string): Promise<CacheEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: CacheEntry[] = [];
  for (const name of names) {
    if (name.endsWith('.tmp')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile()) entries.push({ path, bytes: info.size, usedMs: info.mtimeMs });
  }
  return entries;
}

export interface PruneResult {
  removed: number;
  freedBytes: number;
  keptBytes: number;
}

/** Removes the least recently used entries of every area until they hold at most `maxBytes` together. */
export async function pruneCache(root: string, maxBytes: number): Promise<PruneResult> {
  const entries = (await cacheAreas(root)).flatMap((area) => area.entries).sort((a, b) => a.usedMs - b.usedMs);
  let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
  const result: PruneResult = { removed: 0, freedBytes: 0, keptBytes: total };
  for (const entry of entries) {
    if (total <= maxBytes) break;
    await rm(entry.path, { force: true });
    total -= entry.bytes;
    result.removed++;
    result.freedBytes += entry.bytes;
  }
  result.keptBytes = total;
  return result;
}
