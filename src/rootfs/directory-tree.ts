import type { Stats } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { compileGlob, globBase, isGlob, normalizeRequestPath, PatchlineError } from '../core/index.js';
import type { TreeEntry } from './entry.js';
import { FileContent } from './file-content.js';
import type { FileRequest, FileTree, FoundFile, ReadResult } from './file-tree.js';

const MAX_LINK_HOPS = 40;
const DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024;

function toEntry(stats: Stats, linkTarget?: string): TreeEntry {
  const type = stats.isFile() ? 'file' : stats.isDirectory() ? 'dir' : stats.isSymbolicLink() ? 'symlink' : 'other';
  const entry: TreeEntry = { type, size: type === 'file' ? stats.size : 0, mode: stats.mode & 0o7777, layer: -1 };
  if (linkTarget !== undefined) entry.linkTarget = linkTarget;
  return entry;
}

/**
 * An unpacked root filesystem (`dir:ROOT`). Symlinks are resolved by us against ROOT, never by the host's kernel, so an
 * absolute link such as `/etc/os-release` reads the image's file, not this machine's.
 */
export class DirectoryTree implements FileTree {
  readonly root: string;

  constructor(
    root: string,
    readonly name = `dir:${root}`,
  ) {
    this.root = resolve(root);
  }

  async close(): Promise<void> {}

  async read(requests: FileRequest[], options: { maxFileBytes?: number } = {}): Promise<ReadResult> {
    const rootStats = await lstat(this.root).catch(() => undefined);
    if (!rootStats?.isDirectory()) throw new PatchlineError('not-found', this.name, 'is not a folder');
    const files: FoundFile[] = [];
    const missing: string[] = [];
    for (const request of requests) {
      const path = normalizeRequestPath(request.path);
      const paths = isGlob(path) ? await this.expand(path) : [path];
      let matched = 0;
      for (const candidate of paths) {
        // A glob lists entries as they are (a dangling link included); exact paths follow links to their end.
        const found = await this.resolvePath(candidate, isGlob(path));
        if (!found) continue;
        matched++;
        const file: FoundFile = { request: request.path, path: candidate, entry: found.entry };
        const target = found.entry.type === 'symlink' ? await this.resolvePath(candidate, false) : found;
        if (target && target.path !== candidate) file.resolvedPath = target.path;
        if (target?.entry.type === 'file' && (request.content ?? 'buffer') !== 'none') {
          const limit = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
          if (target.entry.size > limit) {
            throw new PatchlineError(
              'limit',
              `${this.name}: ${candidate}`,
              `is ${target.entry.size} bytes, over the ${limit}-byte limit`,
            );
          }
          file.content = FileContent.inMemory(await readFile(join(this.root, target.path)));
        }
        files.push(file);
      }
      if (matched === 0) missing.push(request.path);
    }
    const stats = { layers: 0, layersRead: 0, layerReads: 0, bytesRead: 0, bytesUncompressed: 0, bytesDownloaded: 0 };
    for (const file of files) stats.bytesRead += file.content?.size ?? 0;
    return { files, missing, stats, dispose: async () => {} };
  }

  /** Resolves symlinks component by component inside the root; `..` stops at the root. */
  private async resolvePath(
    path: string,
    keepFinalLink: boolean,
  ): Promise<{ path: string; entry: TreeEntry } | undefined> {
    const queue = path.split('/').filter((p) => p !== '' && p !== '.');
    const resolved: string[] = [];
    let hops = 0;
    let entry: TreeEntry = { type: 'dir', size: 0, mode: 0o755, layer: -1 };
    while (queue.length > 0) {
      const part = queue.shift()!;
      if (part === '..') {
        resolved.pop();
        entry = { type: 'dir', size: 0, mode: 0o755, layer: -1 };
        continue;
      }
      const candidate = [...resolved, part].join('/');
      const stats = await lstat(join(this.root, candidate)).catch(() => undefined);
      if (!stats) return undefined;
      if (stats.isSymbolicLink() && (queue.length > 0 || !keepFinalLink)) {
        if (++hops > MAX_LINK_HOPS) {
          throw new PatchlineError(
            'limit',
            `${this.name}: ${path}`,
            `has more than ${MAX_LINK_HOPS} symlinks in its path (a symlink loop?)`,
          );
        }
        const target = await readlink(join(this.root, candidate));
        if (target.startsWith('/')) resolved.length = 0;
        queue.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
        continue;
      }
      if (queue.length > 0 && !stats.isDirectory()) return undefined;
      resolved.push(part);
      entry = toEntry(stats, stats.isSymbolicLink() ? await readlink(join(this.root, candidate)) : undefined);
    }
    return { path: resolved.join('/'), entry };
  }

  /** The paths a glob matches; a folder part that goes through symlinks (var/lib/rpm/*) lists where they lead. */
  private async expand(pattern: string): Promise<string[]> {
    const base = globBase(pattern);
    const target = base === '' ? undefined : await this.resolvePath(base, false);
    if (target?.entry.type !== 'dir' || target.path === base) return this.walk(base, compileGlob(pattern));
    const found = await this.walk(target.path, compileGlob(target.path + pattern.slice(base.length)));
    return found.map((path) => base + path.slice(target.path.length));
  }

  /** Lists paths under `base` matching `glob`, never following symlinks (like `find` without -L). */
  private async walk(base: string, glob: RegExp): Promise<string[]> {
    const out: string[] = [];
    const visit = async (dir: string): Promise<void> => {
      const children = await readdir(join(this.root, dir), { withFileTypes: true }).catch(() => []);
      for (const child of children) {
        const path = dir === '' ? child.name : `${dir}/${child.name}`;
        if (glob.test(path)) out.push(path);
        if (child.isDirectory()) await visit(path);
      }
    };
    const baseStats = await lstat(join(this.root, base)).catch(() => undefined);
    if (baseStats?.isDirectory()) await visit(base);
    return out.sort();
  }
}
