import { type ChildProcessWithoutNullStreams, execFile as execFileCallback, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { parseFeed } from '../src/advisories/feeds.js';
import { importPaths } from '../src/advisories/import-paths.js';
import { pullDatabase, pushDatabase } from '../src/advisories/oci-artifact.js';
import { updateDatabase } from '../src/advisories/sync.js';
import { parseRegistryReference } from '../src/oci/reference.js';
import { RegistryClient } from '../src/oci/registry/index.js';
import { ensureBuilt, projectRoot } from './helpers/cli.js';
import { type FeedServer, startFeedServer } from './helpers/feed-server.js';
import { hasBinary, startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

/**
 * `db update` and `db pull` land while another process (a scan, `serve`) holds the database open and reads it. A child
 * node process opens the database read-only through Patchline's own AdvisoryDatabase and reads it in a loop, each read
 * one SQLite transaction (the snapshot id, every record id, the number of entries) followed by a lookup; it prints
 * every state it sees and every error. The oracle for the states: the database read by the sqlite3 shell before and
 * after. The reader must see the old state, then the new one, nothing else and no error.
 */
const execFile = promisify(execFileCallback);
const ALMA = resolve(import.meta.dirname, '../../shared/fixtures/vuln/osv-almalinux');
const missing = ['zip', 'sqlite3', 'docker-registry'].filter((name) => !hasBinary(name));
if (missing.length > 0) console.warn(`live database replacement tests skipped: ${missing.join(', ')} not installed`);
if (!existsSync(ALMA)) console.warn(`live database replacement tests skipped: ${ALMA} is absent (the shared fixtures)`);
const suite = describe.skipIf(missing.length > 0 || !existsSync(ALMA));

const READER = `
import { createInterface } from 'node:readline';
const { AdvisoryDatabase, connectionOf } = await import(process.argv[2]);
const db = AdvisoryDatabase.open(process.argv[3], { readonly: true });
const connection = connectionOf(db);
const read = connection.transaction(() => ({
  snapshot: connection.prepare("SELECT value FROM meta WHERE key = 'snapshot_id'").pluck().get(),
  ids: connection.prepare('SELECT id FROM records ORDER BY id').pluck().all().join(' '),
  affected: connection.prepare('SELECT count(*) FROM affected').pluck().get(),
}));
let running = true;
createInterface({ input: process.stdin }).on('close', () => { running = false; });
let last = '';
let reads = 0;
while (running) {
  try {
    const state = JSON.stringify(read());
    db.lookup('AlmaLinux:9', ['thunderbird', 'firefox']);
    reads++;
    if (state !== last) process.stdout.write(state + '\\n');
    last = state;
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: String(error) }) + '\\n');
  }
  await new Promise((done) => setTimeout(done, 2));
}
process.stdout.write(JSON.stringify({ reads }) + '\\n');
db.close();
`;

interface State {
  snapshot?: string;
  ids?: string;
  affected?: number;
  error?: string;
  reads?: number;
}

interface Reader {
  lines: State[];
  /** Resolves with the first line meeting `test`, or rejects after `ms`. */
  waitFor(test: (state: State) => boolean, ms: number): Promise<State>;
  /** Ends the loop; resolves with every line printed. */
  stop(): Promise<State[]>;
}

function startReader(script: string, dbPath: string): Reader {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [
    script,
    join(projectRoot, 'dist/advisories/database.js'),
    dbPath,
  ]);
  const lines: State[] = [];
  const waiters: Array<() => void> = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(JSON.parse(line) as State);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<number | null>((done) => child.on('close', done));
  return {
    lines,
    async waitFor(test, ms) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = lines.find(test);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`reader saw ${JSON.stringify(lines)}; stderr: ${stderr}`);
        await new Promise<void>((wake) => {
          waiters.push(wake);
          setTimeout(wake, 50);
        });
      }
    },
    async stop() {
      child.stdin.end();
      const code = await exited;
      expect(code, stderr).toBe(0);
      return lines;
    },
  };
}

/** The database as the sqlite3 shell reads it, in the reader's terms. */
async function stateOf(path: string): Promise<State> {
  const sql = async (query: string) => (await execFile('sqlite3', ['-readonly', path, query])).stdout.trim();
  return {
    snapshot: await sql("SELECT value FROM meta WHERE key = 'snapshot_id'"),
    ids: (await sql('SELECT id FROM records ORDER BY id')).split('\n').join(' '),
    affected: Number(await sql('SELECT count(*) FROM affected')),
  };
}

/** The real AlmaLinux 9 records lying beside the fixture tarball, as `<ID>.json` bodies. */
async function almaRecords(): Promise<Map<string, { modified: string; body: Buffer }>> {
  const records = new Map<string, { modified: string; body: Buffer }>();
  for (const name of (await readdir(ALMA)).filter((file) => file.startsWith('almalinux9__'))) {
    const body = await readFile(join(ALMA, name));
    const record = JSON.parse(body.toString('utf8')) as { id: string; modified: string };
    records.set(record.id, { modified: record.modified, body });
  }
  return records;
}

/** Asserts the reader saw exactly `before`, then `after`, and no error. */
function expectOldThenNew(lines: State[], before: State, after: State): void {
  const reads = lines.at(-1)?.reads ?? 0;
  const states = lines.slice(0, -1);
  expect(states.filter((state) => state.error !== undefined)).toEqual([]);
  expect(states).toEqual([before, after]);
  expect(reads).toBeGreaterThan(2);
}

suite('the database replaced while another process reads it', () => {
  let work: string;
  let script: string;
  let records: Map<string, { modified: string; body: Buffer }>;
  let server: FeedServer;
  let registry: TestRegistry;

  beforeAll(async () => {
    ensureBuilt();
    work = await tempDir('patchline-db-live-');
    script = join(work, 'reader.mjs');
    await writeFile(script, READER);
    records = await almaRecords();
    expect(records.size).toBeGreaterThanOrEqual(3);
    server = await startFeedServer();
    registry = await startRegistry();
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await registry?.stop();
  });

  /** A database holding the first `count` records, imported from loose files. */
  async function databaseOf(path: string, count: number): Promise<void> {
    const dir = join(work, `records-${count}-${Date.now()}`);
    await execFile('mkdir', ['-p', dir]);
    for (const [id, { body }] of [...records].slice(0, count)) await writeFile(join(dir, `${id}.json`), body);
    const db = AdvisoryDatabase.open(path);
    try {
      await importPaths(db, [dir], { at: '2026-11-01T00:00:00.000Z' });
    } finally {
      db.close();
    }
  }

  it('`db update`: the reader holding the database sees the old snapshot, then the new, never an error', async () => {
    const dbPath = join(work, 'update.db');
    await databaseOf(dbPath, 1);
    const before = await stateOf(dbPath);

    // The feed: every record, as osv.dev lays out AlmaLinux:9.
    const zipDir = join(work, 'zip');
    await execFile('mkdir', ['-p', zipDir]);
    for (const [id, { body }] of records) await writeFile(join(zipDir, `${id}.json`), body);
    const zipPath = join(work, 'all.zip');
    await execFile('sh', ['-c', 'cd "$1" && zip -q "$2" *.json', 'sh', zipDir, zipPath]);
    server.put('/osv/AlmaLinux:9/all.zip', await readFile(zipPath), { googHash: true });
    const csv = [...records].map(([id, { modified }]) => `${modified},${id}\n`).join('');
    server.put('/osv/AlmaLinux:9/modified_id.csv', csv, { googHash: true });

    const reader = startReader(script, dbPath);
    await reader.waitFor((state) => state.snapshot === before.snapshot, 10_000);
    const result = await updateDatabase(dbPath, [parseFeed('osv:AlmaLinux:9', server.url)], {
      http: { attempts: 1, clock: { sleep: async () => undefined } },
    });
    expect(result.changed).toBe(true);
    const after = await stateOf(dbPath);
    expect(after.snapshot).not.toBe(before.snapshot);
    expect(after.ids?.split(' ')).toEqual([...records.keys()].sort());
    // The reader, still holding the database it opened before the update, reads the new content.
    await reader.waitFor((state) => state.snapshot === after.snapshot, 10_000);
    expectOldThenNew(await reader.stop(), before, after);
    // Nothing is left beside the database but its own files.
    const left = (await readdir(work)).filter((name) => name.startsWith('update.db'));
    expect(left.filter((name) => !/^update\.db(-wal|-shm|\.sync\.json|\.downloads)?$/.test(name))).toEqual([]);
  }, 120_000);

  it('`db pull`: the reader holding the database sees the old snapshot, then the pulled one, never an error', async () => {
    const published = join(work, 'published.db');
    await databaseOf(published, records.size);
    const target = parseRegistryReference(`${registry.host}/patchline/advisories:live`);
    const client = new RegistryClient(target.registry);
    await pushDatabase(published, target, client);

    const dbPath = join(work, 'pull.db');
    await databaseOf(dbPath, 2);
    const before = await stateOf(dbPath);
    const reader = startReader(script, dbPath);
    await reader.waitFor((state) => state.snapshot === before.snapshot, 10_000);
    const pulled = await pullDatabase(target, dbPath, client);
    const after = await stateOf(dbPath);
    expect(after).toEqual(await stateOf(published));
    expect(pulled.snapshotId).toBe(after.snapshot);
    await reader.waitFor((state) => state.snapshot === after.snapshot, 10_000);
    expectOldThenNew(await reader.stop(), before, after);
  }, 120_000);
});
