import type { Dirent } from 'node:fs';
import { access, lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** A real file or symlink of this machine, and the path it takes in a generated image. */
export type MachineFile =
  | { kind: 'file'; source: string; path: string; size: number; mode: number }
  | { kind: 'symlink'; source: string; path: string; target: string };

export interface WalkOptions {
  /** Leaves out an image path (and, for a folder, everything under it); `name` is the entry's own name. */
  skip(path: string, name: string): boolean;
  /** Files larger than this are left out. */
  maxFileBytes?: number;
  /** Leaves out files this process cannot read (a bench that reads them later would fail half-way). */
  readableOnly?: boolean;
}

/**
 * Regular files and symlinks under [folder, image folder] pairs, sorted by image path: the real content the image
 * benches fill their layers with. Folders or files that vanish or cannot be listed while walking are passed over.
 */
export async function walkMachineFiles(
  sources: ReadonlyArray<readonly [string, string]>,
  options: WalkOptions,
): Promise<MachineFile[]> {
  const items: MachineFile[] = [];
  const walk = async (dir: string, imageDir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const source = join(dir, entry.name);
      const path = `${imageDir}/${entry.name}`;
      if (options.skip(path, entry.name)) continue;
      if (entry.isDirectory()) await walk(source, path);
      else if (entry.isSymbolicLink()) {
        try {
          items.push({ kind: 'symlink', source, path, target: await readlink(source) });
        } catch {}
      } else if (entry.isFile()) {
        try {
          const info = await lstat(source);
          if (options.maxFileBytes !== undefined && info.size > options.maxFileBytes) continue;
          if (options.readableOnly) await access(source);
          items.push({ kind: 'file', source, path, size: info.size, mode: info.mode & 0o7777 });
        } catch {}
      }
    }
  };
  for (const [dir, imageDir] of sources) await walk(dir, imageDir);
  items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return items;
}
