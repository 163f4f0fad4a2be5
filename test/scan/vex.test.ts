import { existsSync } from 'node:fs';
import { truncate, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PatchlineError } from '../../src/core/index.js';
import type { ScanResult } from '../../src/scan/finding.js';
import { applyVex, MAX_VEX_BYTES, readVexFile, readVexFiles } from '../../src/scan/vex.js';
import { finding, sampleScanResult } from '../helpers/scan-results.js';
import { tempDir } from '../helpers/tmp.js';

const IMAGE_PURL =
  'pkg:oci/base@sha256%3A2f1c9e0b8a7d6c5b4a392817f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b?repository_url=registry.example.com/os/base';

async function vexFile(name: string, document: unknown): Promise<string> {
  const file = join(await tempDir('patchline-vex-'), name);
  await writeFile(file, typeof document === 'string' ? document : JSON.stringify(document));
  return file;
}

function openvex(statements: unknown[], timestamp = '2024-06-01T00:00:00Z'): unknown {
  return {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': 'https://example.com/vex/1',
    author: 'Platform team',
    timestamp,
    version: 1,
    statements,
  };
}

async function apply(result: ScanResult, ...documents: unknown[]): Promise<ScanResult> {
  const files = await Promise.all(documents.map((document, i) => vexFile(`${i}.json`, document)));
  return applyVex(result, await readVexFiles(files));
}

const ids = (findings: ScanResult['findings']) => findings.map((item) => item.id).sort();

describe('OpenVEX', () => {
  it('suppresses a finding named by CVE alias, on the image with the package as subcomponent, any version', async () => {
    const statement = (cve: string) => ({
      vulnerability: { name: cve },
      products: [{ '@id': IMAGE_PURL, subcomponents: [{ '@id': 'pkg:rpm/almalinux/curl' }] }],
      status: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
    });
    // ALSA-2023:5763 fixes two CVEs: a statement about one of them leaves the finding, saying what it covers.
    const one = await apply(sampleScanResult(), openvex([statement('CVE-2023-38545')]));
    const partial = one.findings.find((item) => item.id === 'ALSA-2023:5763');
    expect(partial?.coverage).toEqual([
      { cves: ['CVE-2023-38545'], statement: expect.objectContaining({ status: 'not_affected' }) },
    ]);
    expect(one.suppressed).toHaveLength(1);
    const result = await apply(sampleScanResult(), openvex([statement('CVE-2023-38545'), statement('CVE-2023-38546')]));
    expect(ids(result.findings)).not.toContain('ALSA-2023:5763');
    const entry = result.suppressed.find((item) => item.finding.id === 'ALSA-2023:5763');
    expect(entry?.statement).toMatchObject({
      status: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
    });
    expect(entry?.statement.source).toMatch(/0\.json \$\.statements\[1\]$/);
    expect(entry?.coverage?.map((item) => [item.cves, item.statement.source.slice(-15)])).toEqual([
      [['CVE-2023-38545'], '$.statements[0]'],
      [['CVE-2023-38546'], '$.statements[1]'],
    ]);
    // The earlier suppressed finding stays; nothing else moved.
    expect(result.suppressed).toHaveLength(2);
    expect(result.findings).toHaveLength(4);
  });

  it('matches purls with version and qualifiers only when they agree with the installed package', async () => {
    const statement = (purl: string) => ({
      vulnerability: 'ALSA-2023:5763', // 0.0.x form: the vulnerability as a string; the advisory covers all its CVEs
      products: [purl],
      status: 'not_affected',
      impact_statement: 'curl is only used with --proto =https',
    });
    const cases: Array<[string, boolean]> = [
      ['pkg:rpm/almalinux/curl@7.76.1-23.el9_2.2?arch=x86_64', true],
      ['pkg:rpm/almalinux/curl@7.76.1-23.el9_2.2', true],
      ['pkg:rpm/almalinux/curl?arch=x86_64&distro=almalinux-9.4', true],
      ['pkg:rpm/almalinux/curl@7.76.1-23.el9_2.4', false],
      ['pkg:rpm/almalinux/curl?arch=aarch64', false],
      ['pkg:rpm/rocky/curl', false],
      ['pkg:rpm/almalinux/curl-minimal', false],
      ['pkg:rpm/almalinux/curl?arch=src', true], // the source package stands for its binaries
      ['pkg:deb/debian/curl', false],
    ];
    for (const [purl, suppressed] of cases) {
      const result = await apply(sampleScanResult(), openvex([statement(purl)]));
      expect([purl, result.suppressed.some((item) => item.finding.id === 'ALSA-2023:5763')]).toEqual([
        purl,
        suppressed,
      ]);
    }
  });

  it('lets affected and under_investigation leave findings, fixed suppress them, and the latest statement win', async () => {
    const product = [{ '@id': 'pkg:rpm/almalinux/bash' }];
    const fixed = { vulnerability: { name: 'CVE-2024-1111' }, products: product, status: 'fixed' };
    expect(ids((await apply(sampleScanResult(), openvex([fixed]))).findings)).not.toContain('ALSA-2024:3000');
    const suppressed = (await apply(sampleScanResult(), openvex([fixed]))).suppressed;
    expect(suppressed.find((item) => item.finding.id === 'ALSA-2024:3000')?.statement.status).toBe('fixed');
    for (const status of ['affected', 'under_investigation']) {
      const statement = { ...fixed, status, action_statement: 'update' };
      expect(ids((await apply(sampleScanResult(), openvex([statement]))).findings)).toContain('ALSA-2024:3000');
    }
    // A newer "affected" overrides an older "not_affected", whatever the file order.
    const newer = openvex([{ ...fixed, status: 'affected', action_statement: 'update' }], '2024-06-02T00:00:00Z');
    const older = openvex([{ ...fixed, status: 'not_affected', justification: 'component_not_present' }]);
    expect(ids((await apply(sampleScanResult(), newer, older)).findings)).toContain('ALSA-2024:3000');
    expect(ids((await apply(sampleScanResult(), older, newer)).findings)).toContain('ALSA-2024:3000');
  });

  it('applies an image-wide statement to every package, and not to another image', async () => {
    const statement = (image: string) =>
      openvex([
        {
          vulnerability: { name: 'CVE-2024-2398' },
          products: [{ '@id': image }],
          status: 'not_affected',
          justification: 'component_not_present',
        },
      ]);
    expect(ids((await apply(sampleScanResult(), statement(IMAGE_PURL))).findings)).not.toContain('CVE-2024-2398');
    expect(ids((await apply(sampleScanResult(), statement('registry.example.com/os/base:9'))).findings)).not.toContain(
      'CVE-2024-2398',
    );
    const other = 'pkg:oci/base@sha256%3A0000000000000000000000000000000000000000000000000000000000000000';
    expect(ids((await apply(sampleScanResult(), statement(other))).findings)).toContain('CVE-2024-2398');
  });
});

describe('CycloneDX VEX', () => {
  function bom(state: string, ref: string): unknown {
    return {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
      version: 1,
      components: [{ 'bom-ref': 'curl-comp', type: 'library', name: 'curl', purl: 'pkg:rpm/almalinux/curl' }],
      vulnerabilities: ['CVE-2023-38545', 'CVE-2023-38546'].map((id) => ({
        id,
        analysis: { state, justification: 'code_not_reachable', detail: 'SOCKS5 is not used' },
        affects: [{ ref }],
      })),
    };
  }

  it('maps analysis states and resolves refs by bom-ref, BOM-Link and purl', async () => {
    const refs = ['curl-comp', 'urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#curl-comp', 'pkg:rpm/almalinux/curl'];
    for (const ref of refs) {
      for (const [state, status] of [
        ['not_affected', 'not_affected'],
        ['false_positive', 'not_affected'],
        ['resolved', 'fixed'],
      ]) {
        const result = await apply(sampleScanResult(), bom(state!, ref));
        const entry = result.suppressed.find((item) => item.finding.id === 'ALSA-2023:5763');
        expect([ref, state, entry?.statement.status]).toEqual([ref, state, status]);
      }
      for (const state of ['exploitable', 'in_triage']) {
        expect(ids((await apply(sampleScanResult(), bom(state, ref))).findings)).toContain('ALSA-2023:5763');
      }
    }
    const entry = (await apply(sampleScanResult(), bom('not_affected', 'curl-comp'))).suppressed.at(-1);
    expect(entry?.statement).toMatchObject({ justification: 'code_not_reachable', impact: 'SOCKS5 is not used' });
  });
});

const SHARED = resolve(import.meta.dirname, '../../../shared');
const CURL_VEX = join(SHARED, 'fixtures/vuln/redhat-csaf-vex/cve-2023-38545.json');

describe.skipIf(!existsSync(CURL_VEX))(
  existsSync(CURL_VEX)
    ? "CSAF VEX (Red Hat's real curl CVE-2023-38545 document)"
    : 'CSAF VEX (skipped: ../shared is absent)',
  () => {
    function rhel(major: string, name: string, installed: string): ScanResult {
      const [version, release] = installed.split('-') as [string, string];
      const item = finding({
        id: 'CVE-2023-38545',
        aliases: [],
        cves: ['CVE-2023-38545'],
        name,
        version,
        release,
        status: 'no-fix-yet',
      });
      item.package.purl = `pkg:rpm/redhat/${name}@${installed}?arch=x86_64&distro=rhel-${major}.8`;
      return {
        ...sampleScanResult(),
        os: { id: 'rhel', family: 'redhat', versionId: `${major}.8`, source: 'etc/os-release' },
        findings: [item],
        suppressed: [],
      };
    }

    it('suppresses curl on RHEL 8, which Red Hat states is not affected, with its flag as justification', async () => {
      const statements = await readVexFile(CURL_VEX);
      const result = applyVex(rhel('8', 'curl', '7.61.1-30.el8_8.3'), statements);
      expect(result.findings).toEqual([]);
      expect(result.suppressed[0]?.statement).toMatchObject({
        status: 'not_affected',
        justification: 'vulnerable_code_not_present',
      });
      expect(applyVex(rhel('8', 'libcurl-minimal', '7.61.1-30.el8_8.3'), statements).findings).toEqual([]);
    });

    it('leaves curl on RHEL 9, where the statements are fixes in other versions, and suppresses the fixed version', async () => {
      const statements = await readVexFile(CURL_VEX);
      expect(applyVex(rhel('9', 'curl', '7.76.1-23.el9_2.2'), statements).findings).toHaveLength(1);
      const fixed = applyVex(rhel('9', 'curl', '7.76.1-23.el9_2.4'), statements);
      expect(fixed.findings).toEqual([]);
      expect(fixed.suppressed[0]?.statement.status).toBe('fixed');
    });
  },
);

describe('malformed VEX', () => {
  async function failure(document: unknown): Promise<PatchlineError> {
    const file = await vexFile('bad.json', document);
    const error = await readVexFile(file).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PatchlineError);
    expect((error as PatchlineError).input).toBe(file);
    return error as PatchlineError;
  }

  it('names the file and the JSON path of what is wrong', async () => {
    const bad = openvex([
      {
        vulnerability: { name: 'CVE-1' },
        products: [],
        status: 'not_affected',
        justification: 'component_not_present',
      },
      { vulnerability: { name: 'CVE-2' }, products: [], status: 'fine' },
    ]);
    expect((await failure(bad)).message).toMatch(/OpenVEX document invalid at \$\.statements\[1\]\.status/);
    const cdx = { bomFormat: 'CycloneDX', vulnerabilities: [{ id: 'CVE-1', affects: [{}] }] };
    expect((await failure(cdx)).message).toMatch(
      /CycloneDX document invalid at \$\.vulnerabilities\[0\]\.affects\[0\]\.ref/,
    );
    const csaf = { document: { csaf_version: '2.0' }, vulnerabilities: [{ product_status: { fixed: 'all' } }] };
    expect((await failure(csaf)).message).toMatch(
      /CSAF document invalid at \$\.vulnerabilities\[0\]\.product_status\.fixed/,
    );
  });

  it('refuses what is not JSON, not a VEX format, or too large', async () => {
    expect((await failure('{"statements": [')).message).toMatch(/is not JSON/);
    expect((await failure({ hello: 'world' })).message).toMatch(/not an OpenVEX .* CycloneDX .* or CSAF/);
    const big = join(await tempDir('patchline-vex-big-'), 'big.json');
    await writeFile(big, '');
    await truncate(big, MAX_VEX_BYTES + 1); // sparse: no disk used
    await expect(readVexFile(big)).rejects.toMatchObject({ kind: 'limit', input: big });
    await expect(readVexFile(join(big, 'missing'))).rejects.toMatchObject({ kind: 'input' });
  });

  it('refuses hostile nesting before the recursive schemas overflow the stack', async () => {
    const depth = 100_000;
    const nested = `{"bomFormat":"CycloneDX","components":[${'{"components":['.repeat(depth)}${']}'.repeat(depth)}]}`;
    expect((await failure(nested)).kind).toBe('limit');
    const branches = `{"document":{"csaf_version":"2.0"},"product_tree":{"branches":[${'{"branches":['.repeat(depth)}${']}'.repeat(depth)}]}}`;
    expect((await failure(branches)).message).toContain('nests deeper than');
  });
});
