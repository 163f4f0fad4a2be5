// `npm run bench:scan`: issue 4's benchmark, each case next to a floor or a peer measured in the same run.
//
//   npm run bench:scan [-- --reps N] [--match-runs N] [--no-build] [--profile] [--no-wait] [--no-trivy]
//
// 1. Import: `patchline db import` of the complete AlmaLinux OSV database (../shared/fixtures, 5,680 records) into a
//    fresh database file. Floor: what no importer can skip, in two Node processes: reading the tarball (gunzip,
//    tar-stream) and JSON.parse of every record; and better-sqlite3 inserting exactly the rows our import wrote
//    (taken from the database it made, in memory before the clock starts) into a fresh file with the same schema,
//    indexes and journal mode, in one transaction. Target: under 5 s.
// 2. Matching: the library's matchInventory on 500 real packages (the CentOS 8.2 rpmdb centos8-modularitylabel from
//    Debian's golang-github-knqyf263-go-rpmdb-dev, in an AlmaLinux 8 root, as test/scan-almalinux.test.ts has it)
//    against that database, warm (open, statements prepared, a few runs first): CPU time of each run, p50/p99.
//    Beside it the database's lookup alone (SQLite and JSON.parse), and the 914 packages of the image below.
//    Target: under 100 ms.
// 3. Scan vs SBOM: `patchline scan` and `patchline sbom` of the same bootc-sized image. The image is bench/sbom.ts's
//    bootc layout (64 layers, 914 real CentOS 7/8 headers) with one small layer on top that makes it AlmaLinux 8
//    (usr/lib/os-release), as a `FROM` + `COPY` would: the image as built says CentOS Linux 8, which the scan reads
//    against Red Hat 8's VEX data, and the fixtures hold no complete Red Hat 8 data, so the findings would be few and
//    the comparison meaningless. Target: scan under 2× sbom. Trivy (`trivy image --input`, when its binary is in the
//    OS temp folder where the tests and bench:sbom cache it) is shown beside them, for information only: no Trivy
//    vulnerability database can be fetched here, so unless a real one is found it runs on an empty one.
//
// Rounds: every case once per round, the scan/sbom/Trivy order rotated each round; medians and min–max over rounds.
// Wall time is measured around the process, CPU (user + system) and peak RSS by GNU time. Results go to
// bench/results/scan.md and scan.json; --profile also writes import.cpuprofile and scan.cpuprofile there.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { copyFile, link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createGunzip, gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import tar from 'tar-stream';
import { goRpmdbTestdata } from '../test/helpers/rpmdb.js';
import { trivyCache as offlineTrivyCache, TRIVY_BINARY as TRIVY } from '../test/helpers/trivy.js';
import { benchArgs } from './lib/args.js';
import { CLI as BIN, fromDist, ROOT as REPO_DIR } from './lib/dist.js';
import { timed as measured, type TimedRun } from './lib/gnu-time.js';
import { load1, machine } from './lib/machine.js';
import { blobFile, type LayoutManifest } from './lib/oci-layout.js';
import { waitForOtherBenches } from './lib/other-benches.js';
import {
  buildDist,
  cleanUpOnExit,
  cleanupSync,
  dropTemp,
  ensureTime as ensureGnuTime,
  selfCommand,
  spawnRun,
  tempDir,
} from './lib/processes.js';
import { type ProfileSummary, profileNode } from './lib/profile.js';
import { writeResults } from './lib/results.js';
import { median, percentile } from './lib/stats.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const WORK_DIR = process.env.BENCH_SCAN_WORK_DIR ?? join(BENCH_DIR, '.work', 'scan');
const SBOM_WORK_DIR = process.env.BENCH_SBOM_WORK_DIR ?? join(BENCH_DIR, '.work', 'sbom');
const BOOTC_DIR = join(SBOM_WORK_DIR, 'bootc');
const IMAGE_DIR = join(WORK_DIR, 'alma8-bootc');
const IMAGE_META = join(WORK_DIR, 'image.json');
const MATCH_ROOT = join(WORK_DIR, 'centos8-as-alma8');
const DB_PATH = join(WORK_DIR, 'advisories.db');
const SHARED = join(REPO_DIR, '..', 'shared');
const TARBALL = join(SHARED, 'fixtures/vuln/osv-almalinux/almalinux-osv-database.tar.gz');
const TAG = 'bench';

const args = benchArgs();
const REPS = Math.max(1, args.number('reps', Number(process.env.BENCH_REPS ?? 5)));
/** Timed matchInventory runs per inventory and round, after WARM_RUNS untimed ones. */
const MATCH_RUNS = Math.max(1, args.number('match-runs', 60));
const WARM_RUNS = 10;

/** AlmaLinux 8.10's os-release, as test/scan-almalinux.test.ts writes it. */
const ALMALINUX_8_OS_RELEASE = `NAME="AlmaLinux"
VERSION="8.10 (Cerulean Leopard)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="8.10"
PLATFORM_ID="platform:el8"
PRETTY_NAME="AlmaLinux 8.10 (Cerulean Leopard)"
ANSI_COLOR="0;34"
CPE_NAME="cpe:/o:almalinux:almalinux:8::baseos"
HOME_URL="https://almalinux.org/"
BUG_REPORT_URL="https://bugs.almalinux.org/"
`;

const log = (message: string) => process.stderr.write(`[bench:scan] ${message}\n`);
const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------------------------
// Clean-up: children and temp folders are released on exit, error or signal.

// ---------------------------------------------------------------------------------------------------------------
// Inputs: the sbom bench's bootc image made AlmaLinux 8, the real CentOS 8.2 rpmdb, the database.

/** bench/sbom.ts's bootc layout; built by running that bench once (one round) when it is not there. */
async function ensureSbomImage() {
  if (existsSync(join(BOOTC_DIR, 'index.json')) && existsSync(join(SBOM_WORK_DIR, 'images.json'))) return;
  log(`${BOOTC_DIR} is missing: building it with bench/sbom.ts (one round; about 3 minutes)`);
  const [command, commandArgs] = selfCommand(join(BENCH_DIR, 'sbom.ts'), [
    '--reps',
    '1',
    '--no-warm',
    '--no-wait',
    '--no-build',
  ]);
  const built = await spawnRun(command, commandArgs);
  if (built.code !== 0 || !existsSync(join(BOOTC_DIR, 'index.json'))) {
    throw new Error(`bench/sbom.ts could not build the image: ${built.stderr.slice(-2000)}`);
  }
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The first manifest of an OCI layout's index, with its descriptor there. */
async function manifestOf(dir: string) {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string; mediaType: string }>;
  };
  const descriptor = index.manifests[0];
  if (descriptor === undefined) throw new Error(`${dir}/index.json lists no manifest`);
  const manifest = JSON.parse(await readFile(blobFile(dir, descriptor.digest), 'utf8')) as LayoutManifest;
  return { descriptor, manifest };
}

/** One gzip layer holding usr/lib/os-release (with its parent folders). */
async function osReleaseLayer() {
  const pack = tar.pack();
  const mtime = new Date('2026-11-01T00:00:00Z');
  const chunks: Buffer[] = [];
  pack.on('data', (chunk) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  pack.entry({ name: 'usr/', type: 'directory', mode: 0o755, mtime });
  pack.entry({ name: 'usr/lib/', type: 'directory', mode: 0o755, mtime });
  pack.entry({ name: 'usr/lib/os-release', mode: 0o644, mtime }, ALMALINUX_8_OS_RELEASE);
  pack.finalize();
  await ended;
  const tarBytes = Buffer.concat(chunks);
  return { tar: tarBytes, gzip: gzipSync(tarBytes, { level: 6 }) };
}

/**
 * The bootc bench image plus one layer on top with AlmaLinux 8's os-release. The 64 layers are hardlinks to the
 * sbom bench's blobs (copies across file systems); rebuilt when that image's manifest changes.
 */
interface AlmaImageMeta {
  baseManifest: string;
  manifest: string;
  layers: number;
  compressed: number;
}

async function ensureAlmaImage(): Promise<AlmaImageMeta> {
  const base = await manifestOf(BOOTC_DIR);
  try {
    const meta = JSON.parse(await readFile(IMAGE_META, 'utf8')) as AlmaImageMeta;
    if (meta.baseManifest === base.descriptor.digest && existsSync(join(IMAGE_DIR, 'index.json'))) return meta;
  } catch {}
  log('writing the AlmaLinux 8 variant of the bootc bench image');
  const staging = `${IMAGE_DIR}.incoming-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(join(staging, 'blobs', 'sha256'), { recursive: true });
  for (const layer of base.manifest.layers) {
    const from = blobFile(BOOTC_DIR, layer.digest);
    await link(from, blobFile(staging, layer.digest)).catch(() => copyFile(from, blobFile(staging, layer.digest)));
  }
  const layer = await osReleaseLayer();
  const layerDigest = sha256(layer.gzip);
  await writeFile(blobFile(staging, layerDigest), layer.gzip);
  const config = JSON.parse(await readFile(blobFile(BOOTC_DIR, base.manifest.config.digest), 'utf8'));
  config.rootfs.diff_ids.push(sha256(layer.tar));
  config.history = [...(config.history ?? []), { created: '2026-11-22T00:00:00Z', created_by: 'COPY os-release' }];
  config.config = {
    ...config.config,
    Labels: { ...config.config?.Labels, 'org.opencontainers.image.title': 'scan-bench-alma8' },
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  await writeFile(blobFile(staging, sha256(configBytes)), configBytes);
  const manifest = {
    ...base.manifest,
    config: { ...base.manifest.config, digest: sha256(configBytes), size: configBytes.length },
    layers: [
      ...base.manifest.layers,
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.gzip.length },
    ],
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  await writeFile(blobFile(staging, sha256(manifestBytes)), manifestBytes);
  const descriptor = {
    mediaType: base.descriptor.mediaType,
    digest: sha256(manifestBytes),
    size: manifestBytes.length,
    annotations: { 'org.opencontainers.image.ref.name': TAG },
  };
  await writeFile(join(staging, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(staging, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [descriptor] }));
  await rm(IMAGE_DIR, { recursive: true, force: true });
  await rename(staging, IMAGE_DIR);
  const meta = {
    baseManifest: base.descriptor.digest,
    manifest: descriptor.digest,
    layers: manifest.layers.length,
    compressed: manifest.layers.reduce((sum, l) => sum + l.size, 0),
  };
  await writeFile(IMAGE_META, `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

/** The real CentOS 8.2 rpmdb, from go-rpmdb's test data as the tests fetch it. */
async function centos8Packages(): Promise<string> {
  return join(await goRpmdbTestdata(), 'centos8-modularitylabel', 'Packages');
}

/** A root with the CentOS 8.2 rpmdb and AlmaLinux 8's os-release, read with `dir:`. */
async function ensureMatchRoot() {
  const packages = await centos8Packages();
  await mkdir(join(MATCH_ROOT, 'var/lib/rpm'), { recursive: true });
  await mkdir(join(MATCH_ROOT, 'etc'), { recursive: true });
  await copyFile(packages, join(MATCH_ROOT, 'var/lib/rpm/Packages'));
  await writeFile(join(MATCH_ROOT, 'etc/os-release'), ALMALINUX_8_OS_RELEASE);
}

// ---------------------------------------------------------------------------------------------------------------
// Child modes: the in-process parts run in their own Node process, so the bench's own heap stays out of them.

/** Floor, part 1: gunzip + tar-stream of the tarball and JSON.parse of every record in it. */
async function childParse(tarball: string) {
  const extract = tar.extract();
  let records = 0;
  let bytes = 0;
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk) => chunks.push(chunk as Buffer));
    stream.on('end', () => {
      if (header.type === 'file' && header.name.endsWith('.json')) {
        const text = Buffer.concat(chunks).toString('utf8');
        bytes += text.length;
        JSON.parse(text);
        records++;
      }
      next();
    });
    stream.resume();
  });
  await pipeline(createReadStream(tarball), createGunzip(), extract);
  return { records, bytes };
}

/**
 * Floor, part 2: the rows our import wrote, read from its database into memory first, then inserted into a fresh file
 * with the same schema (its CREATE statements, indexes included) and journal mode, in one transaction, as one import
 * writes them. Only the insert is timed.
 */
function childInsert(source: string, target: string) {
  const from = new Database(source, { readonly: true, fileMustExist: true });
  const schema = from
    .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
    .all()
    .map((row) => (row as { sql: string }).sql);
  const tables = from
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
    .all()
    .map((row) => (row as { name: string }).name);
  const data = tables.map((table) => {
    const rows = from.prepare(`SELECT * FROM "${table}"`).raw().all();
    const columns = from.prepare(`SELECT * FROM "${table}" LIMIT 0`).columns().length;
    return { table, rows, columns };
  });
  const applicationId = from.pragma('application_id', { simple: true });
  from.close();
  const rows = Object.fromEntries(data.map((d) => [d.table, d.rows.length]));
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const db = new Database(target);
  db.pragma('journal_mode = WAL');
  db.pragma(`application_id = ${applicationId}`);
  db.transaction(() => {
    for (const sql of schema) db.exec(sql);
    for (const { table, rows, columns } of data) {
      const insert = db.prepare(`INSERT INTO "${table}" VALUES (${Array(columns).fill('?').join(', ')})`);
      for (const row of rows) insert.run(row);
    }
  })();
  db.close();
  const cpu = process.cpuUsage(cpuStart);
  return {
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rows,
  };
}

/** Matching, warm: per run CPU and wall milliseconds of matchInventory and of the database lookup alone. */
interface Sample {
  cpuMs: number;
  wallMs: number;
}
/** What one child saw of an inventory's matching. */
interface MatchFacts {
  packages: number;
  distinctNames: number;
  os: string;
  ecosystem: string;
  names: number;
  entries: number;
  findings: number;
  byStatus: Record<string, number>;
  packagesWithFindings: number;
  match: Sample[];
  lookup: Sample[];
}
type InventoryKey = '500' | 'image';

async function childMatch(
  dbPath: string,
  root: string,
  image: string,
  runs: number,
  only: string | undefined,
): Promise<Partial<Record<InventoryKey, MatchFacts>>> {
  const { AdvisoryDatabase } = await fromDist<typeof import('../src/advisories/index.js')>('advisories/index.js');
  const { matchInventory, ecosystemFor } = await fromDist<typeof import('../src/scan/index.js')>('scan/index.js');
  const { readInventory } = await fromDist<typeof import('../src/inventory/index.js')>('inventory/index.js');
  const { openFileTree } = await fromDist<typeof import('../src/rootfs/index.js')>('rootfs/index.js');
  const inventoryOf = async (reference: string) => {
    const tree = await openFileTree(reference, {});
    try {
      return await readInventory(tree);
    } finally {
      await tree.close();
    }
  };
  // Read one at a time, each just before its runs: the image's read leaves garbage the 500-package runs should not
  // pay for.
  const inventories: Record<InventoryKey, () => ReturnType<typeof inventoryOf>> = {
    500: async () => {
      const centos = await inventoryOf(`dir:${root}`);
      return { ...centos, packages: centos.packages.slice(0, 500) };
    },
    image: () => inventoryOf(`oci:${image}:${TAG}`),
  };
  const db = AdvisoryDatabase.open(dbPath, { readonly: true });
  const out: Partial<Record<InventoryKey, MatchFacts>> = {};
  const now = '2026-11-22T00:00:00Z';
  for (const [key, read] of (
    Object.entries(inventories) as Array<[InventoryKey, () => ReturnType<typeof inventoryOf>]>
  ).filter(([key]) => only === undefined || key === only)) {
    const inventory = await read();
    const { ecosystem } = ecosystemFor(inventory.os);
    if (ecosystem === undefined)
      throw new Error(`no advisory ecosystem for ${inventory.os?.id} ${inventory.os?.versionId}`);
    const names = [...new Set(inventory.packages.flatMap((p) => [p.name, ...(p.sourceName ? [p.sourceName] : [])]))];
    const timed = <T>(fn: () => T) => {
      const cpuStart = process.cpuUsage();
      const started = process.hrtime.bigint();
      const value = fn();
      const wall = Number(process.hrtime.bigint() - started) / 1e6;
      const cpu = process.cpuUsage(cpuStart);
      return { value, wallMs: wall, cpuMs: (cpu.user + cpu.system) / 1000 };
    };
    for (let i = 0; i < WARM_RUNS; i++) matchInventory(inventory, db, { now });
    const match: Sample[] = [];
    const lookup: Sample[] = [];
    let result: ReturnType<typeof matchInventory> | undefined;
    let entries = 0;
    for (let i = 0; i < runs; i++) {
      const m = timed(() => matchInventory(inventory, db, { now }));
      result = m.value;
      match.push({ cpuMs: m.cpuMs, wallMs: m.wallMs });
      const l = timed(() => db.lookup(ecosystem, names));
      entries = l.value.length;
      lookup.push({ cpuMs: l.cpuMs, wallMs: l.wallMs });
    }
    if (result === undefined) throw new Error('no timed match run');
    const byStatus: Record<string, number> = {};
    for (const finding of result.findings) byStatus[finding.status] = (byStatus[finding.status] ?? 0) + 1;
    out[key] = {
      packages: inventory.packages.length,
      distinctNames: new Set(inventory.packages.map((p) => p.name)).size,
      os: `${inventory.os?.id} ${inventory.os?.versionId}`,
      ecosystem,
      names: names.length,
      entries,
      findings: result.findings.length,
      byStatus,
      packagesWithFindings: new Set(result.findings.map((f) => `${f.package.name} ${f.package.installed}`)).size,
      match,
      lookup,
    };
  }
  db.close();
  return out;
}

async function childMain(mode: string | undefined, rest: string[]) {
  const [a = '', b = '', c = '', d, e] = rest;
  let result: unknown;
  if (mode === 'parse') result = await childParse(a);
  else if (mode === 'insert') result = childInsert(a, b);
  else if (mode === 'match') result = await childMatch(a, b, c, Number(d), e);
  else throw new Error(`unknown child mode ${mode}`);
  process.stdout.write(JSON.stringify(result));
}

const SELF = fileURLToPath(import.meta.url);
const child = (mode: string, ...rest: string[]) => selfCommand(SELF, ['--child', mode, ...rest]);

// ---------------------------------------------------------------------------------------------------------------
// Measurements.

/** What a step's run reports besides its timing: `db import`'s counts, or a floor child's. */
interface StepReport {
  documents?: number;
  added?: number;
  problems?: number;
  bytes?: number;
  records?: number;
  seconds?: number;
  cpuSeconds?: number;
  rows?: Record<string, number>;
}
interface StepRun extends TimedRun {
  report?: StepReport | undefined;
}

async function measureImport(): Promise<StepRun> {
  const scratch = await tempDir('patchline-bench-import-');
  const db = join(scratch, 'advisories.db');
  const result = await measured(process.execPath, [BIN, 'db', 'import', TARBALL, '--db', db, '--format', 'json']);
  let report: StepReport | undefined;
  if (!result.error) {
    const json = JSON.parse(result.stdout) as {
      documents: number;
      sources: Array<{ added: number }>;
      problems: unknown[];
    };
    report = {
      documents: json.documents,
      added: json.sources.reduce((sum, s) => sum + s.added, 0),
      problems: json.problems.length,
      bytes: (await stat(db)).size,
    };
  }
  await dropTemp(scratch);
  return { ...result, report };
}

async function measureParseFloor(): Promise<StepRun> {
  const [command, commandArgs] = child('parse', TARBALL);
  const result = await measured(command, commandArgs);
  return { ...result, report: result.error ? undefined : JSON.parse(result.stdout) };
}

async function measureInsertFloor(): Promise<StepRun> {
  const scratch = await tempDir('patchline-bench-insert-');
  const [command, commandArgs] = child('insert', DB_PATH, join(scratch, 'floor.db'));
  const result = await measured(command, commandArgs);
  await dropTemp(scratch);
  return { ...result, report: result.error ? undefined : JSON.parse(result.stdout) };
}

async function measureMatch(): Promise<Record<InventoryKey, MatchFacts>> {
  const [command, commandArgs] = child('match', DB_PATH, MATCH_ROOT, IMAGE_DIR, String(MATCH_RUNS));
  const result = await measured(command, commandArgs);
  if (result.error) throw new Error(`matching failed: ${result.error}`);
  return JSON.parse(result.stdout);
}

/** Where a real Trivy vulnerability database could already be on this machine (Trivy's default cache). */
const TRIVY_REAL_DB = join(homedir(), '.cache', 'trivy', 'db');

/** Trivy's vulnerability database, if a real one is on the machine: bolt files with nothing in them are ~16 KiB. */
function trivyDatabase(): string | undefined {
  try {
    const size = statSync(join(TRIVY_REAL_DB, 'trivy.db')).size;
    return size > 1e6 && existsSync(join(TRIVY_REAL_DB, 'metadata.json')) ? TRIVY_REAL_DB : undefined;
  } catch {
    return undefined;
  }
}

/** A fresh Trivy cache: the real database linked in when there is one, else only the metadata Trivy insists on. */
async function trivyCache(realDb: string | undefined): Promise<string> {
  const cache = await tempDir('patchline-bench-trivy-cache-');
  await mkdir(join(cache, 'db'), { recursive: true });
  if (realDb) {
    await link(join(realDb, 'trivy.db'), join(cache, 'db', 'trivy.db')).catch(() =>
      copyFile(join(realDb, 'trivy.db'), join(cache, 'db', 'trivy.db')),
    );
    await copyFile(join(realDb, 'metadata.json'), join(cache, 'db', 'metadata.json'));
  } else {
    await offlineTrivyCache(cache);
  }
  return cache;
}

const OFFLINE = ['--skip-db-update', '--skip-java-db-update', '--offline-scan', '-q', '--timeout', '60m'];

type ImageKind = 'sbom' | 'scan' | 'trivy';
const IMAGE_CASES: Record<ImageKind, string> = {
  sbom: 'patchline sbom oci:DIR:bench -f json -o OUT',
  scan: 'patchline scan oci:DIR:bench --db DB -f json -o OUT',
  trivy: 'trivy image --input DIR --scanners vuln -f json -o OUT --cache-dir CACHE (offline flags)',
};

/** What each tool's output says (see summarizeOutput). */
interface OutputSummary {
  packages?: number;
  os?: string;
  ecosystems?: unknown;
  findings?: number;
  byStatus?: Record<string, number>;
  packagesWithFindings?: number;
  el8PackagesWithFindings?: number;
  el7PackagesWithFindings?: number;
  advisories?: number;
  examples?: string[];
}
interface ImageRun extends TimedRun {
  summary?: OutputSummary | undefined;
}

async function measureImageCase(
  kind: ImageKind,
  realTrivyDb: string | undefined,
  dir = IMAGE_DIR,
  extraArgs: string[] = [],
): Promise<ImageRun> {
  const scratch = await tempDir('patchline-bench-scan-');
  const out = join(scratch, 'out.json');
  const cache = join(scratch, 'cache');
  const ref = `oci:${dir}:${TAG}`;
  let result: TimedRun;
  if (kind === 'sbom') {
    result = await measured(process.execPath, [BIN, 'sbom', ref, '-f', 'json', '-o', out, '--cache-dir', cache]);
  } else if (kind === 'scan') {
    result = await measured(process.execPath, [
      BIN,
      'scan',
      ref,
      '--db',
      DB_PATH,
      '-f',
      'json',
      '-o',
      out,
      '--cache-dir',
      cache,
      ...extraArgs,
    ]);
  } else {
    const trivyCacheDir = await trivyCache(realTrivyDb);
    result = await measured(TRIVY, [
      'image',
      '--input',
      dir,
      '--scanners',
      'vuln',
      '-f',
      'json',
      '-o',
      out,
      '--cache-dir',
      trivyCacheDir,
      ...OFFLINE,
    ]);
    await dropTemp(trivyCacheDir);
  }
  let summary: OutputSummary | undefined;
  if (!result.error) {
    try {
      summary = summarizeOutput(kind, JSON.parse(await readFile(out, 'utf8')));
    } catch (error) {
      result.error = `cannot read its output: ${(error as Error).message}`;
    }
  }
  await dropTemp(scratch);
  return { ...result, summary };
}

/** What each tool's JSON says: packages listed, findings and what they matched. */
interface Finding {
  id: string;
  status: string;
  fixedVersion?: string;
  package: { name: string; installed: string };
}

function summarizeOutput(kind: ImageKind, document: Record<string, unknown>): OutputSummary {
  if (kind === 'sbom') return { packages: ((document.packages as unknown[] | undefined) ?? []).length };
  if (kind === 'scan') {
    const findings = (document.findings as Finding[] | undefined) ?? [];
    const byStatus: Record<string, number> = {};
    for (const finding of findings) byStatus[finding.status] = (byStatus[finding.status] ?? 0) + 1;
    const packages = new Set(findings.map((f) => `${f.package.name} ${f.package.installed}`));
    const os = document.os as { id?: string; versionId?: string } | undefined;
    const el = (tag: string) => new Set([...packages].filter((p) => p.includes(`.${tag}`))).size;
    return {
      packages: document.packages as number,
      os: `${os?.id} ${os?.versionId}`,
      ecosystems: document.ecosystems,
      findings: findings.length,
      byStatus,
      packagesWithFindings: packages.size,
      el8PackagesWithFindings: el('el8'),
      el7PackagesWithFindings: el('el7'),
      advisories: new Set(findings.map((f) => f.id)).size,
      examples: findings.slice(0, 3).map((f) => `${f.id} ${f.package.name} ${f.package.installed} → ${f.fixedVersion}`),
    };
  }
  const results = (document.Results as Array<{ Packages?: unknown[]; Vulnerabilities?: unknown[] }> | undefined) ?? [];
  return {
    packages: results.reduce((sum, r) => sum + (r.Packages?.length ?? 0), 0),
    findings: results.reduce((sum, r) => sum + (r.Vulnerabilities?.length ?? 0), 0),
  };
}

/** One run of `patchline CMD …` (or of a child mode of this script) under --cpu-prof: its top self-time functions. */
function profile(name: string, commandArgs: string[]) {
  if (commandArgs[0] !== '--child') return profileNode(name, BIN, commandArgs);
  const [, selfArgs] = selfCommand(SELF, commandArgs);
  return profileNode(name, selfArgs[0]!, selfArgs.slice(1));
}

/** Waits while bench/run.ts, sbom.ts or fleet.ts runs: they all want the two cores. --no-wait skips it. */
async function waitForOtherBench() {
  if (!args.flag('no-wait')) await waitForOtherBenches('bench/(run|sbom|fleet)\\.(ts|mjs)', log);
}

// ---------------------------------------------------------------------------------------------------------------
// Report.

/** What dist/ was built from: other sessions rebuild it from a shared working tree, so the bench says what it ran. */
async function provenance() {
  const git = async (gitArgs: string[]) =>
    (await run('git', gitArgs, { cwd: REPO_DIR }).catch(() => ({ stdout: '' }))).stdout;
  const dirty = (
    await git(['status', '--porcelain', '--', 'src/scan', 'src/advisories', 'src/version', 'src/inventory'])
  )
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3));
  return {
    commit: (await git(['log', '-1', '--format=%h %s'])).trim(),
    distBuiltAt: (await stat(BIN)).mtime.toISOString(),
    uncommitted: dirty,
  };
}

function spread(values: number[], digits = 2) {
  return `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
}

interface RunsSummary {
  rounds: number;
  seconds: number[];
  cpuSeconds: number[];
  rssMiB: number[];
  errors: string[];
}

function summarizeRuns(runs: TimedRun[]): RunsSummary {
  const ok = runs.filter((r) => !r.error);
  return {
    rounds: runs.length,
    seconds: ok.map((r) => r.seconds),
    cpuSeconds: ok.map((r) => r.cpuSeconds),
    rssMiB: ok.map((r) => r.rssMiB),
    errors: [...new Set(runs.flatMap((r) => (r.error ? [r.error] : [])))],
  };
}

function row(label: string, s: RunsSummary, extra = '') {
  if (s.seconds.length === 0) return `| ${label} | failed: ${s.errors.join('; ')} | | | ${extra} |`;
  return `| ${label} | ${spread(s.seconds)} s | ${median(s.cpuSeconds).toFixed(2)} s | ${spread(s.rssMiB, 0)} MiB | ${extra} |`;
}

function quantiles(samples: Sample[]) {
  const cpu = samples.map((s) => s.cpuMs);
  const wall = samples.map((s) => s.wallMs);
  return {
    runs: samples.length,
    cpuP50: percentile(cpu, 50),
    cpuP99: percentile(cpu, 99),
    cpuMax: Math.max(...cpu),
    wallP50: percentile(wall, 50),
    wallP99: percentile(wall, 99),
  };
}

type Quantiles = ReturnType<typeof quantiles>;
interface ImageCase {
  summary: RunsSummary;
  first: OutputSummary | undefined;
  database?: string;
}
interface Results {
  date: string;
  machine: ReturnType<typeof machine>;
  reps: number;
  code: Awaited<ReturnType<typeof provenance>>;
  loadStart: number[];
  loadEnd: number[];
  roundLoad: number[];
  imports: {
    patchline: { summary: RunsSummary; report: StepReport | undefined };
    parse: { summary: RunsSummary; report: StepReport | undefined };
    insert: {
      summary: RunsSummary;
      inserts: Array<{ seconds: number; cpuSeconds: number }>;
      rows: Record<string, number> | undefined;
    };
  };
  match: Record<
    InventoryKey,
    Omit<MatchFacts, 'match' | 'lookup'> & { match: Quantiles; lookup: Quantiles; perRoundCpuP50: number[] }
  >;
  images: {
    sbom?: ImageCase;
    scan?: ImageCase;
    trivy?: ImageCase;
    trivySkipped: string | undefined;
    ratios: number[];
    cpuRatios: number[];
  };
  checks: string[];
  profiles?: Record<string, ProfileSummary & { seconds: number }>;
}

function report(results: Results): string {
  const { imports, match, images, checks, profiles } = results;
  const m = results.machine;
  const lines: string[] = [];
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  lines.push(`# Advisory import, matching and scan vs sbom, ${results.date}`);
  lines.push('');
  lines.push(
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, Node ${m.node}. ${results.reps} rounds. ` +
      `Load average (1, 5, 15 min) at the start: ${results.loadStart.map((l) => l.toFixed(2)).join(', ')}; at the end: ` +
      `${results.loadEnd.map((l) => l.toFixed(2)).join(', ')}; 1-min load at the start of each round: ` +
      `${results.roundLoad.map((l) => l.toFixed(2)).join(', ')}.`,
  );
  lines.push('');
  lines.push(
    `Code: dist/ as built at ${results.code.distBuiltAt} from the working tree at ${results.code.commit}` +
      `${results.code.uncommitted.length ? `; uncommitted changes under src/scan, advisories, version, inventory: ${results.code.uncommitted.join(', ')}` : ' (no uncommitted changes under src/scan, advisories, version, inventory)'}.`,
  );
  lines.push('');
  lines.push('## 1. Import of the AlmaLinux OSV database (target: under 5 s)');
  lines.push('');
  lines.push('| Case | Wall time, median (min–max) | CPU (user+sys) | Peak RSS, median (min–max) | Notes |');
  lines.push('|---|---|---|---|---|');
  const imp = imports.patchline;
  lines.push(
    row(
      '**`patchline db import`** into a fresh file',
      imp.summary,
      `${imp.report?.documents} documents, ${imp.report?.added} records added, ${imp.report?.problems} problems, ${((imp.report?.bytes ?? Number.NaN) / 1e6).toFixed(1)} MB file`,
    ),
  );
  lines.push(
    row(
      'floor (a): gunzip + tar-stream + JSON.parse of every record',
      imports.parse.summary,
      `${imports.parse.report?.records} records, ${((imports.parse.report?.bytes ?? Number.NaN) / 1e6).toFixed(1)} MB of JSON`,
    ),
  );
  const insertSeconds = imports.insert.inserts.map((r) => r.seconds);
  const insertCpu = imports.insert.inserts.map((r) => r.cpuSeconds);
  lines.push(
    row(
      'floor (b): better-sqlite3 insert of the same rows (whole process)',
      imports.insert.summary,
      `insert alone ${spread(insertSeconds)} s, CPU ${median(insertCpu).toFixed(2)} s; rows ${Object.entries(
        imports.insert.rows ?? {},
      )
        .map(([table, n]) => `${table} ${n}`)
        .join(', ')}`,
    ),
  );
  lines.push('');
  const floorWall = median(imports.parse.summary.seconds) + median(insertSeconds);
  const floorCpu = median(imports.parse.summary.cpuSeconds) + median(insertCpu);
  lines.push(
    `Floor = (a) + the insert alone of (b), medians: ${floorWall.toFixed(2)} s wall, ${floorCpu.toFixed(2)} s CPU; ` +
      `\`db import\` ÷ floor: ${(median(imp.summary.seconds) / floorWall).toFixed(2)}× in wall time, ` +
      `${(median(imp.summary.cpuSeconds) / floorCpu).toFixed(2)}× in CPU time.`,
  );
  lines.push('');
  lines.push(`## 2. Matching with the database warm (target: under 100 ms)`);
  lines.push('');
  lines.push(
    `matchInventory, ${WARM_RUNS} untimed runs then ${MATCH_RUNS} timed ones per round in one Node process, ${results.reps} rounds ` +
      '(CPU time of the process during each run; wall beside it).',
  );
  lines.push('');
  lines.push(
    '| Inventory | Packages | Names looked up | Entries found | Findings | Case | CPU p50 | CPU p99 | CPU max | Wall p50 | Wall p99 |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [key, label] of [
    ['500', 'CentOS 8.2 rpmdb (centos8-modularitylabel) as AlmaLinux 8, first 500'],
    ['image', 'the bench image (914 headers, CentOS 7 + 8) as AlmaLinux 8'],
  ] as const) {
    const d = match[key];
    for (const [kind, q] of [
      ['matchInventory', d.match],
      ['lookup alone', d.lookup],
    ] as const) {
      lines.push(
        `| ${label} | ${d.packages} | ${d.names} | ${d.entries} | ${d.findings} | ${kind} | ${ms(q.cpuP50)} | ${ms(q.cpuP99)} | ` +
          `${ms(q.cpuMax)} | ${ms(q.wallP50)} | ${ms(q.wallP99)} |`,
      );
    }
  }
  lines.push('');
  lines.push('## 3. `patchline scan` vs `patchline sbom` of the same image (target: scan under 2× sbom)');
  lines.push('');
  lines.push('| Case | Wall time, median (min–max) | CPU (user+sys) | Peak RSS, median (min–max) | Output |');
  lines.push('|---|---|---|---|---|');
  for (const kind of ['sbom', 'scan', 'trivy'] as const) {
    const c = images[kind];
    if (!c) continue;
    const s: OutputSummary = c.first ?? {};
    const what =
      kind === 'sbom'
        ? `${s.packages} packages`
        : kind === 'scan'
          ? `${s.findings} findings (${Object.entries(s.byStatus ?? {})
              .map(([k, n]) => `${n} ${k}`)
              .join(', ')}) on ${s.packagesWithFindings} packages`
          : `${s.packages} packages, ${s.findings} findings (${c.database})`;
    const label = kind === 'trivy' ? '(info) Trivy, `trivy image --input`' : `**\`patchline ${kind}\`**`;
    lines.push(row(label, c.summary, what));
  }
  if (images.trivySkipped) lines.push('', `Trivy: ${images.trivySkipped}`);
  lines.push('');
  lines.push(
    `scan ÷ sbom: median of per-round ratios ${median(images.ratios).toFixed(2)}× (${images.ratios.map((r) => r.toFixed(2)).join(', ')}); ` +
      `ratio of medians ${(median(images.scan?.summary.seconds ?? []) / median(images.sbom?.summary.seconds ?? [])).toFixed(2)}×; in CPU ` +
      `time, median of per-round ratios ${median(images.cpuRatios).toFixed(2)}× (${images.cpuRatios.map((r) => r.toFixed(2)).join(', ')}).`,
  );
  lines.push('');
  lines.push('Checks:');
  lines.push('');
  for (const check of checks) lines.push(`- ${check}`);
  lines.push('');
  lines.push('Commands (DIR the image layout, OUT a file and CACHE a folder, fresh each run):');
  lines.push('');
  lines.push(`- \`patchline db import ${TARBALL.replace(`${dirname(REPO_DIR)}/`, '../')} --db FRESH --format json\``);
  for (const text of Object.values(IMAGE_CASES)) lines.push(`- \`${text}\``);
  lines.push(`- offline flags: \`${OFFLINE.join(' ')}\``);
  for (const [name, p] of Object.entries(profiles ?? {})) {
    lines.push('');
    lines.push(
      `CPU profile of ${name.startsWith('match') ? name.replace('MATCH_RUNS', String(MATCH_RUNS)) : `\`patchline ${name}\``} (main thread; ${(p.totalMs / 1000).toFixed(2)} s sampled, ${p.seconds.toFixed(2)} s wall with the profiler), top self time:`,
    );
    lines.push('');
    lines.push('| Self time | Share | Function |');
    lines.push('|---|---|---|');
    for (const r of p.functions.slice(0, 15)) {
      lines.push(`| ${r.ms.toFixed(0)} ms | ${(r.share * 100).toFixed(1)} % | \`${r.name}\` |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(TARBALL)) {
    throw new Error(`${TARBALL} is absent: this bench needs ../shared/fixtures (the AlmaLinux OSV database)`);
  }
  await waitForOtherBench();
  if (!args.flag('no-build')) await buildDist(log, BIN);
  await ensureGnuTime(log);
  await mkdir(WORK_DIR, { recursive: true });
  await ensureSbomImage();
  const imageMeta = await ensureAlmaImage();
  await ensureMatchRoot();
  // The database the matching and scan cases read: one import, as `db import` makes it.
  await rm(DB_PATH, { force: true });
  await rm(`${DB_PATH}-wal`, { force: true });
  await rm(`${DB_PATH}-shm`, { force: true });
  const setup = await spawnRun(process.execPath, [BIN, 'db', 'import', TARBALL, '--db', DB_PATH, '--format', 'json']);
  if (setup.code !== 0) throw new Error(`db import failed: ${setup.stderr.slice(-2000)}`);
  // Page cache warm: the image's blobs and the tarball read once before the rounds.
  for (const name of await readdir(join(IMAGE_DIR, 'blobs', 'sha256'))) {
    for await (const _chunk of createReadStream(join(IMAGE_DIR, 'blobs', 'sha256', name))) {
      // read through, into the page cache
    }
  }
  // Why the AlmaLinux variant: the image as built says CentOS Linux 8, which the scan reads against Red Hat 8's data.
  // The scan refuses an OS its database has no data for unless told to accept the empty result, which is the point here.
  const asBuilt = await measureImageCase('scan', undefined, BOOTC_DIR, ['--allow-no-data']);
  if (asBuilt.error || !asBuilt.summary) throw new Error(`scan of ${BOOTC_DIR} failed: ${asBuilt.error}`);
  const asBuiltSummary = asBuilt.summary;
  const haveTrivy = !args.flag('no-trivy') && existsSync(TRIVY);
  const realTrivyDb = haveTrivy ? trivyDatabase() : undefined;
  const trivySkipped = args.flag('no-trivy')
    ? 'left out (--no-trivy).'
    : haveTrivy
      ? undefined
      : `not run: no cached Trivy binary at ${TRIVY} (run \`npm run bench:sbom\` or a Trivy test once to fetch it).`;
  if (trivySkipped) log(`Trivy ${trivySkipped}`);
  if (haveTrivy && !realTrivyDb) {
    log('no Trivy vulnerability database on this machine: Trivy runs on an empty one (for its time only)');
  }

  await waitForOtherBench();
  const code = await provenance();
  const loadStart = loadavg();
  const roundLoad: number[] = [];
  const steps = { import: [] as StepRun[], parse: [] as StepRun[], insert: [] as StepRun[] };
  const runs = { sbom: [] as ImageRun[], scan: [] as ImageRun[], trivy: [] as ImageRun[] };
  const matchRounds: Array<Record<InventoryKey, MatchFacts>> = [];
  const imageKinds: ImageKind[] = ['sbom', 'scan', ...(haveTrivy ? (['trivy'] as const) : [])];
  for (let round = 0; round < REPS; round++) {
    roundLoad.push(load1());
    const note = (name: string, r: TimedRun) =>
      log(
        `round ${round + 1}/${REPS} ${name}: ${r.seconds.toFixed(2)} s, cpu ${r.cpuSeconds.toFixed(2)} s, ` +
          `${r.rssMiB.toFixed(0)} MiB${r.error ? ` ERROR ${r.error}` : ''}`,
      );
    for (const [name, fn] of [
      ['import', measureImport],
      ['parse', measureParseFloor],
      ['insert', measureInsertFloor],
    ] as const) {
      const r = await fn();
      steps[name].push(r);
      note(name, r);
    }
    const m = await measureMatch();
    matchRounds.push(m);
    log(
      `round ${round + 1}/${REPS} match: 500 packages p50 ${percentile(
        m[500].match.map((s) => s.cpuMs),
        50,
      ).toFixed(1)} ms cpu, image p50 ${percentile(
        m.image.match.map((s) => s.cpuMs),
        50,
      ).toFixed(1)} ms cpu`,
    );
    const order = imageKinds.map((_, i) => imageKinds[(i + round) % imageKinds.length]!);
    for (const kind of order) {
      const r = await measureImageCase(kind, realTrivyDb);
      runs[kind].push(r);
      note(kind, r);
    }
  }
  const loadEnd = loadavg();

  const matchSummary = {} as Results['match'];
  for (const key of ['500', 'image'] as const) {
    const first = matchRounds[0]![key];
    const { match: _m, lookup: _l, ...facts } = first;
    matchSummary[key] = {
      ...facts,
      match: quantiles(matchRounds.flatMap((m) => m[key].match)),
      lookup: quantiles(matchRounds.flatMap((m) => m[key].lookup)),
      perRoundCpuP50: matchRounds.map((m) =>
        percentile(
          m[key].match.map((s) => s.cpuMs),
          50,
        ),
      ),
    };
  }
  const firstOk = <T extends TimedRun>(list: T[]) => list.find((r) => !r.error);
  const perRound = (field: 'seconds' | 'cpuSeconds') =>
    runs.scan
      .map((r, i) => {
        const sbom = runs.sbom[i];
        return r.error || !sbom || sbom.error ? Number.NaN : r[field] / sbom[field];
      })
      .filter((r) => Number.isFinite(r));
  const images: Results['images'] = {
    trivySkipped,
    ratios: perRound('seconds'),
    cpuRatios: perRound('cpuSeconds'),
  };
  for (const kind of imageKinds) {
    images[kind] = { summary: summarizeRuns(runs[kind]), first: firstOk(runs[kind])?.summary };
  }
  if (images.trivy) images.trivy.database = realTrivyDb ? `its database at ${realTrivyDb}` : 'empty vulnerability DB';

  const scanFacts: OutputSummary = images.scan?.first ?? {};
  const checks = [
    `Image: bench/sbom.ts's bootc layout plus one layer with AlmaLinux 8.10's os-release: ${imageMeta.layers} gzip layers, ` +
      `${(imageMeta.compressed / 1e6).toFixed(0)} MB compressed; \`patchline sbom\` lists ${images.sbom?.first?.packages} packages.`,
    `The scan read the OS as ${scanFacts.os} and matched it against ${JSON.stringify(scanFacts.ecosystems)}: ${scanFacts.findings} ` +
      `findings (${Object.entries(scanFacts.byStatus ?? {})
        .map(([k, n]) => `${n} ${k}`)
        .join(
          ', ',
        )}) from ${scanFacts.advisories} advisories on ${scanFacts.packagesWithFindings} installed packages ` +
      `(${scanFacts.el8PackagesWithFindings} el8 builds, ${scanFacts.el7PackagesWithFindings} el7 builds; the merged database ` +
      `holds both). First findings: ${(scanFacts.examples ?? []).join('; ')}.`,
    `The same scan of the image as bench/sbom.ts builds it (os-release CentOS Linux 8): OS ${asBuiltSummary.os}, ` +
      `ecosystems ${JSON.stringify(asBuiltSummary.ecosystems)}, ${asBuiltSummary.findings} findings: the AlmaLinux data ` +
      'does not cover that ecosystem, hence the AlmaLinux 8 variant.',
    `Matching, 500 packages: ${matchSummary[500].findings} findings (${Object.entries(matchSummary[500].byStatus)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')}) on ${matchSummary[500].packagesWithFindings} packages, the same in every run.`,
  ];
  const parseRecords = firstOk(steps.parse)?.report?.records;
  checks.push(
    `Import: every run read ${firstOk(steps.import)?.report?.documents} documents and added ${firstOk(steps.import)?.report?.added} records ` +
      `(5,680 files hold 5,637 distinct ids: 37 errata are filed under more than one release); the floor parsed ${parseRecords} records.`,
  );

  let profiles: Results['profiles'];
  if (args.flag('profile')) {
    log('CPU profiles of db import, matching and scan');
    const scratch = await tempDir('patchline-bench-prof-db-');
    profiles = {
      'db import': await profile('import', ['db', 'import', TARBALL, '--db', join(scratch, 'a.db'), '-f', 'json']),
      'matchInventory (500 packages; the whole child process: inventory read, 10 + MATCH_RUNS matches, each followed by a lookup alone, so `lookup` is counted twice)':
        await profile('match', ['--child', 'match', DB_PATH, MATCH_ROOT, IMAGE_DIR, String(MATCH_RUNS), '500']),
      scan: await profile('scan', [
        'scan',
        `oci:${IMAGE_DIR}:${TAG}`,
        '--db',
        DB_PATH,
        '-f',
        'json',
        '-o',
        join(scratch, 'scan.json'),
        '--cache-dir',
        join(scratch, 'cache'),
      ]),
    };
    await dropTemp(scratch);
  }

  const insertRuns = steps.insert.flatMap((r) => (r.report ? [r.report] : []));
  const results: Results = {
    date: new Date().toISOString(),
    machine: machine(),
    reps: REPS,
    code,
    loadStart,
    loadEnd,
    roundLoad,
    imports: {
      patchline: { summary: summarizeRuns(steps.import), report: firstOk(steps.import)?.report },
      parse: { summary: summarizeRuns(steps.parse), report: firstOk(steps.parse)?.report },
      insert: {
        summary: summarizeRuns(steps.insert),
        inserts: insertRuns.map((r) => ({ seconds: r.seconds ?? Number.NaN, cpuSeconds: r.cpuSeconds ?? Number.NaN })),
        rows: insertRuns[0]?.rows,
      },
    },
    match: matchSummary,
    images,
    checks,
    ...(profiles ? { profiles } : {}),
  };
  const markdown = report(results);
  await writeResults('scan', markdown, results);
  process.stdout.write(markdown);
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  childMain(argv[1], argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`bench:scan child: ${error instanceof Error ? error.stack : error}\n`);
    process.exitCode = 1;
  });
} else {
  cleanUpOnExit(log);
  main().catch((error: unknown) => {
    process.stderr.write(`bench:scan: ${error instanceof Error ? error.stack : error}\n`);
    cleanupSync();
    process.exitCode = 1;
  });
}
