import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../src/oci/image.js';
import { OciLayoutWriter } from '../src/oci/layout-writer.js';
import { defaultPlatform } from '../src/oci/platform.js';
import type { Descriptor } from '../src/oci/schemas.js';
import { openFileTree } from '../src/rootfs/open.js';
import { makeTar } from './helpers/tar.js';
import { tempDir } from './helpers/tmp.js';

let ref: string;
const manifests: Descriptor[] = [];

beforeAll(async () => {
  const dir = join(await tempDir(), 'multi');
  for (const architecture of ['amd64', 'arm64', 's390x']) {
    const writer = new OciLayoutWriter(dir);
    await writer.addLayer(await makeTar([{ name: 'etc/arch', content: architecture }]));
    const platform =
      architecture === 'arm64' ? { os: 'linux', architecture, variant: 'v8' } : { os: 'linux', architecture };
    manifests.push(await writer.finish({ platform }));
  }
  // An attestation manifest, as buildkit adds, must never be chosen as an image.
  manifests.push({ ...manifests[0]!, platform: { os: 'unknown', architecture: 'unknown' } });
  await new OciLayoutWriter(dir).finishIndex(manifests, 'multi');
  ref = `oci:${dir}:multi`;
});

describe('multi-platform images', () => {
  it("chooses this machine's platform by default", async () => {
    const image = await openImage(ref);
    const here = defaultPlatform().architecture;
    expect(image.platform.architecture).toBe(here);
    expect(image.digest).toBe(manifests.find((m) => m.platform?.architecture === here)?.digest);
    expect(image.indexDigest).toMatch(/^sha256:/);
    await image.close();
  });

  it('chooses the platform asked for, variant optional', async () => {
    for (const [platform, arch] of [
      [{ os: 'linux', architecture: 'arm64' }, 'arm64'],
      [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'arm64'],
      [{ os: 'linux', architecture: 's390x' }, 's390x'],
    ] as const) {
      const tree = await openFileTree(ref, { platform });
      const result = await tree.read([{ path: 'etc/arch' }]);
      expect(await result.files[0]?.content?.text()).toBe(arch);
      await tree.close();
    }
  });

  it('names the platforms it has when the asked one is missing', async () => {
    await expect(openImage(ref, { platform: { os: 'linux', architecture: 'riscv64' } })).rejects.toThrow(
      /has no image for platform linux\/riscv64 \(it has: linux\/amd64, linux\/arm64\/v8, linux\/s390x\); choose one with --platform/,
    );
  });
});
