import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { GITLAB_REPORT_VERSION, gitlabContainerScanningJson } from '../src/report/gitlab-container-scanning.js';
import type { ScanResult } from '../src/scan/finding.js';
import { ensureBuilt, projectRoot, runCli } from './helpers/cli.js';
import { finding, sampleScanResult } from './helpers/scan-results.js';
import { tempDir } from './helpers/tmp.js';

/*
 * `scan --format gitlab` against GitLab's own published JSON schema for container scanning reports (version 15.2.1,
 * kept in schemas/gitlab/ with its source), on the hand-built result with every status and a VEX-suppressed finding,
 * on hostile text, and on the demo image through the CLI. Expected values come from the ScanResult given to the writer.
 */

const SCHEMA = join(projectRoot, 'schemas/gitlab/container-scanning-report-format-15.2.1.json');

interface GitlabVulnerability {
  id: string;
  name: string;
  description: string;
  severity: string;
  solution: string;
  identifiers: Array<{ type: string; name: string; value: string; url?: string }>;
  links?: Array<{ url: string }>;
  location: { dependency: { package: { name: string }; version: string }; operating_system: string; image: string };
  details: Record<string, { name: string; type: string; value: string }>;
}

interface GitlabReport {
  version: string;
  schema: string;
  scan: { status: string; type: string; start_time: string; messages?: Array<{ level: string; value: string }> };
  vulnerabilities: GitlabVulnerability[];
}

let validate: (document: unknown) => string | undefined;

beforeAll(async () => {
  // The schema is draft-07 (Ajv's default); it puts keywords beside `$ref` and a `self` block Ajv does not know.
  const ajv = new Ajv({ allErrors: true, strict: false });
  const check = ajv.compile(JSON.parse(await readFile(SCHEMA, 'utf8')));
  validate = (document) => (check(document) ? undefined : ajv.errorsText(check.errors));
});

function report(result: ScanResult): GitlabReport {
  return JSON.parse(gitlabContainerScanningJson(result)) as GitlabReport;
}

/** The sample scan with a publisher not-affected finding added (as `--show-not-affected` lists them). */
function withNotAffected(): ScanResult {
  const result = sampleScanResult();
  result.findings.push(
    finding({
      id: 'CVE-2023-0001',
      aliases: [],
      cves: ['CVE-2023-0001'],
      name: 'zlib',
      version: '1.2.11',
      release: '40.el9',
      status: 'not-affected',
    }),
  );
  return result;
}

describe('scan --format gitlab (container scanning report)', () => {
  it("is valid against GitLab's schema, and the schema does reject what is not a report", () => {
    const document = report(withNotAffected());
    expect(validate(document)).toBeUndefined();
    expect(document.version).toBe(GITLAB_REPORT_VERSION);
    expect(document.schema).toContain(`/v${GITLAB_REPORT_VERSION}/dist/container-scanning-report-format.json`);
    expect(document.scan).toMatchObject({
      type: 'container_scanning',
      status: 'success',
      start_time: '2024-07-01T12:00:00',
    });
    const broken = structuredClone(document) as unknown as { vulnerabilities: Array<{ location: object }> };
    broken.vulnerabilities[0]!.location = { image: 'x' };
    expect(validate(broken)).toMatch(/operating_system|dependency/);
    expect(validate({ ...document, scan: { ...document.scan, end_time: '2024-07-01T12:00:00.000Z' } })).toMatch(
      /end_time/,
    );
  });

  it('lists every finding that applies, says how many were suppressed or not affected, and places each package', () => {
    const result = withNotAffected();
    const document = report(result);
    const applying = result.findings.filter((entry) => entry.status !== 'not-affected');
    expect(document.vulnerabilities.map((entry) => entry.identifiers[0]?.value).sort()).toEqual(
      applying.map((entry) => entry.id).sort(),
    );
    expect(document.scan.messages).toEqual([
      { level: 'info', value: expect.stringContaining('1 finding(s) suppressed by VEX') },
      { level: 'info', value: expect.stringContaining('1 publisher not-affected') },
    ]);
    for (const source of applying) {
      const entry = document.vulnerabilities.find((item) => item.identifiers[0]?.value === source.id)!;
      expect(entry.location).toEqual({
        dependency: { package: { name: source.package.name }, version: source.package.installed },
        operating_system: 'almalinux 9.4',
        image: result.target.name,
      });
      // The advisory first (primary), then each CVE it gathers, with its record's address.
      expect(entry.identifiers.slice(1).map((identifier) => identifier.value)).toEqual(
        source.cves.filter((cve) => cve !== source.id),
      );
      expect(entry.details.status?.value).toBe(source.status);
      expect(entry.details.fixed_version?.value).toBe(source.fixedVersion);
    }
    const openssl = document.vulnerabilities.find((item) => item.identifiers[0]?.value === 'ALSA-2024:2447')!;
    expect(openssl.identifiers[0]?.type).toBe('alsa');
    expect(openssl.identifiers[1]).toEqual({
      type: 'cve',
      name: 'CVE-2023-5678',
      value: 'CVE-2023-5678',
      url: 'https://www.cve.org/CVERecord?id=CVE-2023-5678',
    });
    // Severity is the publisher's ("Moderate"), shown in GitLab's words; status and age are in the text.
    expect(openssl.severity).toBe('Medium');
    expect(openssl.solution).toBe('Update openssl-libs to 1:3.0.7-27.el9 or newer and rebuild the image.');
    expect(openssl.description).toContain(
      'fix available, fixed in 1:3.0.7-27.el9, available since 2024-04-30 (62 days)',
    );
    const unscored = document.vulnerabilities.find((item) => item.identifiers[0]?.value === 'CVE-2024-2398')!;
    expect(unscored.severity).toBe('Unknown');
    expect(unscored.identifiers).toHaveLength(1);
  });

  it('keeps ids stable across builds (same advisory, package and image name) and unique within a report', () => {
    const before = report(sampleScanResult()).vulnerabilities;
    const later = sampleScanResult();
    later.target.name = 'docker://registry.example.com/os/base:9.1';
    later.target.digest = `sha256:${'1'.repeat(64)}`;
    for (const item of later.findings) item.package.installed = `${item.package.installed}.1`;
    const after = report(later).vulnerabilities;
    expect(after.map((entry) => entry.id)).toEqual(before.map((entry) => entry.id));
    expect(new Set(before.map((entry) => entry.id)).size).toBe(before.length);
    for (const entry of before)
      expect(entry.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const otherImage = sampleScanResult();
    otherImage.target.name = 'docker://registry.example.com/os/web:9';
    expect(report(otherImage).vulnerabilities[0]?.id).not.toBe(before[0]?.id);
  });

  it('stays valid with hostile text, long summaries, odd references, no data and an unknown OS', () => {
    const result = sampleScanResult();
    const target = result.findings[0]!;
    target.summary = `</details><img src=x> | [x](javascript:alert(1)) ${'long '.repeat(200)}\u0007`;
    target.references = ['javascript:alert(1)', 'mailto:security@example.com', 'https://example.com/ok'];
    target.severity = 'SEVERE?';
    const document = report(result);
    expect(validate(document)).toBeUndefined();
    const hostile = document.vulnerabilities.find((item) => item.identifiers[0]?.value === target.id)!;
    expect(hostile.name.length).toBeLessThanOrEqual(255);
    expect(hostile.links).toEqual([{ url: 'https://example.com/ok' }]);
    expect(hostile.severity).toBe('Unknown');
    const noData: ScanResult = { ...sampleScanResult(), findings: [], suppressed: [], noData: 'no data for amzn 2023' };
    delete noData.os;
    const empty = report(noData);
    expect(validate(empty)).toBeUndefined();
    expect(empty.vulnerabilities).toEqual([]);
    expect(empty.scan.messages).toEqual([
      { level: 'warn', value: 'No advisory data for this image: no data for amzn 2023' },
    ]);
  });

  it('is what `patchline scan -f gitlab -o gl-container-scanning-report.json` writes for the demo image', async () => {
    ensureBuilt();
    const work = await tempDir('patchline-gitlab-report-');
    const db = join(work, 'demo.db');
    expect(runCli(['db', 'import', 'examples/demo-advisories', '--db', db]).status).toBe(0);
    const file = join(work, 'gl-container-scanning-report.json');
    const scanned = runCli(['scan', 'oci:examples/bootc-demo:latest', '--db', db, '-f', 'gitlab', '-o', file]);
    expect(scanned.status, scanned.stderr).toBe(0);
    const document = JSON.parse(await readFile(file, 'utf8')) as GitlabReport;
    expect(validate(document)).toBeUndefined();
    const json = JSON.parse(runCli(['scan', 'oci:examples/bootc-demo:latest', '--db', db, '-f', 'json']).stdout) as {
      findings: Array<{ id: string; package: { name: string } }>;
    };
    expect(
      document.vulnerabilities.map(
        (entry) => `${entry.identifiers[0]?.value} ${entry.location.dependency.package.name}`,
      ),
    ).toEqual(json.findings.map((entry) => `${entry.id} ${entry.package.name}`));
    expect(document.vulnerabilities[0]?.location.operating_system).toBe('fedora 42');
  }, 300_000);
});
