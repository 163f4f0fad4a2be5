import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PatchlineError } from '../core/index.js';

/**
 * One digest for a build context: every path, its type and mode, and its content (a symlink's target), in sorted
 * order. The `source` trigger compares it with the last build's. `.git` is left out: a commit that changes no file
 * changes no image.
 */
export async function sourceDigest(root: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    let entries: string[];
    try {
      entries = (await readdir(dir)).sort();
    } catch (error) {
      throw new PatchlineError(
        'input',
        dir,
        `cannot be read as a build context (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    for (const name of entries) {
      if (dir === root && name === '.git') continue;
      const path = join(dir, name);
      const info = await lstat(path);
      const rel = relative(root, path);
      if (info.isDirectory()) {
        hash.update(`d ${rel} ${info.mode & 0o7777}\0`);
        await walk(path);
      } else if (info.isSymbolicLink()) {
        hash.update(`l ${rel} ${await readlink(path)}\0`);
      } else if (info.isFile()) {
        hash.update(`f ${rel} ${info.mode & 0o7777} ${info.size}\0`);
        for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      }
    }
  };
  await walk(root);
  return `sha256:${hash.digest('hex')}`;
}
