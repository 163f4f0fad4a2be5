import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { PatchlineError } from '../../core/index.js';
import type { TarIndex } from './tar-index.js';

/** Blobs are read 1 MiB at a time (not 64 KiB): fewer, larger chunks through hashing and inflating. */
const READ_CHUNK = 1024 * 1024;

/** Read access to the files of an image layout, whether they sit in a folder or inside a tar archive. */
export interface LayoutFiles {
  readonly where: string;
  exists(path: string): Promise<boolean>;
  size(path: string): Promise<number>;
  read(path: string, limit: number): Promise<Buffer>;
  open(path: string): Readable;
}

export function directoryFiles(root: string): LayoutFiles {
  return {
    where: root,
    async exists(path) {
      try {
        return (await stat(join(root, path))).isFile();
      } catch {
        return false;
      }
    },
    async size(path) {
      return (await stat(join(root, path))).size;
    },
    async read(path, limit) {
      const file = join(root, path);
      const size = await stat(file).then(
        (s) => s.size,
        () => {
          throw new PatchlineError('not-found', root, `has no file ${path}`);
        },
      );
      if (size > limit) throw new PatchlineError('limit', file, `is ${size} bytes, over the ${limit}-byte limit`);
      return readFile(file);
    },
    open(path) {
      return createReadStream(join(root, path), { highWaterMark: READ_CHUNK });
    },
  };
}

export function archiveFiles(archive: string, index: TarIndex): LayoutFiles {
  const entry = (path: string) => {
    const found = index.get(path);
    if (!found) throw new PatchlineError('not-found', archive, `has no member ${path}`);
    return found;
  };
  return {
    where: archive,
    async exists(path) {
      return index.has(path);
    },
    async size(path) {
      return entry(path).size;
    },
    async read(path, limit) {
      const { size } = entry(path);
      if (size > limit)
        throw new PatchlineError('limit', `${archive}:${path}`, `is ${size} bytes, over the ${limit}-byte limit`);
      const chunks: Buffer[] = [];
      for await (const chunk of this.open(path)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    open(path) {
      const { offset, size } = entry(path);
      if (size === 0) return createReadStream(archive, { start: 0, end: -1 });
      return createReadStream(archive, { start: offset, end: offset + size - 1, highWaterMark: READ_CHUNK });
    },
  };
}
