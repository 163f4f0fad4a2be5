import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { PatchlineError } from './errors.js';

/**
 * Files are replaced whole or not at all: written under a temporary name beside the file, then renamed over it, so a
 * reader never sees half of one. Rename alone is not enough across a crash: the file system may commit the rename
 * before the bytes, leaving an empty or short file under the final name. So the temporary file is synced before the
 * rename, and the folder after it (which makes the rename itself durable).
 */

/** The file system calls used here; a test passes its own to observe them. */
export interface AtomicWriteFs {
  open(path: string, flags: string): Promise<FileHandle>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
}

const nodeFs: AtomicWriteFs = { open, rename, rm };

/** A unique temporary name beside `file` (same folder, so the rename stays on one file system). */
export function temporaryPathFor(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Gives a complete file at `temp` the name `file` durably: syncs its bytes, renames it, syncs the folder. For files
 * written by something else (SQLite's VACUUM INTO, a download, a worker thread); errors are the file system's own.
 */
export async function renameDurably(temp: string, file: string, fs: AtomicWriteFs = nodeFs): Promise<void> {
  await syncPath(temp, fs);
  await fs.rename(temp, file);
  await syncFolder(dirname(file), fs);
}

/** Asks the file system to make a file's bytes, or a folder's entries, durable now. */
export async function syncPath(path: string, fs: AtomicWriteFs = nodeFs): Promise<void> {
  const handle = await fs.open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a file all at once (a temporary file, synced, then renamed), so a reader never sees half of one. */
export async function writeFileAtomic(
  file: string,
  content: string | Uint8Array,
  fs: AtomicWriteFs = nodeFs,
): Promise<void> {
  const temp = temporaryPathFor(file);
  try {
    const handle = await fs.open(temp, 'wx');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
    await syncFolder(dirname(file), fs);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw cannotWrite(file, error);
  }
}

/** A file being written as a stream: `commit` puts it in place whole, `discard` leaves nothing behind. */
export interface AtomicFileWriter {
  /** Where the bytes go until `commit`. */
  readonly temp: string;
  /** Write the content here; `commit` waits for it to finish. */
  readonly stream: Writable;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** Opens `file` for writing as a stream, for content too large to hold (blobs): see `AtomicFileWriter`. */
export async function openAtomicFile(file: string, fs: AtomicWriteFs = nodeFs): Promise<AtomicFileWriter> {
  const temp = temporaryPathFor(file);
  let handle: FileHandle;
  try {
    handle = await fs.open(temp, 'wx');
  } catch (error) {
    throw cannotWrite(file, error);
  }
  // The handle stays open after the stream finishes, so it can be synced before it is closed.
  const stream = handle.createWriteStream({ autoClose: false });
  const finished = new Promise<void>((resolve, reject) => {
    stream.once('finish', resolve);
    stream.once('error', reject);
  });
  finished.catch(() => undefined);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    // A handle does not close while a stream still holds it, even one that has finished.
    stream.destroy();
    await handle.close();
  };
  const discard = async () => {
    await close().catch(() => undefined);
    await fs.rm(temp, { force: true });
  };
  return {
    temp,
    stream,
    discard,
    async commit() {
      try {
        if (!stream.writableFinished) {
          if (!stream.writableEnded) stream.end();
          await finished;
        }
        await handle.sync();
        await close();
        await fs.rename(temp, file);
        await syncFolder(dirname(file), fs);
      } catch (error) {
        await discard();
        throw cannotWrite(file, error);
      }
    },
  };
}

async function syncFolder(folder: string, fs: AtomicWriteFs): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await fs.open(folder, 'r');
  } catch (error) {
    // Some systems cannot open a folder to sync it (Windows); there the rename is as durable as it gets.
    if (isUnsupported(error)) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    // File systems that do not sync folders say so with EINVAL; nothing more can be done there.
    if (!isUnsupported(error)) throw error;
  } finally {
    await handle.close();
  }
}

function isUnsupported(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EINVAL' || code === 'EISDIR' || code === 'EPERM';
}

function cannotWrite(file: string, error: unknown): PatchlineError {
  if (error instanceof PatchlineError) return error;
  return new PatchlineError(
    'input',
    file,
    `cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    { cause: error },
  );
}
