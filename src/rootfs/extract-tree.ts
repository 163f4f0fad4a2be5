import { chmod, lchown, link, mkdir, open, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { PatchlineError } from '../core/index.js';
import type { Image } from '../oci/index.js';
import type { TreeEntry } from './entry.js';
import { addToLayerIndex, emptyLayerIndex, type LayerIndex } from './layer-index.js';
import { MergedTree } from './merged-tree.js';
import { readTarEntries } from './tar-entries.js';

export interface ExtractStats {
  files: number;
  dirs: number;
  symlinks: number;
  /** Paths that share another path's content (tar hardlinks), written as hardlinks on disk. */
  hardlinks: number;
  /** Device nodes, FIFOs and sockets: not created (a compliance check reads files, never devices). */
  skipped: number;
  bytes: number;
}

const key = (layer: number, path: string) => `${layer}\0${path}`;

/**
 * Writes an image's merged file tree (what a container started from it sees) into an empty folder, for tools that
 * need a real root filesystem, such as oscap evaluating offline. The tree is built from the merged view, never by
 * replaying layers on disk: each visible path is created exactly once, parents before children, every parent a folder
 * made here, files opened with O_EXCL (which never follows a link) and symlinks written but never followed. So no layer
 * (a symlink and then a file "under" it, a hardlink naming a path outside) can make us write outside the folder.
 * Owners are kept (`lchown`), which needs root: without it the copy would misstate the image, so that fails closed.
 */
export async function extractMergedTree(image: Image, dir: string): Promise<ExtractStats> {
  if (process.getuid?.() !== 0) {
    throw new PatchlineError(
      'unsupported',
      image.name,
      'cannot be materialised with its file owners unless run as root',
    );
  }
  if ((await readdir(dir)).length > 0)
    throw new PatchlineError('usage', dir, 'must be an empty folder to extract into');
  const indexes: LayerIndex[] = [];
  for (const layer of image.layers) indexes[layer.index] = await indexLayer(image, layer.index);
  const tree = new MergedTree(indexes, image.name);
  const stats: ExtractStats = { files: 0, dirs: 0, symlinks: 0, hardlinks: 0, skipped: 0, bytes: 0 };
  // Per content location (layer, path in that layer's tar): the paths that show it, the first written, the rest linked.
  const wanted = new Map<string, string[]>();
  const made: Array<{ path: string; entry: TreeEntry }> = [];
  for (const { path, entry } of tree.list(() => true)) {
    const target = join(dir, path);
    if (entry.type === 'dir') {
      await mkdir(target, { mode: 0o700 });
      stats.dirs++;
    } else if (entry.type === 'symlink') {
      await symlink(entry.linkTarget ?? '', target);
      stats.symlinks++;
    } else if (entry.type === 'file' || entry.type === 'hardlink') {
      const resolved = tree.resolve(path, false);
      if (resolved.state !== 'present' || resolved.content === undefined) {
        throw new PatchlineError('input', `${image.name}: ${path}`, 'has no content in any layer');
      }
      const location = key(resolved.content.layer, resolved.content.path);
      wanted.set(location, [...(wanted.get(location) ?? []), path]);
      // Hardlinked paths share one inode: its mode and owners are those of the file entry holding the content.
      made.push({ path, entry: indexes[resolved.content.layer]?.entries.get(resolved.content.path) ?? entry });
      continue;
    } else {
      stats.skipped++;
      continue;
    }
    made.push({ path, entry });
  }
  const layers = [...new Set([...wanted.keys()].map((location) => Number(location.split('\0')[0])))];
  for (const layer of layers) await writeLayerContent(image, layer, wanted, dir, stats);
  if (wanted.size > 0) {
    const [location] = wanted.keys();
    throw new PatchlineError('input', image.name, `lost the content of ${location?.replace('\0', ': ')} while reading`);
  }
  // Modes and owners last, children before parents, so a read-only folder does not stop its own filling.
  for (const { path, entry } of made.reverse()) {
    const target = join(dir, path);
    // Owner first: chown clears the setuid and setgid bits that chmod then sets.
    await lchown(target, entry.uid ?? 0, entry.gid ?? 0);
    if (entry.type !== 'symlink') await chmod(target, entry.mode & 0o7777);
  }
  await chmod(dir, 0o755);
  return stats;
}

async function indexLayer(image: Image, layer: number): Promise<LayerIndex> {
  const index = emptyLayerIndex();
  const what = `${image.name}: layer ${layer} (${image.layers[layer]!.descriptor.digest})`;
  const stream = await image.openLayer(layer);
  try {
    for await (const entry of readTarEntries(stream.tar, what)) {
      entry.body.resume();
      if (entry.path === '') continue;
      addToLayerIndex(index, entry.path, {
        type: entry.type,
        size: entry.size,
        mode: entry.mode,
        uid: entry.uid,
        gid: entry.gid,
        layer,
        ...(entry.linkTarget === undefined ? {} : { linkTarget: entry.linkTarget }),
      });
    }
    // Only a layer read to its end has had its digest checked.
    await finished(stream.tar);
  } finally {
    stream.tar.destroy();
  }
  return index;
}

/** Writes the files whose content this layer holds; `wanted` loses each location once written. */
async function writeLayerContent(
  image: Image,
  layer: number,
  wanted: Map<string, string[]>,
  dir: string,
  stats: ExtractStats,
): Promise<void> {
  const what = `${image.name}: layer ${layer} (${image.layers[layer]!.descriptor.digest})`;
  const stream = await image.openLayer(layer);
  // A tar may carry one path twice (the later wins): the file is rewritten, and only linked once the layer is done.
  const written = new Map<string, string[]>();
  try {
    for await (const entry of readTarEntries(stream.tar, what)) {
      const location = key(layer, entry.path);
      const paths = entry.type === 'file' ? (wanted.get(location) ?? written.get(location)) : undefined;
      if (paths === undefined) {
        entry.body.resume();
        continue;
      }
      const again = written.has(location);
      const file = await open(join(dir, paths[0]!), again ? 'w' : 'wx', 0o600);
      try {
        for await (const chunk of entry.body) await file.write(chunk);
      } finally {
        await file.close();
      }
      if (!again) {
        stats.files++;
        stats.bytes += entry.size;
      }
      written.set(location, paths);
      wanted.delete(location);
    }
    await finished(stream.tar);
  } finally {
    stream.tar.destroy();
  }
  for (const paths of written.values()) {
    for (const path of paths.slice(1)) {
      await link(join(dir, paths[0]!), join(dir, path));
      stats.hardlinks++;
    }
  }
}
