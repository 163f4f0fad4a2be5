import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AdvisoryRecord, AffectedPackage } from '../../src/advisories/advisory.js';
import { AdvisoryDatabase } from '../../src/advisories/database.js';
import { defaultDatabasePath } from '../../src/advisories/database-path.js';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../src/advisories/database-schema.js';
import { isPatchlineError } from '../../src/core/index.js';
import { tempDir } from '../helpers/tmp.js';

function entry(name: string, fixedVersion: string, extra: Partial<AffectedPackage> = {}): AffectedPackage {
  return {
    ecosystem: 'AlmaLinux:9',
    scheme: 'rpm',
    package: name,
    nameKind: 'binary',
    status: 'fixed',
    fixedVersion,
    ...extra,
  };
}

function record(id: string, affected: AffectedPackage[], extra: Partial<AdvisoryRecord> = {}): AdvisoryRecord {
  return { id, source: 'osv', aliases: [], affected, ...extra };
}

async function fresh(): Promise<AdvisoryDatabase> {
  return AdvisoryDatabase.open(join(await tempDir(), 'sub', 'advisories.db'));
}

function expectError(run: () => unknown, kind: string, pattern: RegExp): void {
  try {
    run();
  } catch (error) {
    expect(isPatchlineError(error)).toBe(true);
    expect((error as { kind: string }).kind).toBe(kind);
    expect((error as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a PatchlineError');
}

describe('AdvisoryDatabase', () => {
  it('creates the file with its folder, and reports an empty status', async () => {
    const db = await fresh();
    const status = db.status();
    expect(status.schemaVersion).toBe(SCHEMA_VERSION);
    expect(status.sources).toEqual([]);
    expect(status.snapshotId).toMatch(/^[0-9a-f-]{36}$/);
    expect(status.builtAt).toBeUndefined();
    expect(db.ecosystems()).toEqual([]);
    db.close();
  });

  it('adds, updates, keeps unchanged records and applies deletions, one summary per write', async () => {
    const db = await fresh();
    const sync = { at: '2026-01-01T00:00:00.000Z', origin: 'test' };
    const first = db.write(
      'osv',
      {
        records: [
          record('ALSA-1', [entry('curl', '7.76.1-26.el9'), entry('libcurl', '7.76.1-26.el9')]),
          record('ALSA-2', [entry('openssl', '1:3.0.7-1.el9')]),
          record('ALSA-3', [entry('bash', '5.1-1.el9')]),
        ],
        problems: [],
      },
      sync,
    );
    expect(first).toEqual({ added: 3, updated: 0, unchanged: 0, deleted: 0 });
    const snapshot = db.status().snapshotId;

    const second = db.write(
      'osv',
      {
        records: [
          record('ALSA-1', [entry('curl', '7.76.1-26.el9'), entry('libcurl', '7.76.1-26.el9')]),
          record('ALSA-2', [entry('openssl', '1:3.0.7-2.el9')]),
        ],
        problems: [],
        deletions: ['ALSA-3', 'ALSA-404'],
      },
      { at: '2026-01-02T00:00:00.000Z', origin: 'test' },
    );
    expect(second).toEqual({ added: 0, updated: 1, unchanged: 1, deleted: 1 });
    expect(db.status().snapshotId).not.toBe(snapshot);
    expect(db.lookup('AlmaLinux:9', ['bash'])).toEqual([]);
    expect(db.lookup('AlmaLinux:9', ['openssl']).map((m) => m.affected.fixedVersion)).toEqual(['1:3.0.7-2.el9']);

    const idle = db.status().snapshotId;
    expect(db.write('osv', { records: [], problems: [] }, { at: '2026-01-03T00:00:00.000Z', origin: 'test' })).toEqual({
      added: 0,
      updated: 0,
      unchanged: 0,
      deleted: 0,
    });
    expect(db.status().snapshotId).toBe(idle);
    const [source] = db.status().sources;
    expect(source).toEqual({
      source: 'osv',
      origin: 'test',
      records: 2,
      affected: 3,
      lastSync: '2026-01-03T00:00:00.000Z',
      ecosystems: ['AlmaLinux:9'],
    });
    // The summary a scan reads says the same of the snapshot and the syncs, without the counts.
    const status = db.status();
    expect(db.summary()).toEqual({
      path: status.path,
      snapshotId: idle,
      builtAt: status.builtAt,
      syncs: [{ source: 'osv', origin: 'test', lastSync: '2026-01-03T00:00:00.000Z' }],
    });
    expect(status.builtAt).toBeDefined();
    db.close();
  });

  it('keeps the first sync that saw a fix across updates of its record; a new fix starts a new one', async () => {
    const db = await fresh();
    db.write(
      'osv',
      { records: [record('ALSA-1', [entry('curl', '1-1'), entry('wget', '2-1')], { summary: 'a' })], problems: [] },
      { at: '2026-01-01T00:00:00.000Z', origin: 'o' },
    );
    db.write(
      'osv',
      { records: [record('ALSA-1', [entry('curl', '1-1'), entry('wget', '2-2')], { summary: 'b' })], problems: [] },
      { at: '2026-02-01T00:00:00.000Z', origin: 'o' },
    );
    const matches = db.lookup('AlmaLinux:9', ['curl', 'wget']);
    expect(matches.map((m) => [m.affected.package, m.firstSeen, m.advisory.summary])).toEqual([
      ['curl', '2026-01-01T00:00:00.000Z', 'b'],
      ['wget', '2026-02-01T00:00:00.000Z', 'b'],
    ]);
    expect(matches[0]?.advisory).not.toHaveProperty('affected');
    db.close();
  });

  it('looks up by ecosystem and package names, source names included, leaving withdrawn records out', async () => {
    const db = await fresh();
    db.write(
      'osv',
      {
        records: [
          record('A', [entry('curl', '1-1'), entry('curl', '1-1', { ecosystem: 'AlmaLinux:8' })]),
          record('B', [entry('curl', '1-2', { nameKind: 'source' })]),
          record('C', [entry('curl', '1-3')], { withdrawn: '2026-01-01T00:00:00Z' }),
        ],
        problems: [],
      },
      { at: '2026-01-01T00:00:00.000Z', origin: 'o' },
    );
    expect(db.lookup('AlmaLinux:9', ['curl', 'nothing']).map((m) => [m.advisory.id, m.affected.nameKind])).toEqual([
      ['A', 'binary'],
      ['B', 'source'],
    ]);
    expect(db.lookup('AlmaLinux:9', [])).toEqual([]);
    expect(db.lookup('Debian:12', ['curl'])).toEqual([]);
    expect(db.ecosystems()).toEqual(['AlmaLinux:8', 'AlmaLinux:9']);
    db.close();
  });

  it('writes nothing of an import whose transaction fails', async () => {
    const db = await fresh();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const bad = record('BAD', [entry('x', '1')], { summary: circular as unknown as string });
    expect(() =>
      db.write(
        'osv',
        { records: [record('GOOD', [entry('y', '1')]), bad], problems: [] },
        { at: '2026-01-01T00:00:00.000Z', origin: 'o' },
      ),
    ).toThrow();
    expect(db.status().sources).toEqual([]);
    expect(db.lookup('AlmaLinux:9', ['y'])).toEqual([]);
    db.close();
  });

  it('migrates a file of schema version 1, made with raw SQL, keeping its records', async () => {
    const path = join(await tempDir(), 'old.db');
    const raw = new Database(path);
    raw.exec(`
      PRAGMA application_id = ${APPLICATION_ID};
      CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL);
      INSERT INTO schema_migrations VALUES (1, 'first', '2025-01-01T00:00:00Z');
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO meta VALUES ('snapshot_id', 'old-snapshot');
      CREATE TABLE syncs (source TEXT NOT NULL, origin TEXT NOT NULL, last_sync TEXT NOT NULL, PRIMARY KEY (source, origin)) WITHOUT ROWID;
      INSERT INTO syncs VALUES ('osv', 'old-origin', '2025-06-01T00:00:00Z');
      CREATE TABLE records (rowid INTEGER PRIMARY KEY, source TEXT NOT NULL, id TEXT NOT NULL, origin TEXT NOT NULL,
        withdrawn INTEGER NOT NULL, hash TEXT NOT NULL, json TEXT NOT NULL, UNIQUE (source, id));
      INSERT INTO records VALUES (1, 'osv', 'ALSA-OLD', 'old-origin', 0, 'h', '{"id":"ALSA-OLD","source":"osv","aliases":[]}');
      CREATE TABLE affected (record INTEGER NOT NULL, ordinal INTEGER NOT NULL, ecosystem TEXT NOT NULL,
        package TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (record, ordinal)) WITHOUT ROWID;
      CREATE INDEX affected_by_package ON affected (ecosystem, package);
      INSERT INTO affected VALUES (1, 0, 'AlmaLinux:9', 'curl',
        '{"ecosystem":"AlmaLinux:9","scheme":"rpm","package":"curl","nameKind":"binary","status":"fixed","fixedVersion":"1-1"}');
    `);
    raw.close();

    // Read-only opens migrate too: a scan right after upgrading Patchline must not fail.
    const db = AdvisoryDatabase.open(path, { readonly: true });
    expect(db.status().schemaVersion).toBe(SCHEMA_VERSION);
    const [match] = db.lookup('AlmaLinux:9', ['curl']);
    expect(match?.advisory.id).toBe('ALSA-OLD');
    expect(match?.firstSeen).toBe('2025-06-01T00:00:00Z');
    db.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
    check.close();
  });

  it('refuses a file from a newer schema, another SQLite file, a non-SQLite file and a missing file', async () => {
    const dir = await tempDir();
    const newer = join(dir, 'newer.db');
    AdvisoryDatabase.open(newer).close();
    const raw = new Database(newer);
    raw.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(SCHEMA_VERSION + 1, 'future', 'x');
    raw.close();
    expectError(() => AdvisoryDatabase.open(newer), 'input', /newer\.db: has schema version \d+, newer than/);
    expectError(() => AdvisoryDatabase.open(newer, { readonly: true }), 'input', /has schema version \d+, newer than/);

    const other = join(dir, 'other.db');
    const foreign = new Database(other);
    foreign.exec('CREATE TABLE t (x)');
    foreign.close();
    expectError(() => AdvisoryDatabase.open(other), 'input', /other\.db: is an SQLite file but not a Patchline/);

    const text = join(dir, 'text.db');
    writeFileSync(text, 'hello, not a database at all');
    expectError(() => AdvisoryDatabase.open(text), 'input', /text\.db: is not a Patchline advisory database/);
    expectError(() => AdvisoryDatabase.open(dir), 'input', /cannot be read \(EISDIR\)/);
    expectError(() => AdvisoryDatabase.open(join(dir, 'missing.db'), { readonly: true }), 'not-found', /missing\.db/);
  });

  it('lets a reader in another process see the previous or the new content, never half, while a write runs', async () => {
    const path = join(await tempDir(), 'concurrent.db');
    AdvisoryDatabase.open(path).close();
    const count = 20_000;
    // The reader is plain better-sqlite3 with its own SQL, in its own process: it counts rows until stdin closes.
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(${JSON.stringify(path)}, { readonly: true });
      const count = db.prepare("SELECT count(*) FROM affected WHERE ecosystem = 'E' AND package = 'p'").pluck();
      const seen = new Set();
      let open = true;
      process.stdin.on('end', () => { open = false; });
      process.stdin.resume();
      const tick = () => {
        seen.add(count.get());
        if (seen.size === 1 && !tick.ready) { tick.ready = true; process.stdout.write('ready\\n'); }
        if (open) setImmediate(tick); else { seen.add(count.get()); process.stdout.write(JSON.stringify([...seen]) + '\\n'); }
      };
      tick();
    `;
    const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('ready')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await ready;
    const db = AdvisoryDatabase.open(path);
    const records = Array.from({ length: count }, (_, i) =>
      record(`R${i}`, [entry('p', String(i), { ecosystem: 'E' })]),
    );
    db.write('osv', { records, problems: [] }, { at: '2026-01-01T00:00:00.000Z', origin: 'o' });
    db.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    child.stdin.end();
    expect(await exited).toBe(0);
    const seen = JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as number[];
    expect(seen.sort((a, b) => a - b)).toEqual([0, count]);
  }, 60_000);
});

describe('defaultDatabasePath', () => {
  it('prefers $PATCHLINE_DB, then $XDG_CACHE_HOME, then ~/.cache', () => {
    expect(defaultDatabasePath({ PATCHLINE_DB: '/x/y.db', XDG_CACHE_HOME: '/c' })).toBe('/x/y.db');
    expect(defaultDatabasePath({ XDG_CACHE_HOME: '/c' })).toBe('/c/patchline/advisories.db');
    expect(defaultDatabasePath({})).toMatch(/\/\.cache\/patchline\/advisories\.db$/);
  });
});
