import { lstat, mkdir, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openImage, parseImageReference } from '../src/oci/index.js';
import { extractMergedTree } from '../src/rootfs/index.js';
import { makeLayoutImage } from './helpers/images.js';
import { tempDir } from './helpers/tmp.js';

/*
 * extractMergedTree writes what a container started from the image sees (compliance-scan.ts hands it to oscap). The
 * layers below are real tars; the folder is checked with the file system's own calls.
 */

const ROOT_ONLY = process.getuid?.() === 0 ? undefined : 'keeping file owners needs root';

async function extract(layers: Parameters<typeof makeLayoutImage>[2]): Promise<{ dir: string; work: string }> {
  const work = await tempDir('patchline-extract-');
  const { ref } = await makeLayoutImage(work, 'image', layers);
  const image = await openImage(parseImageReference(ref));
  const dir = join(work, 'root');
  await mkdir(dir);
  try {
    await extractMergedTree(image, dir);
  } finally {
    await image.close();
  }
  return { dir, work };
}

describe.skipIf(ROOT_ONLY !== undefined)(ROOT_ONLY ? `extract (skipped: ${ROOT_ONLY})` : 'extractMergedTree', () => {
  it('applies whiteouts and opaque folders, keeps modes and owners, links hardlinks and writes symlinks as they are', async () => {
    const { dir } = await extract([
      [
        { name: 'etc/shadow', content: 'root:*:1::::::\n', mode: 0o640, gid: 42 },
        { name: 'etc/gone', content: 'deleted above\n' },
        { name: 'usr/share/doc/a/README', content: 'old\n' },
        { name: 'usr/bin/tool', content: '#!/bin/sh\n', mode: 0o4755 },
        { name: 'usr/bin/alias', type: 'link', target: 'usr/bin/tool' },
        { name: 'etc/os-release', type: 'symlink', target: '../usr/lib/os-release' },
      ],
      [
        { name: 'etc/.wh.gone', content: '' },
        { name: 'usr/share/doc/a/.wh..wh..opq', content: '' },
        { name: 'usr/share/doc/a/NEW', content: 'new\n' },
        { name: 'etc/shadow', content: 'root:!:1::::::\n', mode: 0o400, gid: 42 },
      ],
    ]);
    expect(await readdir(join(dir, 'etc'))).toEqual(['os-release', 'shadow']);
    expect(await readdir(join(dir, 'usr/share/doc/a'))).toEqual(['NEW']);
    const shadow = await stat(join(dir, 'etc/shadow'));
    expect([shadow.mode & 0o7777, shadow.uid, shadow.gid]).toEqual([0o400, 0, 42]);
    expect(await readFile(join(dir, 'etc/shadow'), 'utf8')).toBe('root:!:1::::::\n');
    expect((await stat(join(dir, 'usr/bin/tool'))).mode & 0o7777).toBe(0o4755);
    expect((await stat(join(dir, 'usr/bin/alias'))).ino).toBe((await stat(join(dir, 'usr/bin/tool'))).ino);
    expect(await readlink(join(dir, 'etc/os-release'))).toBe('../usr/lib/os-release');
  });

  it('writes nothing outside the folder when a layer puts a file "under" a symlink that leads out', async () => {
    const outside = await tempDir('patchline-extract-outside-');
    const { dir } = await extract([
      [{ name: 'escape', type: 'symlink', target: outside }],
      [{ name: 'escape/planted', content: 'must not land outside\n' }],
    ]);
    expect(await readdir(outside)).toEqual([]);
    // The later layer's folder replaces the symlink in the merged view, as overlayfs shows it.
    expect((await lstat(join(dir, 'escape'))).isDirectory()).toBe(true);
    expect(await readFile(join(dir, 'escape/planted'), 'utf8')).toBe('must not land outside\n');
  });

  it('refuses a folder that is not empty', async () => {
    const work = await tempDir('patchline-extract-');
    const { ref } = await makeLayoutImage(work, 'image', [[{ name: 'a', content: 'a' }]]);
    const image = await openImage(parseImageReference(ref));
    try {
      await expect(extractMergedTree(image, work)).rejects.toThrow('must be an empty folder to extract into');
    } finally {
      await image.close();
    }
  });
});
