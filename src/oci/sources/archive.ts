import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PatchlineError } from '../../core/index.js';
import { decompressLayer, peek, sniffCompression } from '../decompress.js';
import { indexTar, type TarIndex } from './tar-index.js';

export interface OpenedArchive {
  /** The uncompressed tar file to read members from (the archive itself, or a temporary copy). */
  tarPath: string;
  index: TarIndex;
  cleanup(): Promise<void>;
}

/**
 * Indexes an archive for random access. A compressed archive (`podman save | gzip`) is first decompressed once into a
 * temporary file, bounded by `limit` bytes, because members of a compressed stream cannot be read in place.
 */
export async function openArchive(path: string, limit: number): Promise<OpenedArchive> {
  const probe = createReadStream(path);
  const head = await peek(probe, 4).catch((error: NodeJS.ErrnoException) => {
    throw new PatchlineError('not-found', path, `cannot be read (${error.code ?? error.message})`);
  });
  probe.destroy();
  if (sniffCompression(head) === 'none') {
    return { tarPath: path, index: await indexTar(path), cleanup: async () => {} };
  }
  const dir = await mkdtemp(join(tmpdir(), 'patchline-archive-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const tarPath = join(dir, 'archive.tar');
    const decoded = await decompressLayer(createReadStream(path), path, limit);
    await pipeline(decoded.stream, createWriteStream(tarPath));
    return { tarPath, index: await indexTar(tarPath), cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
