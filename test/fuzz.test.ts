import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { createGzip, gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { pack } from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { PatchlineError } from '../src/core/index.js';
import type { OpenImageOptions } from '../src/oci/image.js';
import {
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_LAYER_TAR,
  OCI_LAYER_ZSTD,
  OCI_MANIFEST,
} from '../src/oci/media-types.js';
import type { ReadResult } from '../src/rootfs/file-tree.js';
import { openFileTree } from '../src/rootfs/open.js';
import { pseudoBytes } from './helpers/pseudo-bytes.js';
import { run } from './helpers/real-images.js';
import { seededRandom } from './helpers/seeded-random.js';
import { makeTar } from './helpers/tar.js';
import { tempDir } from './helpers/tmp.js';

/**
 * Broken and hostile layers must end in a PatchlineError or a correct read: never another error type, a hang, a
 * write outside our temporary folders, or unbounded memory. The corpus is two real layers made by GNU tar (GNU and
 * pax formats: long names, a hardlink, symlinks, a whiteout and an opaque folder), compressed by the gzip and zstd
 * programs, built byte-identically every run so that the seeded mutations are the same every run.
 */

const CASES = 300;
const SEED = 0x5eed2;
const CASE_TIMEOUT_MS = 10_000;
/** A name every corpus entry carries, so anything written from a layer to the host would be found by a search. */
const SENTINEL = 'plfz-sentinel';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A seeded generator, so every run makes the same mutations. */
function random(seed: number) {
  const next = seededRandom(seed);
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(items: readonly T[]): T => items[int(items.length)]! };
}
type Random = ReturnType<typeof random>;

// ---------------------------------------------------------------------------------------------------------------
// Writing an image layout by hand, so that a test can make any part of it lie.

interface LayerBlob {
  bytes: Buffer;
  mediaType: string;
  diffId: string;
  /** What the manifest claims; the blob's real digest and size when absent. */
  digest?: string;
  size?: number;
}

interface LayoutOptions {
  /** The config descriptor's digest, when it should lie. */
  configDigest?: string;
  /** Wrap the manifest in an index whose entries claim these platforms (the manifest is the first of them). */
  indexPlatforms?: Array<{ os: string; architecture: string }>;
}

async function writeLayout(dir: string, layers: LayerBlob[], options: LayoutOptions = {}): Promise<string> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (bytes: Buffer, digest = sha256(bytes)) => {
    await writeFile(join(blobs, digest.slice('sha256:'.length)), bytes);
    return digest;
  };
  const descriptors = [];
  for (const layer of layers) {
    // A lying digest names the file the blob is stored under, as a corrupted store or a lying registry would.
    const digest = await put(layer.bytes, layer.digest);
    descriptors.push({ mediaType: layer.mediaType, digest, size: layer.size ?? layer.bytes.length });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    }),
  );
  const configDigest = await put(config, options.configDigest);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length },
      layers: descriptors,
    }),
  );
  let top = { mediaType: OCI_MANIFEST, digest: await put(manifest), size: manifest.length };
  if (options.indexPlatforms) {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: options.indexPlatforms.map((platform) => ({ ...top, platform })),
      }),
    );
    top = { mediaType: OCI_INDEX, digest: await put(index), size: index.length };
  }
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const entry = { ...top, annotations: { 'org.opencontainers.image.ref.name': 'latest' } };
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [entry] }));
  return `oci:${dir}:latest`;
}

const plainLayer = (tar: Buffer): LayerBlob => ({ bytes: tar, mediaType: OCI_LAYER_TAR, diffId: sha256(tar) });

// ---------------------------------------------------------------------------------------------------------------
// Reading, with a deadline and a verdict

type Outcome = { ok: true; result: ReadResult } | { ok: false; error: unknown } | { ok: 'hang' };

const REQUESTS = [{ path: '**' }, { path: 'etc/os-release' }];

async function attempt(ref: string, options: OpenImageOptions = {}, requests = REQUESTS): Promise<Outcome> {
  const work = (async (): Promise<Outcome> => {
    try {
      const tree = await openFileTree(ref, options);
      try {
        const result = await tree.read(requests);
        await result.dispose();
        return { ok: true, result };
      } finally {
        await tree.close();
      }
    } catch (error) {
      return { ok: false, error };
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: 'hang' }), CASE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error a hostile input must produce: a PatchlineError of this kind whose message names the image. */
function expectRefusal(outcome: Outcome, kind: PatchlineError['kind'], ref: string, problem: RegExp): PatchlineError {
  if (outcome.ok !== false)
    throw new Error(`expected a ${kind} error, got ${outcome.ok === 'hang' ? 'a hang' : 'success'}`);
  const error = outcome.error;
  expect(error).toBeInstanceOf(PatchlineError);
  const typed = error as PatchlineError;
  expect({ kind: typed.kind, message: typed.message }).toMatchObject({ kind, message: expect.stringContaining(ref) });
  expect(typed.message).toMatch(problem);
  return typed;
}

/** Every file below `dir`, relative to it. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

// ---------------------------------------------------------------------------------------------------------------
// The corpus

let root: string;
interface CorpusLayer {
  tar: Buffer;
  compressed: Buffer;
  mediaType: string;
}
let corpus: CorpusLayer[];

async function makeCorpus(dir: string): Promise<CorpusLayer[]> {
  const base = join(dir, 'base');
  const top = join(dir, 'top');
  const longFolder = `usr/share/${SENTINEL}/${'long-folder-name-'.repeat(8)}`;
  const files: Record<string, Record<string, Buffer | string>> = {
    [base]: {
      'usr/lib/os-release': 'PRETTY_NAME="Fuzz Linux 1"\nID=fuzz\nVERSION_ID=1\n',
      'etc/motd': 'welcome\n',
      'usr/bin/tool': pseudoBytes('tool', 24_000),
      'usr/share/doc/pkg/README': 'docs\n',
      [`${longFolder}/file-with-a-long-path`]: 'long path, GNU longname record\n',
      'var/lib/dpkg/status': Array.from(
        { length: 40 },
        (_, i) => `Package: pkg${i}\nStatus: install ok installed\nVersion: 1.${i}-1\n\n`,
      ).join(''),
    },
    [top]: {
      'usr/lib/os-release': 'PRETTY_NAME="Fuzz Linux 2"\nID=fuzz\nVERSION_ID=2\n',
      'etc/.wh.motd': '',
      'usr/share/doc/.wh..wh..opq': '',
      'usr/share/doc/new/README': 'new docs\n',
      [`${longFolder}/pax-path-${'p'.repeat(90)}`]: 'long path, pax record\n',
    },
  };
  for (const [tree, entries] of Object.entries(files)) {
    for (const [path, content] of Object.entries(entries)) {
      await mkdir(join(tree, path, '..'), { recursive: true });
      await writeFile(join(tree, path), content);
    }
  }
  await symlink('../usr/lib/os-release', join(base, 'etc/os-release'));
  await symlink(`/usr/share/${SENTINEL}`, join(base, `usr/share/${SENTINEL}-link`));
  await link(join(base, 'usr/bin/tool'), join(base, 'usr/bin/tool-hardlink'));

  // Fixed order, owners and times make the bytes the same on every run and machine.
  const tarArgs = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--mode=u+rw,go+r'];
  const layers: CorpusLayer[] = [];
  for (const [tree, format, compressor] of [
    [base, 'gnu', 'gzip'],
    [top, 'pax', 'zstd'],
  ] as const) {
    const tarFile = `${tree}.tar`;
    const paxOptions = format === 'pax' ? ['--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime'] : [];
    await run('tar', [...tarArgs, ...paxOptions, `--format=${format}`, '-C', tree, '-cf', tarFile, '.']);
    const compressed =
      compressor === 'gzip'
        ? await run('gzip', ['-n', '-6', '-c', tarFile])
        : await run('zstd', ['-q', '-3', '-c', tarFile]);
    layers.push({
      tar: await readFile(tarFile),
      compressed,
      mediaType: compressor === 'gzip' ? OCI_LAYER_GZIP : OCI_LAYER_ZSTD,
    });
  }
  return layers;
}

beforeAll(async () => {
  root = await tempDir('patchline-fuzz-');
  corpus = await makeCorpus(join(root, 'corpus'));
});

// ---------------------------------------------------------------------------------------------------------------
// Mutations

/** Offsets of the 512-byte tar headers, found by walking the archive the way a reader does. */
function tarHeaderOffsets(tar: Buffer): number[] {
  const offsets: number[] = [];
  let at = 0;
  while (at + 512 <= tar.length && tar.subarray(at, at + 512).some((b) => b !== 0)) {
    offsets.push(at);
    const size = Number.parseInt(
      tar
        .subarray(at + 124, at + 136)
        .toString('latin1')
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    );
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return offsets;
}

function fixTarChecksum(tar: Buffer, header: number): void {
  tar.fill(0x20, header + 148, header + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += tar[header + i]!;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, header + 148, 'latin1');
}

const TAR_FIELDS = [
  { name: 'name', at: 0, length: 100 },
  { name: 'mode', at: 100, length: 8 },
  { name: 'size', at: 124, length: 12 },
  { name: 'checksum', at: 148, length: 8 },
  { name: 'typeflag', at: 156, length: 1 },
  { name: 'linkname', at: 157, length: 100 },
  { name: 'magic', at: 257, length: 6 },
  { name: 'prefix', at: 345, length: 155 },
] as const;

function fieldGarbage(rng: Random, length: number): Buffer {
  const kind = rng.int(5);
  if (kind === 0) return Buffer.from('7'.repeat(length - 1).padEnd(length, '\0'), 'latin1'); // the largest octal value
  if (kind === 1) return Buffer.from(`${'../'.repeat(40)}etc/passwd`.slice(0, length), 'latin1'); // a climbing name
  if (kind === 2)
    return Buffer.concat([Buffer.from([0x80 | rng.int(128)]), pseudoBytes(String(rng.next()), length - 1)]); // base-256
  if (kind === 3) return Buffer.from(String(rng.int(1e9)).slice(0, length), 'latin1');
  return pseudoBytes(String(rng.next()), length);
}

type Mutation = { describe: string; apply(bytes: Buffer): Buffer };

function mutation(rng: Random, representation: 'compressed' | 'tar'): Mutation {
  const kind = rng.pick(['bitflip', 'truncate', 'insert', 'header'] as const);
  if (kind === 'bitflip') {
    const flips = 1 + rng.int(8);
    const seeds = Array.from({ length: flips }, () => [rng.next(), rng.int(8)] as const);
    return {
      describe: `flip ${flips} bits`,
      apply: (bytes) => {
        const out = Buffer.from(bytes);
        for (const [where, bit] of seeds) out[Math.floor(where * out.length)]! ^= 1 << bit;
        return out;
      },
    };
  }
  if (kind === 'truncate') {
    const where = rng.next();
    return {
      describe: `truncate at ${where.toFixed(3)}`,
      apply: (bytes) => bytes.subarray(0, Math.floor(where * bytes.length)),
    };
  }
  if (kind === 'insert') {
    const where = rng.next();
    const junk = pseudoBytes(String(rng.next()), 1 + rng.int(700));
    return {
      describe: `insert ${junk.length} bytes at ${where.toFixed(3)}`,
      apply: (bytes) => {
        const at = Math.floor(where * bytes.length);
        return Buffer.concat([bytes.subarray(0, at), junk, bytes.subarray(at)]);
      },
    };
  }
  if (representation === 'compressed') {
    // The container format's own header and trailer: gzip flags, method, mtime, CRC and length; zstd frame header.
    const fromEnd = rng.next() < 0.3;
    const offset = rng.int(fromEnd ? 8 : 12);
    const value = rng.int(256);
    return {
      describe: `set ${fromEnd ? 'trailer' : 'header'} byte ${offset} to ${value}`,
      apply: (bytes) => {
        const out = Buffer.from(bytes);
        const at = fromEnd ? out.length - 1 - offset : offset;
        if (at >= 0 && at < out.length) out[at] = value;
        return out;
      },
    };
  }
  const field = rng.pick(TAR_FIELDS);
  const which = rng.next();
  const garbage = fieldGarbage(rng, field.length);
  // With a fixed checksum the corrupt field gets past the header check and reaches the code that uses it.
  const fixChecksum = field.name !== 'checksum' && rng.next() < 0.7;
  return {
    describe: `corrupt the ${field.name} field of a tar header${fixChecksum ? ' (checksum fixed)' : ''}`,
    apply: (bytes) => {
      const out = Buffer.from(bytes);
      const headers = tarHeaderOffsets(out);
      const header = headers[Math.floor(which * headers.length)] ?? 0;
      garbage.copy(out, header + field.at, 0, field.length);
      if (fixChecksum) fixTarChecksum(out, header);
      return out;
    },
  };
}

/** The diffID a mutated compressed blob really has, when it still decompresses; otherwise the original one. */
function diffIdOf(bytes: Buffer, mediaType: string, fallback: string): string {
  try {
    return sha256(mediaType === OCI_LAYER_GZIP ? gunzipSync(bytes) : Buffer.from(zstdDecompress(bytes)));
  } catch {
    return fallback;
  }
}

// ---------------------------------------------------------------------------------------------------------------

describe('random mutations of real layers', () => {
  it(`ends each of ${CASES} mutated images in a PatchlineError or a correct read`, { timeout: 120_000 }, async () => {
    const rng = random(SEED);
    const work = join(root, 'work');
    await mkdir(work);
    const failures: string[] = [];
    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const started = Date.now();

    for (let i = 0; i < CASES; i++) {
      const target = rng.int(corpus.length);
      const representation = rng.next() < 0.5 ? 'compressed' : 'tar';
      const mutate = mutation(rng, representation);
      // Half the cases rewrite the digests so the mutation gets past the digest checks to the decoders and tar parser.
      const rewriteDigests = i % 2 === 0;
      const layers = corpus.map(
        (layer): LayerBlob => ({ bytes: layer.compressed, mediaType: layer.mediaType, diffId: sha256(layer.tar) }),
      );
      const original = corpus[target]!;
      const source = representation === 'compressed' ? original.compressed : original.tar;
      const mutated = mutate.apply(source);
      const mediaType = representation === 'compressed' ? original.mediaType : OCI_LAYER_TAR;
      const originalDigest = sha256(source);
      layers[target] = rewriteDigests
        ? {
            bytes: mutated,
            mediaType,
            diffId: representation === 'tar' ? sha256(mutated) : diffIdOf(mutated, mediaType, sha256(original.tar)),
          }
        : { bytes: mutated, mediaType, diffId: sha256(original.tar), digest: originalDigest, size: source.length };

      const caseDir = join(work, `case-${i}`);
      const ref = await writeLayout(caseDir, layers);
      const written = await filesBelow(caseDir);
      const label = `case ${i}: layer ${target} (${representation}), ${mutate.describe}${rewriteDigests ? ', digests rewritten' : ''}`;

      const outcome = await attempt(ref);
      if (outcome.ok === 'hang') failures.push(`${label}: no answer within ${CASE_TIMEOUT_MS} ms`);
      else if (outcome.ok) {
        count('success');
        // Changed bytes under the original digests must never read as a good image.
        if (!rewriteDigests && !mutated.equals(source))
          failures.push(`${label}: read although its digests no longer match`);
      } else if (outcome.error instanceof PatchlineError) {
        count(`${outcome.error.kind}${rewriteDigests ? ' (digests rewritten)' : ''}`);
        if (!outcome.error.message.includes(ref))
          failures.push(`${label}: the message does not name the image: ${outcome.error.message}`);
      } else failures.push(`${label}: ${(outcome.error as Error)?.constructor?.name}: ${String(outcome.error)}`);

      // Nothing new next to the image or inside it: layer content is never written out.
      if ((await readdir(work)).join() !== `case-${i}`)
        failures.push(`${label}: new files beside the image: ${await readdir(work)}`);
      if ((await filesBelow(caseDir)).join() !== written.join())
        failures.push(`${label}: files appeared in the image folder`);
      await rm(caseDir, { recursive: true });
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }

    const elapsed = Date.now() - started;
    console.log(`fuzz: ${CASES} cases in ${elapsed} ms, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
    expect(failures).toEqual([]);
    // The mutations must exercise both paths: some images still read, some mutations reach the tar parser.
    expect(outcomes.get('success') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('input (digests rewritten)') ?? 0).toBeGreaterThan(0);
    expect(rssPeak - rssBefore).toBeLessThan(256 * 1024 * 1024);
    for (const folder of [tmpdir(), process.cwd(), '/']) {
      expect((await readdir(folder)).filter((name) => name.includes(SENTINEL))).toEqual([]);
    }
  });
});

describe('hostile layers and manifests', () => {
  let dir: string;
  let n = 0;
  beforeAll(async () => {
    dir = join(root, 'hostile');
    await mkdir(dir);
  });
  const image = async (layers: LayerBlob[], options?: LayoutOptions) => {
    const imageDir = join(dir, `image-${n++}`);
    return { ref: await writeLayout(imageDir, layers, options), dir: imageDir };
  };

  it('refuses entries named ../ or absolute, and writes nothing where they point', async () => {
    const climbing = await image([plainLayer(await makeTar([{ name: `../../${SENTINEL}-climb`, content: 'x' }]))]);
    expectRefusal(await attempt(climbing.ref), 'input', climbing.ref, /climbs out of the root/);
    expect(existsSync(join(climbing.dir, `../../${SENTINEL}-climb`))).toBe(false);

    const absolutePath = join(tmpdir(), `${SENTINEL}-absolute`);
    const absolute = await image([plainLayer(await makeTar([{ name: absolutePath, content: 'x' }]))]);
    expectRefusal(await attempt(absolute.ref), 'input', absolute.ref, /absolute name/);
    expect(existsSync(absolutePath)).toBe(false);
  });

  it('never reads or writes the host through a symlink that points outside the image', async () => {
    const host = join(dir, 'host');
    await mkdir(host);
    await writeFile(join(host, 'payload'), 'HOST SECRET');
    const layer = await makeTar([
      { name: 'etc/out', type: 'symlink', target: host },
      { name: 'etc/up', type: 'symlink', target: `../../../../../../../../..${host}` },
      { name: 'etc/out/payload', content: 'IMAGE PAYLOAD' },
      { name: 'etc/up/dropped', content: 'IMAGE DROPPED' },
    ]);
    const hostile = await image([plainLayer(layer)]);
    const outcome = await attempt(hostile.ref);
    if (outcome.ok !== true)
      throw new Error(`expected a read, got ${outcome.ok === 'hang' ? 'a hang' : String(outcome.error)}`);
    for (const file of outcome.result.files) {
      expect((await file.content?.text()) ?? '', file.path).not.toContain('HOST SECRET');
    }
    // Both links resolve inside the image root, where nothing is at that path: the exact request is missing.
    const tree = await openFileTree(hostile.ref);
    const through = await tree
      .read([{ path: 'etc/out/payload' }, { path: 'etc/up/payload' }])
      .finally(() => tree.close());
    expect(through.missing.sort()).toEqual(['etc/out/payload', 'etc/up/payload']);
    expect(await filesBelow(host)).toEqual(['payload']);
    expect(await readFile(join(host, 'payload'), 'utf8')).toBe('HOST SECRET');
  });

  it('refuses hardlinks to /etc/passwd, to ../ paths and to files the image does not have', async () => {
    for (const [target, problem] of [
      ['/etc/passwd', /absolute name "\/etc\/passwd"/],
      ['../../../../etc/passwd', /climbs out of the root/],
    ] as const) {
      const hostile = await image([plainLayer(await makeTar([{ name: 'etc/shadow-copy', type: 'link', target }]))]);
      expectRefusal(await attempt(hostile.ref), 'input', hostile.ref, problem);
    }
    const missing = await image([
      plainLayer(await makeTar([{ name: 'etc/shadow-copy', type: 'link', target: 'etc/passwd' }])),
    ]);
    // A listing shows such a link as a link; reading it is what must fail.
    const read = await attempt(missing.ref, {}, [{ path: 'etc/shadow-copy' }]);
    expectRefusal(read, 'input', missing.ref, /hardlink to "etc\/passwd", which is missing/);
  });

  it('refuses a pax header that claims a huge size', async () => {
    // The ustar header says 8 bytes; the pax record before it overrides that with 2^52.
    const archive = pack();
    archive.entry({ name: 'etc/os-release', size: 8, pax: { size: String(2 ** 52) } }, 'ID=fuzz\n');
    archive.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of archive) chunks.push(chunk as Buffer);
    const hostile = await image([plainLayer(Buffer.concat(chunks))]);
    expectRefusal(
      await attempt(hostile.ref),
      'limit',
      hostile.ref,
      new RegExp(`is ${2 ** 52} bytes, over the \\d+-byte limit`),
    );
  });

  it('stops a gzip bomb at the configured layer limit', async () => {
    const tar = Readable.from(
      (async function* () {
        const header = await makeTar([{ name: 'zeros', content: Buffer.alloc(0) }]);
        yield header.subarray(0, 512);
        for (let i = 0; i < 256; i++) yield Buffer.alloc(1024 * 1024); // 256 MB of zeros, about 250 KB compressed
      })(),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of tar.pipe(createGzip({ level: 9 }))) chunks.push(chunk as Buffer);
    const bomb = Buffer.concat(chunks);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const hostile = await image([{ bytes: bomb, mediaType: OCI_LAYER_GZIP, diffId: sha256(Buffer.alloc(1)) }]);
    const error = expectRefusal(
      await attempt(hostile.ref, { limits: { maxLayerBytes: 4 * 1024 * 1024 } }),
      'limit',
      hostile.ref,
      /more than 4194304 bytes/,
    );
    expect(error.message).toContain('layer 0');
  });

  it('refuses a truncated zstd stream', async () => {
    const zstdLayer = corpus.find((l) => l.mediaType === OCI_LAYER_ZSTD)!;
    const truncated = zstdLayer.compressed.subarray(0, Math.floor(zstdLayer.compressed.length * 0.6));
    // The manifest describes the truncated blob truthfully, so only the zstd decoder can notice.
    const hostile = await image([{ bytes: truncated, mediaType: OCI_LAYER_ZSTD, diffId: sha256(zstdLayer.tar) }]);
    expectRefusal(await attempt(hostile.ref), 'integrity', hostile.ref, /zstd/);
  });

  it('refuses a manifest whose layer size lies, bigger or smaller', async () => {
    const layer = corpus[0]!;
    for (const [size, problem] of [
      [layer.compressed.length + 100, /shorter than its declared/],
      [layer.compressed.length - 100, /longer than its declared size/],
    ] as const) {
      const hostile = await image([
        { bytes: layer.compressed, mediaType: layer.mediaType, diffId: sha256(layer.tar), size },
      ]);
      const error = expectRefusal(await attempt(hostile.ref), 'integrity', hostile.ref, problem);
      expect(error.message).toContain(sha256(layer.compressed));
    }
  });

  it('refuses a manifest whose config digest lies', async () => {
    const layer = corpus[0]!;
    const lie = sha256(Buffer.from('some other config'));
    const hostile = await image([{ bytes: layer.compressed, mediaType: layer.mediaType, diffId: sha256(layer.tar) }], {
      configDigest: lie,
    });
    expectRefusal(
      await attempt(hostile.ref),
      'integrity',
      hostile.ref,
      new RegExp(`config ${lie}.*content digest is sha256:`),
    );
  });

  it('refuses an unknown layer media type, naming it', async () => {
    const layer = corpus[0]!;
    const mediaType = 'application/vnd.example.layer.v1.squashfs';
    const hostile = await image([{ bytes: layer.compressed, mediaType, diffId: sha256(layer.tar) }]);
    const error = expectRefusal(await attempt(hostile.ref), 'unsupported', hostile.ref, /unknown media type/);
    expect(error.message).toContain(mediaType);
  });

  it('refuses an index without the requested platform, listing the ones it has', async () => {
    const layer = corpus[0]!;
    const platforms = [
      { os: 'linux', architecture: 'arm64' },
      { os: 'linux', architecture: 'ppc64le' },
    ];
    const hostile = await image([{ bytes: layer.compressed, mediaType: layer.mediaType, diffId: sha256(layer.tar) }], {
      indexPlatforms: platforms,
    });
    const outcome = await attempt(hostile.ref, { platform: { os: 'linux', architecture: 's390x' } });
    expectRefusal(
      outcome,
      'not-found',
      hostile.ref,
      /no image for platform linux\/s390x \(it has: linux\/arm64, linux\/ppc64le\)/,
    );
    // The platform it does have reads fine.
    expect((await attempt(hostile.ref, { platform: { os: 'linux', architecture: 'arm64' } })).ok).toBe(true);
  });
});
