import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readdir, readFile, rm, stat, symlink, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogResult } from '../src/inventory/cataloger.js';
import type { Package } from '../src/inventory/package.js';
import { rpmCataloger } from '../src/inventory/rpm/cataloger.js';
import { FileContent } from '../src/rootfs/file-content.js';
import type { FoundFile } from '../src/rootfs/file-tree.js';
import { openFileTree } from '../src/rootfs/open.js';
import { makeLayoutImage } from './helpers/images.js';
import { dbpathWith, goRpmdbTestdata, rpmQuery } from './helpers/rpmdb.js';

/*
 * The rpm inventory against oracles: the rpm fixtures' expected lists (made by rpm), and Debian's real `rpm` reading
 * the CentOS 5-8 BerkeleyDB databases that Debian ships in golang-github-knqyf263-go-rpmdb-dev, also converted to
 * SQLite by rpm itself. Nothing expected is written here by hand.
 */

const run = promisify(execFile);
const SHARED_FIXTURES = resolve(import.meta.dirname, '../../shared/fixtures/rpmdb');
const HAVE_SHARED = existsSync(resolve(import.meta.dirname, '../../shared'));
const CENTOS_DATABASES = [
  'centos5-plain',
  'centos6-devtools',
  'centos6-many',
  'centos6-plain',
  'centos7-devtools',
  'centos7-httpd24',
  'centos7-many',
  'centos7-plain',
  'centos7-python35',
  'centos8-modularitylabel',
];
/** What rpm prints for a tag the header lacks; the fixtures' own lists print an empty field instead. */
const NONE = '(none)';
const QUERY_FORMAT = '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\t%{MODULARITYLABEL}\\n';
/** Each file of each package, as `name-version-release.arch<TAB>path` (`=` repeats the scalar for every file). */
const FILES_FORMAT = '[%{=NAME}-%{=VERSION}-%{=RELEASE}.%{=ARCH}\\t%{FILENAMES}\\n]';

/** A suite name that says why it was skipped when ../shared is absent (a fresh clone without the fixtures). */
function needsShared(name: string): string {
  return HAVE_SHARED ? name : `${name} (skipped: ../shared is absent)`;
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'patchline-rpm-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Builds the files the tree would hand the cataloger: `path` in the image, its content a real file on disk. */
async function foundOnDisk(path: string, file: string): Promise<FoundFile> {
  const { size } = await stat(file);
  return {
    request: path,
    path,
    entry: { type: 'file', size, mode: 0o644, layer: -1 },
    content: FileContent.onDisk(file, size),
  };
}

async function catalogFile(imagePath: string, file: string): Promise<CatalogResult> {
  return rpmCataloger.catalog([await foundOnDisk(imagePath, file)], {});
}

/** The request path the cataloger knows for a database file name. */
function imagePathFor(file: string): string {
  if (file.endsWith('rpmdb.sqlite')) return 'usr/lib/sysimage/rpm/rpmdb.sqlite';
  if (file.endsWith('Packages.db')) return 'usr/lib/sysimage/rpm/Packages.db';
  return 'var/lib/rpm/Packages';
}

/** rpm's notation for a field: `(none)` where rpm has nothing (the fixtures print an empty field there). */
function field(value: string | number | undefined): string {
  return value === undefined || value === '' ? NONE : String(value);
}

function oracleField(value: string): string {
  return value === '' ? NONE : value;
}

/** name, epoch, version, release, arch, sourcerpm, modularitylabel: the columns of expected.tsv and of QUERY_FORMAT. */
function identity(p: Package): string {
  return [p.name, p.epoch, p.version, p.release, p.arch, p.sourceRpm, p.modularityLabel].map(field).join('\t');
}

function parseIdentityLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t').map(oracleField).join('\t'))
    .sort();
}

/** The fields of rpm-qa.csv in its order: epoch, name, version, release, arch, sourcerpm, size, license, vendor, summary, sigmd5. */
function qaLine(p: Package): string {
  return [p.epoch, p.name, p.version, p.release, p.arch, p.sourceRpm, p.size, p.license, p.vendor, p.sigmd5]
    .map(field)
    .join('¶');
}

function parseQaCsv(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const fields = line.split('¶');
      expect(fields).toHaveLength(11);
      fields.splice(9, 1); // the summary: not part of the Package record
      return fields.map(oracleField).join('¶');
    })
    .sort();
}

describe.skipIf(!HAVE_SHARED)(needsShared('rpm fixtures in ../shared equal their oracle lists'), () => {
  // Listed at collection time, so each fixture is its own test.
  const fixtures = HAVE_SHARED ? readdirSync(SHARED_FIXTURES).sort() : [];

  it.each(fixtures)('%s', async (name) => {
    const folder = join(SHARED_FIXTURES, name);
    const files = await readdir(folder);
    const database = files.find((f) => f === 'rpmdb.sqlite' || f === 'Packages.db' || f === 'Packages');
    expect(database, `a database in ${folder}`).toBeDefined();
    const before = [...files].sort();
    const result = await catalogFile(imagePathFor(database!), join(folder, database!));
    expect(result.problems).toEqual([]);
    expect(result.packages.length).toBeGreaterThan(0);
    let oracles = 0;
    if (files.includes('expected.tsv')) {
      oracles++;
      const expected = parseIdentityLines(await readFile(join(folder, 'expected.tsv'), 'utf8'));
      expect(result.packages.map(identity).sort()).toEqual(expected);
    }
    if (files.includes('rpm-qa.csv')) {
      oracles++;
      const expected = parseQaCsv(await readFile(join(folder, 'rpm-qa.csv'), 'utf8'));
      expect(result.packages.map(qaLine).sort()).toEqual(expected);
    }
    expect(oracles).toBeGreaterThan(0);
    // Reading must not leave SQLite's -wal/-shm files (or anything else) beside the database.
    expect((await readdir(folder)).sort()).toEqual(before);
  });
});

describe.skipIf(!HAVE_SHARED)(needsShared('an unpacked SUSE root filesystem'), () => {
  it('reads the NDB database once, through /var/lib/rpm linked to /usr/lib/sysimage/rpm', async () => {
    const root = join(scratch, 'suse-root');
    await mkdir(join(root, 'usr/lib/sysimage/rpm'), { recursive: true });
    await mkdir(join(root, 'var/lib'), { recursive: true });
    await copyFile(join(SHARED_FIXTURES, 'sle15-bci', 'Packages.db'), join(root, 'usr/lib/sysimage/rpm/Packages.db'));
    await symlink('../../usr/lib/sysimage/rpm', join(root, 'var/lib/rpm'));
    const tree = await openFileTree(`dir:${root}`);
    try {
      const read = await tree.read(rpmCataloger.requests);
      const result = await rpmCataloger.catalog(read.files, {});
      expect(
        read.files
          .filter((f) => f.path.endsWith('Packages.db'))
          .map((f) => f.path)
          .sort(),
      ).toEqual(['usr/lib/sysimage/rpm/Packages.db', 'var/lib/rpm/Packages.db']);
      expect(result.databases).toEqual(['usr/lib/sysimage/rpm/Packages.db']);
      expect(result.problems).toEqual([]);
      const expected = parseQaCsv(await readFile(join(SHARED_FIXTURES, 'sle15-bci', 'rpm-qa.csv'), 'utf8'));
      expect(result.packages.map(qaLine).sort()).toEqual(expected);
    } finally {
      await tree.close();
    }
  });
});

/**
 * The go-rpmdb test databases, from Debian's package, downloaded once per machine into a fixed folder under the
 * temporary directory. Parallel test files may race: each unpacks into its own scratch folder and renames it into
 * place, and a rename that loses (the folder exists by then) just uses the winner's.
 */
/** Copies a database into a scratch folder of its own. */
function dbpathFor(source: string, name: string): Promise<string> {
  return dbpathWith(source, join(scratch, name));
}

const rpm = rpmQuery;

/** Lines of `nevra<TAB>path`, sorted, from our records. */
function fileLines(packages: Package[]): string[] {
  return packages
    .flatMap((p) => (p.files ?? []).map((f) => `${p.name}-${p.version}-${p.release}.${field(p.arch)}\t/${f}`))
    .sort();
}

describe('CentOS 5-8 BerkeleyDB databases against Debian rpm', { timeout: 300_000 }, () => {
  let testdata: string;
  beforeAll(async () => {
    await run('rpm', ['--version']).catch((error) => {
      throw new Error(`Debian's rpm is needed as the oracle (scripts/test.sh installs it): ${error}`);
    });
    testdata = await goRpmdbTestdata();
  }, 300_000);

  it.each(CENTOS_DATABASES)('%s: BerkeleyDB, SQLite conversion and file lists equal rpm', async (name) => {
    const bdb = await dbpathFor(join(testdata, name, 'Packages'), `${name}-bdb`);
    const oracle = parseIdentityLines(
      await rpm(['--dbpath', bdb, '--define', '_db_backend bdb_ro', '-qa', '--qf', QUERY_FORMAT]),
    );
    expect(oracle.length).toBeGreaterThan(100);

    const fromBdb = await catalogFile('var/lib/rpm/Packages', join(bdb, 'Packages'));
    expect(fromBdb.problems).toEqual([]);
    expect(fromBdb.packages.map(identity).sort()).toEqual(oracle);

    // Every file of every package, against rpm's FILENAMES.
    const oracleFiles = (await rpm(['--dbpath', bdb, '--define', '_db_backend bdb_ro', '-qa', '--qf', FILES_FORMAT]))
      .split('\n')
      .filter((line) => line !== '')
      .sort();
    expect(fileLines(fromBdb.packages)).toEqual(oracleFiles);

    // rpm itself converts the database to SQLite; reading that gives the same list.
    const sqlite = await dbpathFor(join(testdata, name, 'Packages'), `${name}-sqlite`);
    await run('rpmdb', ['--dbpath', sqlite, '--define', '_db_backend sqlite', '--rebuilddb']);
    const fromSqlite = await catalogFile('usr/lib/sysimage/rpm/rpmdb.sqlite', join(sqlite, 'rpmdb.sqlite'));
    expect(fromSqlite.problems).toEqual([]);
    expect(fromSqlite.packages.map(identity).sort()).toEqual(oracle);
    expect(fileLines(fromSqlite.packages)).toEqual(oracleFiles);
  });
});

describe('a bootc-shaped image', { timeout: 300_000 }, () => {
  it('reads the SQLite database once through its symlinked paths, hardlinked from an ostree object', async () => {
    const testdata = await goRpmdbTestdata();
    const dbpath = await dbpathFor(join(testdata, 'centos8-modularitylabel', 'Packages'), 'bootc-sqlite');
    await run('rpmdb', ['--dbpath', dbpath, '--define', '_db_backend sqlite', '--rebuilddb']);
    const oracle = parseIdentityLines(
      await rpm(['--dbpath', dbpath, '--define', '_db_backend sqlite', '-qa', '--qf', QUERY_FORMAT]),
    );
    const object = 'sysroot/ostree/repo/objects/3f/9c0d2e7a51b4c8e6f0a1d2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6.file';
    const { ref } = await makeLayoutImage(scratch, 'bootc', [
      [
        { name: object, content: await readFile(join(dbpath, 'rpmdb.sqlite')) },
        { name: 'usr/share/rpm/rpmdb.sqlite', type: 'link', target: object },
        { name: 'usr/lib/sysimage/rpm', type: 'symlink', target: '../../share/rpm' },
        { name: 'var/lib/rpm', type: 'symlink', target: '../../usr/share/rpm' },
      ],
      [{ name: 'etc/motd', content: 'a later layer\n' }],
    ]);
    const tree = await openFileTree(ref);
    try {
      const read = await tree.read(rpmCataloger.requests);
      try {
        const paths = read.files.filter((f) => f.path.endsWith('rpmdb.sqlite')).map((f) => f.path);
        expect(paths.sort()).toEqual([
          'usr/lib/sysimage/rpm/rpmdb.sqlite',
          'usr/share/rpm/rpmdb.sqlite',
          'var/lib/rpm/rpmdb.sqlite',
        ]);
        const os = { id: 'centos', family: 'redhat', versionId: '8', source: 'etc/os-release' } as const;
        const result = await rpmCataloger.catalog(read.files, { os });
        expect(result.databases).toEqual(['usr/share/rpm/rpmdb.sqlite']);
        expect(result.problems).toEqual([]);
        expect(result.packages.map(identity).sort()).toEqual(oracle);
        for (const p of result.packages) {
          expect(p.source).toBe('usr/share/rpm/rpmdb.sqlite');
          expect(p.layer?.index).toBe(0);
          const [path, query] = p.purl.split('?');
          expect(decodeURIComponent(path!)).toBe(`pkg:rpm/centos/${p.name}@${p.version}-${p.release}`);
          const qualifiers = Object.fromEntries(new URLSearchParams(query));
          expect(qualifiers).toEqual({
            arch: p.arch,
            distro: 'centos-8',
            ...(p.epoch ? { epoch: String(p.epoch) } : {}),
          });
        }
      } finally {
        await read.dispose();
      }
    } finally {
      await tree.close();
    }
  });
});

/** A copy of a database to damage, named like the original. */
async function damagedCopy(source: string, name: string): Promise<string> {
  const folder = join(scratch, `damaged-${name}`);
  await mkdir(folder, { recursive: true });
  const copy = join(folder, source.split('/').pop()!);
  await copyFile(source, copy);
  return copy;
}

async function patch(file: string, offset: number, bytes: number[]): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.write(Buffer.from(bytes), 0, bytes.length, offset);
  } finally {
    await handle.close();
  }
}

/** Catalogs a damaged database, which must finish (the test's timeout catches a loop) and say where it broke. */
async function catalogDamaged(imagePath: string, file: string): Promise<CatalogResult> {
  const result = await catalogFile(imagePath, file);
  expect(result.databases).toEqual([imagePath]);
  expect(result.problems.length).toBeGreaterThan(0);
  for (const problem of result.problems) expect(problem.path).toBe(imagePath);
  return result;
}

describe('damaged BerkeleyDB databases', { timeout: 300_000 }, () => {
  const PACKAGES = 'var/lib/rpm/Packages';
  let original: string;
  let complete: number;
  let pageSize: number;
  let database: Buffer;
  const pageType = (page: number) => database[page * pageSize + 25];
  const nextPage = (page: number) => database.readUInt32LE(page * pageSize + 16);

  beforeAll(async () => {
    original = join(await goRpmdbTestdata(), 'centos7-plain', 'Packages');
    database = await readFile(original);
    expect(database.readUInt32LE(12)).toBe(0x061561); // written little-endian; the offsets below assume it
    pageSize = database.readUInt32LE(20);
    complete = (await catalogFile(PACKAGES, original)).packages.length;
  }, 300_000);

  /** Pages of a type (13 hash, 7 overflow), optionally only those with a next page. */
  function pages(type: number, linked = false): number[] {
    const found: number[] = [];
    for (let page = 1; page < database.length / pageSize; page++) {
      if (pageType(page) === type && (!linked || nextPage(page) !== 0)) found.push(page);
    }
    return found;
  }

  it('truncated: the packages before the cut, and the page where the file ends', async () => {
    const copy = await damagedCopy(original, 'bdb-truncated');
    const pagesKept = Math.floor(database.length / pageSize / 2);
    await truncate(copy, pagesKept * pageSize);
    const result = await catalogDamaged(PACKAGES, copy);
    expect(result.packages.length).toBeGreaterThan(0);
    expect(result.packages.length).toBeLessThan(complete);
    expect(result.problems[0]!.message).toContain(`page ${pagesKept}: the file ends there`);
  });

  it('a hash page with garbage item offsets: that page is named and skipped', async () => {
    const copy = await damagedCopy(original, 'bdb-garbage-items');
    const page = pages(13).at(-1)!;
    const items = database.readUInt16LE(page * pageSize + 20);
    await patch(copy, page * pageSize + 26, new Array(items * 2).fill(0xff));
    const result = await catalogDamaged(PACKAGES, copy);
    expect(result.packages.length).toBe(complete - items / 2);
    expect(result.problems.every((p) => p.message.startsWith(`page ${page}: `))).toBe(true);
  });

  it('an overflow page of the wrong type: one package lost, the page named', async () => {
    const copy = await damagedCopy(original, 'bdb-overflow-type');
    const page = nextPage(pages(7, true)[0]!);
    await patch(copy, page * pageSize + 25, [0x55]);
    const result = await catalogDamaged(PACKAGES, copy);
    expect(result.packages.length).toBe(complete - 1);
    expect(result.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(new RegExp(`^page ${page}: .*type 85`)),
    ]);
  });

  it('an overflow chain that loops: one package lost, no hang', async () => {
    const copy = await damagedCopy(original, 'bdb-overflow-loop');
    const page = pages(7, true)[0]!;
    const pageBytes = Buffer.alloc(4);
    pageBytes.writeUInt32LE(page);
    await patch(copy, page * pageSize + 16, [...pageBytes]);
    const result = await catalogDamaged(PACKAGES, copy);
    expect(result.packages.length).toBe(complete - 1);
    expect(result.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(new RegExp(`^page ${page}: overflow chain from page \\d+ loops back`)),
    ]);
  });

  it('a bucket chain that loops back on itself: read once, no hang', async () => {
    const copy = await damagedCopy(original, 'bdb-bucket-loop');
    const page = pages(13)[0]!;
    const pageBytes = Buffer.alloc(4);
    pageBytes.writeUInt32LE(page);
    await patch(copy, page * pageSize + 16, [...pageBytes]);
    const result = await catalogDamaged(PACKAGES, copy);
    expect(result.packages.length).toBe(complete);
    expect(result.problems.map((p) => p.message)).toEqual([expect.stringMatching(new RegExp(`^page ${page}: bucket`))]);
  });

  it('not a BerkeleyDB database at all: a problem, not a crash', async () => {
    const copy = await damagedCopy(original, 'bdb-garbage');
    await patch(copy, 0, new Array(4096).fill(0x41));
    const result = await catalogDamaged(PACKAGES, copy);
    expect(result.packages).toEqual([]);
    expect(result.problems[0]!.message).toContain('not a readable BerkeleyDB hash database');
  });
});

describe.skipIf(!HAVE_SHARED)(needsShared('damaged NDB and SQLite databases'), () => {
  const NDB = 'usr/lib/sysimage/rpm/Packages.db';
  const SQLITE = 'usr/lib/sysimage/rpm/rpmdb.sqlite';
  const ndbOriginal = join(SHARED_FIXTURES, 'sle15-bci', 'Packages.db');
  const sqliteOriginal = join(SHARED_FIXTURES, 'amazonlinux2023', 'rpmdb.sqlite');

  /** The package count of a fixture, from its oracle list. */
  async function oracleCount(name: string): Promise<number> {
    return (await readFile(join(SHARED_FIXTURES, name, 'rpm-qa.csv'), 'utf8')).split('\n').filter(Boolean).length;
  }

  /** Slots in use in an NDB file: [slot byte offset, first block, block count]. */
  async function ndbSlots(file: string): Promise<[number, number, number][]> {
    const bytes = await readFile(file);
    const slots: [number, number, number][] = [];
    const slotPages = bytes.readUInt32LE(12);
    for (let at = 32; at < slotPages * 4096; at += 16) {
      if (bytes.readUInt32LE(at + 8) !== 0) slots.push([at, bytes.readUInt32LE(at + 8), bytes.readUInt32LE(at + 12)]);
    }
    return slots;
  }

  it('NDB truncated: the blobs before the cut, the slots whose blobs are gone named', async () => {
    const copy = await damagedCopy(ndbOriginal, 'ndb-truncated');
    const size = (await stat(copy)).size;
    await truncate(copy, Math.floor((size * 0.6) / 16) * 16);
    const result = await catalogDamaged(NDB, copy);
    expect(result.packages.length).toBeGreaterThan(0);
    expect(result.packages.length).toBeLessThan(await oracleCount('sle15-bci'));
    expect(result.problems[0]!.message).toMatch(/^slot \d+ \(package \d+\): blob at block \d+ runs past the end/);
  });

  it('NDB blob with a flipped byte: its checksum fails, one package lost', async () => {
    const copy = await damagedCopy(ndbOriginal, 'ndb-flipped');
    const [, firstBlock, blocks] = (await ndbSlots(copy))[3]!;
    const middle = firstBlock * 16 + Math.floor((blocks * 16) / 2);
    const original = (await readFile(copy))[middle]!;
    await patch(copy, middle, [original ^ 0xff]);
    const result = await catalogDamaged(NDB, copy);
    expect(result.packages.length).toBe((await oracleCount('sle15-bci')) - 1);
    expect(result.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(new RegExp(`blob at block ${firstBlock} fails its Adler-32 checksum$`)),
    ]);
  });

  it('NDB slot without its magic: that slot named, the others read', async () => {
    const copy = await damagedCopy(ndbOriginal, 'ndb-slot');
    const [at] = (await ndbSlots(copy))[0]!;
    await patch(copy, at, [0, 0, 0, 0]);
    const result = await catalogDamaged(NDB, copy);
    expect(result.packages.length).toBe((await oracleCount('sle15-bci')) - 1);
    expect(result.problems.map((p) => p.message)).toEqual([`slot ${at / 16}: no slot magic`]);
  });

  it('SQLite truncated: an error or a partial list naming the file, no hang', async () => {
    const copy = await damagedCopy(sqliteOriginal, 'sqlite-truncated');
    const size = (await stat(copy)).size;
    await truncate(copy, Math.floor(size / 2 / 4096) * 4096);
    const result = await catalogDamaged(SQLITE, copy);
    expect(result.packages.length).toBeLessThan(await oracleCount('amazonlinux2023'));
    expect(result.problems[0]!.message).toMatch(/SQLite/);
  });

  it('SQLite file cut inside its header: not an SQLite database', async () => {
    const copy = await damagedCopy(sqliteOriginal, 'sqlite-stub');
    await truncate(copy, 10);
    const result = await catalogDamaged(SQLITE, copy);
    expect(result.packages).toEqual([]);
    expect(result.problems.map((p) => p.message)).toEqual(['not an SQLite database (no "SQLite format 3" header)']);
  });
});
