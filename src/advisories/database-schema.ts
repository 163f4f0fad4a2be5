/**
 * The advisory database's schema, as the ordered list of migrations that build it. A file records every migration
 * applied to it in `schema_migrations`; opening it applies the ones it lacks, in one transaction, so a newer Patchline
 * reads an older file, and an older Patchline refuses a file whose schema it does not know.
 *
 * Records are stored whole as JSON (`records.json` without `affected`, `affected.json` per entry) beside the few
 * columns lookups and updates need, so the model can grow without a migration for every field.
 */

/** `PRAGMA application_id`: "PTLN". Tells our database apart from any other SQLite file. */
export const APPLICATION_ID = 0x50544c4e;

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'records, their affected packages, syncs',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE syncs (
        source TEXT NOT NULL,
        origin TEXT NOT NULL,
        last_sync TEXT NOT NULL,
        PRIMARY KEY (source, origin)
      ) WITHOUT ROWID;
      CREATE TABLE records (
        rowid INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        id TEXT NOT NULL,
        origin TEXT NOT NULL,
        withdrawn INTEGER NOT NULL,
        hash TEXT NOT NULL,
        json TEXT NOT NULL,
        UNIQUE (source, id)
      );
      CREATE TABLE affected (
        record INTEGER NOT NULL,
        ordinal INTEGER NOT NULL,
        ecosystem TEXT NOT NULL,
        package TEXT NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (record, ordinal)
      ) WITHOUT ROWID;
      CREATE INDEX affected_by_package ON affected (ecosystem, package);
    `,
  },
  {
    // Kept apart from the first migration so that the path from an older file is exercised from the first release:
    // the first sync that saw each entry's fix, backfilled from the last sync of the record's source and origin.
    version: 2,
    description: 'first sync that saw each fix',
    sql: `
      ALTER TABLE affected ADD COLUMN first_seen TEXT NOT NULL DEFAULT '';
      UPDATE affected SET first_seen = coalesce(
        (SELECT s.last_sync FROM records r JOIN syncs s ON s.source = r.source AND s.origin = r.origin
          WHERE r.rowid = affected.record),
        '1970-01-01T00:00:00.000Z');
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;
