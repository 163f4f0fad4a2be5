import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AdvisoryDatabase, connectionOf } from './database.js';
import { installDatabaseFile } from './database-file.js';

/**
 * Runs `build` on a copy of the database (a fresh one when there is none yet) and, only when it succeeded, swaps the
 * copy's content into the original (installDatabaseFile: one transaction in the live file, never a rename over a file
 * others hold open). The copy is taken with SQLite's online backup, which is consistent even while a scan reads the
 * database or its WAL holds pages not yet checkpointed. When `build` fails, the database is as it was: the previous
 * one, or none (`db update`, `db import`).
 */
export async function buildInCopy(dbPath: string, build: (db: AdvisoryDatabase) => Promise<void>): Promise<void> {
  await mkdir(dirname(dbPath), { recursive: true });
  await removeAbandonedCopies(dbPath);
  const temp = `${dbPath}.${process.pid}.${randomBytes(4).toString('hex')}.updating`;
  try {
    if (existsSync(dbPath)) {
      const current = AdvisoryDatabase.open(dbPath, { readonly: true });
      try {
        await connectionOf(current).backup(temp);
      } finally {
        current.close();
      }
    }
    const copy = AdvisoryDatabase.open(temp);
    try {
      await build(copy);
    } finally {
      // Closing the last connection checkpoints the WAL into the file, so the copy is complete on its own.
      copy.close();
    }
    await installDatabaseFile(dbPath, temp);
  } finally {
    await Promise.all([temp, `${temp}-wal`, `${temp}-shm`].map((path) => rm(path, { force: true })));
  }
}

/**
 * Copies left behind by an update that was killed (SIGKILL, power loss) are removed; the process id in the name tells
 * them from the copy of an update still running.
 */
async function removeAbandonedCopies(dbPath: string): Promise<void> {
  const base = basename(dbPath).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const copy = new RegExp(`^${base}\\.(\\d+)\\.[0-9a-f]{8}\\.updating(-wal|-shm|-journal)?$`);
  for (const name of await readdir(dirname(dbPath))) {
    const pid = copy.exec(name)?.[1];
    if (pid !== undefined && !isRunning(Number(pid))) await rm(join(dirname(dbPath), name), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    // Signal 0 delivers nothing: it only asks whether the process exists.
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
