// Builds (once, cached under bench/.work/) the benchmark image: a ~1 GB (compressed), 64-layer, bootc-shaped OCI
// layout made of real files from this machine, plus a "half" layout that shares its blobs (for memory vs image size).
//
//   npm run build && npm run bench:make-image [-- --force]
//
// Shape, after a real rpm-ostree chunked image (../shared/fixtures/bootc/manifest1.json, 51 layers, 0.7 GB): a small
// skeleton layer, a few large chunks, a long tail of small ones, a large final chunk; then 12 more small chunks (to
// pass 60 layers) and one small "derived" layer on top, as a `RUN dnf install` in a Containerfile would add. Every
// file is stored once as an ostree object under sysroot/ostree/repo/objects/XX/HASH.file, and its real path is a tar
// hardlink to that object. The newest layer holds the files a scanner asks for first: usr/lib/os-release and
// usr/share/rpm/rpmdb.sqlite (objects + hardlinks), and the symlinks etc/os-release, var/lib/rpm and
// usr/lib/sysimage/rpm; older versions of them sit in the base.
//
// Layers are written as tar files with tar-stream (entry by entry, file contents streamed from disk), then gzipped
// by OciLayoutWriter; the next layer's tar is written while the previous one is compressed. Each layer's size is
// chosen adaptively so that the compressed total lands near BENCH_IMAGE_BYTES (default 1 GiB).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import tar from 'tar-stream';
import { fromDist } from './lib/dist.js';
import { FINAL_CHUNK, fnv1a, NEWEST, WEIGHTS } from './lib/image-shape.js';
import { walkMachineFiles } from './lib/machine-files.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_DIR = dirname(BENCH_DIR);
export const WORK_DIR = process.env.BENCH_WORK_DIR ?? join(BENCH_DIR, '.work');
export const IMAGE_DIR = join(WORK_DIR, 'image');
export const HALF_DIR = join(WORK_DIR, 'image-half');
export const META_PATH = join(WORK_DIR, 'image.json');
export const TAG = 'bench';
const TMP_DIR = join(WORK_DIR, 'tmp');

/** Bumped whenever the image's content or shape changes, so that a cached image is rebuilt. */
const GENERATOR_VERSION = 3;
const TARGET_BYTES = Number(process.env.BENCH_IMAGE_BYTES ?? 1024 ** 3);
/** First guess of uncompressed/compressed for this machine's files; corrected after every layer. */
const INITIAL_RATIO = 2.7;

/** Real content: [folder on this machine, where it goes in the image]. */
const SOURCES: Array<[string, string]> = [
  ['/usr/bin', 'usr/bin'],
  ['/usr/sbin', 'usr/sbin'],
  ['/usr/lib', 'usr/lib'],
  ['/usr/libexec', 'usr/libexec'],
  ['/usr/include', 'usr/include'],
  ['/usr/share', 'usr/share'],
  ['/usr/local', 'usr/local'],
  [join(REPO_DIR, 'node_modules'), 'usr/lib/patchline/node_modules'],
];
/** Image paths the generator writes itself; real files that would land there are left out. */
const SKIPPED = ['usr/share/package-lists'];
const RESERVED = ['etc', 'var', 'sysroot', 'usr/lib/os-release', 'usr/share/rpm', 'usr/lib/sysimage', 'usr/lib64'];
const OBJECTS = 'sysroot/ostree/repo/objects';
const MTIME = new Date(0);
const BUFFER_LIMIT = 4 * 1024 * 1024;

const log = (message: string) => process.stderr.write(`[make-image] ${message}\n`);
const isReserved = (path: string) => [...RESERVED, ...SKIPPED].some((r) => path === r || path.startsWith(`${r}/`));
const tarBytes = (size: number) => 512 + Math.ceil(size / 512) * 512;

/** What goes into a layer: a file (real, or a buffer the generator made), a symlink, a folder or a whiteout. */
type Entry =
  | { kind: 'file'; path: string; size: number; mode: number; round: number; source?: string; buffer?: Buffer }
  | { kind: 'symlink'; path: string; target: string; source?: string; round?: number }
  | { kind: 'dir'; path: string }
  | { kind: 'whiteout'; path: string };
/** A real file or symlink of this machine. */
type SourceItem = Extract<Entry, { kind: 'file' | 'symlink' }>;
type FileEntry = Extract<Entry, { kind: 'file' }>;
type TarHeader = Parameters<tar.Pack['entry']>[0];

export interface ImageLayer {
  index: number;
  digest: string;
  diffId: string;
  size: number;
  uncompressed: number;
  files: number;
}

export interface ImageMeta {
  settings: { version: number; targetBytes: number; layers: number };
  builtAt: string;
  buildSeconds: number;
  reference: string;
  digest: string;
  layers: ImageLayer[];
  compressed: number;
  uncompressed: number;
  ratio: number;
  sourceBytesAvailable: number;
  replicaRounds: number;
  half: { reference: string; layers: number; compressed: number; uncompressed: number };
}

function objectPath(layer: number, round: number, path: string) {
  const hex = createHash('sha256').update(`${layer}:${round}:${path}`).digest('hex');
  return `${OBJECTS}/${hex.slice(0, 2)}/${hex.slice(2)}.file`;
}

/**
 * An endless supply of content in a realistic mix. Files stay with their folder (a folder is a stand-in for a
 * package: rpm-ostree's chunking also groups a package's files), and folders come in a seeded shuffled order, so that
 * every layer holds a mix like the whole system's rather than one huge folder. First a spread sample of the real
 * files, then the rest of them, then (only if the machine has too little) variants with other paths and one byte in
 * 4 KiB changed, so that no two layers share content. A file much bigger than the room left in a layer waits for a
 * layer it fits in, so that layer sizes follow the intended shape.
 */
const sizeOf = (item: SourceItem) => (item.kind === 'file' ? item.size : 0);

class ContentSupply {
  private readonly order: SourceItem[];
  readonly available: number;
  private next = 0;
  round = 0;
  private readonly deferred: SourceItem[] = [];

  constructor(items: SourceItem[], targetUncompressed: number) {
    const total = items.reduce((sum, item) => sum + sizeOf(item), 0);
    const keep = Math.min(1, (targetUncompressed * 1.15) / Math.max(1, total));
    const groups = new Map<string, SourceItem[]>();
    for (const item of items) {
      const folder = dirname(item.path);
      const group = groups.get(folder) ?? [];
      group.push(item);
      groups.set(folder, group);
    }
    const folders = [...groups.keys()].sort((a, b) => fnv1a(`order:${a}`) - fnv1a(`order:${b}`) || (a < b ? -1 : 1));
    const sampled: SourceItem[] = [];
    const rest: SourceItem[] = [];
    for (const folder of folders) {
      for (const item of groups.get(folder) ?? []) {
        ((fnv1a(item.path) % 1000) / 1000 < keep ? sampled : rest).push(item);
      }
    }
    this.order = [...sampled, ...rest];
    this.available = total;
  }

  /** The next item for a layer with `room` bytes left, or undefined when only too-big ones are at hand. */
  take(room: number): SourceItem | undefined {
    const fits = (item: SourceItem) => sizeOf(item) <= Math.max(room * 1.25, 4 * 1024 * 1024);
    const waiting = this.deferred.findIndex(fits);
    if (waiting !== -1) return this.deferred.splice(waiting, 1)[0];
    for (let tries = 0; tries < 1000; tries++) {
      const item = this.pull();
      if (fits(item)) return item;
      this.deferred.push(item);
    }
    return undefined;
  }

  private pull(): SourceItem {
    if (this.next >= this.order.length) {
      this.next = 0;
      this.round++;
    }
    const item = this.order[this.next++]!;
    if (this.round === 0) return { ...item, round: 0 };
    return { ...item, path: `opt/replica-${this.round}/${item.path}`, round: this.round };
  }
}

/** XORs one byte in every 4 KiB: the same kind of data, not the same bytes. */
class Vary extends Transform {
  private offset = 0;
  private readonly key: number;

  constructor(round: number) {
    super();
    this.key = (round * 37 + 1) & 0xff;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error: null, data: Buffer) => void) {
    const out = Buffer.from(chunk);
    for (let at = (4096 - (this.offset % 4096)) % 4096; at < out.length; at += 4096) out[at]! ^= this.key;
    this.offset += chunk.length;
    callback(null, out);
  }
}

/** Exactly `size` bytes: a file that shrank or grew since it was listed still makes a valid tar entry. */
class ExactSize extends Transform {
  private left: number;

  constructor(size: number) {
    super();
    this.left = size;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error: null, data: Buffer) => void) {
    const part = chunk.length > this.left ? chunk.subarray(0, this.left) : chunk;
    this.left -= part.length;
    callback(null, part);
  }
  override _flush(callback: () => void) {
    if (this.left > 0) this.push(Buffer.alloc(this.left));
    callback();
  }
}

function addEntry(pack: tar.Pack, header: TarHeader, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if (body === undefined) pack.entry(header, done).end(undefined);
    else pack.entry(header, body, done);
  });
}

async function addFile(pack: tar.Pack, header: TarHeader, item: FileEntry): Promise<void> {
  if (item.buffer) {
    await addEntry(pack, { ...header, size: item.buffer.length }, item.buffer);
    return;
  }
  if (item.size <= BUFFER_LIMIT) {
    let data = await readFile(item.source!).catch(() => Buffer.alloc(0));
    if (item.round > 0) data = varyBuffer(data, item.round);
    await addEntry(pack, { ...header, size: data.length }, data);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry({ ...header, size: item.size }, (error) => (error ? reject(error) : resolve()));
    const source = createReadStream(item.source!);
    source.on('error', (error) => reject(new Error(`reading ${item.source}: ${error.message}`)));
    (item.round > 0 ? source.pipe(new Vary(item.round)) : source).pipe(new ExactSize(item.size)).pipe(sink);
  });
}

function varyBuffer(data: Buffer, round: number) {
  const out = Buffer.from(data);
  const key = (round * 37 + 1) & 0xff;
  for (let at = 0; at < out.length; at += 4096) out[at]! ^= key;
  return out;
}

function ancestors(path: string) {
  const parts = path.split('/');
  const result: string[] = [];
  for (let i = 1; i < parts.length; i++) result.push(parts.slice(0, i).join('/'));
  return result;
}

/**
 * Writes one layer's tar: folders first, then for every file its ostree object followed by the real path as a
 * hardlink to it, symlinks and whiteouts as they come.
 */
async function writeLayerTar(tarPath: string, layer: number, entries: Entry[]): Promise<number> {
  const dirs = new Set<string>();
  for (const entry of entries) {
    for (const dir of ancestors(entry.path)) dirs.add(dir);
    if (entry.kind === 'file') for (const dir of ancestors(objectPath(layer, entry.round, entry.path))) dirs.add(dir);
    if (entry.kind === 'dir') dirs.add(entry.path);
  }
  const pack = tar.pack();
  const out = createWriteStream(tarPath);
  const written = pipeline(pack, out);
  for (const dir of [...dirs].sort()) {
    await addEntry(pack, { name: `${dir}/`, type: 'directory', mode: 0o755, mtime: MTIME });
  }
  for (const entry of entries) {
    if (entry.kind === 'dir') continue;
    if (entry.kind === 'symlink') {
      await addEntry(pack, { name: entry.path, type: 'symlink', linkname: entry.target, mode: 0o777, mtime: MTIME });
    } else if (entry.kind === 'whiteout') {
      const base = entry.path.slice(entry.path.lastIndexOf('/') + 1);
      const name = `${dirname(entry.path)}/.wh.${base}`;
      await addEntry(pack, { name, type: 'file', mode: 0o644, mtime: MTIME }, Buffer.alloc(0));
    } else {
      const object = objectPath(layer, entry.round, entry.path);
      await addFile(pack, { name: object, type: 'file', mode: entry.mode, mtime: MTIME }, entry);
      await addEntry(pack, { name: entry.path, type: 'link', linkname: object, mode: entry.mode, mtime: MTIME });
    }
  }
  pack.finalize();
  await written;
  return (await stat(tarPath)).size;
}

function osRelease(version: string) {
  return [
    'NAME="Patchline Bench Linux"',
    `VERSION="${version} (bootc)"`,
    'ID=patchline-bench',
    'ID_LIKE="fedora"',
    `VERSION_ID=${version}`,
    `PRETTY_NAME="Patchline Bench Linux ${version} (bootc)"`,
    'ANSI_COLOR="0;38;2;60;110;180"',
    'CPE_NAME="cpe:/o:patchline:bench:41"',
    'HOME_URL="https://example.invalid/"',
    'VARIANT="bootc"',
    'VARIANT_ID=bootc',
    "OSTREE_VERSION='41.20261122.0'",
    '',
  ].join('\n');
}

/**
 * An rpmdb.sqlite with rpm's own table layout (Packages holding header blobs, plus the index tables), filled with
 * blobs cut from real files on this machine; plain bytes with an SQLite header if Python's sqlite3 is missing.
 */
function makeRpmdb(path: string, packages: number, seed: number): 'fallback' | undefined {
  const script = `
import os, sqlite3, sys
path, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
db = sqlite3.connect(path)
c = db.cursor()
c.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
for t in ["Name", "Basenames", "Group", "Requirename", "Providename", "Conflictname", "Obsoletename", "Triggername",
          "Dirnames", "Installtid", "Sigmd5", "Sha1header", "Filetriggername", "Transfiletriggername",
          "Recommendname", "Suggestname", "Supplementname", "Enhancename", "Sha256header"]:
    c.execute(f'CREATE TABLE "{t}" (key TEXT NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES Packages(hnum))')
    c.execute(f'CREATE INDEX "{t}_key_idx" ON "{t}"(key ASC)')
files = []
for root in ["/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/share/doc"]:
    for dirpath, _, names in os.walk(root):
        for name in sorted(names):
            p = os.path.join(dirpath, name)
            if os.path.isfile(p) and not os.path.islink(p):
                files.append(p)
files.sort()
for i in range(n):
    p = files[(i * 7919 + seed) % len(files)]
    with open(p, "rb") as f:
        blob = f.read(2048 + (i * 131 + seed) % 12288)
    c.execute("INSERT INTO Packages(blob) VALUES (?)", (blob,))
    h = c.lastrowid
    name = os.path.basename(p).split(".")[0] or "pkg"
    c.execute('INSERT INTO "Name" VALUES (?, ?, 0)', (name, h))
    for j in range(8):
        c.execute('INSERT INTO "Basenames" VALUES (?, ?, ?)', (f"{name}-{j}", h, j))
    c.execute('INSERT INTO "Providename" VALUES (?, ?, 0)', (name + "(x86-64)", h))
    c.execute('INSERT INTO "Sha256header" VALUES (?, ?, 0)', (f"{h:064x}", h))
db.commit()
db.close()
`;
  const result = spawnSync('/usr/bin/python3', ['-c', script, path, String(packages), String(seed)], { stdio: 'pipe' });
  if (result.status === 0) return;
  log(
    `python3 sqlite3 unavailable (${result.stderr?.toString().trim() || result.error?.message}); rpmdb is plain bytes`,
  );
  return 'fallback';
}

async function rpmdbBuffer(name: string, packages: number, seed: number): Promise<Buffer> {
  const path = join(TMP_DIR, name);
  await rm(path, { force: true });
  if (makeRpmdb(path, packages, seed) === 'fallback') {
    const filler: Buffer[] = [];
    let size = 0;
    for (const entry of await readdir('/usr/bin')) {
      try {
        const data = await readFile(join('/usr/bin', entry));
        filler.push(data.subarray(0, 16384));
        size += Math.min(data.length, 16384);
      } catch {}
      if (size > packages * 5000) break;
    }
    return Buffer.concat([Buffer.from('SQLite format 3\0'), ...filler]);
  }
  const data = await readFile(path);
  await rm(path, { force: true });
  return data;
}

const ETC_FILES = {
  'etc/hostname': 'bench\n',
  'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nbin:x:1:1:bin:/bin:/sbin/nologin\n',
  'etc/group': 'root:x:0:\nbin:x:1:\nwheel:x:10:\n',
  'etc/fstab': '# /etc/fstab is created by bootc at install time\n',
  'etc/containers/policy.json': '{"default":[{"type":"insecureAcceptAnything"}]}\n',
  'etc/ostree/remotes.d/.keep': '',
  'etc/dnf/dnf.conf': '[main]\ngpgcheck=True\ninstallonly_limit=3\nclean_requirements_on_remove=True\n',
  'etc/yum.repos.d/bench.repo': '[bench]\nname=bench\nbaseurl=file:///srv/repo\nenabled=1\n',
  'etc/sysctl.d/99-bench.conf': 'kernel.panic = 10\n',
  'etc/motd': 'Patchline benchmark image\n',
};

/** What the generator itself adds to a layer (skeleton, bootc files); the rest of the layer is real files. */
async function fixedEntries(layer: number): Promise<Entry[]> {
  const symlinks: Array<[string, string]> = [
    ['etc/os-release', '../usr/lib/os-release'],
    ['var/lib/rpm', '../../usr/share/rpm'],
    ['usr/lib/sysimage/rpm', '../../share/rpm'],
  ];
  const file = (path: string, buffer: Buffer, mode = 0o644): Entry => ({
    kind: 'file',
    path,
    buffer,
    size: buffer.length,
    mode,
    round: 0,
  });
  if (layer === 0) {
    const skeleton = ['bin', 'lib', 'lib64', 'sbin'].map(
      (name): Entry => ({
        kind: 'symlink',
        path: name,
        target: `usr/${name === 'lib64' ? 'lib' : name}`,
      }),
    );
    const dirs = ['boot', 'dev', 'proc', 'run', 'sys', 'tmp', 'var/home', 'var/opt', 'var/tmp', 'usr/share/rpm'];
    return [
      ...dirs.map((path): Entry => ({ kind: 'dir', path })),
      ...skeleton,
      { kind: 'symlink', path: 'ostree', target: 'sysroot/ostree' },
      { kind: 'symlink', path: 'home', target: 'var/home' },
      ...symlinks.map(([path, target]): Entry => ({ kind: 'symlink', path, target })),
    ];
  }
  if (layer === FINAL_CHUNK) {
    return [
      file('usr/lib/os-release', Buffer.from(osRelease('41.20261101.0'))),
      file('usr/share/rpm/rpmdb.sqlite', await rpmdbBuffer('rpmdb-base.sqlite', 1100, 1)),
    ];
  }
  if (layer === NEWEST) {
    return [
      ...Object.entries(ETC_FILES).map(([path, text]) => file(path, Buffer.from(text))),
      file('usr/lib/os-release', Buffer.from(osRelease('41.20261122.0'))),
      file('usr/share/rpm/rpmdb.sqlite', await rpmdbBuffer('rpmdb-new.sqlite', 1200, 2)),
      ...symlinks.map(([path, target]): Entry => ({ kind: 'symlink', path, target })),
    ];
  }
  return [];
}

function entryBytes(entry: Entry) {
  if (entry.kind === 'file') return tarBytes(entry.size) + 512;
  return 512;
}

/** Builds the image unless an up-to-date one is cached; returns its metadata. */
export async function buildImage({ force = false } = {}): Promise<ImageMeta> {
  const settings = { version: GENERATOR_VERSION, targetBytes: TARGET_BYTES, layers: WEIGHTS.length };
  if (!force) {
    try {
      const meta = JSON.parse(await readFile(META_PATH, 'utf8')) as ImageMeta;
      if (JSON.stringify(meta.settings) === JSON.stringify(settings)) {
        await stat(join(IMAGE_DIR, 'index.json'));
        await stat(join(HALF_DIR, 'index.json'));
        return meta;
      }
    } catch {}
  }
  const { OciLayoutWriter } = await fromDist<typeof import('../src/oci/layout-writer.js')>('oci/layout-writer.js');
  const started = Date.now();
  await rm(META_PATH, { force: true });
  await rm(IMAGE_DIR, { recursive: true, force: true });
  await rm(HALF_DIR, { recursive: true, force: true });
  await rm(TMP_DIR, { recursive: true, force: true });
  await mkdir(TMP_DIR, { recursive: true });

  log(`listing real files under ${SOURCES.map(([dir]) => dir).join(', ')}`);
  const items: SourceItem[] = (await walkMachineFiles(SOURCES, { skip: isReserved })).map((item) =>
    item.kind === 'file' ? { ...item, round: 0 } : item,
  );
  const supply = new ContentSupply(items, TARGET_BYTES * INITIAL_RATIO);
  log(`${items.length} files and symlinks, ${(supply.available / 1e9).toFixed(2)} GB available`);

  const writer = new OciLayoutWriter(IMAGE_DIR);
  const layers: ImageLayer[] = [];
  const totalWeight = WEIGHTS.reduce((a, b) => a + b, 0);
  let compressedDone = 0;
  let uncompressedDone = 0;
  let pendingUncompressed = 0;
  let pending: Promise<void> | undefined;
  const whiteoutCandidates: string[] = [];

  for (let layer = 0; layer < WEIGHTS.length; layer++) {
    // Aim this layer so the remaining layers, in their proportions, fill what is left of the compressed target.
    // The ratio seen so far, once it rests on enough bytes, and within reason: small layers can be outliers.
    const seen = compressedDone >= 32 * 1024 * 1024 ? uncompressedDone / compressedDone : INITIAL_RATIO;
    const ratio = Math.min(3.5, Math.max(2, seen));
    const remainingWeight = WEIGHTS.slice(layer).reduce((a, b) => a + b, 0);
    const remaining = TARGET_BYTES - compressedDone - pendingUncompressed / ratio;
    const weight = WEIGHTS[layer]!;
    const share = Math.max(0.2 * (weight / totalWeight) * TARGET_BYTES, (remaining * weight) / remainingWeight);
    const target = share * ratio;

    const entries = await fixedEntries(layer);
    let size = entries.reduce((sum, entry) => sum + entryBytes(entry), 0);
    while (size < target) {
      const item = supply.take(target - size);
      if (!item) break;
      entries.push(item);
      size += entryBytes(item);
      if (
        layer >= 10 &&
        layer < FINAL_CHUNK &&
        item.kind === 'file' &&
        whiteoutCandidates.length < 5 &&
        fnv1a(item.path) % 13 === 0
      ) {
        whiteoutCandidates.push(item.path);
      }
    }
    if (layer === NEWEST) for (const path of whiteoutCandidates) entries.push({ kind: 'whiteout', path });

    const tarPath = join(TMP_DIR, `layer-${layer}.tar`);
    const uncompressed = await writeLayerTar(tarPath, layer, entries);
    const files = entries.filter((e) => e.kind === 'file').length;
    if (pending) await pending;
    pendingUncompressed = uncompressed;
    pending = writer.addLayer(tarPath, 'gzip').then(async (descriptor) => {
      await unlink(tarPath);
      layers.push({
        index: layer,
        digest: descriptor.digest,
        diffId: descriptor.diffId,
        size: descriptor.size,
        uncompressed,
        files,
      });
      compressedDone += descriptor.size;
      uncompressedDone += uncompressed;
      pendingUncompressed = 0;
      log(
        `layer ${layer}/${WEIGHTS.length - 1}: ${files} files, ${(uncompressed / 1e6).toFixed(1)} MB tar, ` +
          `${(descriptor.size / 1e6).toFixed(1)} MB gzip (total ${(compressedDone / 1e6).toFixed(0)} MB)`,
      );
    });
  }
  await pending;
  const labels = {
    'containers.bootc': '1',
    'ostree.bootable': 'true',
    'org.opencontainers.image.title': 'patchline-bench',
  };
  const manifest = await writer.finish({ tag: TAG, labels, created: '2026-11-22T00:00:00Z' });

  const half = await writeHalfImage(layers, labels);
  await rm(TMP_DIR, { recursive: true, force: true });

  const meta: ImageMeta = {
    settings,
    builtAt: new Date().toISOString(),
    buildSeconds: Math.round((Date.now() - started) / 1000),
    reference: `oci:${relative(REPO_DIR, IMAGE_DIR)}:${TAG}`,
    digest: manifest.digest,
    layers,
    compressed: compressedDone,
    uncompressed: uncompressedDone,
    ratio: uncompressedDone / compressedDone,
    sourceBytesAvailable: supply.available,
    replicaRounds: supply.round,
    half,
  };
  await writeFile(META_PATH, `${JSON.stringify(meta, null, 2)}\n`);
  log(
    `done in ${meta.buildSeconds} s: ${layers.length} layers, ${(meta.compressed / 1e9).toFixed(2)} GB compressed, ` +
      `${(meta.uncompressed / 1e9).toFixed(2)} GB uncompressed (ratio ${meta.ratio.toFixed(2)})`,
  );
  return meta;
}

/**
 * The lower half of the base plus the newest layer, as its own OCI layout whose blobs are hardlinks to the full
 * image's: the same kind of layers, about half the bytes, no extra disk.
 */
async function writeHalfImage(layers: ImageLayer[], labels: Record<string, string>): Promise<ImageMeta['half']> {
  const total = layers.reduce((sum, l) => sum + l.size, 0);
  const newest = layers.at(-1)!;
  const chosen: ImageLayer[] = [];
  let size = 0;
  for (const layer of layers.slice(0, -1)) {
    if (size >= total / 2 - newest.size) break;
    chosen.push(layer);
    size += layer.size;
  }
  chosen.push(newest);
  const blobs = join(HALF_DIR, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  for (const layer of chosen) {
    const hex = layer.digest.slice('sha256:'.length);
    await link(join(IMAGE_DIR, 'blobs', 'sha256', hex), join(blobs, hex));
  }
  const put = async (object: unknown) => {
    const bytes = Buffer.from(JSON.stringify(object));
    const hex = createHash('sha256').update(bytes).digest('hex');
    await writeFile(join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };
  const config = await put({
    created: '2026-11-22T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: { Labels: labels },
    rootfs: { type: 'layers', diff_ids: chosen.map((l) => l.diffId) },
    history: chosen.map(() => ({ created: '2026-11-22T00:00:00Z', created_by: 'patchline bench' })),
  });
  const manifest = await put({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: chosen.map((l) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: l.digest,
      size: l.size,
    })),
  });
  const descriptor = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    ...manifest,
    annotations: { 'org.opencontainers.image.ref.name': TAG },
  };
  await writeFile(join(HALF_DIR, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(HALF_DIR, 'index.json'),
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [descriptor] }),
  );
  return {
    reference: `oci:${relative(REPO_DIR, HALF_DIR)}:${TAG}`,
    layers: chosen.length,
    compressed: chosen.reduce((sum, l) => sum + l.size, 0),
    uncompressed: chosen.reduce((sum, l) => sum + l.uncompressed, 0),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildImage({ force: process.argv.includes('--force') })
    .then((meta) => {
      process.stdout.write(
        `${meta.reference}: ${meta.layers.length} layers, ${(meta.compressed / 1e9).toFixed(2)} GB\n`,
      );
    })
    .catch((error) => {
      process.stderr.write(`make-image: ${error.stack ?? error}\n`);
      process.exitCode = 1;
    });
}
