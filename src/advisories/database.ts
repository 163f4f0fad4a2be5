import { createHash, randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { checkSqliteFile, guardSqlite, isSqliteDamage, PatchlineError, sqliteDamaged } from '../core/index.js';
import type { AdvisoryRecord, AdvisorySource, AffectedPackage, ImportResult } from './advisory.js';
import { defaultDatabasePath } from './database-path.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './database-schema.js';

/**
 * The local advisory database: one SQLite file (better-sqlite3, WAL, so scans read while an update writes) holding
 * every imported record, looked up by (ecosystem, package). Each source's import is written in one transaction, so a
 * reader sees a source's previous state or its new one, never half of an import.
 */

type Database = BetterSqlite3.Database;

export interface AffectedMatch {
  advisory: Omit<AdvisoryRecord, 'affected'>;
  affected: AffectedPackage;
  /** When our sync first saw this entry's fix (ISO 8601); the fallback for fixAvailableSince. */
  firstSeen: string;
}

export interface WriteSummary {
  added: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

export interface SourceStatus {
  source: string;
  /** Where the last import of this source came from: a URL, a file, an OCI reference. */
  origin: string;
  records: number;
  affected: number;
  lastSync: string;
  ecosystems: string[];
}

export interface DatabaseStatus {
  path: string;
  schemaVersion: number;
  /** Changes with every write that changed the content: names the data a scan or a policy verdict was made from. */
  snapshotId: string;
  /** When the content last changed. */
  builtAt?: string;
  sources: SourceStatus[];
}

/** What a scan needs to know of the database: cheap to read, unlike the per-source counts of status(). */
export interface DatabaseSummary {
  path: string;
  snapshotId: string;
  builtAt?: string;
  syncs: Array<{ source: string; origin: string; lastSync: string }>;
}

export interface OpenOptions {
  readonly?: boolean;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const DAMAGED_REMEDY =
  'remove it and run `patchline db update` to rebuild it, or `patchline db import BUNDLE` offline, or restore it from a backup';

// The raw connection, for the export and bundle functions beside this file; not part of the public API.
const connections = new WeakMap<AdvisoryDatabase, Database>();

export function connectionOf(db: AdvisoryDatabase): Database {
  const connection = connections.get(db);
  if (!connection) throw new Error('advisory database is closed');
  return connection;
}

export class AdvisoryDatabase {
  readonly path: string;
  readonly #db: Database;
  #statements: Statements | undefined;

  private constructor(path: string, db: Database) {
    this.path = path;
    this.#db = db;
    connections.set(this, db);
  }

  /**
   * Opens (and, when writable, creates) the database at `path` and brings its schema up to date. A file from an
   * older Patchline is migrated even when opened read-only (the schema change is the one write such an open makes);
   * a file from a newer Patchline, or any other file, is refused.
   */
  static open(path: string, options: OpenOptions = {}): AdvisoryDatabase {
    const readonly = options.readonly === true;
    const fresh = !existsSync(path) || statSync(path).size === 0;
    if (fresh && readonly) {
      throw new PatchlineError(
        'not-found',
        path,
        'no advisory database here (run `patchline db update` or `patchline db import` first)',
      );
    }
    if (!fresh) checkSqliteHeader(path);
    if (!readonly) mkdirSync(dirname(path), { recursive: true });
    let db = connect(path, readonly);
    try {
      // Every page is checked before any is trusted: a damaged page no query touches would silently hide advisories.
      if (!fresh) checkSqliteFile(db, path, DAMAGED_REMEDY);
      const version = schemaVersionOf(db, path);
      if (version < SCHEMA_VERSION) {
        if (readonly) {
          db.close();
          db = connect(path, false);
          migrate(db, schemaVersionOf(db, path), path);
          db.close();
          db = connect(path, true);
        } else {
          migrate(db, version, path);
        }
      }
    } catch (error) {
      db.close();
      throw asInputError(error, path);
    }
    return new AdvisoryDatabase(path, db);
  }

  static defaultPath(): string {
    return defaultDatabasePath();
  }

  /**
   * Writes one import of one source in a single transaction: records upserted by (source, id), each updated record's
   * affected entries replaced (keeping the first sync that saw each unchanged fix), deletions applied, the sync
   * recorded.
   */
  write(source: AdvisorySource, result: ImportResult, sync: { at: string; origin: string }): WriteSummary {
    return this.#guard(() => this.#write(source, result, sync));
  }

  #write(source: AdvisorySource, result: ImportResult, sync: { at: string; origin: string }): WriteSummary {
    const s = this.#prepared();
    const summary: WriteSummary = { added: 0, updated: 0, unchanged: 0, deleted: 0 };
    const transaction = this.#db.transaction(() => {
      for (const record of result.records) {
        const { affected, ...advisory } = record;
        const hash = createHash('sha256').update(JSON.stringify(record)).digest('hex');
        const withdrawn = record.withdrawn ? 1 : 0;
        const existing = s.findRecord.get(source, record.id) as StoredRecordRow | undefined;
        if (existing?.hash === hash) {
          if (existing.origin !== sync.origin) s.setOrigin.run(sync.origin, existing.rowid);
          summary.unchanged++;
          continue;
        }
        const firstSeen = new Map<string, string>();
        let rowid: number | bigint;
        if (existing) {
          for (const row of s.affectedOf.all(existing.rowid) as StoredAffectedRow[]) {
            const key = fixKey(JSON.parse(row.json) as AffectedPackage);
            const seen = firstSeen.get(key);
            if (seen === undefined || row.first_seen < seen) firstSeen.set(key, row.first_seen);
          }
          s.deleteAffected.run(existing.rowid);
          s.updateRecord.run(sync.origin, withdrawn, hash, JSON.stringify(advisory), existing.rowid);
          rowid = existing.rowid;
          summary.updated++;
        } else {
          rowid = s.insertRecord.run(
            source,
            record.id,
            sync.origin,
            withdrawn,
            hash,
            JSON.stringify(advisory),
          ).lastInsertRowid;
          summary.added++;
        }
        affected.forEach((entry, ordinal) => {
          const seen = (firstSeen.size > 0 ? firstSeen.get(fixKey(entry)) : undefined) ?? sync.at;
          s.insertAffected.run(rowid, ordinal, entry.ecosystem, entry.package, JSON.stringify(entry), seen);
        });
      }
      for (const id of result.deletions ?? []) {
        const existing = s.findRecord.get(source, id) as StoredRecordRow | undefined;
        if (!existing) continue;
        s.deleteAffected.run(existing.rowid);
        s.deleteRecord.run(existing.rowid);
        summary.deleted++;
      }
      s.upsertSync.run(source, sync.origin, sync.at);
      // A source that moved to another origin leaves no empty line behind in `db status`.
      s.dropEmptySyncs.run(source, sync.origin);
      if (summary.added + summary.updated + summary.deleted > 0) {
        s.setMeta.run('snapshot_id', randomUUID());
        s.setMeta.run('built_at', sync.at);
      }
    });
    transaction.immediate();
    return summary;
  }

  /** Every stored entry of `ecosystem` naming one of `names` (as a binary or a source package); withdrawn records left out. */
  lookup(ecosystem: string, names: readonly string[]): AffectedMatch[] {
    return this.#guard(() => this.#lookup(ecosystem, names));
  }

  /** The entries stored for one record of a source, or undefined when the database has no such record. */
  storedAffected(source: AdvisorySource, id: string): AffectedPackage[] | undefined {
    return this.#guard(() => {
      const s = this.#prepared();
      const record = s.findRecord.get(source, id) as StoredRecordRow | undefined;
      if (record === undefined) return undefined;
      return (s.affectedOf.all(record.rowid) as StoredAffectedRow[]).map(
        (row) => JSON.parse(row.json) as AffectedPackage,
      );
    });
  }

  #lookup(ecosystem: string, names: readonly string[]): AffectedMatch[] {
    if (names.length === 0) return [];
    const s = this.#prepared();
    // Two queries instead of a join: each record's JSON crosses into JavaScript once, not once per matching entry
    // (measured: 15 ms instead of 50 for 500 names and 3,000 entries of the AlmaLinux 9 data).
    const entries = s.lookupEntries.all(ecosystem, JSON.stringify(names)) as LookupEntryRow[];
    if (entries.length === 0) return [];
    const rowids = JSON.stringify([...new Set(entries.map((entry) => entry.record))]);
    const records = new Map<number, LookupRecord>();
    for (const row of s.lookupRecords.all(rowids) as LookupRecordRow[]) records.set(row.rowid, { row });
    const found: Array<{ row: LookupRecordRow; ordinal: number; match: AffectedMatch }> = [];
    for (const entry of entries) {
      const record = records.get(entry.record);
      if (!record) continue; // withdrawn
      record.advisory ??= JSON.parse(record.row.json) as Omit<AdvisoryRecord, 'affected'>;
      const affected = JSON.parse(entry.json) as AffectedPackage;
      found.push({
        row: record.row,
        ordinal: entry.ordinal,
        match: { advisory: record.advisory, affected, firstSeen: entry.first_seen },
      });
    }
    found.sort((a, b) => byText(a.row.source, b.row.source) || byText(a.row.id, b.row.id) || a.ordinal - b.ordinal);
    return found.map((item) => item.match);
  }

  ecosystems(): string[] {
    return this.#guard(() =>
      (this.#prepared().ecosystems.all() as Array<{ ecosystem: string }>).map((row) => row.ecosystem),
    );
  }

  status(): DatabaseStatus {
    return this.#guard(() => this.#status());
  }

  #status(): DatabaseStatus {
    const s = this.#prepared();
    const meta = new Map((s.allMeta.all() as Array<{ key: string; value: string }>).map((row) => [row.key, row.value]));
    const sources = (s.syncStatus.all() as SyncStatusRow[]).map((row) => ({
      source: row.source,
      origin: row.origin,
      records: row.records,
      affected: row.affected,
      lastSync: row.last_sync,
      ecosystems: (s.sourceEcosystems.all(row.source, row.origin) as Array<{ ecosystem: string }>).map(
        (e) => e.ecosystem,
      ),
    }));
    const status: DatabaseStatus = {
      path: this.path,
      schemaVersion: schemaVersionOf(this.#db, this.path),
      snapshotId: meta.get('snapshot_id') ?? '',
      sources,
    };
    const builtAt = meta.get('built_at');
    if (builtAt !== undefined) status.builtAt = builtAt;
    return status;
  }

  /** The snapshot and the syncs without counting records: status() counts every affected row of every source. */
  summary(): DatabaseSummary {
    return this.#guard(() => this.#summary());
  }

  #summary(): DatabaseSummary {
    const s = this.#prepared();
    const meta = new Map((s.allMeta.all() as Array<{ key: string; value: string }>).map((row) => [row.key, row.value]));
    const syncs = (s.syncTimes.all() as Array<{ source: string; origin: string; last_sync: string }>).map((row) => ({
      source: row.source,
      origin: row.origin,
      lastSync: row.last_sync,
    }));
    const summary: DatabaseSummary = { path: this.path, snapshotId: meta.get('snapshot_id') ?? '', syncs };
    const builtAt = meta.get('built_at');
    if (builtAt !== undefined) summary.builtAt = builtAt;
    return summary;
  }

  close(): void {
    connections.delete(this);
    this.#db.close();
  }

  /** Damage SQLite meets while a method runs is reported naming the file and what to do (src/core/sqlite-check.ts). */
  #guard<T>(action: () => T): T {
    return guardSqlite(this.path, DAMAGED_REMEDY, action);
  }

  #prepared(): Statements {
    this.#statements ??= prepare(this.#db);
    return this.#statements;
  }
}

interface StoredRecordRow {
  rowid: number;
  hash: string;
  origin: string;
}

interface StoredAffectedRow {
  json: string;
  first_seen: string;
}

interface LookupEntryRow {
  record: number;
  ordinal: number;
  json: string;
  first_seen: string;
}

interface LookupRecordRow {
  rowid: number;
  source: string;
  id: string;
  json: string;
}

interface LookupRecord {
  row: LookupRecordRow;
  advisory?: Omit<AdvisoryRecord, 'affected'>;
}

/** Ordering by code units, as SQLite's default collation orders. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface SyncStatusRow {
  source: string;
  origin: string;
  last_sync: string;
  records: number;
  affected: number;
}

type Statements = ReturnType<typeof prepare>;

function prepare(db: Database) {
  return {
    findRecord: db.prepare('SELECT rowid, hash, origin FROM records WHERE source = ? AND id = ?'),
    insertRecord: db.prepare(
      'INSERT INTO records (source, id, origin, withdrawn, hash, json) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    updateRecord: db.prepare('UPDATE records SET origin = ?, withdrawn = ?, hash = ?, json = ? WHERE rowid = ?'),
    setOrigin: db.prepare('UPDATE records SET origin = ? WHERE rowid = ?'),
    deleteRecord: db.prepare('DELETE FROM records WHERE rowid = ?'),
    affectedOf: db.prepare('SELECT json, first_seen FROM affected WHERE record = ?'),
    deleteAffected: db.prepare('DELETE FROM affected WHERE record = ?'),
    insertAffected: db.prepare(
      'INSERT INTO affected (record, ordinal, ecosystem, package, json, first_seen) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    upsertSync: db.prepare(
      'INSERT INTO syncs (source, origin, last_sync) VALUES (?, ?, ?) ON CONFLICT (source, origin) DO UPDATE SET last_sync = excluded.last_sync',
    ),
    dropEmptySyncs: db.prepare(
      `DELETE FROM syncs WHERE source = ? AND origin <> ?
        AND NOT EXISTS (SELECT 1 FROM records r WHERE r.source = syncs.source AND r.origin = syncs.origin)`,
    ),
    setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    allMeta: db.prepare('SELECT key, value FROM meta'),
    lookupEntries: db.prepare(
      `SELECT record, ordinal, json, first_seen FROM affected
        WHERE ecosystem = ? AND package IN (SELECT value FROM json_each(?))`,
    ),
    lookupRecords: db.prepare(
      'SELECT rowid, source, id, json FROM records WHERE rowid IN (SELECT value FROM json_each(?)) AND withdrawn = 0',
    ),
    ecosystems: db.prepare('SELECT DISTINCT ecosystem FROM affected ORDER BY ecosystem'),
    syncStatus: db.prepare(
      `SELECT s.source, s.origin, s.last_sync,
          (SELECT count(*) FROM records r WHERE r.source = s.source AND r.origin = s.origin) AS records,
          (SELECT count(*) FROM affected a JOIN records r ON r.rowid = a.record
            WHERE r.source = s.source AND r.origin = s.origin) AS affected
        FROM syncs s ORDER BY s.source, s.origin`,
    ),
    syncTimes: db.prepare('SELECT source, origin, last_sync FROM syncs ORDER BY source, origin'),
    sourceEcosystems: db.prepare(
      `SELECT DISTINCT a.ecosystem FROM affected a JOIN records r ON r.rowid = a.record
        WHERE r.source = ? AND r.origin = ? ORDER BY a.ecosystem`,
    ),
  };
}

/**
 * What makes an entry's fix "the same fix" across updates of its record: the package it is about and the fix the
 * publisher states. A reworded summary keeps the entry's first-seen time; a new fixed version, or a status that turned
 * into `fixed`, starts a new one.
 */
function fixKey(entry: AffectedPackage): string {
  const fixed = (entry.ranges ?? []).flatMap((range) => range.events.flatMap((event) => event.fixed ?? []));
  return JSON.stringify([
    entry.ecosystem,
    entry.stream ?? null,
    entry.package,
    entry.nameKind,
    entry.module ?? null,
    entry.status,
    entry.fixedVersion ?? null,
    fixed,
  ]);
}

function loadEngine(path: string): typeof BetterSqlite3 {
  try {
    // Loaded on first open, as in inventory/rpm/sqlite.ts: a machine where the native addon did not build can still
    // use every command that needs no advisory database.
    return createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  } catch (error) {
    throw new PatchlineError('unsupported', path, 'the SQLite engine (better-sqlite3) could not be loaded', {
      cause: error,
    });
  }
}

function connect(path: string, readonly: boolean): Database {
  const engine = loadEngine(path);
  let db: Database;
  try {
    db = new engine(path, { readonly, fileMustExist: readonly });
  } catch (error) {
    throw new PatchlineError('input', path, `cannot be opened as an SQLite database: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    // A writer waits for another writer (a `db update` while a `db import` runs) instead of failing at once.
    db.pragma('busy_timeout = 10000');
    if (!readonly) db.pragma('journal_mode = WAL');
  } catch (error) {
    db.close();
    throw asInputError(error, path);
  }
  return db;
}

function checkSqliteHeader(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const header = Buffer.alloc(SQLITE_MAGIC.length);
    const bytes = readSync(fd, header, 0, header.length, 0);
    if (bytes === header.length && header.equals(SQLITE_MAGIC)) return;
  } catch (error) {
    throw new PatchlineError('input', path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  throw new PatchlineError('input', path, 'is not a Patchline advisory database (not an SQLite file)');
}

/** The schema version of an open file: 0 for a new, empty one; refuses other SQLite files and newer schemas. */
function schemaVersionOf(db: Database, path: string): number {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  if (applicationId !== APPLICATION_ID) {
    const objects = (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
    if (applicationId === 0 && objects === 0) return 0;
    throw new PatchlineError('input', path, 'is an SQLite file but not a Patchline advisory database');
  }
  const row = db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as { version: number | null };
  const version = row.version ?? 0;
  if (version > SCHEMA_VERSION) {
    throw new PatchlineError(
      'input',
      path,
      `has schema version ${version}, newer than this Patchline reads (${SCHEMA_VERSION}); upgrade Patchline`,
    );
  }
  return version;
}

function migrate(db: Database, from: number, path: string): void {
  const apply = db.transaction(() => {
    if (from === 0) {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.exec(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
    }
    const insert = db.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)');
    for (const migration of MIGRATIONS) {
      if (migration.version <= from) continue;
      db.exec(migration.sql);
      insert.run(migration.version, migration.description, new Date().toISOString());
    }
    db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('snapshot_id', randomUUID());
  });
  try {
    apply.immediate();
  } catch (error) {
    throw new PatchlineError(
      'input',
      path,
      `cannot be migrated to schema ${SCHEMA_VERSION}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

function asInputError(error: unknown, path: string): unknown {
  if (error instanceof PatchlineError) return error;
  if (isSqliteDamage(error)) return sqliteDamaged(path, (error as Error).message, DAMAGED_REMEDY, error);
  return new PatchlineError('input', path, `SQLite error: ${(error as Error).message}`, { cause: error });
}
