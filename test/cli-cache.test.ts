import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BlobCache } from '../src/oci/blob-cache.js';
import type { Digest } from '../src/oci/digest.js';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

beforeAll(() => {
  ensureBuilt();
});

/** A cache folder with entries of 1000 bytes each, last used at the given minutes ago, plus what is not cache. */
async function cacheWith(entries: { area: string; minutesAgo: number }[]): Promise<{ root: string; paths: string[] }> {
  const root = await tempDir('patchline-cache-');
  const paths: string[] = [];
  for (const [i, entry] of entries.entries()) {
    const content = Buffer.alloc(1000, i);
    const path = join(root, entry.area, 'sha256', createHash('sha256').update(content).digest('hex'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    const when = new Date(Date.now() - entry.minutesAgo * 60_000);
    await utimes(path, when, when);
    paths.push(path);
  }
  await writeFile(join(root, 'advisories.db'), Buffer.alloc(5000));
  await mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(root, 'blobs', 'sha256', 'abc.123.def.tmp'), Buffer.alloc(700));
  return { root, paths };
}

const env = { PATCHLINE_CACHE_MAX_SIZE: '', PATCHLINE_CACHE_DIR: '', XDG_CONFIG_HOME: '/nonexistent' };

describe('patchline cache', () => {
  it('info shows each area with its entries and size, and not the advisory database or writes in progress', async () => {
    const { root } = await cacheWith([
      { area: 'blobs', minutesAgo: 1 },
      { area: 'blobs', minutesAgo: 2 },
      { area: 'gateway/blobs', minutesAgo: 3 },
      { area: 'gateway/manifests', minutesAgo: 4 },
    ]);
    const info = runCli(['cache', 'info', '--cache-dir', root], env);
    expect(info.status).toBe(0);
    expect(info.stdout).toMatch(new RegExp(`^image blobs +2 +1\\.95 KiB +${join(root, 'blobs')}$`, 'm'));
    expect(info.stdout).toMatch(/^gateway blobs +1 +1000 B /m);
    expect(info.stdout).toMatch(/^gateway manifests +1 +1000 B /m);
    expect(info.stdout).toContain('Total: 3.91 KiB');
  });

  it('prune removes the least recently used entries of all areas until the size fits', async () => {
    const { root, paths } = await cacheWith([
      { area: 'blobs', minutesAgo: 10 },
      { area: 'gateway/blobs', minutesAgo: 40 },
      { area: 'blobs', minutesAgo: 30 },
      { area: 'gateway/manifests', minutesAgo: 20 },
    ]);
    const prune = runCli(['cache', 'prune', '--cache-dir', root, '--cache-max-size', '2500'], env);
    expect([prune.status, prune.stdout]).toEqual([0, 'Removed 2 entries (1.95 KiB); 1.95 KiB kept\n']);
    expect(paths.map((path) => existsSync(path))).toEqual([true, false, false, true]);
    expect(existsSync(join(root, 'advisories.db'))).toBe(true);
    expect(await readdir(join(root, 'blobs', 'sha256'))).toContain('abc.123.def.tmp');

    expect(runCli(['cache', 'prune', '--cache-dir', root, '--all'], env).stdout).toBe(
      'Removed 2 entries (1.95 KiB); 0 B kept\n',
    );
    expect(paths.some((path) => existsSync(path))).toBe(false);
    expect(runCli(['cache', 'prune', '--cache-dir', root], env)).toMatchObject({ status: 2 });
  });

  it('an image command trims the caches to PATCHLINE_CACHE_MAX_SIZE before it reads', async () => {
    const { root, paths } = await cacheWith([
      { area: 'blobs', minutesAgo: 5 },
      { area: 'blobs', minutesAgo: 50 },
    ]);
    const inspect = runCli(['inspect', 'oci:examples/bootc-demo:latest', '--cache-dir', root], {
      ...env,
      PATCHLINE_CACHE_MAX_SIZE: '1K',
    });
    expect(inspect.status).toBe(0);
    expect(paths.map((path) => existsSync(path))).toEqual([true, false]);
    const bad = runCli(['inspect', 'oci:examples/bootc-demo:latest', '--cache-dir', root], {
      ...env,
      PATCHLINE_CACHE_MAX_SIZE: 'lots',
    });
    expect([bad.status, bad.stderr]).toEqual([2, expect.stringContaining('PATCHLINE_CACHE_MAX_SIZE: lots:')]);
  });

  it('reading an entry marks it used, so pruning keeps it over one written later but not read', async () => {
    const { root, paths } = await cacheWith([
      { area: 'blobs', minutesAgo: 60 },
      { area: 'blobs', minutesAgo: 5 },
    ]);
    const old = paths[0] ?? '';
    const before = (await stat(old)).mtimeMs;
    const cache = new BlobCache(root);
    const digest = `sha256:${old.split('/').at(-1)}` as Digest;
    for await (const _ of cache.open(digest)) {
      // read it whole, as a scan would
    }
    await until('the entry to be marked used', async () => ((await stat(old)).mtimeMs > before ? true : undefined));
    expect(runCli(['cache', 'prune', '--cache-dir', root, '--cache-max-size', '1000'], env).status).toBe(0);
    expect(paths.map((path) => existsSync(path))).toEqual([true, false]);
  });
});
