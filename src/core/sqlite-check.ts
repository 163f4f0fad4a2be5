import { PatchlineError } from './errors.js';

/**
 * SQLite files the user holds (the advisory database, the controller's database) can be damaged: a bad disk, a copy
 * cut short, a page overwritten. SQLite reports that as SQLITE_CORRUPT or SQLITE_NOTADB, at whichever query first
 * touches the damaged page, and a damaged page no query touches silently hides its rows. So each file is checked
 * whole when it is opened (`PRAGMA quick_check`: every page and index, measured at 40 to 90 ms for the 37 MB AlmaLinux
 * database), and any damage error met later is reported the same way: naming the file and what to do, exit 2.
 */

/** The minimal interface of a better-sqlite3 connection this check needs. */
interface Pragmas {
  pragma(source: string, options?: { simple?: boolean }): unknown;
}

/** Whether an error is SQLite saying the file is not a sound database. */
export function isSqliteDamage(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

/** The error to report for a damaged file: its name, what SQLite found, and `remedy` (what the user can do). */
export function sqliteDamaged(file: string, problem: string, remedy: string, cause?: unknown): PatchlineError {
  return new PatchlineError('input', file, `is a damaged SQLite database (${problem}): ${remedy}`, { cause });
}

/** Runs SQLite's check of every page; throws `sqliteDamaged` when it finds anything. */
export function checkSqliteFile(db: Pragmas, file: string, remedy: string): void {
  let rows: unknown;
  try {
    rows = db.pragma('quick_check(5)');
  } catch (error) {
    if (isSqliteDamage(error)) throw sqliteDamaged(file, (error as Error).message, remedy, error);
    throw error;
  }
  const findings = (rows as Array<{ quick_check: string }>).map((row) => row.quick_check);
  if (findings.length !== 1 || findings[0] !== 'ok') throw sqliteDamaged(file, findings.join('; '), remedy);
}

/** Calls `action`, reporting a damage error SQLite raises on the way as `sqliteDamaged`. */
export function guardSqlite<T>(file: string, remedy: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (isSqliteDamage(error)) throw sqliteDamaged(file, (error as Error).message, remedy, error);
    throw error;
  }
}
