import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PackageURL } from 'packageurl-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { type CurlImage, curlImage, curlImageMissing } from './helpers/curl-image.js';
import { hasBinary, startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

/*
 * Issue 14, defect 8: the image's package URL for a registry with a port. `127.0.0.1:5000/alma/os` gave
 * `pkg:oci/127.0.0.1@…&repository_url=127.0.0.1`, and `localhost:5000/…` lost repository_url. The image is pushed
 * by skopeo to a real distribution registry; skopeo's digest and packageurl-js's reading of our purl are the oracles.
 */

const MISSING_TOOL = ['docker-registry', 'skopeo'].find((tool) => !hasBinary(tool));
const SKIP_REASON = curlImageMissing() ?? (MISSING_TOOL ? `${MISSING_TOOL} is not installed` : undefined);

describe.skipIf(SKIP_REASON !== undefined)(
  SKIP_REASON ? `image purls (skipped: ${SKIP_REASON})` : 'the image purl of a registry with a port',
  () => {
    let work: string;
    let image: CurlImage;
    let registry: TestRegistry;
    let digest: string;

    beforeAll(async () => {
      ensureBuilt();
      work = await tempDir('patchline-purl-');
      image = await curlImage(work);
      registry = await startRegistry();
      execFileSync('skopeo', [
        'copy',
        '--quiet',
        image.ref,
        `docker://${registry.host}/alma/os:9`,
        '--dest-tls-verify=false',
      ]);
      digest = execFileSync(
        'skopeo',
        ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${registry.host}/alma/os:9`],
        { encoding: 'utf8' },
      ).trim();
    }, 300_000);

    afterAll(async () => {
      await registry?.stop();
    });

    const port = () => registry.host.split(':')[1]!;
    const common = () => ['--tls-verify=false', '--cache-dir', join(work, 'cache')];

    function expectImagePurl(purl: string, host: string): void {
      const parsed = PackageURL.fromString(purl);
      expect([parsed.type, parsed.name, parsed.version]).toEqual(['oci', 'os', digest]);
      expect(parsed.qualifiers?.repository_url).toBe(`${host}/alma/os`);
    }

    it.each([['127.0.0.1'], ['localhost']])(
      '%s:PORT: CycloneDX, SPDX and OpenVEX name the repository with its port',
      (name) => {
        const host = `${name}:${port()}`;
        const reference = `${host}/alma/os:9`;
        const bom = runCli(['sbom', reference, ...common()]);
        expect(bom.status, bom.stderr).toBe(0);
        expectImagePurl(JSON.parse(bom.stdout).metadata.component.purl, host);

        const spdx = runCli(['sbom', reference, '-f', 'spdx-json', ...common()]);
        expect(spdx.status, spdx.stderr).toBe(0);
        const described = JSON.parse(spdx.stdout).packages.find(
          (p: { primaryPackagePurpose?: string }) => p.primaryPackagePurpose === 'CONTAINER',
        );
        expectImagePurl(described.externalRefs[0].referenceLocator, host);

        const vex = runCli(['scan', reference, '--db', image.db, '-f', 'openvex', ...common()]);
        expect(vex.status, vex.stderr).toBe(0);
        const statements = JSON.parse(vex.stdout).statements as Array<{ products: Array<{ '@id': string }> }>;
        expect(statements.length).toBeGreaterThan(0);
        for (const statement of statements) expectImagePurl(statement.products[0]!['@id'], host);

        const cyclonedxVex = runCli(['scan', reference, '--db', image.db, '-f', 'cyclonedx-json', ...common()]);
        expectImagePurl(JSON.parse(cyclonedxVex.stdout).metadata.component.purl, host);
      },
    );
  },
);
