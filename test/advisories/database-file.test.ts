import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AdvisoryRecord } from '../../src/advisories/advisory.js';
import { AdvisoryDatabase } from '../../src/advisories/database.js';
import { exportDatabase, importDatabaseFile, isSqliteFile } from '../../src/advisories/database-file.js';
import { SCHEMA_VERSION } from '../../src/advisories/database-schema.js';
import { syncStatePath } from '../../src/advisories/sync-state.js';
import { isPatchlineError } from '../../src/core/index.js';
import { tempDir } from '../helpers/tmp.js';

function record(id: string, name: string, fixedVersion: string): AdvisoryRecord {
  return {
    id,
    source: 'osv',
    aliases: [],
    affected: [
      { ecosystem: 'AlmaLinux:9', scheme: 'rpm', package: name, nameKind: 'binary', status: 'fixed', fixedVersion },
    ],
  };
}

async function populated(dir: string, name: string): Promise<AdvisoryDatabase> {
  const db = AdvisoryDatabase.open(join(dir, name));
  db.write(
    'osv',
    { records: [record('A', 'curl', '1-1'), record('B', 'bash', '2-1')], problems: [] },
    {
      at: '2025-01-01T00:00:00.000Z',
      origin: 'upstream',
    },
  );
  return db;
}

async function expectFailure(promise: Promise<unknown>, kind: string, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isPatchlineError(error), String(error)).toBe(true);
  expect((error as { kind: string }).kind).toBe(kind);
  expect((error as Error).message).toMatch(pattern);
}

describe('exportDatabase and importDatabaseFile', () => {
  it('carry records, first-seen times, syncs and the snapshot id to another database, replacing its content', async () => {
    const dir = await tempDir();
    const source = await populated(dir, 'source.db');
    const exported = await exportDatabase(source, join(dir, 'bundle.db'));
    expect(isSqliteFile(exported.file)).toBe(true);
    // One self-contained file: a rollback-journal database (header bytes 18-19 are 1, not WAL's 2).
    const header = new Database(exported.file, { readonly: true });
    expect(header.pragma('journal_mode', { simple: true })).toBe('delete');
    header.close();
    expect(existsSync(`${exported.file}-wal`)).toBe(false);

    const target = AdvisoryDatabase.open(join(dir, 'target.db'));
    target.write(
      'osv',
      { records: [record('OLD', 'zsh', '1-1')], problems: [] },
      { at: '2026-01-01T00:00:00.000Z', origin: 'local' },
    );
    writeFileSync(syncStatePath(target.path), '{}');
    const status = await importDatabaseFile(target, exported.file);

    const expected = source.status();
    expect({ ...status, path: expected.path }).toEqual(expected);
    expect(target.lookup('AlmaLinux:9', ['curl', 'bash', 'zsh'])).toEqual(
      source.lookup('AlmaLinux:9', ['curl', 'bash', 'zsh']),
    );
    expect(target.lookup('AlmaLinux:9', ['zsh'])).toEqual([]);
    expect(existsSync(syncStatePath(target.path))).toBe(false);
    source.close();
    target.close();
  });

  it('refuses a newer schema, another SQLite file, damaged rows and an unreadable file, leaving the database as it was', async () => {
    const dir = await tempDir();
    const source = await populated(dir, 'source.db');
    const target = await populated(dir, 'target.db');
    const before = target.status();

    const newer = join(dir, 'newer.db');
    await exportDatabase(source, newer);
    const raw = new Database(newer);
    raw.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(SCHEMA_VERSION + 1, 'future', 'x');
    raw.close();
    await expectFailure(importDatabaseFile(target, newer), 'input', /newer\.db: has schema version \d+, newer than/);

    const foreign = join(dir, 'foreign.db');
    const other = new Database(foreign);
    other.exec('CREATE TABLE t (x)');
    other.close();
    await expectFailure(
      importDatabaseFile(target, foreign),
      'input',
      /foreign\.db: is an SQLite file but not a Patchline/,
    );

    const damaged = join(dir, 'damaged.db');
    await exportDatabase(source, damaged);
    const edit = new Database(damaged);
    edit.prepare("UPDATE affected SET json = ? WHERE package = 'curl'").run('{"package": 42}');
    edit.close();
    await expectFailure(
      importDatabaseFile(target, damaged),
      'input',
      /damaged\.db: affected entry 0 of record row \d+ is not a stored entry/,
    );

    await expectFailure(
      importDatabaseFile(target, join(dir, 'missing.db')),
      'not-found',
      /missing\.db: cannot be read/,
    );
    expect(target.status()).toEqual(before);
    source.close();
    target.close();
  });

  it('refuses to export over the database itself', async () => {
    const dir = await tempDir();
    const db = await populated(dir, 'a.db');
    await expectFailure(exportDatabase(db, join(dir, 'a.db')), 'usage', /a\.db: is the database itself/);
    db.close();
  });
});
