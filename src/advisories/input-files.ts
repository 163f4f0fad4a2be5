import { createReadStream } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import yauzl from 'yauzl';
import { PatchlineError } from '../core/index.js';
import { decompressLayer } from '../oci/index.js';
import { readCompressedDocument, uncompressedName } from './compressed-document.js';

/**
 * The files an import reads: the paths given, the files under a directory, the entries of zip and tar archives
 * (plain, gzip or zstd). Archives are read entry by entry, front to back, never whole; an entry's bytes are read only
 * when the consumer asks for them, and only up to the document limit. Entry names never become host paths, and a name
 * that climbs out of its archive (`../x`, `/x`) makes the whole archive untrusted (docs/decisions/0005).
 */

export interface InputLimits {
  /** Largest single document (JSON, YAML, CSV) in bytes. */
  maxDocumentBytes: number;
  /** Most uncompressed bytes one archive may expand to. */
  maxArchiveBytes: number;
}

export interface InputFile {
  /** For reports: `path`, or `archive.zip!entry/in/archive.json`. */
  name: string;
  /** The file's own name, which decides how it is read. */
  base: string;
  /** The file's bytes; for an archive entry, only until the next file is asked for. */
  read(): Promise<Buffer>;
}

export type FileKind = 'json' | 'yaml' | 'csv' | 'xml' | 'other';

/** How a document is read, from its name (a compressed document by the name it has uncompressed). */
export function fileKind(base: string): FileKind {
  const lower = (uncompressedName(base) ?? base).toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.xml')) return 'xml';
  return 'other';
}

type ArchiveKind = 'zip' | 'tar';

const ZIP_MAGIC = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1')];
const COMPRESSED_MAGIC = [Buffer.from([0x1f, 0x8b]), Buffer.from([0x28, 0xb5, 0x2f, 0xfd])];

function archiveKindByName(base: string): ArchiveKind | undefined {
  const lower = base.toLowerCase();
  if (lower.endsWith('.zip')) return 'zip';
  if (/\.(tar|tar\.gz|tgz|tar\.zst|tar\.zstd)$/.test(lower)) return 'tar';
  return undefined;
}

/** A file the user named: its bytes decide whether it is an archive, so a download saved under any name is read. */
async function archiveKindOf(path: string): Promise<ArchiveKind | undefined> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const bytes = head.subarray(0, bytesRead);
    if (ZIP_MAGIC.some((magic) => bytes.subarray(0, 4).equals(magic))) return 'zip';
    if (COMPRESSED_MAGIC.some((magic) => bytes.subarray(0, magic.length).equals(magic))) return 'tar';
    if (bytesRead === 512 && bytes.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
    return archiveKindByName(basename(path));
  } finally {
    await handle.close();
  }
}

/** Every input file under the given paths, in a stable order (directories sorted by name). */
export async function* inputFiles(paths: readonly string[], limits: InputLimits): AsyncGenerator<InputFile> {
  for (const path of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      throw new PatchlineError('not-found', path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
    if (info.isDirectory()) {
      yield* directoryFiles(path, limits);
    } else if (info.isFile() && uncompressedName(basename(path)) !== undefined) {
      yield compressedFile(path, path, limits);
    } else if (info.isFile()) {
      const kind = await archiveKindOf(path).catch((error: NodeJS.ErrnoException) => {
        throw new PatchlineError('input', path, `cannot be read (${error.code ?? error.message})`);
      });
      if (kind === undefined) yield plainFile(path, path, limits);
      else yield* archiveFiles(path, path, kind, limits);
    } else {
      throw new PatchlineError('input', path, 'is neither a file nor a directory');
    }
  }
}

function plainFile(path: string, name: string, limits: InputLimits): InputFile {
  return {
    name,
    base: basename(name),
    async read() {
      try {
        const handle = await open(path, 'r');
        try {
          if ((await handle.stat()).size > limits.maxDocumentBytes) throw documentTooLarge(name, limits);
          return await handle.readFile();
        } finally {
          await handle.close();
        }
      } catch (error) {
        if (error instanceof PatchlineError) throw error;
        throw new PatchlineError('input', name, `cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`);
      }
    },
  };
}

/** A single compressed document (`updateinfo.xml.gz`): its bytes are the decompressed document, bounded. */
function compressedFile(path: string, name: string, limits: InputLimits): InputFile {
  return { name, base: basename(name), read: () => readCompressedDocument(path, name, limits.maxDocumentBytes) };
}

/**
 * The files under a directory. A symbolic link is followed only when its target stays inside the directory given
 * (a feed mirror may link `latest` to a dated folder); one leading elsewhere is left alone, never read. Each real
 * directory is walked once, so a link loop ends.
 */
async function* directoryFiles(root: string, limits: InputLimits): AsyncGenerator<InputFile> {
  const realRoot = await realpath(root);
  const visited = new Set<string>();
  async function* walk(dir: string, realDir: string): AsyncGenerator<InputFile> {
    if (visited.has(realDir)) return;
    visited.add(realDir);
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const path = join(dir, name);
      let info = await lstat(path);
      let real = join(realDir, name);
      if (info.isSymbolicLink()) {
        try {
          real = await realpath(path);
          info = await stat(path);
        } catch {
          continue; // a dangling link: nothing to read
        }
        if (real !== realRoot && !real.startsWith(`${realRoot}${sep}`)) continue;
      }
      if (info.isDirectory()) {
        yield* walk(path, real);
      } else if (info.isFile() && uncompressedName(name) !== undefined) {
        yield compressedFile(real, path, limits);
      } else if (info.isFile()) {
        const kind = archiveKindByName(name);
        if (kind === undefined) yield plainFile(real, path, limits);
        else yield* archiveFiles(real, path, kind, limits);
      }
    }
  }
  yield* walk(root, realRoot);
}

function archiveFiles(path: string, name: string, kind: ArchiveKind, limits: InputLimits): AsyncGenerator<InputFile> {
  return kind === 'zip' ? zipFiles(path, name, limits) : tarFiles(path, name, limits);
}

/** Refuses entry names that climb out of the archive, as for image layers (docs/decisions/0005). */
function checkEntryName(entry: string, archive: string): void {
  if (entry.startsWith('/') || entry.split(/[/\\]/).includes('..') || entry.includes('\0')) {
    throw new PatchlineError('input', archive, `has an entry named "${entry}" that climbs out of the archive`);
  }
}

function documentTooLarge(name: string, limits: InputLimits): PatchlineError {
  return new PatchlineError('limit', name, `is larger than the ${limits.maxDocumentBytes}-byte document limit`);
}

function archiveTooLarge(name: string, limits: InputLimits): PatchlineError {
  return new PatchlineError('limit', name, `expands to more than the ${limits.maxArchiveBytes}-byte archive limit`);
}

/** Reads a stream into one buffer, refusing more than `limit` bytes. */
async function readBounded(stream: AsyncIterable<unknown>, limit: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}

async function* zipFiles(path: string, name: string, limits: InputLimits): AsyncGenerator<InputFile> {
  let zip: yauzl.ZipFile;
  try {
    // yauzl checks every entry's name (absolute, `..`) and, while inflating, that it yields exactly its declared size.
    zip = await yauzl.openPromise(path, { lazyEntries: true, strictFileNames: true });
  } catch (error) {
    throw new PatchlineError('input', name, `is not a readable zip archive (${(error as Error).message})`);
  }
  let expanded = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      checkEntryName(entry.fileName, name);
      if (entry.fileName.endsWith('/')) continue;
      const entryName = `${name}!${entry.fileName}`;
      yield {
        name: entryName,
        base: entry.fileName.slice(entry.fileName.lastIndexOf('/') + 1),
        read: async () => {
          // The declared size is checked first (cheap); the bytes inflated are counted too, as a declared size can lie.
          if (entry.uncompressedSize > limits.maxDocumentBytes) throw documentTooLarge(entryName, limits);
          expanded += entry.uncompressedSize;
          if (expanded > limits.maxArchiveBytes) throw archiveTooLarge(name, limits);
          try {
            const stream = await zip.openReadStreamPromise(entry);
            return await readBounded(stream, limits.maxDocumentBytes, () => documentTooLarge(entryName, limits));
          } catch (error) {
            if (error instanceof PatchlineError) throw error;
            throw new PatchlineError('input', name, `is not a readable zip archive (${(error as Error).message})`);
          }
        },
      };
    }
  } catch (error) {
    if (error instanceof PatchlineError) throw error;
    throw new PatchlineError('input', name, `is not a readable zip archive (${(error as Error).message})`);
  } finally {
    zip.close();
  }
}

async function* tarFiles(path: string, name: string, limits: InputLimits): AsyncGenerator<InputFile> {
  let tar: Readable;
  try {
    tar = (await decompressLayer(createReadStream(path), name, limits.maxArchiveBytes)).stream;
  } catch (error) {
    throw asArchiveError(error, name, limits);
  }
  const extractor = extract();
  tar.on('error', (error) => extractor.destroy(error));
  tar.pipe(extractor);
  try {
    for await (const entry of extractor) {
      const header = entry.header;
      checkEntryName(header.name, name);
      // Links and devices are never followed or read; only regular files.
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const entryName = `${name}!${header.name.replace(/^\.\//, '')}`;
      let consumed = false;
      yield {
        name: entryName,
        base: header.name.slice(header.name.lastIndexOf('/') + 1),
        read: async () => {
          consumed = true;
          if ((header.size ?? 0) > limits.maxDocumentBytes) throw documentTooLarge(entryName, limits);
          try {
            return await readBounded(entry, limits.maxDocumentBytes, () => documentTooLarge(entryName, limits));
          } catch (error) {
            throw asArchiveError(error, name, limits);
          }
        },
      };
      if (!consumed) entry.resume();
    }
  } catch (error) {
    throw asArchiveError(error, name, limits);
  } finally {
    tar.destroy();
    extractor.destroy();
  }
}

function asArchiveError(error: unknown, name: string, limits: InputLimits): PatchlineError {
  if (error instanceof PatchlineError) {
    // The layer reader's limit message speaks of image layers; an archive of advisories has its own limit.
    return error.kind === 'limit' && error.input === name ? archiveTooLarge(name, limits) : error;
  }
  return new PatchlineError('input', name, `is not a readable tar archive (${(error as Error).message})`, {
    cause: error,
  });
}
