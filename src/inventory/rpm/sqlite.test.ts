import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeaderRecord } from './records.js';
import { type FileBytes, readSqlite } from './sqlite.js';

/*
 * A database written by SQLite itself in WAL mode, as rpm writes rpmdb.sqlite, with some transactions still in the
 * -wal file (as an image could hold them). The real rpm databases are read against rpm in test/rpm-inventory.test.ts.
 */

let dir: string;
let image: string;
const blobs = [Buffer.from('checkpointed'), Buffer.from('in the wal, 1'), Buffer.from('in the wal, 2')];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchline-sqlite-test-'));
  const live = join(dir, 'live');
  image = join(dir, 'image');
  await mkdir(live);
  await mkdir(image);
  const db = new Database(join(live, 'rpmdb.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
  insert.run(blobs[0]);
  db.pragma('wal_checkpoint(TRUNCATE)');
  insert.run(blobs[1]);
  insert.run(blobs[2]);
  // Copied while the connection is open: the -wal file still holds the last two rows.
  await copyFile(join(live, 'rpmdb.sqlite'), join(image, 'rpmdb.sqlite'));
  await copyFile(join(live, 'rpmdb.sqlite-wal'), join(image, 'rpmdb.sqlite-wal'));
  db.close();
});

afterAll(() => rm(dir, { recursive: true, force: true }));

async function readAll(database: FileBytes, wal?: FileBytes) {
  const problems: string[] = [];
  const records: HeaderRecord[] = [];
  for await (const record of readSqlite(database, wal, 'rpmdb.sqlite', problems)) records.push(record);
  return { records, problems };
}

describe('readSqlite', () => {
  it('reads a WAL-mode database, with the transactions in its -wal file, writing nothing beside it', async () => {
    const before = (await readdir(image)).sort();
    const database = { path: join(image, 'rpmdb.sqlite') };
    const alone = await readAll(database);
    expect(alone.records.map((r) => r.blob)).toEqual(blobs.slice(0, 1));
    const withWal = await readAll(database, { path: join(image, 'rpmdb.sqlite-wal') });
    expect(withWal.problems).toEqual([]);
    expect(withWal.records).toEqual(blobs.map((blob, i) => ({ instance: i + 1, blob })));
    expect((await readdir(image)).sort()).toEqual(before);
  });

  it('reads a database held in memory', async () => {
    const bytes = await readFile(join(image, 'rpmdb.sqlite'));
    const wal = await readFile(join(image, 'rpmdb.sqlite-wal'));
    expect((await readAll({ bytes }, { bytes: wal })).records.map((r) => r.blob)).toEqual(blobs);
  });

  it('an SQLite database without the Packages table is an error naming the file', async () => {
    const other = join(dir, 'other.sqlite');
    const db = new Database(other);
    db.exec('CREATE TABLE Unrelated (x)');
    db.close();
    await expect(readAll({ path: other })).rejects.toThrow(
      /^rpmdb\.sqlite: SQLite error SQLITE_ERROR before the first package \(0 rows read\): no such table: Packages$/,
    );
  });
});
