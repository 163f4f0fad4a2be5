import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AdvisoryRecord, AffectedPackage, ImportResult } from '../advisory.js';
import { redhatCsafAdvisoryImporter } from './redhat-csaf-advisory.js';
import { redhatCsafVexImporter } from './redhat-csaf-vex.js';

const SHARED = resolve(import.meta.dirname, '../../../../shared');
const HAVE_SHARED = existsSync(SHARED);
const SKIPPED = HAVE_SHARED ? '' : ' (skipped: ../shared is absent)';
const ADVISORIES = resolve(SHARED, 'fixtures/vuln/redhat-csaf-advisories');
const ORACLE = resolve(import.meta.dirname, 'redhat/csaf-oracle.py');

function parseFile(name: string): ImportResult {
  const document: unknown = JSON.parse(readFileSync(resolve(ADVISORIES, name), 'utf8'));
  expect(redhatCsafAdvisoryImporter.detect(document, name)).toBe(true);
  expect(redhatCsafVexImporter.detect(document, name)).toBe(false);
  return redhatCsafAdvisoryImporter.parse(document, name);
}

function only(result: ImportResult): AdvisoryRecord {
  expect(result.records).toHaveLength(1);
  return result.records[0] as AdvisoryRecord;
}

type Row = [string, string, string, string | null, string[], string | null, string | null];

/** The fixed rows python3 reads from the document on its own (redhat/csaf-oracle.py), sorted. */
function oracleFixed(name: string): Row[] {
  const output = execFileSync('/usr/bin/python3', [ORACLE, resolve(ADVISORIES, name), 'fixed', ''], {
    encoding: 'utf8',
  });
  return (JSON.parse(output) as Row[]).sort((a, b) => String(a).localeCompare(String(b)));
}

function asRows(entries: AffectedPackage[]): Row[] {
  return entries
    .map(
      (entry): Row => [
        entry.stream ?? '',
        entry.package,
        entry.nameKind,
        entry.fixedVersion ?? null,
        entry.arches ?? [],
        entry.fixAdvisory ?? null,
        entry.fixAvailableSince ?? null,
      ],
    )
    .sort((a, b) => String(a).localeCompare(String(b)));
}

describe.skipIf(!HAVE_SHARED)(`redhatCsafAdvisoryImporter on Red Hat's real CSAF advisories${SKIPPED}`, () => {
  it('RHSA-2024:0010 (tigervnc): id, CVE aliases, and every fixed rpm as python3 reads it', () => {
    const result = parseFile('rhsa-2024_0010.json');
    expect(result.problems).toEqual([]);
    const record = only(result);
    expect(record).toMatchObject({
      id: 'RHSA-2024:0010',
      source: 'redhat-csaf-advisory',
      aliases: ['CVE-2023-5367', 'CVE-2023-6377', 'CVE-2023-6478'],
      severity: 'Important',
      published: '2024-01-02T08:58:34+00:00',
      modified: '2024-11-23T02:54:26+00:00',
    });
    // The advisory is the fix itself: no separate fixAdvisory; the fix dates from the erratum's release.
    const expected = oracleFixed('rhsa-2024_0010.json').map(
      ([cpe, name, kind, evr, arches]): Row => [cpe, name, kind, evr, arches, null, '2024-01-02T08:58:34+00:00'],
    );
    expect(asRows(record.affected)).toEqual(expected);
    expect(new Set(record.affected.map((entry) => entry.ecosystem))).toEqual(new Set(['Red Hat:9']));
  });

  it('RHSA-2024:6163 (python3.9 on 9.4 EUS): the source rpm in each of its three streams', () => {
    const record = only(parseFile('rhsa-2024_6163.json'));
    expect(record.aliases).toEqual(['CVE-2024-8088']);
    expect(record.affected.map((entry) => [entry.stream, entry.package, entry.nameKind, entry.fixedVersion])).toEqual([
      ['cpe:/a:redhat:enterprise_linux:9::appstream', 'python3.9', 'source', '3.9.18-3.el9_4.5'],
      ['cpe:/o:redhat:enterprise_linux:9::baseos', 'python3.9', 'source', '3.9.18-3.el9_4.5'],
      ['cpe:/a:redhat:enterprise_linux:9::crb', 'python3.9', 'source', '3.9.18-3.el9_4.5'],
    ]);
  });

  it('a vendor_fix without a date dates the fix from the erratum; a malformed vulnerability is reported, the rest read', () => {
    const name = 'rhsa-2024_9371.json';
    const document = JSON.parse(readFileSync(resolve(ADVISORIES, name), 'utf8'));
    for (const remediation of document.vulnerabilities[0].remediations) delete remediation.date;
    document.vulnerabilities.push({ product_status: { fixed: 'everything' } });
    const result = redhatCsafAdvisoryImporter.parse(document, name);
    expect(result.problems).toMatchObject([{ input: name, at: '/vulnerabilities/1/product_status/fixed' }]);
    const record = only(result);
    expect(record.affected).toHaveLength(3);
    for (const entry of record.affected) {
      expect(entry).toMatchObject({ status: 'fixed', fixedVersion: '3.9.19-8.el9' });
      expect(entry.fixAvailableSince).toBe('2024-11-12T09:38:54+00:00');
      expect(entry.fixAdvisory).toBeUndefined();
    }
  });
});
