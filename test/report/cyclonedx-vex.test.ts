import { describe, expect, it } from 'vitest';
import { cyclonedxVexJson } from '../../src/report/cyclonedx-vex.js';
import { validateCyclonedx } from '../helpers/cyclonedx-schema.js';
import { finding, sampleScanResult } from '../helpers/scan-results.js';

interface CdxVulnerability {
  'bom-ref': string;
  id: string;
  references?: Array<{ id: string }>;
  affects: Array<{ ref: string; versions: Array<{ version: string; status: string }> }>;
  analysis?: { state?: string; justification?: string; response?: string[]; detail?: string };
  properties?: Array<{ name: string; value: string }>;
}

describe('cyclonedxVexJson', () => {
  const result = sampleScanResult();
  result.findings.push(
    finding({
      id: 'CVE-2023-0001',
      aliases: [],
      cves: ['CVE-2023-0001'],
      name: 'glibc',
      version: '2.34',
      release: '100.el9',
      status: 'not-affected',
    }),
  );
  const json = cyclonedxVexJson(result);
  const bom = JSON.parse(json);
  const vulnerabilities = bom.vulnerabilities as CdxVulnerability[];
  const byId = (id: string) => vulnerabilities.find((entry) => entry.id === id)!;

  it('is valid CycloneDX 1.6', async () => {
    expect(bom.specVersion).toBe('1.6');
    expect(await validateCyclonedx(json)).toBeNull();
  });

  it('has one vulnerability per finding and suppressed finding, each affecting its package component', () => {
    expect(vulnerabilities).toHaveLength(result.findings.length + result.suppressed.length);
    const refs = new Set((bom.components as Array<{ 'bom-ref': string }>).map((component) => component['bom-ref']));
    for (const vulnerability of vulnerabilities) {
      expect(vulnerability.affects).toHaveLength(1);
      expect(refs.has(vulnerability.affects[0]!.ref)).toBe(true);
    }
    const curl = byId('ALSA-2023:5763');
    expect(curl.affects[0]).toEqual({
      ref: result.findings[1]!.package.purl,
      versions: [{ version: '7.76.1-23.el9_2.2', status: 'affected' }],
    });
    expect(curl.references?.map((reference) => reference.id)).toEqual(['CVE-2023-38545', 'CVE-2023-38546']);
    expect(curl.analysis?.response).toEqual(['update']);
    expect(curl.properties).toContainEqual({ name: 'patchline:fixed-version', value: '7.76.1-23.el9_2.4' });
  });

  it('says not affected, and why, for the publisher not-affected and the VEX-suppressed finding', () => {
    expect(byId('CVE-2023-0001').analysis?.state).toBe('not_affected');
    expect(byId('CVE-2023-0001').affects[0]?.versions[0]?.status).toBe('unaffected');
    const vim = byId('ALSA-2024:1000');
    expect(vim.analysis?.state).toBe('not_affected');
    expect(vim.analysis?.justification).toBe('code_not_reachable');
    expect(vim.analysis?.detail).toContain('vex/base.openvex.json');
    expect(byId('CVE-2022-3219').analysis?.response).toEqual(['will_not_fix']);
  });
});
