import { chmod, mkdir, mkdtemp, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PatchlineError, renameDurably, syncPath } from '../core/index.js';
import type { GeneratedFile } from './host-files.js';

/**
 * Writes the generated files into `out` whole or not at all: into a temporary folder beside it, renamed into place
 * at the end. `out` must not exist or be an empty folder, so nothing a user had there is overwritten or mixed in.
 */
export async function writeHostFiles(out: string, files: readonly GeneratedFile[]): Promise<void> {
  const target = resolve(out);
  const existing = await readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    if (error.code === 'ENOTDIR') throw new PatchlineError('input', out, 'exists and is not a folder');
    throw new PatchlineError('input', out, `cannot read it (${error.code})`, { cause: error });
  });
  if (existing !== undefined && existing.length > 0) {
    throw new PatchlineError('input', out, 'is not empty; give a new folder (nothing was written)');
  }
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(join(dirname(target), `.${basename(target)}.partial-`));
  try {
    for (const file of files) {
      const path = join(staging, file.path);
      await mkdir(dirname(path), { recursive: true, mode: file.path.startsWith('host/') ? 0o700 : 0o755 });
      await writeFile(path, file.content, { mode: file.mode, flag: 'wx' });
      // The umask may have taken bits away from the mode asked for; the image needs them exactly.
      await chmod(path, file.mode);
    }
    await chmod(staging, 0o755);
    // Every file and folder is made durable before the rename, so a crash leaves the whole set or none of it.
    const paths = new Set<string>();
    for (const file of files) {
      for (let path = join(staging, file.path); path.startsWith(`${staging}/`); path = dirname(path)) paths.add(path);
    }
    for (const path of paths) await syncPath(path);
    if (existing !== undefined) await rmdir(target);
    await renameDurably(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
