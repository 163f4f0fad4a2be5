import { gzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { sarifJson } from '../../src/report/sarif.js';
import type { ScanResult } from '../../src/scan/finding.js';
import { sarifSchema } from '../helpers/sarif-schema.js';
import { finding, sampleScanResult } from '../helpers/scan-results.js';
import { seededRandom } from '../helpers/seeded-random.js';

let validate: (document: unknown) => string | undefined;

beforeAll(async () => {
  // The schema's `language` pattern has a stray `]`, legal only outside unicode mode.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats.default(ajv);
  const check = ajv.compile(await sarifSchema());
  validate = (document) => (check(document) ? undefined : ajv.errorsText(check.errors));
}, 120_000);

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }>;
  partialFingerprints: Record<string, string>;
}

function parse(text: string) {
  const document = JSON.parse(text);
  const run = document.runs[0];
  return {
    document,
    run,
    results: run.results as SarifResult[],
    rules: run.tool.driver.rules as Array<{ id: string }>,
  };
}

describe('sarifJson', () => {
  it('is valid SARIF 2.1.0 with one rule per advisory and every result pointing at its rule', () => {
    const { document, results, rules } = parse(sarifJson(sampleScanResult()));
    expect(validate(document)).toBeUndefined();
    // The validator does reject what is not SARIF.
    expect(validate({ ...document, runs: [{ ...document.runs[0], results: [{ level: 'critical' }] }] })).toBeDefined();
    expect(document.version).toBe('2.1.0');
    expect(rules.map((rule) => rule.id).sort()).toEqual(
      ['ALSA-2023:5763', 'ALSA-2024:2447', 'ALSA-2024:3000', 'CVE-2022-3219', 'CVE-2024-2398'].sort(),
    );
    for (const result of results) expect(rules[result.ruleIndex]?.id).toBe(result.ruleId);
    for (const rule of rules) expect(rule).toHaveProperty('help.text');
  });

  it('sets the level from the status, not the severity, and points at the package database', () => {
    const { results } = parse(sarifJson(sampleScanResult()));
    const levels = Object.fromEntries(results.map((result) => [result.ruleId, result.level]));
    // openssl's advisory is "Moderate" and curl's "Important": both are errors because both fixes are available.
    expect(levels).toEqual({
      'ALSA-2023:5763': 'error',
      'ALSA-2024:2447': 'error',
      'ALSA-2024:3000': 'error',
      'CVE-2024-2398': 'warning',
      'CVE-2022-3219': 'note',
    });
    expect(results[0]?.locations[0]?.physicalLocation.artifactLocation.uri).toBe('usr/lib/sysimage/rpm/rpmdb.sqlite');
    const withSource = sampleScanResult();
    Object.assign(withSource.findings[0]!.package, { source: 'var/lib/rpm/rpmdb.sqlite' });
    const moved = parse(sarifJson(withSource)).results.find((result) => result.ruleId === 'ALSA-2024:2447');
    expect(moved?.locations[0]?.physicalLocation.artifactLocation.uri).toBe('var/lib/rpm/rpmdb.sqlite');
  });

  it('keeps ruleIds and fingerprints stable when the installed version changes and the fix is still missing', () => {
    const before = parse(sarifJson(sampleScanResult())).results;
    const later = sampleScanResult();
    for (const item of later.findings) {
      item.package.release = `${item.package.release}.1`;
      item.package.installed = `${item.package.installed}.1`;
    }
    later.scannedAt = '2024-08-01T00:00:00Z';
    const after = parse(sarifJson(later)).results;
    expect(after.map((result) => [result.ruleId, result.partialFingerprints])).toEqual(
      before.map((result) => [result.ruleId, result.partialFingerprints]),
    );
    const fingerprints = before.map((result) => Object.values(result.partialFingerprints)[0]);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
  });

  it('leaves out the least urgent results to stay under the gzip limit, and says so', () => {
    const random = seededRandom(7);
    const big: ScanResult = { ...sampleScanResult(), suppressed: [] };
    big.findings = Array.from({ length: 1500 }, (_, i) =>
      finding({
        id: `ALSA-2024:${String(i).padStart(4, '0')}`,
        aliases: [`CVE-2024-${10000 + i}`],
        cves: [`CVE-2024-${10000 + i}`],
        // Random summaries keep gzip from compressing the document away.
        summary: Array.from({ length: 40 }, () => Math.floor(random() * 2 ** 32).toString(36)).join(' '),
        name: `pkg-${i}`,
        version: '1.0',
        release: '1.el9',
        status: i % 3 === 0 ? 'no-fix-yet' : 'fix-available',
        ...(i % 3 === 0
          ? {}
          : { fixedVersion: '1.0-2.el9', fixAvailableSince: new Date(Date.UTC(2023, 0, 1 + i)).toISOString() }),
      }),
    );
    const untruncated = sarifJson(big);
    const limit = 64 * 1024;
    expect(gzipSync(untruncated).length).toBeGreaterThan(limit);

    const text = sarifJson(big, { maxGzipBytes: limit });
    expect(gzipSync(text).length).toBeLessThanOrEqual(limit);
    const { document, run, results } = parse(text);
    expect(validate(document)).toBeUndefined();
    const left = big.findings.length - results.length;
    expect(left).toBeGreaterThan(0);
    expect(run.properties.resultsLeftOut).toBe(left);
    expect(run.invocations[0].toolExecutionNotifications[0].message.text).toContain(`${left} of 1500 results`);
    // The kept results are the most urgent: fix-available, oldest first.
    expect(results.every((result) => result.level === 'error')).toBe(true);
    expect(results[0]?.ruleId).toBe('ALSA-2024:0001');
    // Rules only for results kept, so the rule list shrinks with them.
    expect(run.tool.driver.rules).toHaveLength(results.length);

    // The result count is capped too (GitHub reads 5,000 per run), keeping the first ones.
    const capped = parse(sarifJson(big, { maxResults: 100 }));
    expect(capped.results).toHaveLength(100);
    expect(capped.results.map((result) => result.ruleId)).toEqual(
      parse(untruncated)
        .results.slice(0, 100)
        .map((result) => result.ruleId),
    );
    expect(capped.run.properties.resultsLeftOut).toBe(1400);
    expect(validate(capped.document)).toBeUndefined();
  });
});
