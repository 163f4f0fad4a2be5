import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PatchlineError } from '../src/core/index.js';
import type { ReadOptions, ReadResult } from '../src/rootfs/file-tree.js';
import { openFileTree } from '../src/rootfs/open.js';
import { makeLayoutImage } from './helpers/images.js';
import type { TarSpec } from './helpers/tar.js';
import { tempDir } from './helpers/tmp.js';

async function readPaths(
  ref: string,
  paths: string[],
  content: 'buffer' | 'stream' | 'none' = 'buffer',
  options: ReadOptions = {},
) {
  const tree = await openFileTree(ref);
  try {
    return await tree.read(
      paths.map((path) => ({ path, content })),
      options,
    );
  } finally {
    await tree.close();
  }
}

function contentOf(result: ReadResult, request: string): Promise<string> | undefined {
  return result.files.find((f) => f.request === request)?.content?.text();
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

describe('overlay semantics', () => {
  let ref: string;
  beforeAll(async () => {
    ({ ref } = await makeLayoutImage(dir, 'overlay', [
      [
        { name: 'etc/', type: 'dir' },
        { name: 'etc/a', content: 'a0' },
        { name: 'etc/b', content: 'b0' },
        { name: 'usr/x/y', content: 'y0' },
        { name: 'usr/x/keep/deep', content: 'deep0' },
        { name: 'opt/tool', type: 'dir' },
        { name: 'opt/tool/bin', content: 'bin0' },
      ],
      [
        { name: 'etc/.wh.a', content: '' },
        { name: 'usr/x/.wh..wh..opq', content: '' },
        { name: 'usr/x/z', content: 'z1' },
        { name: 'opt/tool', content: 'now a file' },
      ],
      [{ name: 'etc/b', content: 'b2' }],
    ]));
  });

  it('applies whiteouts, opaque folders and replacement as overlayfs does', async () => {
    const result = await readPaths(ref, [
      'etc/a',
      'etc/b',
      'usr/x/y',
      'usr/x/keep/deep',
      'usr/x/z',
      'opt/tool',
      'opt/tool/bin',
    ]);
    expect(result.missing.sort()).toEqual(['etc/a', 'opt/tool/bin', 'usr/x/keep/deep', 'usr/x/y']);
    expect(await contentOf(result, 'etc/b')).toBe('b2');
    expect(await contentOf(result, 'usr/x/z')).toBe('z1');
    expect(await contentOf(result, 'opt/tool')).toBe('now a file');
    expect(result.files.find((f) => f.path === 'etc/b')?.layer?.index).toBe(2);
  });

  it('lists the merged tree with each path from the layer that decides it', async () => {
    const result = await readPaths(ref, ['**'], 'none');
    const listed = Object.fromEntries(result.files.map((f) => [f.path, `${f.entry.type}@${f.layer?.index}`]));
    // etc/ has its own entry in layer 0; the other folders are only implied by paths, the highest implication wins.
    expect(listed).toEqual({
      etc: 'dir@0',
      'etc/b': 'file@2',
      opt: 'dir@1',
      'opt/tool': 'file@1',
      usr: 'dir@1',
      'usr/x': 'dir@1',
      'usr/x/z': 'file@1',
    });
  });

  it('reads the same content whatever the layer compression', async () => {
    const layers: TarSpec[][] = [
      [{ name: 'a/one', content: 'gzip layer' }],
      [{ name: 'a/two', content: 'zstd layer' }],
      [{ name: 'a/three', content: 'plain layer' }],
    ];
    const image = await makeLayoutImage(dir, 'mixed', layers, { compression: ['gzip', 'zstd', 'none'] });
    const result = await readPaths(image.ref, ['a/one', 'a/two', 'a/three']);
    expect(await contentOf(result, 'a/one')).toBe('gzip layer');
    expect(await contentOf(result, 'a/two')).toBe('zstd layer');
    expect(await contentOf(result, 'a/three')).toBe('plain layer');
  });
});

describe('links', () => {
  let ref: string;
  const rpmdb = Buffer.from('SQLite format 3\0 pretend database bytes');
  beforeAll(async () => {
    // The shape of a bootc (ostree container) image: content stored once as ostree objects, real paths hardlinked to
    // them in the same layer, the rpm database reached through symlinked folders.
    const objects = 'sysroot/ostree/repo/objects';
    ({ ref } = await makeLayoutImage(dir, 'bootc', [
      [
        { name: `${objects}/3f/aa.file`, content: rpmdb },
        { name: `${objects}/9c/bb.file`, content: 'ID=fedora\nVERSION_ID=42\n' },
        { name: 'usr/share/rpm/rpmdb.sqlite', type: 'link', target: `${objects}/3f/aa.file` },
        { name: 'usr/lib/os-release', type: 'link', target: `${objects}/9c/bb.file` },
        { name: 'usr/lib/sysimage/rpm', type: 'symlink', target: '../../share/rpm' },
        { name: 'var/lib/rpm', type: 'symlink', target: '../../usr/share/rpm' },
        { name: 'etc/os-release', type: 'symlink', target: '../usr/lib/os-release' },
        { name: 'etc/escape', type: 'symlink', target: '../../../../../etc/hostname' },
        { name: 'etc/absolute', type: 'symlink', target: '/etc/hostname' },
        { name: 'etc/hostname', content: 'image-hostname' },
        { name: 'loop/a', type: 'symlink', target: 'b' },
        { name: 'loop/b', type: 'symlink', target: 'a' },
        { name: 'dangling', type: 'link', target: 'no/such/file' },
      ],
      [{ name: 'etc/motd', content: 'hello' }],
    ]));
  });

  it('reads hardlinked ostree objects through symlinked rpm paths', async () => {
    const paths = [
      'usr/share/rpm/rpmdb.sqlite',
      'usr/lib/sysimage/rpm/rpmdb.sqlite',
      'var/lib/rpm/rpmdb.sqlite',
      '/etc/os-release',
    ];
    const result = await readPaths(ref, paths);
    expect(result.missing).toEqual([]);
    for (const path of paths.slice(0, 3)) {
      expect((await result.files.find((f) => f.request === path)?.content?.bytes())?.equals(rpmdb)).toBe(true);
    }
    expect(await contentOf(result, '/etc/os-release')).toContain('ID=fedora');
    expect(result.files.find((f) => f.request === 'var/lib/rpm/rpmdb.sqlite')?.resolvedPath).toBe(
      'usr/share/rpm/rpmdb.sqlite',
    );
  });

  it('streams content through a spooled file when asked to', async () => {
    const result = await readPaths(ref, ['var/lib/rpm/rpmdb.sqlite'], 'stream');
    const content = result.files[0]?.content;
    expect(content?.spoolPath).toBeDefined();
    const chunks: Buffer[] = [];
    for await (const chunk of content!.stream()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(rpmdb)).toBe(true);
    await result.dispose();
  });

  it('keeps symlinks inside the image root, never the host', async () => {
    const result = await readPaths(ref, ['etc/escape', 'etc/absolute']);
    expect(await contentOf(result, 'etc/escape')).toBe('image-hostname');
    expect(await contentOf(result, 'etc/absolute')).toBe('image-hostname');
  });

  it('lists broken links as links when a glob matches them, without failing the listing', async () => {
    const result = await readPaths(ref, ['loop/*', 'dangl*'], 'buffer');
    expect(result.files.map((f) => [f.path, f.entry.type, f.content === undefined])).toEqual([
      ['loop/a', 'symlink', true],
      ['loop/b', 'symlink', true],
      ['dangling', 'hardlink', true],
    ]);
  });

  it('refuses a symlink loop with a clear error', async () => {
    await expect(readPaths(ref, ['loop/a/x'])).rejects.toThrow(/symlinks in its path \(a symlink loop\?\)/);
  });

  it('refuses a hardlink to a missing file with a clear error', async () => {
    await expect(readPaths(ref, ['dangling'])).rejects.toThrow(/hardlink to "no\/such\/file", which is missing/);
  });
});

describe('fewest bytes', () => {
  it('stops reading lower layers once the newest ones settle every requested path', async () => {
    const filler = (i: number) => Buffer.alloc(200_000, i);
    const layers: TarSpec[][] = Array.from({ length: 12 }, (_, i) => [{ name: `data/layer-${i}`, content: filler(i) }]);
    layers[11]!.push({ name: 'etc/os-release', content: 'ID=top\n' });
    const image = await makeLayoutImage(dir, 'tall', layers, { compression: 'none' });
    const result = await readPaths(image.ref, ['etc/os-release'], 'buffer', { concurrency: 1 });
    expect(await contentOf(result, 'etc/os-release')).toBe('ID=top\n');
    expect(result.stats.layers).toBe(12);
    expect(result.stats.layersRead).toBe(1);
    expect(result.stats.bytesRead).toBeLessThan(210_000);

    // Read two at a time, the second layer is already in flight when the newest settles everything; no third starts.
    const parallel = await readPaths(image.ref, ['etc/os-release']);
    expect(await contentOf(parallel, 'etc/os-release')).toBe('ID=top\n');
    expect(parallel.stats.layersRead).toBe(2);

    const absent = await readPaths(image.ref, ['etc/redhat-release']);
    expect(absent.missing).toEqual(['etc/redhat-release']);
    expect(absent.stats.layersRead).toBe(12);
  });
});

describe('dir: root filesystems', () => {
  it('resolves absolute symlinks against the root, not the host', async () => {
    const root = join(dir, 'rootfs');
    const { mkdir, symlink } = await import('node:fs/promises');
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(join(root, 'usr/lib'), { recursive: true });
    await writeFile(join(root, 'usr/lib/os-release'), 'ID=rootfs\n');
    await symlink('/usr/lib/os-release', join(root, 'etc/os-release'));
    await symlink('/etc/passwd', join(root, 'etc/host-passwd'));
    const result = await readPaths(`dir:${root}`, ['etc/os-release', 'etc/host-passwd', 'etc/*']);
    expect(await contentOf(result, 'etc/os-release')).toBe('ID=rootfs\n');
    expect(result.missing).toEqual(['etc/host-passwd']);
    // A glob lists entries as they are: the dangling link is listed, as a link, with no content.
    const listed = result.files.filter((f) => f.request === 'etc/*');
    expect(listed.map((f) => [f.path, f.entry.type, f.content !== undefined])).toEqual([
      ['etc/host-passwd', 'symlink', false],
      ['etc/os-release', 'symlink', true],
    ]);
    expect((await readFile('/etc/passwd')).length).toBeGreaterThan(0);
  });
});

describe('hostile and broken input', () => {
  it('refuses tar entries that climb out of the root or are absolute', async () => {
    const climbing = await makeLayoutImage(dir, 'climb', [[{ name: '../../evil', content: 'x' }]]);
    await expect(readPaths(climbing.ref, ['**'])).rejects.toThrow(/climbs out of the root/);
    const absolute = await makeLayoutImage(dir, 'absolute', [[{ name: '/etc/evil', content: 'x' }]]);
    await expect(readPaths(absolute.ref, ['**'])).rejects.toThrow(/absolute name/);
  });

  it('stops a decompression bomb at the configured limit', async () => {
    const image = await makeLayoutImage(dir, 'bomb', [[{ name: 'zeros', content: Buffer.alloc(5_000_000) }]]);
    const tree = await openFileTree(image.ref, { limits: { maxLayerBytes: 1_000_000 } });
    const error = await tree.read([{ path: 'zeros' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PatchlineError);
    expect((error as PatchlineError).kind).toBe('limit');
    expect((error as PatchlineError).message).toMatch(/layer 0 .*decompresses to more than 1000000 bytes/);
    await tree.close();
  });

  it('names the blob whose content does not match its digest', async () => {
    const image = await makeLayoutImage(dir, 'corrupt', [[{ name: 'etc/x', content: 'original content here' }]], {
      compression: 'none',
    });
    const manifest = JSON.parse(await readFile(join(image.dir, 'index.json'), 'utf8')).manifests[0].digest as string;
    const layerDigest = JSON.parse(await readFile(join(image.dir, 'blobs/sha256', manifest.slice(7)), 'utf8')).layers[0]
      .digest as string;
    const blob = join(image.dir, 'blobs/sha256', layerDigest.slice(7));
    const bytes = await readFile(blob);
    bytes.write('tampered', bytes.indexOf('original'));
    await writeFile(blob, bytes);
    await expect(readPaths(image.ref, ['etc/x'])).rejects.toThrow(
      new RegExp(`${layerDigest}.*content digest is sha256:`),
    );
  });

  it('refuses truncated gzip data', async () => {
    const image = await makeLayoutImage(dir, 'truncated', [[{ name: 'etc/x', content: Buffer.alloc(100_000, 7) }]]);
    const index = JSON.parse(await readFile(join(image.dir, 'index.json'), 'utf8')).manifests[0].digest as string;
    const manifestPath = join(image.dir, 'blobs/sha256', index.slice(7));
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    const blob = join(image.dir, 'blobs/sha256', manifest.layers[0].digest.slice(7));
    await writeFile(blob, (await readFile(blob)).subarray(0, 50));
    await expect(readPaths(image.ref, ['etc/x'])).rejects.toThrow(/layer 0/);
  });

  it('fails, naming the file, when the disk it spools to is full (it used to wait forever)', async () => {
    const image = await makeLayoutImage(dir, 'spool-full', [[{ name: 'var/big', content: Buffer.alloc(1 << 20, 3) }]]);
    // A real full disk: a 64 KiB tmpfs as the temporary folder (the tests run as root, as CI does).
    const small = await tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]);
    const before = process.env.TMPDIR;
    process.env.TMPDIR = small;
    try {
      const error = await readPaths(image.ref, ['var/big'], 'stream').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PatchlineError);
      expect((error as PatchlineError).kind).toBe('io');
      expect((error as Error).message).toMatch(/var\/big.*could not be kept on disk.*ENOSPC/);
      // Nothing of the read is left behind.
      expect(readdirSync(small)).toEqual([]);
    } finally {
      process.env.TMPDIR = before;
      execFileSync('umount', [small]);
    }
  });
});
