import { copyFile, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PatchlineError } from '../../core/index.js';
import type { HeaderRecord, ReadProblems } from './records.js';

/*
 * Reads `rpmdb.sqlite` (Fedora, RHEL 9+, bootc) with a real SQLite engine, better-sqlite3: table `Packages` holds
 * (hnum, blob), one header blob per package.
 *
 * rpm writes the database in WAL mode, and opening a WAL database, even read-only, makes SQLite create `-wal` and
 * `-shm` files beside it. better-sqlite3 is built without URI filenames, so `?immutable=1` is not available (see
 * docs/decisions/0008-sqlite-engine.md). So the reader never opens the file it was given: it copies the database, and
 * its `-wal` file when the image has one (transactions not yet checkpointed, which rpm would read too), into a private
 * temporary folder, lets SQLite work there, and removes the folder afterwards.
 */

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

type Database = import('better-sqlite3').Database;

/** A file's bytes, either as a real file (a spooled copy) or in memory. */
export type FileBytes = { path: string } | { bytes: Buffer };

export async function* readSqlite(
  database: FileBytes,
  wal: FileBytes | undefined,
  input: string,
  problems: ReadProblems,
): AsyncGenerator<HeaderRecord> {
  const folder = await mkdtemp(join(tmpdir(), 'patchline-rpmdb-'));
  let db: Database | undefined;
  let rows = 0;
  let lastInstance: number | undefined;
  try {
    const copy = join(folder, 'rpmdb.sqlite');
    await place(database, copy);
    if (wal) await place(wal, `${copy}-wal`);
    await checkMagic(copy, input);
    db = await openReadOnly(copy, input);
    const statement = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').raw(true);
    // iterate() steps the statement row by row, so a corrupt page stops the walk where it is, after what was read.
    for (const row of statement.iterate() as IterableIterator<unknown[]>) {
      const [instance, blob] = row;
      rows++;
      if (typeof instance !== 'number' || !Buffer.isBuffer(blob)) {
        problems.push(`row ${rows}: hnum ${String(instance)} has no blob`);
        continue;
      }
      lastInstance = instance;
      yield { instance, blob };
    }
  } catch (error) {
    if (error instanceof PatchlineError) throw error;
    const where = lastInstance === undefined ? 'before the first package' : `after package hnum ${lastInstance}`;
    const message = `SQLite error ${sqliteCode(error)} ${where} (${rows} rows read): ${(error as Error).message}`;
    if (rows === 0) throw new PatchlineError('input', input, message, { cause: error });
    problems.push(message);
  } finally {
    db?.close();
    await rm(folder, { recursive: true, force: true });
  }
}

async function place(file: FileBytes, destination: string): Promise<void> {
  if ('path' in file) await copyFile(file.path, destination);
  else await writeFile(destination, file.bytes);
}

async function checkMagic(path: string, input: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(SQLITE_MAGIC.length);
    const { bytesRead } = await handle.read(header, 0, header.length, 0);
    if (bytesRead < header.length || !header.equals(SQLITE_MAGIC)) {
      throw new PatchlineError('input', input, 'not an SQLite database (no "SQLite format 3" header)');
    }
  } finally {
    await handle.close();
  }
}

async function openReadOnly(path: string, input: string): Promise<Database> {
  let engine: typeof import('better-sqlite3');
  try {
    // Loaded on first use: where the native addon did not build, every other database can still be read.
    engine = (await import('better-sqlite3')).default;
  } catch (error) {
    throw new PatchlineError('unsupported', input, 'the SQLite engine (better-sqlite3) could not be loaded', {
      cause: error,
    });
  }
  try {
    return new engine(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new PatchlineError('input', input, `SQLite cannot open it: ${(error as Error).message}`, { cause: error });
  }
}

function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'unknown';
}
