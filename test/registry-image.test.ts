import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFileTree } from '../src/rootfs/open.js';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { makeLayoutImage } from './helpers/images.js';
import { startRegistry, type TestRegistry } from './helpers/registry.js';
import type { TarSpec } from './helpers/tar.js';
import { tempDir } from './helpers/tmp.js';

// The whole stack against a real registry: skopeo pushes, we read the merged tree over HTTP with the blob cache.
let registry: TestRegistry;
let work: string;
let ref: string;
let totalLayerBytes = 0;
let layerSizes: number[] = [];

beforeAll(async () => {
  work = await tempDir();
  registry = await startRegistry();
  // Twelve layers of incompressible data, so that bytes downloaded show which layers were fetched.
  const layers: TarSpec[][] = Array.from({ length: 12 }, (_, i) => [
    { name: `data/${i}.bin`, content: randomBytes(300_000) },
  ]);
  layers[0]!.push(
    { name: 'usr/lib/os-release', content: 'ID=base\n' },
    { name: 'etc/os-release', type: 'symlink', target: '../usr/lib/os-release' },
  );
  layers[11]!.push({ name: 'usr/lib/os-release', content: 'ID=patched\n' });
  const image = await makeLayoutImage(work, 'tall', layers);
  execFileSync('skopeo', [
    'copy',
    '--quiet',
    `oci:${image.dir}:latest`,
    `docker://${registry.host}/os/tall:1`,
    '--dest-tls-verify=false',
  ]);
  ref = `docker://${registry.host}/os/tall:1`;
  const inspected = JSON.parse(
    execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', ref], { encoding: 'utf8' }),
  );
  layerSizes = inspected.layers.map((layer: { size: number }) => layer.size);
  totalLayerBytes = layerSizes.reduce((sum, size) => sum + size, 0);
}, 120_000);

afterAll(async () => {
  await registry?.stop();
});

describe('a registry image through the blob cache', () => {
  it('downloads only the newest layers for paths they settle, the rest when needed, then nothing', async () => {
    const cacheDir = join(work, 'cache');
    const read = async (paths: string[]) => {
      const tree = await openFileTree(ref, { cacheDir });
      try {
        return await tree.read(
          paths.map((path) => ({ path })),
          { concurrency: 1 },
        );
      } finally {
        await tree.close();
      }
    };

    const first = await read(['usr/lib/os-release']);
    expect(await first.files[0]?.content?.text()).toBe('ID=patched\n');
    expect(first.stats.layersRead).toBeLessThan(12);
    expect(first.stats.bytesDownloaded).toBeGreaterThan(0);
    expect(first.stats.bytesDownloaded).toBeLessThan(totalLayerBytes / 2);

    const everything = await read(['data/*']);
    expect(everything.files).toHaveLength(12);
    expect(everything.stats.bytesDownloaded + first.stats.bytesDownloaded).toBe(totalLayerBytes);

    // etc/os-release is a symlink only the base layer defines, so every layer is read; what it leads to sits in the
    // newest layer, passed before the link was known, so that one layer is read a second time (from the cache).
    const again = await read(['data/*', 'etc/os-release']);
    expect(await again.files.find((f) => f.path === 'etc/os-release')?.content?.text()).toBe('ID=patched\n');
    expect(again.stats.bytesDownloaded).toBe(0);
    expect(again.stats.layerReads).toBe(13);
    expect(again.stats.bytesRead).toBe(totalLayerBytes + layerSizes[11]!);
  });

  it('downloads nothing on a second look, reading two layers at a time', async () => {
    // The layer in flight when the newest one settles the request is read to its end, so it is cached whole too.
    const cacheDir = join(work, 'parallel-cache');
    const look = async () => {
      const tree = await openFileTree(ref, { cacheDir });
      try {
        return await tree.read([{ path: 'usr/lib/os-release' }]);
      } finally {
        await tree.close();
      }
    };
    const first = await look();
    expect(first.stats.layersRead).toBe(2);
    expect(first.stats.bytesDownloaded).toBe(layerSizes[11]! + layerSizes[10]!);
    const second = await look();
    expect(await second.files[0]?.content?.text()).toBe('ID=patched\n');
    expect(second.stats.bytesDownloaded).toBe(0);
  });

  it('inspects it from the command line', () => {
    ensureBuilt();
    const result = runCli([
      'inspect',
      ref,
      '--list',
      'usr/lib/os-release',
      '--format',
      'json',
      '--cache-dir',
      join(work, 'cli-cache'),
    ]);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', ref]);
    expect(output.digest).toBe(`sha256:${createHash('sha256').update(raw).digest('hex')}`);
    expect(output.files[0].layer.index).toBe(11);
    expect(output.stats.bytesDownloaded).toBeLessThan(totalLayerBytes / 2);
  });

  it('says which registry failed when it is down', () => {
    const result = runCli(['inspect', 'docker://127.0.0.1:1/os/tall:1', '--cache-dir', join(work, 'down-cache')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/127\.0\.0\.1:1/);
  });
});
