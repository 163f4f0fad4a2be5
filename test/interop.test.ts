import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openImage } from '../src/oci/image.js';
import { openFileTree } from '../src/rootfs/open.js';
import { findProgram, isUnavailable, type RealImages, realImages, run } from './helpers/real-images.js';

/**
 * We read what real tools write. Every expected value comes from a real tool at test time: digests from skopeo, the
 * merged file tree from `umoci unpack` of the same image, file bytes from that unpacked tree or the debootstrap rootfs.
 */

let images: RealImages;
let unavailable: string | undefined;

beforeAll(async () => {
  const built = await realImages();
  if (isUnavailable(built)) {
    unavailable = built.unavailable;
    console.warn(unavailable);
  } else images = built;
}, 600_000);

beforeEach(({ skip }) => {
  if (unavailable !== undefined) skip(unavailable);
});

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function skopeo(...args: string[]): Promise<Buffer> {
  return run(findProgram('skopeo') ?? 'skopeo', args);
}

/** One path as `ls -l` would tell it: type, size for files, target for symlinks. Modes and times are not compared. */
type Listing = Map<string, string>;

function describeEntry(type: string, size: number, linkTarget?: string): string {
  if (type === 'file') return `file ${size}`;
  if (type === 'symlink') return `symlink -> ${linkTarget}`;
  return type;
}

/** The oracle: a real tool's unpacked tree, walked without following symlinks. Hardlinked files are just files. */
async function unpackedListing(root: string): Promise<Listing> {
  const listing: Listing = new Map();
  const visit = async (dir: string): Promise<void> => {
    for (const name of await readdir(join(root, dir))) {
      const path = dir === '' ? name : `${dir}/${name}`;
      const stats = await lstat(join(root, path));
      if (stats.isSymbolicLink()) listing.set(path, describeEntry('symlink', 0, await readlink(join(root, path))));
      else if (stats.isFile()) listing.set(path, describeEntry('file', stats.size));
      else if (stats.isDirectory()) {
        listing.set(path, 'dir');
        await visit(path);
      } else listing.set(path, 'other'); // device nodes in /dev
    }
  };
  await visit('');
  return listing;
}

/** Our merged tree of an image, listed with the same words; a tar hardlink is a file of its target's size. */
async function ourListing(ref: string): Promise<Listing> {
  const tree = await openFileTree(ref);
  try {
    const result = await tree.read([{ path: '**', content: 'none' }]);
    const listing: Listing = new Map();
    for (const { path, entry } of result.files) {
      const type = entry.type === 'hardlink' ? 'file' : entry.type;
      listing.set(path, describeEntry(type, entry.size, entry.linkTarget));
    }
    return listing;
  } finally {
    await tree.close();
  }
}

/** Compares two listings and returns only the differences, so a failure shows a short, readable diff. */
function differences(ours: Listing, oracle: Listing) {
  const onlyOurs = [...ours.keys()].filter((path) => !oracle.has(path)).sort();
  const onlyOracle = [...oracle.keys()].filter((path) => !ours.has(path)).sort();
  const changed = [...ours.entries()]
    .filter(([path, what]) => oracle.has(path) && oracle.get(path) !== what)
    .map(([path, what]) => `${path}: ours "${what}", oracle "${oracle.get(path)}"`);
  return { onlyOurs, onlyOracle, changed };
}

async function readBytes(ref: string, paths: string[]) {
  const tree = await openFileTree(ref);
  try {
    const result = await tree.read(paths.map((path) => ({ path })));
    expect(result.missing).toEqual([]);
    const found = new Map<string, { bytes: Buffer; resolvedPath?: string; layer?: number }>();
    for (const file of result.files) {
      const item: { bytes: Buffer; resolvedPath?: string; layer?: number } = { bytes: await file.content!.bytes() };
      if (file.resolvedPath !== undefined) item.resolvedPath = file.resolvedPath;
      if (file.layer !== undefined) item.layer = file.layer.index;
      found.set(file.request, item);
    }
    return found;
  } finally {
    await tree.close();
  }
}

/** Names of every entry in a layer blob, listed by GNU tar (which detects the compression itself). */
async function tarNames(blob: string): Promise<string[]> {
  return (await run('tar', ['-tf', blob])).toString('utf8').split('\n').filter(Boolean);
}

async function layoutLayerBlobs(ref: string): Promise<string[]> {
  const image = await openImage(ref);
  await image.close();
  const dir = ref.slice('oci:'.length, ref.lastIndexOf(':'));
  return image.layers.map((layer) => join(dir, 'blobs', 'sha256', layer.descriptor.digest.slice('sha256:'.length)));
}

type Transport = 'oci' | 'ociArchive' | 'dockerArchive';
const transports: Transport[] = ['oci', 'ociArchive', 'dockerArchive'];

describe('a podman-built image (debootstrap rootfs imported, two RUN layers)', () => {
  it('has real whiteouts in its upper layers, as written by podman', async () => {
    const names = (await Promise.all((await layoutLayerBlobs(images.podman.oci)).map(tarNames))).flat();
    const whiteouts = names.filter((name) => /(^|\/)\.wh\.[^/]+$/.test(name));
    expect(whiteouts.length).toBeGreaterThan(0);
    // Only the overlay driver turns "rm -rf dir && mkdir dir" into an opaque folder; vfs whites out each child.
    const opaque = whiteouts.filter((name) => name.endsWith('.wh..wh..opq'));
    if (images.podman.storageDriver === 'overlay') expect(opaque.length).toBeGreaterThan(0);
  });

  describe.each(transports)('read from %s', (transport) => {
    const refOf = () => images.podman[transport];

    it('has the digests skopeo reports', async () => {
      const ref = refOf();
      const image = await openImage(ref);
      await image.close();
      const raw = await skopeo('inspect', '--raw', ref);
      const manifest = JSON.parse(raw.toString()) as {
        config: { digest: string };
        layers: Array<{ digest: string; size: number }>;
      };
      const config = await skopeo('inspect', '--config', '--raw', ref);
      expect(image.configDigest).toBe(sha256(config));
      expect(image.configDigest).toBe(manifest.config.digest);
      expect(image.layers.map((l) => l.diffId)).toEqual(JSON.parse(config.toString()).rootfs.diff_ids);
      expect(image.layers.map((l) => [l.descriptor.digest, l.descriptor.size])).toEqual(
        manifest.layers.map((l) => [l.digest, l.size]),
      );
      if (transport === 'dockerArchive') {
        // A docker-archive has no registry manifest: skopeo and we each synthesise one (skopeo even labels the
        // uncompressed layers gzip), so only the config digest (the image ID), diffIDs and layers are comparable.
        return;
      }
      expect(image.digest).toBe(sha256(raw));
      const inspected = JSON.parse((await skopeo('inspect', ref)).toString()) as { Digest: string; Layers: string[] };
      expect(image.digest).toBe(inspected.Digest);
      expect(image.layers.map((l) => l.descriptor.digest)).toEqual(inspected.Layers);
    });

    it('lists the merged tree exactly as umoci unpacks it', async () => {
      const [ours, oracle] = await Promise.all([ourListing(refOf()), unpackedListing(images.podman.unpacked)]);
      expect(oracle.size).toBeGreaterThan(1000);
      expect(differences(ours, oracle)).toEqual({ onlyOurs: [], onlyOracle: [], changed: [] });
    });

    it('reads etc/os-release through its symlink and var/lib/dpkg/status byte for byte', async () => {
      const found = await readBytes(refOf(), ['etc/os-release', 'var/lib/dpkg/status']);
      const osRelease = await readFile(join(images.podman.unpacked, 'usr/lib/os-release'));
      const status = await readFile(join(images.podman.unpacked, 'var/lib/dpkg/status'));
      // The last RUN appended to os-release: its bytes must come from the top layer, not the base.
      expect(osRelease.toString()).toContain('PATCHLINE_LAYER=3');
      expect(found.get('etc/os-release')?.bytes.equals(osRelease)).toBe(true);
      expect(found.get('etc/os-release')?.resolvedPath).toBe('usr/lib/os-release');
      expect(found.get('var/lib/dpkg/status')?.bytes.equals(status)).toBe(true);
      // No layer touched the dpkg database, so it is still debootstrap's own file.
      expect(status.equals(await readFile(join(images.rootfs, 'var/lib/dpkg/status')))).toBe(true);
    });
  });
});

describe('an umoci-made image (init, new, unpack, change, repack)', () => {
  it('has the digests skopeo reports', async () => {
    for (const ref of [images.umoci.v1, images.umoci.v2]) {
      const image = await openImage(ref);
      await image.close();
      expect(image.digest).toBe(sha256(await skopeo('inspect', '--raw', ref)));
      expect(image.configDigest).toBe(sha256(await skopeo('inspect', '--config', '--raw', ref)));
    }
  });

  it('has real whiteouts in the layer of the changes', async () => {
    const blobs = await layoutLayerBlobs(images.umoci.v2);
    const top = await tarNames(blobs.at(-1)!);
    expect(top.filter((name) => /(^|\/)\.wh\.[^/]+$/.test(name)).length).toBeGreaterThan(0);
  });

  it('lists each version exactly as umoci unpacks it', async () => {
    for (const [ref, unpacked] of [
      [images.umoci.v1, images.umoci.unpackedV1],
      [images.umoci.v2, images.umoci.unpackedV2],
    ] as const) {
      const [ours, oracle] = await Promise.all([ourListing(ref), unpackedListing(unpacked)]);
      expect(oracle.size).toBeGreaterThan(100);
      expect(differences(ours, oracle)).toEqual({ onlyOurs: [], onlyOracle: [], changed: [] });
    }
  });

  it('reads changed and unchanged files byte for byte', async () => {
    const paths = [
      'etc/os-release',
      'var/lib/dpkg/status',
      'etc/hostname',
      'usr/share/doc/apt/README',
      'usr/share/doc/gzip',
    ];
    const found = await readBytes(images.umoci.v2, paths);
    for (const path of paths) {
      const real = await readFile(join(images.umoci.unpackedV2, path)); // the host follows the relative os-release link
      expect(found.get(path)?.bytes.equals(real), path).toBe(true);
    }
  });

  it('reads a folder replaced by a symlink as the spec says, whatever whiteouts umoci put under the link', async () => {
    // umoci repack writes `usr/share/doc/bash -> dash` and then `usr/share/doc/bash/.wh.copyright` etc. for the old
    // folder's children. A whiteout only deletes the path it names in *lower* layers (image-spec layer.md), and the
    // symlink already hides everything below it, so dash's files must stay. (Extracting tools that resolve the
    // whiteout's path through the new symlink delete dash's files instead; containers/storage refuses the layer.)
    const ours = await ourListing(images.umoci.v3);
    expect(ours.get('usr/share/doc/bash')).toBe('symlink -> dash');
    expect([...ours.keys()].filter((path) => path.startsWith('usr/share/doc/bash/'))).toEqual([]);
    const dash = (listing: Listing) =>
      [...listing.entries()].filter(([path]) => path.startsWith('usr/share/doc/dash/'));
    const before = await unpackedListing(images.umoci.unpackedV2);
    expect(dash(before).length).toBeGreaterThan(0);
    expect(dash(ours)).toEqual(dash(before));
    const blobs = await layoutLayerBlobs(images.umoci.v3);
    expect(await tarNames(blobs.at(-1)!)).toContain('usr/share/doc/bash/.wh.copyright');
  });
});

describe('dir: on the debootstrap rootfs', () => {
  it('reads etc/os-release through its symlink and var/lib/dpkg/status byte for byte', async () => {
    const ref = `dir:${images.rootfs}`;
    const found = await readBytes(ref, ['etc/os-release', 'var/lib/dpkg/status']);
    expect(found.get('etc/os-release')?.resolvedPath).toBe('usr/lib/os-release');
    expect(found.get('etc/os-release')?.bytes.equals(await readFile(join(images.rootfs, 'usr/lib/os-release')))).toBe(
      true,
    );
    expect(
      found.get('var/lib/dpkg/status')?.bytes.equals(await readFile(join(images.rootfs, 'var/lib/dpkg/status'))),
    ).toBe(true);
  });
});
