import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../../src/advisories/database.js';
import { importPaths, redhatDeletions } from '../../src/advisories/import-paths.js';
import { isPatchlineError } from '../../src/core/index.js';
import { tempDir } from '../helpers/tmp.js';

/** A minimal OSV record of the shape AlmaLinux publishes. */
function osv(id: string, name = 'curl', fixed = '7.76.1-26.el9'): string {
  return JSON.stringify({
    schema_version: '1.6.0',
    id,
    modified: '2024-01-02T00:00:00Z',
    published: '2024-01-01T00:00:00Z',
    affected: [
      {
        package: { ecosystem: 'AlmaLinux:9', name },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
      },
    ],
  });
}

const AT = '2026-03-01T00:00:00.000Z';
const SHARED = resolve(import.meta.dirname, '../../../shared');
const HAVE_SHARED = existsSync(SHARED);
const TRACKER_DIR = join(SHARED, 'fixtures/vuln/debian-tracker');

async function setup(): Promise<{ dir: string; db: AdvisoryDatabase }> {
  const dir = await tempDir();
  return { dir, db: AdvisoryDatabase.open(join(dir, 'advisories.db')) };
}

/** Runs python3 (the real zipfile and tarfile modules) to build archives whose entry names we choose freely. */
function python(script: string, ...args: string[]): void {
  execFileSync('/usr/bin/python3', ['-c', script, ...args]);
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

describe('importPaths', () => {
  it('reads files, folders, zip, tar and tar.gz archives, and names each problem by file and entry', async () => {
    const { dir, db } = await setup();
    const docs = join(dir, 'docs');
    mkdirSync(join(docs, 'nested'), { recursive: true });
    writeFileSync(join(docs, 'ALSA-1.json'), osv('ALSA-1'));
    writeFileSync(join(docs, 'nested', 'ALSA-2.json'), osv('ALSA-2', 'openssl', '1:3.0.7-1.el9'));
    writeFileSync(join(docs, 'nested', 'broken.json'), '{"id": ');
    writeFileSync(join(docs, 'nested', 'unknown.json'), '{"hello": "world"}');
    writeFileSync(join(docs, 'README.txt'), 'not a document');
    execFileSync('zip', ['-q', '-r', join(dir, 'all.zip'), '.'], { cwd: docs });
    execFileSync('tar', ['-cf', join(dir, 'all.tar'), '.'], { cwd: docs });
    execFileSync('tar', ['-czf', join(dir, 'all.tar.gz'), '.'], { cwd: docs });

    for (const input of [docs, join(dir, 'all.zip'), join(dir, 'all.tar'), join(dir, 'all.tar.gz')]) {
      const report = await importPaths(db, [input], { at: AT });
      expect(report.documents, input).toBe(4);
      expect(report.skipped, input).toBe(1);
      expect(report.unrecognised, input).toBe(1);
      expect(report.sources.map((s) => [s.source, s.records, s.origin])).toEqual([['osv', 2, input]]);
      const names = report.problems.map((p) => p.input).sort();
      const separator = input === docs ? '/' : '!';
      expect(names[0]).toMatch(new RegExp(`^${input}${separator}(\\./)?nested/broken\\.json$`));
      expect(names[1]).toMatch(new RegExp(`^${input}${separator}(\\./)?nested/unknown\\.json$`));
    }
    expect(db.lookup('AlmaLinux:9', ['curl', 'openssl']).map((m) => m.advisory.id)).toEqual(['ALSA-1', 'ALSA-2']);
    db.close();
  });

  it('counts a record found in several inputs once, and a second import of the same data as unchanged', async () => {
    const { dir, db } = await setup();
    writeFileSync(join(dir, 'a.json'), osv('ALSA-1'));
    writeFileSync(join(dir, 'b.json'), osv('ALSA-1'));
    const first = await importPaths(db, [join(dir, 'a.json'), join(dir, 'b.json')], { at: AT });
    expect([first.added, first.sources[0]?.origin]).toEqual([1, `${join(dir, 'a.json')}, ${join(dir, 'b.json')}`]);
    const second = await importPaths(db, [join(dir, 'a.json')], { at: AT, origin: 'mirror' });
    expect([second.added, second.unchanged, db.status().sources[0]?.origin]).toEqual([0, 1, 'mirror']);
    db.close();
  });

  it('leaves the database as it was when any path cannot be read', async () => {
    const { dir, db } = await setup();
    writeFileSync(join(dir, 'good.json'), osv('ALSA-1'));
    await expectFailure(
      importPaths(db, [join(dir, 'good.json'), join(dir, 'missing.json')], { at: AT }),
      'not-found',
      /missing\.json: cannot be read \(ENOENT\)/,
    );
    writeFileSync(join(dir, 'truncated.tar.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00]));
    await expectFailure(
      importPaths(db, [join(dir, 'good.json'), join(dir, 'truncated.tar.gz')], { at: AT }),
      'integrity',
      /truncated\.tar\.gz: is not valid gzip data/,
    );
    writeFileSync(join(dir, 'bad.zip'), Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(100)]));
    await expectFailure(
      importPaths(db, [join(dir, 'bad.zip')], { at: AT }),
      'input',
      /bad\.zip: is not a readable zip/,
    );
    expect(db.status().sources).toEqual([]);
    db.close();
  });

  it('applies Red Hat deletions.csv found beside VEX documents to the VEX source', async () => {
    const { dir, db } = await setup();
    const vex = { id: 'CVE-2023-0001', source: 'redhat-csaf-vex' as const, aliases: [], affected: [] };
    db.write(
      'redhat-csaf-vex',
      { records: [vex, { ...vex, id: 'CVE-2023-0002' }], problems: [] },
      {
        at: AT,
        origin: 'x',
      },
    );
    writeFileSync(
      join(dir, 'deletions.csv'),
      '"2023/cve-2023-0001.json","2024-05-01T00:00:00+00:00"\n"../../etc/passwd","2024-05-01T00:00:00+00:00"\n',
    );
    const report = await importPaths(db, [dir], { at: AT });
    expect(report.deleted).toBe(1);
    expect(report.problems).toEqual([
      { input: join(dir, 'deletions.csv'), at: 'line 2', problem: '"passwd" is not a VEX document path' },
    ]);
    expect(db.status().sources.reduce((sum, s) => sum + s.records, 0)).toBe(1);
    db.close();
  });

  it('reads YAML, and stops an alias bomb with a problem instead of expanding it', async () => {
    const { dir, db } = await setup();
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let level = 1; level < 12; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      lines.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(',')}]`);
    }
    writeFileSync(join(dir, 'bomb.yaml'), `${lines.join('\n')}\n`);
    const report = await importPaths(db, [join(dir, 'bomb.yaml')], { at: AT });
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]?.problem).toMatch(/alias/i);
    db.close();
  });
});

describe('importPaths against hostile input', () => {
  it('refuses a zip or tar whose entry names climb out of the archive, writing nothing', async () => {
    const { dir, db } = await setup();
    python(
      'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n  z.writestr("ok.json", sys.argv[2])\n  z.writestr("../../evil.json", sys.argv[2])',
      join(dir, 'evil.zip'),
      osv('ALSA-1'),
    );
    python(
      'import io, sys, tarfile\nwith tarfile.open(sys.argv[1], "w:gz") as t:\n  for name in ("ok.json", "/etc/evil.json"):\n    data = sys.argv[2].encode()\n    info = tarfile.TarInfo(name)\n    info.size = len(data)\n    t.addfile(info, io.BytesIO(data))',
      join(dir, 'evil.tar.gz'),
      osv('ALSA-1'),
    );
    await expectFailure(
      importPaths(db, [join(dir, 'evil.zip')], { at: AT }),
      'input',
      /evil\.zip: .*\.\.\/\.\.\/evil\.json/,
    );
    await expectFailure(
      importPaths(db, [join(dir, 'evil.tar.gz')], { at: AT }),
      'input',
      /evil\.tar\.gz: has an entry named "\/etc\/evil\.json" that climbs out/,
    );
    expect(db.status().sources).toEqual([]);
    db.close();
  });

  it('stops a zip bomb: a huge entry, and an entry inflating past the size it declares', async () => {
    const { dir, db } = await setup();
    // 64 MiB of spaces deflates to about 64 KiB.
    python(
      'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:\n  z.writestr("big.json", b"[" + b" " * (64 << 20) + b"]")',
      join(dir, 'bomb.zip'),
    );
    await expectFailure(
      importPaths(db, [join(dir, 'bomb.zip')], { at: AT, limits: { maxDocumentBytes: 1 << 20 } }),
      'limit',
      /bomb\.zip!big\.json: is larger than the 1048576-byte document limit/,
    );
    await expectFailure(
      importPaths(db, [join(dir, 'bomb.zip')], { at: AT, limits: { maxArchiveBytes: 1 << 20 } }),
      'limit',
      /bomb\.zip: expands to more than the 1048576-byte archive limit/,
    );
    // The same entry, its sizes in both headers rewritten to claim 100 bytes: inflating must stop near 100.
    python(
      `import sys, struct, zipfile
data = bytearray(open(sys.argv[1], "rb").read())
for sig, offset in ((b"PK\\x03\\x04", 22), (b"PK\\x01\\x02", 24)):
  at = data.find(sig)
  struct.pack_into("<I", data, at + offset, 100)
open(sys.argv[2], "wb").write(data)`,
      join(dir, 'bomb.zip'),
      join(dir, 'liar.zip'),
    );
    await expectFailure(importPaths(db, [join(dir, 'liar.zip')], { at: AT }), 'input', /liar\.zip: .*too many bytes/);
    expect(db.status().sources).toEqual([]);
    db.close();
  });

  it('stops a tar.gz that expands past the archive limit and a tar entry past the document limit', async () => {
    const { dir, db } = await setup();
    python(
      'import io, sys, tarfile\nwith tarfile.open(sys.argv[1], "w:gz") as t:\n  data = b"[" + b" " * (4 << 20) + b"]"\n  info = tarfile.TarInfo("big.json")\n  info.size = len(data)\n  t.addfile(info, io.BytesIO(data))',
      join(dir, 'big.tar.gz'),
    );
    await expectFailure(
      importPaths(db, [join(dir, 'big.tar.gz')], { at: AT, limits: { maxArchiveBytes: 1 << 20 } }),
      'limit',
      /big\.tar\.gz: expands to more than the 1048576-byte archive limit/,
    );
    await expectFailure(
      importPaths(db, [join(dir, 'big.tar.gz')], { at: AT, limits: { maxDocumentBytes: 1 << 20 } }),
      'limit',
      /big\.tar\.gz!big\.json: is larger than the 1048576-byte document limit/,
    );
    expect(db.status().sources).toEqual([]);
    db.close();
  });

  it('follows symbolic links inside the folder given, never out of it, and survives a link loop', async () => {
    const { dir, db } = await setup();
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'dated'), { recursive: true });
    writeFileSync(join(tree, 'dated', 'ALSA-1.json'), osv('ALSA-1'));
    symlinkSync(join(tree, 'dated'), join(tree, 'latest'));
    symlinkSync(tree, join(tree, 'dated', 'loop'));
    writeFileSync(join(dir, 'outside.json'), osv('ALSA-OUTSIDE'));
    symlinkSync(join(dir, 'outside.json'), join(tree, 'escape.json'));
    symlinkSync(join(dir, 'nowhere.json'), join(tree, 'dangling.json'));
    const report = await importPaths(db, [tree], { at: AT });
    expect(report.documents).toBe(1);
    expect(db.lookup('AlmaLinux:9', ['curl']).map((m) => m.advisory.id)).toEqual(['ALSA-1']);
    db.close();
  });
});

describe.skipIf(!HAVE_SHARED)(
  `importPaths with the Debian tracker and its DSA list${HAVE_SHARED ? '' : ' (skipped: ../shared is absent)'}`,
  () => {
    const tracker = join(TRACKER_DIR, 'vunnel-debian-tracker-subset.json');
    const list = join(TRACKER_DIR, 'vunnel-DSA-list.txt');

    /** The list's own words for sope's advisory, read here with a plain regex: date, id, fixed version. */
    function sopeAdvisory(): { date: string; id: string; version: string } {
      const text = readFileSync(list, 'utf8');
      const [, day, month, year, id] = /^\[(\d\d) (\w{3}) (\d{4})\] (DSA-\S+) sope /m.exec(text) ?? [];
      const version = /^\s+\[bookworm\] - sope (\S+)$/m.exec(text.slice(text.indexOf(`${id} sope`)))?.[1];
      return {
        date: new Date(`${day} ${month} ${year} 00:00:00 UTC`).toISOString().replace('.000Z', 'Z'),
        id: id!,
        version: version!,
      };
    }

    it.each([
      ['after', [tracker, list]],
      ['before', [list, tracker]],
    ])('dates a tracker fix by the DSA that shipped it when the list comes %s the tracker', async (_order, paths) => {
      const { db } = await setup();
      const report = await importPaths(db, paths, { at: AT });
      expect(report.problems).toEqual([]);
      expect(report.sources.map((source) => source.source)).toEqual(['debian-tracker']);
      const advisory = sopeAdvisory();
      const fixed = db.lookup('Debian:12', ['sope']).filter((match) => match.affected.status === 'fixed');
      expect(fixed.map((match) => match.affected.fixedVersion)).toEqual([advisory.version]);
      expect(fixed[0]?.affected).toMatchObject({ fixAdvisory: advisory.id, fixAvailableSince: advisory.date });
      db.close();
    });

    it('leaves tracker fixes undated without the list, and a file merely named like a list is skipped', async () => {
      const { dir, db } = await setup();
      writeFileSync(join(dir, 'DSA-list.txt'), 'not an advisory list\n');
      const report = await importPaths(db, [tracker, join(dir, 'DSA-list.txt')], { at: AT });
      expect(report.skipped).toBe(1);
      const fixed = db.lookup('Debian:12', ['sope']).filter((match) => match.affected.status === 'fixed');
      expect(fixed).toHaveLength(1);
      expect(fixed[0]?.affected.fixAvailableSince).toBeUndefined();
      expect(fixed[0]?.firstSeen).toBe(AT);
      db.close();
    });
  },
);

describe('redhatDeletions', () => {
  it('turns feed paths into VEX record ids', () => {
    expect(redhatDeletions('"2024/cve-2024-12345.json","2024-05-01T00:00:00+00:00"\r\n\r\n', 'd.csv')).toEqual({
      ids: ['CVE-2024-12345'],
      problems: [],
    });
  });
});
