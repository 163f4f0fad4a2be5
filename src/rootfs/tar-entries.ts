import type { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import { PatchlineError } from '../core/index.js';
import type { EntryType } from './entry.js';

export interface EntryBody extends AsyncIterable<Buffer> {
  resume(): unknown;
}

export interface TarEntry {
  /** Normalised path relative to the root; '' for the root folder itself. */
  path: string;
  type: EntryType;
  size: number;
  mode: number;
  /** Numeric owner and group, as the layer records them (what a root filesystem materialised from it keeps). */
  uid: number;
  gid: number;
  linkTarget?: string;
  /** The entry's content; it must be read to its end, or `resume()`d to skip it, before the next entry arrives. */
  body: EntryBody;
}

/**
 * Normalises a tar member name to a root-relative path. Names that climb out of the root (`../`) or are absolute are
 * refused: a layer carrying one is malformed or hostile, and nothing of it is trusted.
 */
export function normalizeTarPath(name: string, what: string): string {
  if (name.startsWith('/')) throw new PatchlineError('input', what, `has a tar entry with an absolute name "${name}"`);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new PatchlineError('input', what, `has a tar entry "${name}" that climbs out of the root`);
    if (part.includes('\0')) throw new PatchlineError('input', what, `has a tar entry name with a NUL byte`);
    parts.push(part);
  }
  return parts.join('/');
}

function entryType(header: Header): EntryType {
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return 'other';
  }
}

function asTarError(error: unknown, what: string): PatchlineError {
  if (error instanceof PatchlineError) return error;
  return new PatchlineError('input', what, `is not a readable tar archive (${(error as Error).message})`, {
    cause: error,
  });
}

/** An entry's content; the archive failing while it is read (e.g. it ends mid-file) is a PatchlineError too. */
function guardBody(body: Readable, what: string): EntryBody {
  return {
    resume: () => body.resume(),
    async *[Symbol.asyncIterator]() {
      try {
        for await (const chunk of body) yield chunk as Buffer;
      } catch (error) {
        throw asTarError(error, what);
      }
    },
  };
}

/** The entries of a tar stream, one at a time; a malformed archive ends the iteration with an error naming `what`. */
export async function* readTarEntries(tar: Readable, what: string): AsyncGenerator<TarEntry> {
  const extractor = extract();
  tar.on('error', (error) => extractor.destroy(error));
  tar.pipe(extractor);
  try {
    for await (const body of extractor) {
      const header = body.header;
      const path = normalizeTarPath(header.name, what);
      const type = entryType(header);
      const entry: TarEntry = {
        path,
        type,
        size: header.size ?? 0,
        mode: header.mode ?? 0,
        uid: header.uid ?? 0,
        gid: header.gid ?? 0,
        body: guardBody(body as unknown as Readable, what),
      };
      if (type === 'hardlink') entry.linkTarget = normalizeTarPath(header.linkname ?? '', what);
      else if (type === 'symlink') entry.linkTarget = header.linkname ?? '';
      yield entry;
    }
  } catch (error) {
    throw asTarError(error, what);
  } finally {
    tar.unpipe(extractor);
    extractor.destroy();
  }
}
