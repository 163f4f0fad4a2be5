import { execFile as execFileCallback, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type Feed, feedUrl, parseFeed, selectFeeds } from '../src/advisories/feeds.js';
import { type UpdateOptions, updateDatabase } from '../src/advisories/sync.js';
import { readSyncState, syncStatePath } from '../src/advisories/sync-state.js';
import { PatchlineError } from '../src/core/index.js';
import { cliPath, ensureBuilt } from './helpers/cli.js';
import { type FeedServer, startFeedServer } from './helpers/feed-server.js';
import { hasBinary } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

/**
 * `db update` against a local server laying the real fixture files out as each publisher does (the internet is the
 * one thing tests may not reach). The oracles: the fixture records themselves (what a zip or archive held), the
 * sqlite3 shell reading the database, and the server's own request log (what was asked, what was answered).
 */
const execFile = promisify(execFileCallback);
const VULN = resolve(import.meta.dirname, '../../shared/fixtures/vuln');
const missing = ['zip', 'zstd', 'sqlite3', 'tar'].filter((name) => !hasBinary(name));
if (missing.length > 0) console.warn(`db update tests skipped: ${missing.join(', ')} not installed`);
if (!existsSync(VULN)) console.warn(`db update tests skipped: ${VULN} is absent (the shared fixtures)`);
const suite = describe.skipIf(missing.length > 0 || !existsSync(VULN));

const ALMA_DIR = '/osv/AlmaLinux:9';
/** Records held out of the first all.zip, published later as modified: the incremental sync must fetch exactly them. */
const LATER = ['ALSA-2025:0059', 'ALSA-2025:0080'];

let server: FeedServer;
let work: string;
let feed: Feed;
let records: Map<string, { modified: string; body: Buffer }>;
let firstZip: Buffer;

const quick: UpdateOptions['http'] = { attempts: 1, clock: { sleep: async () => undefined } };

async function sqlite(path: string, sql: string): Promise<string> {
  return (await execFile('sqlite3', ['-readonly', path, sql])).stdout.trim();
}

async function osvIds(path: string): Promise<string[]> {
  return (await sqlite(path, "SELECT id FROM records WHERE source = 'osv' ORDER BY id")).split('\n').filter(Boolean);
}

function modifiedCsv(ids: string[]): string {
  // osv.dev's layout: `<modified>,<id>`, newest first.
  return ids
    .map((id) => [records.get(id)!.modified, id] as const)
    .sort((a, b) => b[0].localeCompare(a[0]))
    .map(([modified, id]) => `${modified},${id}\n`)
    .join('');
}

/** The built CLI, run without blocking this process (the feed server answers from it). */
async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFileCallback(
      process.execPath,
      [cliPath, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolveRun({ status: code, stdout, stderr });
      },
    );
  });
}

async function failure(promise: Promise<unknown>): Promise<PatchlineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PatchlineError)) throw new Error(`expected a PatchlineError, got ${String(error)}`);
  return error;
}

suite('db update from the publishers', () => {
  beforeAll(async () => {
    work = await tempDir('patchline-db-update-');
    server = await startFeedServer();
    feed = parseFeed('osv:AlmaLinux:9', server.url);
    // The real AlmaLinux 9 records, as osv.dev's AlmaLinux:9/all.zip holds them (flat `<ID>.json` entries).
    const extracted = join(work, 'alma');
    await mkdir(extracted);
    await execFile('tar', ['-xzf', join(VULN, 'osv-almalinux/almalinux-osv-database.tar.gz'), '-C', extracted]);
    const dir = join(extracted, 'advisories/almalinux9');
    records = new Map();
    for (const name of await readdir(dir)) {
      const body = await readFile(join(dir, name));
      const record = JSON.parse(body.toString('utf8')) as { id: string; modified: string };
      records.set(record.id, { modified: record.modified, body });
    }
    const included = [...records.keys()].filter((id) => !LATER.includes(id));
    const zipPath = join(work, 'all.zip');
    await new Promise<void>((resolveZip, reject) => {
      const child = execFileCallback('zip', ['-q', '-j', '-@', zipPath], (error) =>
        error ? reject(error) : resolveZip(),
      );
      child.stdin!.end(included.map((id) => join(dir, `${id}.json`)).join('\n'));
    });
    firstZip = await readFile(zipPath);
    server.put(`${ALMA_DIR}/all.zip`, firstZip, { googHash: true });
    server.put(`${ALMA_DIR}/modified_id.csv`, modifiedCsv(included), { googHash: true });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('takes all.zip on the first sync, then nothing but a 304, then only the records modified since', async () => {
    const db = join(work, 'incremental.db');
    const first = await updateDatabase(db, [feed], { http: quick });
    expect(first.feeds[0]!.error).toBeUndefined();
    expect(first.changed).toBe(true);
    // Every record the zip holds is in the database (the oracle: the files we zipped), none of the held-back ones.
    const expected = [...records.keys()].filter((id) => !LATER.includes(id)).sort();
    expect(await osvIds(db)).toEqual(expected);
    expect(await sqlite(db, "SELECT origin FROM syncs WHERE source = 'osv'")).toBe(`${server.url}/osv/AlmaLinux%3A9/`);
    // Cloud Storage's MD5 (x-goog-hash) was checked on both files.
    expect(first.feeds[0]!.verified).toBe(2);
    const state = await readSyncState(db);
    // The list is asked for conditionally next time; the archive only when the list says so, and then unconditionally.
    expect(state.urls[`${feed.base}AlmaLinux%3A9/modified_id.csv`]?.etag).toMatch(/^"/);
    expect(state.urls[`${feed.base}AlmaLinux%3A9/all.zip`]).toBeUndefined();
    expect(state.feeds['osv:AlmaLinux:9']?.watermark).toBe(
      new Date(Math.max(...expected.map((id) => Date.parse(records.get(id)!.modified)))).toISOString(),
    );

    // Nothing changed upstream: one conditional request, answered 304, and the database file is not rewritten.
    const before = (await stat(db)).mtimeMs;
    server.log.length = 0;
    const second = await updateDatabase(db, [feed], { http: quick });
    expect(second.changed).toBe(false);
    expect(server.log.map((r) => [r.path, r.status])).toEqual([[`${ALMA_DIR}/modified_id.csv`, 304]]);
    expect(server.log[0]!.headers['if-none-match']).toMatch(/^"/);
    // Stored bytes, never a transfer encoding: ranges and checksums refer to them.
    expect(server.log[0]!.headers['accept-encoding']).toBe('identity');
    expect((await stat(db)).mtimeMs).toBe(before);

    // Two records published since: the list changes, and exactly those two are fetched, not the archive.
    for (const id of LATER) {
      records.get(id)!.modified = '2026-11-20T00:00:00Z';
      server.put(`${ALMA_DIR}/${id}.json`, records.get(id)!.body, { googHash: true });
    }
    server.put(`${ALMA_DIR}/modified_id.csv`, modifiedCsv([...records.keys()]), { googHash: true });
    server.log.length = 0;
    const third = await updateDatabase(db, [feed], { http: quick });
    expect(third.feeds[0]!.error).toBeUndefined();
    expect(server.log.map((r) => r.path).sort()).toEqual(
      [`${ALMA_DIR}/modified_id.csv`, ...LATER.map((id) => `${ALMA_DIR}/${id}.json`)].sort(),
    );
    expect(await osvIds(db)).toEqual([...records.keys()].sort());
    expect(third.added).toBe(2);
    expect((await readSyncState(db)).feeds['osv:AlmaLinux:9']?.watermark).toBe('2026-11-20T00:00:00.000Z');

    // More changes than are worth fetching one by one: the whole archive again, unconditionally.
    for (const id of LATER) records.get(id)!.modified = '2026-11-21T00:00:00Z';
    server.put(`${ALMA_DIR}/modified_id.csv`, modifiedCsv([...records.keys()]), { googHash: true });
    server.log.length = 0;
    const fourth = await updateDatabase(db, [feed], { http: quick, limits: { maxIncrementalRecords: 1 } });
    expect(fourth.feeds[0]!.error).toBeUndefined();
    expect(server.log.map((r) => [r.path, r.status])).toEqual([
      [`${ALMA_DIR}/modified_id.csv`, 200],
      [`${ALMA_DIR}/all.zip`, 200],
    ]);
    expect(server.log[1]!.headers['if-none-match']).toBeUndefined();

    // A record the list names but the bucket no longer holds: a note, and the rest of the sync goes on.
    const gone = 'ALSA-2099:0001';
    server.put(`${ALMA_DIR}/modified_id.csv`, `2026-11-22T00:00:00Z,${gone}\n${modifiedCsv([...records.keys()])}`, {
      googHash: true,
    });
    const fifth = await updateDatabase(db, [feed], { http: quick });
    expect(fifth.feeds[0]!.error).toBeUndefined();
    expect(fifth.feeds[0]!.notes).toEqual([
      `${feed.base}AlmaLinux%3A9/${encodeURIComponent(gone)}.json: listed as modified but not published (skipped)`,
    ]);
    expect(await osvIds(db)).toEqual([...records.keys()].sort());
  }, 120_000);

  it('resumes a download whose connection dropped, on the next run, and keeps the old database until then', async () => {
    const db = join(work, 'resume.db');
    await updateDatabase(db, [parseFeed('osv:Other', server.url)], { http: quick }).catch(() => undefined);
    // A database that already exists (from another feed's sync) and must stay byte-for-byte as it is.
    server.put('/osv/Other/modified_id.csv', modifiedCsv(['ALSA-2025:0059']));
    server.put('/osv/Other/all.zip', await zipOf(['ALSA-2025:0059']));
    await updateDatabase(db, [parseFeed('osv:Other', server.url)], { http: quick });
    const before = await readFile(db);

    server.dropAfter(`${ALMA_DIR}/all.zip`, 200_000);
    const broken = await updateDatabase(db, [feed], { http: quick });
    expect(broken.feeds[0]!.error).toMatch(/download failed after 1 attempts.*resumes/);
    expect(broken.changed).toBe(false);
    expect((await readFile(db)).equals(before)).toBe(true);
    const part = join(`${db}.downloads`, 'osv_AlmaLinux_9', 'all.zip.part');
    const partial = (await stat(part)).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(firstZip.length);

    server.log.length = 0;
    const resumed = await updateDatabase(db, [feed], { http: quick });
    expect(resumed.feeds[0]!.error).toBeUndefined();
    const zipRequests = server.requests(`${ALMA_DIR}/all.zip`);
    expect(zipRequests).toHaveLength(1);
    expect(zipRequests[0]!.status).toBe(206);
    expect(zipRequests[0]!.headers.range).toBe(`bytes=${partial}-`);
    expect(zipRequests[0]!.headers['if-range']).toMatch(/^"/);
    // The resumed file is the publisher's whole file: its MD5 was checked, and the records are all there.
    expect(resumed.feeds[0]!.verified).toBeGreaterThanOrEqual(1);
    expect((await osvIds(db)).length).toBe(records.size - LATER.length + 1);
    expect(existsSync(part)).toBe(false);
  }, 120_000);

  it('retries a dropped connection within one run, resuming where it broke', async () => {
    const db = join(work, 'retry.db');
    server.dropAfter(`${ALMA_DIR}/all.zip`, 300_000, 2);
    server.failWith(`${ALMA_DIR}/modified_id.csv`, 503);
    server.log.length = 0;
    const result = await updateDatabase(db, [feed], { http: { attempts: 4, clock: { sleep: async () => undefined } } });
    expect(result.feeds[0]!.error).toBeUndefined();
    expect(server.requests(`${ALMA_DIR}/modified_id.csv`).map((r) => r.status)).toEqual([503, 200]);
    expect(server.requests(`${ALMA_DIR}/all.zip`).map((r) => r.status)).toEqual([200, 206, 206]);
    expect((await osvIds(db)).length).toBe(records.size - LATER.length);
  }, 120_000);

  it('gives up on a server that stops sending, and resumes from what it got', async () => {
    const db = join(work, 'stall.db');
    server.stallAfter(`${ALMA_DIR}/all.zip`, 50_000);
    const stalled = await updateDatabase(db, [feed], { http: { ...quick, idleTimeoutMs: 300 } });
    expect(stalled.feeds[0]!.error).toMatch(/no data for 300 ms/);
    expect(existsSync(db)).toBe(false);
    server.log.length = 0;
    const resumed = await updateDatabase(db, [feed], { http: quick });
    expect(resumed.feeds[0]!.error).toBeUndefined();
    expect(server.requests(`${ALMA_DIR}/all.zip`).map((r) => [r.status, r.headers.range])).toEqual([
      [206, 'bytes=50000-'],
    ]);
    expect((await osvIds(db)).length).toBe(records.size - LATER.length);
  }, 60_000);

  it('refuses a file whose published checksum does not match, and keeps the old database', async () => {
    const db = join(work, 'checksum.db');
    await copyFile(join(work, 'resume.db'), db);
    const before = await readFile(db);
    const wrong = createHash('md5').update('something else').digest('base64');
    server.put(`${ALMA_DIR}/all.zip`, firstZip, { googHash: wrong });
    try {
      const result = await updateDatabase(db, [feed], { http: quick });
      expect(result.feeds[0]!.error).toMatch(/MD5 of the downloaded file is .*, but the publisher says/);
      expect(result.changed).toBe(false);
      expect((await readFile(db)).equals(before)).toBe(true);
      // The corrupt bytes are not kept to be resumed.
      expect(existsSync(join(`${db}.downloads`, 'osv_AlmaLinux_9', 'all.zip.part'))).toBe(false);
      expect(existsSync(join(`${db}.downloads`, 'osv_AlmaLinux_9', 'all.zip'))).toBe(false);
    } finally {
      server.put(`${ALMA_DIR}/all.zip`, firstZip, { googHash: true });
    }
  });

  it('leaves the database as it was when the import fails half way (a hostile archive)', async () => {
    const db = join(work, 'hostile-zip.db');
    server.put('/osv/Seed/modified_id.csv', modifiedCsv(['ALSA-2025:0080']));
    server.put('/osv/Seed/all.zip', await zipOf(['ALSA-2025:0080']));
    await updateDatabase(db, [parseFeed('osv:Seed', server.url)], { http: quick });
    expect(await osvIds(db)).toEqual(['ALSA-2025:0080']);
    const before = await readFile(db);
    // A real record under a name that climbs out of the archive: the importer refuses the whole archive.
    const hostile = join(work, 'hostile.zip');
    await execFile('python3', [
      '-c',
      'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n  z.writestr("ALSA-2024:0001.json", open(sys.argv[2], "rb").read())\n  z.writestr("../../evil.json", "{}")',
      hostile,
      join(VULN, 'osv-almalinux/almalinux9__ALSA-2024:0001.json'),
    ]);
    server.put('/osv/Hostile/modified_id.csv', '2026-01-01T00:00:00Z,ALSA-2024:0001\n');
    server.put('/osv/Hostile/all.zip', await readFile(hostile));
    const error = await failure(updateDatabase(db, [parseFeed('osv:Hostile', server.url)], { http: quick }));
    expect(error.kind).toBe('input');
    expect(error.message).toContain('../../evil.json');
    expect((await readFile(db)).equals(before)).toBe(true);
    expect(existsSync(join(work, 'evil.json'))).toBe(false);
    expect((await readdir(work)).filter((name) => name.endsWith('.updating'))).toEqual([]);
    expect((await readSyncState(db)).feeds['osv:Hostile']).toBeUndefined();
  });

  it('removes the copies of updates that were killed, never the copy of one still running', async () => {
    const db = join(work, 'abandoned.db');
    const dead = spawn('true');
    await new Promise((resolveExit) => dead.once('exit', resolveExit));
    const abandoned = `${db}.${dead.pid}.0badf00d.updating`;
    const running = `${db}.${process.pid}.0badf00d.updating`;
    await writeFile(abandoned, 'left by a killed update');
    await writeFile(`${abandoned}-wal`, 'left by a killed update');
    await writeFile(running, 'another update at work');
    server.put('/osv/Seed/modified_id.csv', modifiedCsv(['ALSA-2025:0080']));
    server.put('/osv/Seed/all.zip', await zipOf(['ALSA-2025:0080']));
    await updateDatabase(db, [parseFeed('osv:Seed', server.url)], { http: quick });
    expect(existsSync(abandoned)).toBe(false);
    expect(existsSync(`${abandoned}-wal`)).toBe(false);
    expect(existsSync(running)).toBe(true);
  });

  it('skips change-list lines that would leave the feed, and bounds what it downloads', async () => {
    const db = join(work, 'hostile.db');
    await updateDatabase(db, [feed], { http: quick });
    server.put(
      `${ALMA_DIR}/modified_id.csv`,
      `2099-01-01T00:00:00Z,../../../etc/passwd\n2099-01-01T00:00:00Z,.hidden\nnot a line\n${modifiedCsv([...records.keys()])}`,
    );
    server.log.length = 0;
    const result = await updateDatabase(db, [feed], { http: quick });
    expect(result.feeds[0]!.error).toBeUndefined();
    expect(result.feeds[0]!.notes.filter((note) => note.includes('skipped'))).toHaveLength(3);
    expect(server.log.every((r) => r.path.startsWith(`${ALMA_DIR}/`))).toBe(true);
    expect(server.log.map((r) => r.path)).toEqual([`${ALMA_DIR}/modified_id.csv`]);

    const small = await updateDatabase(join(work, 'small.db'), [feed], {
      http: quick,
      limits: { maxArchiveBytes: 1024 },
    });
    expect(small.feeds[0]!.error).toMatch(/more than the 1024 allowed/);
    expect(existsSync(join(work, 'small.db'))).toBe(false);
    expect(existsSync(syncStatePath(join(work, 'small.db')))).toBe(false);
  });

  it('syncs Red Hat VEX: the archive archive_latest.txt names, changes since its date, deletions, sha256 files', async () => {
    const vex = join(work, 'vex');
    await mkdir(join(vex, '2023'), { recursive: true });
    for (const name of ['cve-2023-38545.json', 'cve-2023-4154.json']) {
      await copyFile(join(VULN, 'redhat-csaf-vex', name), join(vex, '2023', name));
    }
    // The archive holds the real malformed document (a bad rpmmod purl); the document changed since is the good one.
    await mkdir(join(vex, '2024'));
    await copyFile(join(VULN, 'redhat-csaf-vex/cve-2024-24786-bad-rpmmod.json'), join(vex, '2024/cve-2024-24786.json'));
    const archive = join(work, 'csaf_vex_2026-11-01.tar.zst');
    await execFile('sh', ['-c', `tar -C "${vex}" -cf - 2023 2024 | zstd -q -o "${archive}"`]);
    const archiveBytes = await readFile(archive);
    const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
    const changed = await readFile(join(VULN, 'redhat-csaf-vex/cve-2024-24786-simple.json'));
    server.put('/redhat-vex/archive_latest.txt', 'csaf_vex_2026-11-01.tar.zst\n');
    server.put('/redhat-vex/csaf_vex_2026-11-01.tar.zst', archiveBytes);
    server.put('/redhat-vex/csaf_vex_2026-11-01.tar.zst.sha256', `${sha(archiveBytes)}  csaf_vex_2026-11-01.tar.zst\n`);
    server.put('/redhat-vex/2024/cve-2024-24786.json', changed);
    server.put('/redhat-vex/2024/cve-2024-24786.json.sha256', `${sha(changed)}  cve-2024-24786.json\n`);
    server.put(
      '/redhat-vex/changes.csv',
      '"2024/cve-2024-24786.json","2026-11-02T10:00:00+00:00"\n"2023/cve-2023-38545.json","2026-10-30T10:00:00+00:00"\n',
    );
    server.put('/redhat-vex/deletions.csv', '"2023/cve-2023-4154.json","2026-11-02T11:00:00+00:00"\n');

    const db = join(work, 'vex.db');
    const redhat = selectFeeds(['redhat-vex'], server.url);
    server.log.length = 0;
    const result = await updateDatabase(db, redhat, { http: quick });
    expect(result.feeds[0]!.error).toBeUndefined();
    // The archive and the one document changed after its date, both checked against their .sha256.
    expect(result.feeds[0]!.files).toBe(2);
    expect(result.feeds[0]!.verified).toBe(2);
    expect(result.feeds[0]!.deletions).toBe(1);
    expect(server.requests('/redhat-vex/2023/cve-2023-38545.json')).toHaveLength(0);
    const ids = (await sqlite(db, "SELECT id FROM records WHERE source = 'redhat-csaf-vex' ORDER BY id")).split('\n');
    expect(ids).toEqual(['CVE-2023-38545', 'CVE-2024-24786']);
    expect(result.problems.length).toBeGreaterThan(0);
    for (const problem of result.problems) {
      expect(problem.input).toContain('csaf_vex_2026-11-01.tar.zst!2024/cve-2024-24786.json');
    }

    // A document whose .sha256 disagrees is refused; the database keeps what it had.
    server.put(
      '/redhat-vex/changes.csv',
      '"2024/cve-2024-24786.json","2026-11-03T10:00:00+00:00"\n"2024/cve-2024-24786.json","2026-11-02T10:00:00+00:00"\n',
    );
    server.put('/redhat-vex/2024/cve-2024-24786.json.sha256', `${sha(Buffer.from('other'))}  cve-2024-24786.json\n`);
    const before = await readFile(db);
    const bad = await updateDatabase(db, redhat, { http: quick });
    expect(bad.feeds[0]!.error).toMatch(/SHA-256 of the downloaded file/);
    expect((await readFile(db)).equals(before)).toBe(true);

    // A document the change list names but the server does not hold: a note, and the sync goes on.
    server.put('/redhat-vex/2024/cve-2024-24786.json.sha256', `${sha(changed)}  cve-2024-24786.json\n`);
    server.put(
      '/redhat-vex/changes.csv',
      '"2024/cve-2024-99999.json","2026-11-04T10:00:00+00:00"\n"2024/cve-2024-24786.json","2026-11-03T10:00:00+00:00"\n',
    );
    const missing = await updateDatabase(db, redhat, { http: quick });
    expect(missing.feeds[0]!.error).toBeUndefined();
    expect(missing.feeds[0]!.notes).toContain(
      `${server.url}/redhat-vex/2024/cve-2024-99999.json: listed as changed but not published (skipped)`,
    );
  });

  it('fetches the Debian tracker whole with its DSA list, and conditionally the next time', async () => {
    const tracker = await readFile(join(VULN, 'debian-tracker/vunnel-debian-tracker-subset.json'));
    server.put('/debian-tracker/json', tracker);
    // The mirror keeps the tracker's data/DSA/list beside json; this one has no DLA list.
    server.put('/debian-tracker/DSA/list', await readFile(join(VULN, 'debian-tracker/vunnel-DSA-list.txt')));
    const db = join(work, 'debian.db');
    const feeds = selectFeeds(['debian-tracker'], server.url);
    const first = await updateDatabase(db, feeds, { http: quick });
    expect(first.feeds[0]).toMatchObject({ feed: 'debian-tracker', files: 2 });
    expect(first.feeds[0]!.error).toBeUndefined();
    expect(first.feeds[0]!.notes).toEqual([
      `${server.url}/debian-tracker/DLA/list: not published (fixes it would date are dated by this sync)`,
    ]);
    // The list dates the fix it shipped: `[31 Jul 2025] DSA-5970-1 sope`, bookworm 5.8.0-1+deb12u1.
    const sope = await sqlite(
      db,
      "SELECT a.json FROM affected a JOIN records r ON r.rowid = a.record WHERE r.source = 'debian-tracker' AND a.package = 'sope' AND a.ecosystem = 'Debian:12'",
    );
    expect(sope).toContain('"fixAdvisory":"DSA-5970-1"');
    expect(sope).toContain('"fixAvailableSince":"2025-07-31T00:00:00Z"');
    // The packages the fixture lists (its top-level keys) are what the database now knows from the tracker.
    const packages = Object.keys(JSON.parse(tracker.toString('utf8')) as object);
    const stored = await sqlite(db, "SELECT count(*) FROM records WHERE source = 'debian-tracker'");
    expect(Number(stored)).toBeGreaterThan(0);
    expect(packages.length).toBeGreaterThan(0);
    server.log.length = 0;
    const second = await updateDatabase(db, feeds, { http: quick });
    expect(second.feeds[0]!.files).toBe(0);
    // The JSON did not change, so neither is anything imported nor the lists fetched.
    expect(server.log.map((r) => [r.path, r.status])).toEqual([['/debian-tracker/json', 304]]);
  });

  it('fetches an Alpine branch secdb as JSON, conditionally the next time', async () => {
    // secdb.alpinelinux.org publishes each branch's secdb as YAML and as JSON with the same content.
    const yaml = await readFile(join(VULN, 'alpine-secdb/alpine-secdb-v3.11-main.yaml'), 'utf8');
    server.put('/alpine-secdb/v3.11/main.json', JSON.stringify(parseYaml(yaml)));
    const db = join(work, 'alpine.db');
    const feeds = selectFeeds(['alpine-secdb:v3.11'], server.url);
    const first = await updateDatabase(db, feeds, { http: quick });
    expect(first.feeds[0]).toMatchObject({ feed: 'alpine-secdb:v3.11', files: 1 });
    expect(first.feeds[0]!.error).toBeUndefined();
    expect(first.feeds[0]!.notes).toEqual([
      `${server.url}/alpine-secdb/v3.11/community.json: not published (this branch has no community secdb)`,
    ]);
    expect(Number(await sqlite(db, "SELECT count(*) FROM records WHERE source = 'alpine-secdb'"))).toBeGreaterThan(0);
    server.log.length = 0;
    const second = await updateDatabase(db, feeds, { http: quick });
    expect(second.feeds[0]!.files).toBe(0);
    expect(server.log.map((r) => [r.path, r.status])).toEqual([
      ['/alpine-secdb/v3.11/main.json', 304],
      ['/alpine-secdb/v3.11/community.json', 404],
    ]);
  });

  it('runs as `patchline db update` with --mirror or PATCHLINE_FEED_MIRROR, exit 2 naming a feed that fails', async () => {
    ensureBuilt();
    server.put(`${ALMA_DIR}/modified_id.csv`, modifiedCsv([...records.keys()]), { googHash: true });
    const db = join(work, 'cli.db');
    const run = await cli([
      'db',
      'update',
      '--db',
      db,
      '--mirror',
      server.url,
      '--source',
      'osv:AlmaLinux:9',
      '-f',
      'json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.feeds[0]).toMatchObject({ feed: 'osv:AlmaLinux:9', files: 1, verified: 2 });
    expect(Number(await sqlite(db, 'SELECT count(*) FROM records'))).toBe(report.added);

    const again = await cli(['db', 'update', '--db', db, '--source', 'osv:AlmaLinux:9'], {
      PATCHLINE_FEED_MIRROR: server.url,
    });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('osv:AlmaLinux:9: up to date');

    const broken = await cli(['db', 'update', '--db', db, '--source', 'osv:Nowhere,osv:AlmaLinux:9'], {
      PATCHLINE_FEED_MIRROR: server.url,
    });
    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain(`${server.url}/osv/Nowhere/modified_id.csv`);
    expect(broken.stderr).toContain('no such file');
    const usage = await cli(['db', 'update', '--db', db, '--source', 'nvd']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('unknown feed');
  }, 180_000);

  it('survives `patchline db update` killed mid-download: the database intact, the next run resuming', async () => {
    ensureBuilt();
    const db = join(work, 'killed.db');
    server.put('/osv/Seed/modified_id.csv', modifiedCsv(['ALSA-2025:0080']));
    server.put('/osv/Seed/all.zip', await zipOf(['ALSA-2025:0080']));
    await updateDatabase(db, [parseFeed('osv:Seed', server.url)], { http: quick });
    const before = await readFile(db);
    server.stallAfter(`${ALMA_DIR}/all.zip`, 400_000);
    server.log.length = 0;
    const child = spawn(process.execPath, [cliPath, 'db', 'update', '--db', db, '--source', 'osv:AlmaLinux:9'], {
      env: { ...process.env, PATCHLINE_FEED_MIRROR: server.url },
      stdio: 'ignore',
    });
    const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
    const part = join(`${db}.downloads`, 'osv_AlmaLinux_9', 'all.zip.part');
    // Killed once the stalled download's first bytes are on disk.
    for (let i = 0; i < 400 && !((await stat(part).catch(() => undefined))?.size === 400_000); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await exited;
    expect((await stat(part)).size).toBe(400_000);
    expect((await readFile(db)).equals(before)).toBe(true);

    const again = await cli(['db', 'update', '--db', db, '--source', 'osv:AlmaLinux:9', '-f', 'json'], {
      PATCHLINE_FEED_MIRROR: server.url,
    });
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect(server.requests(`${ALMA_DIR}/all.zip`).map((r) => [r.status, r.headers.range])).toEqual([
      [200, undefined],
      [206, 'bytes=400000-'],
    ]);
    // The archive's records beside the one the database already had from the other feed.
    expect((await osvIds(db)).length).toBe(records.size - LATER.length + 1);
  }, 180_000);

  it('points every feed at a mirror and rejects unknown feed names', async () => {
    expect(selectFeeds([], 'http://mirror.example/base/').map((f) => f.base)).toEqual([
      'http://mirror.example/base/osv/',
      'http://mirror.example/base/osv/',
      'http://mirror.example/base/osv/',
      'http://mirror.example/base/osv/',
    ]);
    expect(selectFeeds(['osv:Rocky Linux:9,redhat-vex', 'alpine-secdb:v3.21']).map((f) => f.id)).toEqual([
      'osv:Rocky Linux:9',
      'redhat-vex',
      'alpine-secdb:v3.21',
    ]);
    expect((await failure(Promise.resolve().then(() => parseFeed('osv:../../x')))).kind).toBe('usage');
    expect((await failure(Promise.resolve().then(() => parseFeed('nvd')))).message).toContain('unknown feed');
    expect((await failure(Promise.resolve().then(() => selectFeeds([], 'file:///tmp')))).kind).toBe('usage');
    expect(syncStatePath('/x/a.db')).toBe('/x/a.db.sync.json');
    const rocky = parseFeed('osv:Rocky Linux:9');
    expect(feedUrl(rocky, rocky.name!, 'all.zip')).toBe(
      'https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux%3A9/all.zip',
    );
    expect(feedUrl(parseFeed('redhat-vex'), 'archive_latest.txt')).toBe(
      'https://security.access.redhat.com/data/csaf/v2/vex/archive_latest.txt',
    );
  });
});

async function zipOf(ids: string[]): Promise<Buffer> {
  const dir = await tempDir('patchline-zip-');
  for (const id of ids) await writeFile(join(dir, `${id}.json`), records.get(id)!.body);
  await execFile('zip', ['-q', '-j', join(dir, 'all.zip'), ...ids.map((id) => join(dir, `${id}.json`))]);
  return readFile(join(dir, 'all.zip'));
}
