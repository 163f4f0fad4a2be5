/**
 * `db update` and `db pull` put a new advisory database file in place (installDatabaseFile); where there is no
 * database yet, the file is renamed into place. SQLite keeps committed transactions in a write-ahead log beside a
 * file until they are checkpointed, and the log belongs to the path: renamed alone, a file loses what its log holds,
 * and a log left at the destination is read against the new file. A writer killed before checkpointing (SIGKILL, in a
 * child process) makes such logs; the installed database must hold every committed change, with no log left beside
 * it from before.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { installDatabaseFile } from '../src/advisories/database-file.js';
import { projectRoot } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

/** Sets the database's snapshot id in a process killed before it can checkpoint: the change stays in the log. */
function writeThenDie(path: string, snapshotId: string): void {
  const script = `
    import Database from 'better-sqlite3';
    const db = new Database(process.env.DB);
    db.pragma('wal_autocheckpoint = 0');
    db.prepare("UPDATE meta SET value = ? WHERE key = 'snapshot_id'").run(process.env.SNAPSHOT);
    process.kill(process.pid, 'SIGKILL');
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: projectRoot,
    env: { ...process.env, DB: path, SNAPSHOT: snapshotId },
    encoding: 'utf8',
  });
  expect([child.signal, child.stderr]).toEqual(['SIGKILL', '']);
  expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
}

function createDatabase(path: string): void {
  const db = AdvisoryDatabase.open(path);
  db.write('osv', { records: [], problems: [] }, { at: '2025-01-01T00:00:00.000Z', origin: 'upstream' });
  db.close();
}

function snapshotOf(path: string): string {
  const db = AdvisoryDatabase.open(path, { readonly: true });
  try {
    return db.status().snapshotId;
  } finally {
    db.close();
  }
}

describe('installing a database file where there is none', () => {
  it("takes the transactions still in the new file's write-ahead log", async () => {
    const dir = await tempDir('patchline-install-');
    const built = join(dir, 'advisories.db.updating');
    const live = join(dir, 'advisories.db');
    createDatabase(built);
    writeThenDie(built, 'committed-in-the-log');

    await installDatabaseFile(live, built);
    // What every caller does with the copy's side files once it is installed.
    await Promise.all([`${built}-wal`, `${built}-shm`].map((path) => rm(path, { force: true })));

    expect(snapshotOf(live)).toBe('committed-in-the-log');
  });

  it('removes a log left at the destination by a database deleted from under its writer', async () => {
    const dir = await tempDir('patchline-install-');
    const live = join(dir, 'advisories.db');
    createDatabase(live);
    writeThenDie(live, 'of-the-deleted-database');
    await rm(live);
    expect(existsSync(`${live}-wal`)).toBe(true);

    const built = join(dir, 'advisories.db.updating');
    createDatabase(built);
    const expected = snapshotOf(built);
    await installDatabaseFile(live, built);

    expect(existsSync(`${live}-wal`)).toBe(false);
    expect(existsSync(`${live}-shm`)).toBe(false);
    expect(snapshotOf(live)).toBe(expected);
    const check = new Database(live, { readonly: true });
    expect(check.pragma('quick_check', { simple: true })).toBe('ok');
    check.close();
  });
});
