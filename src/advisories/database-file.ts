import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PatchlineError, renameDurably } from '../core/index.js';
import { AdvisoryDatabase, connectionOf, type DatabaseStatus } from './database.js';
import { storedAdvisorySchema, storedAffectedSchema } from './stored-record.js';
import { syncStatePath } from './sync-state.js';

/**
 * The offline bundle is the database file itself (docs/decisions: offline bundle). `db export` writes a consistent,
 * self-contained copy; `db import` of such a file replaces the local database's content with the bundle's, in one
 * transaction, so an air-gapped site scans with exactly the data, first-seen times and snapshot id of the connected
 * side that exported it.
 */

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Whether a file starts with SQLite's header: then `db import` takes it as a database file, not a document. */
export function isSqliteFile(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const header = Buffer.alloc(SQLITE_MAGIC.length);
    return readSync(fd, header, 0, header.length, 0) === header.length && header.equals(SQLITE_MAGIC);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface ExportResult {
  file: string;
  bytes: number;
  status: DatabaseStatus;
}

/**
 * Writes a consistent copy of the database to `file`: `VACUUM INTO` a temporary file beside it (a snapshot even while
 * an update writes, compacted, in rollback-journal mode so it is one file), then renamed over `file`.
 */
export async function exportDatabase(db: AdvisoryDatabase, file: string): Promise<ExportResult> {
  if (resolve(file) === resolve(db.path)) throw new PatchlineError('usage', file, 'is the database itself');
  const temp = join(dirname(file), `.${randomBytes(6).toString('hex')}.patchline-export.tmp`);
  try {
    connectionOf(db).prepare('VACUUM INTO ?').run(temp);
    await renameDurably(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw new PatchlineError(
      'input',
      file,
      `cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  return { file, bytes: (await stat(file)).size, status: db.status() };
}

/**
 * Replaces the content of `db` with the database file `file` (an export from another machine). The file is copied to
 * a private folder first, so nothing is written beside it; there it is opened as a Patchline database (refused when it
 * is not one or comes from a newer schema, migrated when older), checked by SQLite, and every stored record is read
 * through the model's schema before a single row is taken. The swap is one transaction: a scan reading meanwhile sees
 * the old content or the new.
 */
export async function importDatabaseFile(db: AdvisoryDatabase, file: string): Promise<DatabaseStatus> {
  const folder = await mkdtemp(join(tmpdir(), 'patchline-bundle-'));
  const copy = join(folder, 'bundle.db');
  try {
    try {
      await copyFile(file, copy);
    } catch (error) {
      throw new PatchlineError('not-found', file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
    verifyDatabaseFile(copy, file);
    replaceContent(db, copy, file);
    // The feeds' validators (ETags, watermarks) described the replaced content; the next update starts afresh.
    await rm(syncStatePath(db.path), { force: true });
    return db.status();
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

export interface InstallOptions {
  /** What to call `file` in errors (a registry reference); default its path. */
  label?: string;
  /** Check it as `db import` checks a bundle (SQLite's check, every row through the schema): for files from elsewhere. */
  verify?: boolean;
}

/**
 * Puts the content of the Patchline database file `file`, a private file nobody else writes (the copy `db update`
 * built, the file `db pull` downloaded), into the database at `dbPath`. A database already there keeps its file and
 * has its content swapped in one transaction (as `db import` of a bundle does), so a process holding it open (a scan,
 * `serve`) reads the old snapshot or the new one and never an error, and an interruption leaves the old one. Renaming
 * the new file over it would not: a reader holding the old file goes on reading it, and the old file's -wal and -shm,
 * which belong to the path, would be read against the new one. Only where there is no database yet is `file` renamed
 * into place, its own log folded into it first and any log left at `dbPath` removed. `file` is left for the caller
 * to remove when it was not renamed.
 */
export async function installDatabaseFile(dbPath: string, file: string, options: InstallOptions = {}): Promise<void> {
  const label = options.label ?? file;
  if (options.verify) verifyDatabaseFile(file, label);
  if (!existsSync(dbPath)) {
    foldWriteAheadLog(file, label);
    // A log or shared-memory file left at the path by a database deleted from under its writer would be read
    // against the new file as if it were its own (SQLite cannot tell): they describe nothing that still exists.
    await Promise.all(['-wal', '-shm', '-journal'].map((suffix) => rm(`${dbPath}${suffix}`, { force: true })));
    await renameDurably(file, dbPath);
    return;
  }
  const live = AdvisoryDatabase.open(dbPath);
  try {
    replaceContent(live, file, label);
  } finally {
    live.close();
  }
}

/**
 * Moves every transaction committed to `file`'s write-ahead log into `file` itself and empties the log. A log belongs
 * to its path, not to the file: renamed alone, the file would lose what the log held (a writer killed before it
 * checkpointed leaves it there), and the caller removes the log it leaves behind.
 */
function foldWriteAheadLog(file: string, label: string): void {
  let db: AdvisoryDatabase;
  try {
    db = AdvisoryDatabase.open(file);
  } catch (error) {
    throw renamed(error, file, label);
  }
  try {
    const [result] = connectionOf(db).pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    if (result?.busy !== 0) {
      throw new PatchlineError('input', label, 'is still being written by another process; try again once it ends');
    }
  } finally {
    db.close();
  }
}

/** Opens `file` as a Patchline database (migrating an older one) and checks it; errors name `label`. */
function verifyDatabaseFile(file: string, label: string): void {
  let bundle: AdvisoryDatabase;
  try {
    bundle = AdvisoryDatabase.open(file);
  } catch (error) {
    throw renamed(error, file, label);
  }
  try {
    checkBundle(bundle, label);
  } finally {
    bundle.close();
  }
}

function renamed(error: unknown, copy: string, file: string): unknown {
  if (!(error instanceof PatchlineError)) return error;
  const problem = error.message.slice(error.message.indexOf(': ') + 2);
  return new PatchlineError(error.kind, file, problem.replaceAll(copy, file), { cause: error });
}

function checkBundle(bundle: AdvisoryDatabase, file: string): void {
  const connection = connectionOf(bundle);
  const check = connection.pragma('quick_check', { simple: true });
  if (check !== 'ok') throw new PatchlineError('integrity', file, `fails SQLite's integrity check: ${String(check)}`);
  const records = connection.prepare('SELECT source, id, json FROM records').raw(true);
  for (const [source, id, json] of records.iterate() as IterableIterator<[string, string, string]>) {
    const parsed = storedAdvisorySchema.safeParse(parseJson(json));
    if (!parsed.success || parsed.data.id !== id || parsed.data.source !== source) {
      throw new PatchlineError('input', file, `record ${source} ${id} is not a stored advisory record`);
    }
  }
  const affected = connection.prepare('SELECT record, ordinal, json FROM affected').raw(true);
  for (const [record, ordinal, json] of affected.iterate() as IterableIterator<[number, number, string]>) {
    if (!storedAffectedSchema.safeParse(parseJson(json)).success) {
      throw new PatchlineError(
        'input',
        file,
        `affected entry ${ordinal} of record row ${record} is not a stored entry`,
      );
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const TABLES = {
  meta: 'key, value',
  syncs: 'source, origin, last_sync',
  records: 'rowid, source, id, origin, withdrawn, hash, json',
  affected: 'record, ordinal, ecosystem, package, json, first_seen',
} as const;

function replaceContent(db: AdvisoryDatabase, copy: string, file: string): void {
  const connection = connectionOf(db);
  connection.prepare("ATTACH DATABASE ? AS 'bundle'").run(copy);
  try {
    connection
      .transaction(() => {
        for (const [table, columns] of Object.entries(TABLES)) {
          connection.exec(`DELETE FROM main.${table}`);
          connection.exec(`INSERT INTO main.${table} (${columns}) SELECT ${columns} FROM bundle.${table}`);
        }
      })
      .immediate();
  } catch (error) {
    throw new PatchlineError('input', file, `cannot be taken in: ${(error as Error).message}`, { cause: error });
  } finally {
    connection.exec('DETACH DATABASE bundle');
  }
}
