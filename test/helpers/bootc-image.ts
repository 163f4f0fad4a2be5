import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OciLayoutWriter } from '../../src/oci/layout-writer.js';
import { OCI_MANIFEST } from '../../src/oci/media-types.js';
import { pseudoBytes } from './pseudo-bytes.js';
import { makeTar, type TarSpec } from './tar.js';

/**
 * A bootc-shaped image (what `rpm-ostree compose container-encapsulate` and bootc's chunked export produce), made
 * with our OciLayoutWriter and modelled on ../shared/fixtures/bootc/manifest1.json (51 gzip layers there; 64 here):
 *
 * - layer 0 is the ostree commit layer: repo metadata objects, the folder skeleton and the symlinks bootc images have
 *   (`usr/lib/sysimage/rpm` and `var/lib/rpm` to `usr/share/rpm`, `etc/os-release` to `../usr/lib/os-release`);
 * - every other layer is one "chunk" of components (its manifest annotation `ostree.components` names them): each file's
 *   content is stored once as `sysroot/ostree/repo/objects/xx/yyyy.file`, and the real path is a tar hardlink to that
 *   object, written after it in the same layer, as ostree-ext does. Equal content is stored once and linked twice;
 * - the kernel sits in an early chunk, os-release in a middle one, and the rpm database in the newest layer (where a
 *   derived image's `dnf install` would leave it).
 *
 * Tools that skip tar hardlinks (Trivy does) see only the objects, and report such an image as empty.
 */

export const KERNEL_VERSION = '6.11.4-301.fc41.x86_64';
const OBJECTS = 'sysroot/ostree/repo/objects';

export interface BootcImage {
  /** `oci:DIR:TAG` */
  ref: string;
  dir: string;
  tag: string;
  layerCount: number;
  /** Where each real path's content went: its layer and the ostree object it is a hardlink to. */
  placed: Map<string, { layer: number; object: string; content: Buffer }>;
  /** The symlinks of the commit layer, path → target. */
  symlinks: Map<string, string>;
  labels: Record<string, string>;
}

export interface BootcImageOptions {
  /** Bytes of `usr/share/rpm/rpmdb.sqlite`: a real database for tests that have one, otherwise a stand-in. */
  rpmdb?: Buffer;
  /** Total layers, the commit layer included (at least 4). */
  layers?: number;
  tag?: string;
}

function objectPath(content: Buffer): string {
  const hex = createHash('sha256').update(content).digest('hex');
  return `${OBJECTS}/${hex.slice(0, 2)}/${hex.slice(2)}.file`;
}

/** One chunk layer being written: folders first, each object once, then the hardlinks that name it. */
class Chunk {
  readonly entries: TarSpec[] = [];
  private readonly folders = new Set<string>();
  private readonly objects = new Set<string>();

  constructor(
    readonly index: number,
    private readonly placed: BootcImage['placed'],
  ) {}

  private folder(path: string): void {
    const parts = path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (this.folders.has(dir)) continue;
      this.folders.add(dir);
      this.entries.push({ name: `${dir}/`, type: 'dir' });
    }
  }

  file(path: string, content: Buffer, mode = 0o644): void {
    const object = objectPath(content);
    if (!this.objects.has(object)) {
      this.objects.add(object);
      this.folder(object);
      this.entries.push({ name: object, content, mode });
    }
    this.folder(path);
    this.entries.push({ name: path, type: 'link', target: object });
    this.placed.set(path, { layer: this.index, object, content });
  }
}

/** Writes the image into `parent/bootc` and returns where everything went. */
export async function makeBootcImage(parent: string, options: BootcImageOptions = {}): Promise<BootcImage> {
  const layerCount = options.layers ?? 64;
  if (layerCount < 4) throw new Error('a bootc image here has at least 4 layers');
  const tag = options.tag ?? 'latest';
  const dir = join(parent, 'bootc');
  const writer = new OciLayoutWriter(dir);
  const placed: BootcImage['placed'] = new Map();
  const components: string[] = [];

  // Layer 0: the ostree commit layer.
  const symlinks = new Map<string, string>([
    ['bin', 'usr/bin'],
    ['lib', 'usr/lib'],
    ['lib64', 'usr/lib64'],
    ['sbin', 'usr/sbin'],
    ['ostree', 'sysroot/ostree'],
    ['home', 'var/home'],
    ['usr/lib/sysimage/rpm', '../../share/rpm'],
    ['var/lib/rpm', '../../usr/share/rpm'],
    ['etc/os-release', '../usr/lib/os-release'],
  ]);
  const commit = createHash('sha256').update(`commit of ${tag}`).digest('hex');
  const commitLayer: TarSpec[] = [
    ...[
      'etc',
      'usr',
      'usr/bin',
      'usr/lib',
      'usr/lib/sysimage',
      'usr/lib64',
      'usr/sbin',
      'usr/share',
      'var',
      'var/lib',
    ].map((name): TarSpec => ({ name: `${name}/`, type: 'dir' })),
    { name: 'sysroot/ostree/repo/config', content: '[core]\nrepo_version=1\nmode=bare-split-xattrs\n' },
    { name: `${OBJECTS}/${commit.slice(0, 2)}/${commit.slice(2)}.commit`, content: pseudoBytes('commit', 600) },
    { name: `${OBJECTS}/1b/${'1b'.repeat(31)}.dirtree`, content: pseudoBytes('dirtree', 900) },
    { name: `${OBJECTS}/44/${'44'.repeat(31)}.dirmeta`, content: pseudoBytes('dirmeta', 120) },
    ...[...symlinks].map(([name, target]): TarSpec => ({ name, type: 'symlink', target })),
  ];
  await writer.addLayer(await makeTar(commitLayer), 'gzip');
  components.push('ostree_commit');

  // Layers 1..n-2: one chunk each. The kernel is an early, big chunk (as in manifest1.json); os-release is mid-way.
  const top = layerCount - 1;
  const releaseLayer = Math.floor(layerCount / 2);
  for (let index = 1; index < top; index++) {
    const chunk = new Chunk(index, placed);
    let name: string;
    if (index === 1) {
      name = 'kernel-core';
      const modules = `usr/lib/modules/${KERNEL_VERSION}`;
      chunk.file(`${modules}/vmlinuz`, pseudoBytes('vmlinuz', 96 * 1024), 0o755);
      chunk.file(`${modules}/modules.dep`, Buffer.from('kernel/fs/overlayfs/overlay.ko.xz:\n'));
      chunk.file(`${modules}/config`, Buffer.from('CONFIG_OVERLAY_FS=m\n'));
    } else if (index === releaseLayer) {
      name = 'fedora-release-common';
      const release =
        'NAME="Fedora Linux"\nVERSION="41 (Patchline bootc test)"\nID=fedora\nVERSION_ID=41\nVARIANT_ID=bootc\n';
      chunk.file('usr/lib/os-release', Buffer.from(release));
    } else {
      name = `component-${String(index).padStart(2, '0')}`;
      const program = pseudoBytes(`${name} program`, 2048 + index * 16);
      chunk.file(`usr/bin/${name}`, program, 0o755);
      // The same bytes under a second path: stored once, linked twice.
      chunk.file(`usr/libexec/${name}/${name}`, program, 0o755);
      chunk.file(`usr/lib64/lib${name}.so.1`, pseudoBytes(`${name} library`, 4096));
      chunk.file(`usr/share/doc/${name}/README`, Buffer.from(`${name}: documentation\n`));
    }
    components.push(name);
    await writer.addLayer(await makeTar(chunk.entries), 'gzip');
  }

  // The newest layer: the rpm database.
  const newest = new Chunk(top, placed);
  newest.file('usr/share/rpm/rpmdb.sqlite', options.rpmdb ?? Buffer.from('SQLite format 3\0stand-in rpm database\n'));
  components.push('rpmostree-unpackaged-content');
  await writer.addLayer(await makeTar(newest.entries), 'gzip');

  const labels = {
    'containers.bootc': '1',
    'ostree.bootable': 'true',
    'ostree.commit': commit,
    'ostree.linux': KERNEL_VERSION,
    'org.opencontainers.image.version': '41.20260101.0',
  };
  const descriptor = await writer.finish({ tag, labels, platform: { os: 'linux', architecture: 'amd64' } });
  await annotateLayers(dir, descriptor.digest, tag, components);
  return { ref: `oci:${dir}:${tag}`, dir, tag, layerCount, placed, symlinks, labels };
}

/**
 * Adds each layer's `ostree.components` annotation to the manifest. OciLayoutWriter writes no per-layer annotations,
 * so the manifest is rewritten here (and index.json pointed at the new one).
 */
async function annotateLayers(dir: string, manifestDigest: string, tag: string, components: string[]): Promise<void> {
  const blob = (digest: string) => join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  const manifest = JSON.parse(await readFile(blob(manifestDigest), 'utf8')) as {
    layers: Array<Record<string, unknown>>;
  };
  manifest.layers.forEach((layer, i) => {
    layer.annotations = { 'ostree.components': components[i] ?? '' };
  });
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await writeFile(blob(digest), bytes);
  await rm(blob(manifestDigest));
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: OCI_MANIFEST,
        digest,
        size: bytes.length,
        annotations: { 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
}
