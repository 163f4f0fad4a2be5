import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../src/oci/image.js';
import type { FoundFile, ReadResult } from '../src/rootfs/file-tree.js';
import { openFileTree } from '../src/rootfs/open.js';
import { type BootcImage, KERNEL_VERSION, makeBootcImage } from './helpers/bootc-image.js';
import { findProgram, run } from './helpers/real-images.js';
import { tempDir } from './helpers/tmp.js';

// A real SQLite rpm database (Amazon Linux 2023). The shared fixtures are absent in a fresh clone; only then do the
// tests that need the real database skip.
const SHARED = '../shared';
const RPMDB_FIXTURE = join(SHARED, 'fixtures/rpmdb/amazonlinux2023/rpmdb.sqlite');
const haveShared = existsSync(SHARED);
const RPM_PATHS = ['usr/lib/sysimage/rpm/rpmdb.sqlite', 'var/lib/rpm/rpmdb.sqlite', 'usr/share/rpm/rpmdb.sqlite'];

let dir: string;
let image: BootcImage;
let fixture: Buffer | undefined;

beforeAll(async () => {
  dir = await tempDir('patchline-bootc-');
  fixture = haveShared ? await readFile(RPMDB_FIXTURE) : undefined;
  image = await makeBootcImage(dir, fixture ? { rpmdb: fixture } : {});
});

async function read(ref: string, requests: Array<{ path: string; content?: 'buffer' | 'none' }>): Promise<ReadResult> {
  const tree = await openFileTree(ref);
  try {
    return await tree.read(requests);
  } finally {
    await tree.close();
  }
}

function only(result: ReadResult, request: string): FoundFile {
  const found = result.files.filter((f) => f.request === request);
  expect(found, request).toHaveLength(1);
  return found[0]!;
}

describe('a bootc-shaped image: ostree objects, hardlinks, symlinked rpm paths, 60+ layers', () => {
  it('has the shape of a chunked ostree container image', async () => {
    const opened = await openImage(image.ref);
    await opened.close();
    expect(opened.layers.length).toBe(image.layerCount);
    expect(opened.layers.length).toBeGreaterThan(60);
    expect(opened.config.config?.Labels).toMatchObject({ 'containers.bootc': '1', 'ostree.bootable': 'true' });
    const components = opened.manifest.layers.map((l) => l.annotations?.['ostree.components']);
    expect(components.every((c) => c !== undefined && c !== '')).toBe(true);
  });

  it('reads the real rpm database through every path bootc images give it', async ({ skip }) => {
    skip(!haveShared, `${SHARED} is absent (a fresh clone): no real rpm database to put in the image`);
    const result = await read(
      image.ref,
      RPM_PATHS.map((path) => ({ path })),
    );
    expect(result.missing).toEqual([]);
    for (const path of RPM_PATHS) {
      const bytes = await only(result, path).content!.bytes();
      expect(bytes.equals(fixture!), path).toBe(true);
    }
    expect(only(result, 'var/lib/rpm/rpmdb.sqlite').resolvedPath).toBe('usr/share/rpm/rpmdb.sqlite');
    // The database came from the newest layer, as the builder placed it.
    expect(only(result, 'usr/share/rpm/rpmdb.sqlite').layer?.index).toBe(
      image.placed.get('usr/share/rpm/rpmdb.sqlite')!.layer,
    );
  });

  it('reads os-release from its chunk, directly and through etc/os-release', async () => {
    const result = await read(image.ref, [{ path: 'usr/lib/os-release' }, { path: 'etc/os-release' }]);
    const expected = image.placed.get('usr/lib/os-release')!;
    expect(await only(result, 'usr/lib/os-release').content!.text()).toBe(expected.content.toString());
    expect(await only(result, 'etc/os-release').content!.text()).toBe(expected.content.toString());
    expect(only(result, 'etc/os-release').resolvedPath).toBe('usr/lib/os-release');
    expect(only(result, 'usr/lib/os-release').layer?.index).toBe(expected.layer);
  });

  it('finds the kernel with the glob a kernel cataloger uses', async () => {
    const result = await read(image.ref, [{ path: 'usr/lib/modules/*/vmlinuz' }]);
    expect(result.files.map((f) => f.path)).toEqual([`usr/lib/modules/${KERNEL_VERSION}/vmlinuz`]);
    const kernel = image.placed.get(`usr/lib/modules/${KERNEL_VERSION}/vmlinuz`)!;
    expect((await result.files[0]!.content!.bytes()).equals(kernel.content)).toBe(true);
  });

  it('finds what a scanner that skips tar hardlinks (as Trivy does) would miss', async () => {
    const paths = ['usr/share/rpm/rpmdb.sqlite', 'usr/lib/os-release', `usr/lib/modules/${KERNEL_VERSION}/vmlinuz`];
    const result = await read(
      image.ref,
      paths.map((path) => ({ path })),
    );
    for (const path of paths) {
      const found = only(result, path);
      // Every real path is a hardlink to an ostree object: a hardlink-skipping walker never sees it...
      expect(found.entry.type, path).toBe('hardlink');
      expect(found.entry.linkTarget, path).toBe(image.placed.get(path)!.object);
      // ...while we return its content.
      expect((await found.content!.bytes()).length, path).toBeGreaterThan(0);
    }
    // Walk the whole tree as such a scanner would, keeping regular files only: nothing outside the object store.
    const listing = await read(image.ref, [{ path: '**', content: 'none' }]);
    const regular = listing.files.filter((f) => f.entry.type === 'file').map((f) => f.path);
    expect(regular.length).toBeGreaterThan(image.layerCount);
    expect(regular.filter((path) => !path.startsWith('sysroot/'))).toEqual([]);
    const hardlinks = listing.files.filter((f) => f.entry.type === 'hardlink').map((f) => f.path);
    expect(hardlinks.sort()).toEqual([...image.placed.keys()].sort());
  });

  it('settles the rpm database from the newest layer without opening the others', async () => {
    const tree = await openFileTree(image.ref);
    const result = await tree
      .read([{ path: 'usr/share/rpm/rpmdb.sqlite' }], { concurrency: 1 })
      .finally(() => tree.close());
    expect(result.missing).toEqual([]);
    expect(result.stats.layers).toBe(image.layerCount);
    expect(result.stats.layersRead).toBe(1);
  });

  it('reading two layers at a time, never runs further ahead than the second one', async () => {
    // While the first reader inflates the big newest layer, the second must not race down the small old chunks.
    const tree = await openFileTree(image.ref);
    const result = await tree.read([{ path: 'usr/share/rpm/rpmdb.sqlite' }]).finally(() => tree.close());
    expect(result.missing).toEqual([]);
    expect(result.stats.layersRead).toBeLessThanOrEqual(2);
  });

  it('passes through skopeo copy to an oci-archive and reads identically from it', async () => {
    const archive = join(dir, 'bootc.tar');
    const archiveRef = `oci-archive:${archive}:${image.tag}`;
    await run(findProgram('skopeo') ?? 'skopeo', ['copy', '--quiet', image.ref, archiveRef]);
    // skopeo copied the layers as they are, so the manifest (and its layer annotations) is byte-identical.
    const [fromLayout, fromArchive] = [await openImage(image.ref), await openImage(archiveRef)];
    await Promise.all([fromLayout.close(), fromArchive.close()]);
    expect(fromArchive.digest).toBe(fromLayout.digest);
    expect(fromArchive.manifest).toEqual(fromLayout.manifest);

    const requests = [
      { path: '**', content: 'none' as const },
      ...RPM_PATHS.map((path) => ({ path })),
      { path: 'etc/os-release' },
    ];
    const [a, b] = [await read(image.ref, requests), await read(archiveRef, requests)];
    const summarize = (result: ReadResult) =>
      Promise.all(
        result.files.map(async (f) => ({
          request: f.request,
          path: f.path,
          type: f.entry.type,
          size: f.entry.size,
          linkTarget: f.entry.linkTarget,
          layer: f.layer?.index,
          sha256: f.content
            ? createHash('sha256')
                .update(await f.content.bytes())
                .digest('hex')
            : undefined,
        })),
      );
    const fromA = await summarize(a);
    expect(fromA.length).toBeGreaterThan(image.placed.size);
    expect(await summarize(b)).toEqual(fromA);
  });
});
