import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fullVersion } from '../src/inventory/full-version.js';
import { inventoryOf } from '../src/inventory/inventory.js';
import type { Inventory } from '../src/inventory/inventory-types.js';
import { cyclonedxJson } from '../src/report/cyclonedx.js';
import { spdxDocument } from '../src/report/spdx.js';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { validateCyclonedx } from './helpers/cyclonedx-schema.js';
import { makeLayoutImage } from './helpers/images.js';
import { isUnavailable, type RealImages, realImages } from './helpers/real-images.js';
import { tempDir } from './helpers/tmp.js';
import { trivyPackages } from './helpers/trivy.js';

// A Debian image built by podman from a debootstrap rootfs: our SBOMs against Trivy, the peer scanner, reading the
// same image, and against Trivy reading our SBOMs back.
let images: RealImages | undefined;
let inventory: Inventory;
let work: string;

const key = (name: string, version: string) => `${name} ${version}`;

beforeAll(async () => {
  work = await tempDir();
  const built = await realImages();
  if (isUnavailable(built)) {
    console.warn(`SBOM tests on a real image skipped: ${built.unavailable}`);
    return;
  }
  images = built;
  inventory = await inventoryOf(images.podman.oci);
  ensureBuilt();
}, 600_000);

describe('SBOM of a real Debian image', () => {
  it('lists the packages Trivy lists, with the same versions', async (context) => {
    if (!images) return context.skip();
    const ours = inventory.packages.map((p) =>
      key(p.name, p.epoch !== undefined ? `${p.epoch}:${p.version}` : p.version),
    );
    const theirs = (await trivyPackages('image', ['--input', images.podman.oci.replace(/^oci:|:v1$/g, '')])).map((p) =>
      key(
        p.Name,
        p.Epoch
          ? `${p.Epoch}:${p.Version}${p.Release ? `-${p.Release}` : ''}`
          : `${p.Version}${p.Release ? `-${p.Release}` : ''}`,
      ),
    );
    expect(ours.length).toBeGreaterThan(50);
    expect(new Set(ours)).toEqual(new Set(theirs));
    expect(inventory.os).toMatchObject({ id: 'debian', versionId: '12', family: 'debian' });
    const layerDigests = new Set(inventory.target.layers.map((l) => l.digest));
    for (const pkg of inventory.packages) expect(layerDigests.has(pkg.layer!.digest)).toBe(true);
  });

  it('writes CycloneDX 1.6 that the CycloneDX schema accepts, with one component a package', async (context) => {
    if (!images) return context.skip();
    const json = cyclonedxJson(inventory);
    expect(await validateCyclonedx(json)).toBeNull();
    const bom = JSON.parse(json);
    expect(bom.specVersion).toBe('1.6');
    expect(bom.metadata.component.version).toBe(inventory.target.digest);
    expect(bom.metadata.tools.components[0].name).toBe('patchline');
    const libraries = bom.components.filter((c: { type: string }) => c.type === 'library');
    expect(libraries.map((c: { purl: string }) => c.purl).sort()).toEqual(inventory.packages.map((p) => p.purl).sort());
    expect(bom.components.find((c: { type: string }) => c.type === 'operating-system')).toMatchObject({
      name: 'debian',
      version: '12',
    });
  });

  it('writes CycloneDX and SPDX that Trivy reads back to the same packages', async (context) => {
    if (!images) return context.skip();
    // The Trivy that cdxgen ships reads CycloneDX up to 1.4's shape, so it gets the same model written as 1.4.
    const cdx = join(work, 'image.cdx.json');
    await writeFile(cdx, cyclonedxJson(inventory, new Date(), '1.4'));
    expect(await validateCyclonedx(await readFile(cdx, 'utf8'), '1.4')).toBeNull();
    const spdx = join(work, 'image.spdx.json');
    await writeFile(spdx, JSON.stringify(spdxDocument(inventory)));
    const expected = new Set(inventory.packages.map((p) => key(p.name, fullVersion(p))));
    for (const file of [cdx, spdx]) {
      const read = await trivyPackages('sbom', [file]);
      expect(new Set(read.map((p) => key(p.Name, p.Version)))).toEqual(expected);
    }
  });

  it('writes SPDX 2.3 with every package reachable from the described image', async (context) => {
    if (!images) return context.skip();
    const doc = spdxDocument(inventory);
    expect(doc.spdxVersion).toBe('SPDX-2.3');
    const ids = new Set(doc.packages.map((p) => p.SPDXID));
    expect(ids.size).toBe(doc.packages.length);
    for (const id of ids) expect(id).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/);
    const children = new Map<string, string[]>();
    for (const r of doc.relationships)
      children.set(r.spdxElementId, [...(children.get(r.spdxElementId) ?? []), r.relatedSpdxElement]);
    const reached = new Set<string>();
    const visit = (id: string) => {
      for (const child of children.get(id) ?? []) if (!reached.has(child) && reached.add(child)) visit(child);
    };
    visit('SPDXRef-DOCUMENT');
    expect(reached).toEqual(ids);
  });
});

describe('patchline sbom', () => {
  it('refuses loudly an image with no package database, unless told it is expected', async () => {
    ensureBuilt();
    const scratch = await makeLayoutImage(work, 'scratch', [[{ name: 'app/server', content: 'static binary' }]]);
    const refused = runCli(['sbom', scratch.ref]);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /no package database found \(looked for .*var\/lib\/dpkg\/status.*\); .*--allow-empty/,
    );
    const allowed = runCli(['sbom', scratch.ref, '--allow-empty', '-f', 'json']);
    expect(allowed.status).toBe(0);
    expect(JSON.parse(allowed.stdout).packages).toEqual([]);
  });

  it('writes --output whole, and leaves nothing behind when it cannot', async (context) => {
    if (!images) return context.skip();
    const out = join(work, 'sbom.spdx.json');
    const written = runCli(['sbom', images.podman.oci, '-f', 'spdx-json', '-o', out]);
    expect(written.status).toBe(0);
    expect(written.stdout).toBe('');
    expect(JSON.parse(await readFile(out, 'utf8')).packages.length).toBe(inventory.packages.length + 2);

    const missingDir = join(work, 'no', 'such', 'dir', 'sbom.json');
    const failed = runCli(['sbom', images.podman.oci, '-o', missingDir]);
    expect(failed.status).toBe(2);
    expect(failed.stderr).toContain(`${missingDir}: cannot be written (ENOENT)`);
    expect(existsSync(join(work, 'no'))).toBe(false);
    expect((await readdir(work)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('prints a table for people', (context) => {
    if (!images) return context.skip();
    const result = runCli(['sbom', images.podman.oci, '-f', 'table']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^OS: +Debian GNU\/Linux 12 \(bookworm\) \(debian 12\)$/m);
    expect(result.stdout).toMatch(
      new RegExp(`^Packages: +${inventory.packages.length} from var/lib/dpkg/status$`, 'm'),
    );
    expect(result.stdout).toMatch(/^bash +5\.2\.15-2\+b\d+ +amd64 /m);
  });
});
