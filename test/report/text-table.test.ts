import { describe, expect, it } from 'vitest';
import { scanTable } from '../../src/report/scan-table.js';
import { type Cell, listText, table } from '../../src/report/text-table.js';
import { sampleScanResult } from '../helpers/scan-results.js';

const cves = (count: number) => Array.from({ length: count }, (_, i) => `CVE-2024-${1000 + i}`);
const widest = (text: string) => Math.max(...text.split('\n').map((line) => line.length));

describe('table', () => {
  const rows: Cell[][] = [
    ['PACKAGE', 'ADVISORY', 'SOURCE'],
    ['kernel', { head: 'RHSA-2024:1', items: cves(15) }, 'Red Hat CSAF (fixed in a later minor release)'],
    ['bash', { head: 'RHSA-2024:2', items: cves(2) }, 'Red Hat CSAF'],
    ['zlib', { head: 'RHSA-2024:3', items: [] }, 'OSV'],
  ];

  it('without a width, prints every item and every character', () => {
    const text = table(rows, { truncatable: [2] });
    expect(text).toContain(`RHSA-2024:1 (${cves(15).join(', ')})`);
    expect(text).toContain('Red Hat CSAF (fixed in a later minor release)');
    const [header, , , zlib] = text.split('\n');
    expect(zlib).toMatch(/^zlib {5}RHSA-2024:3 +OSV$/);
    expect(zlib?.indexOf('OSV')).toBe(header?.indexOf('SOURCE'));
  });

  it('fits a width by leaving list items out with a count of them, and cutting truncatable text', () => {
    for (const width of [120, 100, 80, 60]) {
      const text = table(rows, { width, truncatable: [2] });
      expect(widest(text)).toBeLessThanOrEqual(width);
      const kernel = text.split('\n')[1] ?? '';
      const shown = /RHSA-2024:1 \((.*)\+(\d+)\)/.exec(kernel);
      expect(shown).not.toBeNull();
      // The items shown and the count add up to the list, in its order.
      const items = (shown?.[1] ?? '')
        .split(', ')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      expect(items).toEqual(cves(15).slice(0, items.length));
      expect(items.length + Number(shown?.[2])).toBe(15);
    }
    // At 120 columns, nothing but the long list needs to give way.
    const wide = table(rows, { width: 120, truncatable: [2] });
    expect(wide).toContain('Red Hat CSAF (fixed in a later minor release)');
    expect(wide).toContain('RHSA-2024:2 (CVE-2024-1000, CVE-2024-1001)');
    // Narrow: the source is cut with an ellipsis, and short lists give way too, the widest first.
    const narrow = table(rows, { width: 60, truncatable: [2] });
    expect(narrow).toMatch(/ Red Hat CSAF…$|Red Hat CSAF \(…$|Red Hat CSAF \(f[^\n]*…$/m);
  });

  it('keeps the count of a list, the start of truncated text and the other columns, even when the table then overflows', () => {
    const text = table(rows, { width: 20, truncatable: [2] });
    expect(text.split('\n')[1]).toBe('kernel   RHSA-2024:1 (+15)  Red Hat CSA…');
    expect(text.split('\n')[3]).toMatch(/^zlib {5}RHSA-2024:3 {2,}OSV$/);
  });

  it('gives a forms cell its widest form that fits', () => {
    const since: Cell = { forms: ['2023-10-18 (257 d)', '257 d'] };
    const header: Cell = { forms: ['FIX AVAILABLE SINCE', 'FIX AGE'] };
    expect(
      table(
        [
          ['PACKAGE', header],
          ['curl', since],
        ],
        { width: 40 },
      ),
    ).toBe('PACKAGE  FIX AVAILABLE SINCE\ncurl     2023-10-18 (257 d)');
    expect(
      table(
        [
          ['PACKAGE', header],
          ['curl', since],
        ],
        { width: 18 },
      ),
    ).toBe('PACKAGE  FIX AGE\ncurl     257 d');
  });

  it('leaves a table that fits as it is', () => {
    expect(table(rows, { width: 1000, truncatable: [2] })).toBe(table(rows, { truncatable: [2] }));
  });

  it('shows a list in parentheses after its head, and a head alone without items', () => {
    expect(listText({ head: 'A', items: ['x', 'y', 'z'] }, 1)).toBe('A (x +2)');
    expect(listText({ items: ['x', 'y', 'z'] }, 2)).toBe('x, y +1');
    expect(listText({ head: 'A', items: [] })).toBe('A');
    expect(listText({ head: 'A', items: ['x', 'y'] }, 0)).toBe('A (+2)');
  });
});

describe('scanTable at a width', () => {
  const result = sampleScanResult();
  const curl = result.findings.find((finding) => finding.package.name === 'curl');
  if (curl) curl.cves = [curl.id, ...cves(15)];

  const findingRows = (text: string) => {
    const lines = text.split('\n');
    const header = lines.findIndex((line) => line.startsWith('PACKAGE'));
    return lines.slice(header, header + 6);
  };

  it('keeps each finding on one line of at most the width, the advisory with a count of the CVEs left out', () => {
    const wide = findingRows(scanTable(result, { width: 160 }));
    for (const row of wide) expect(row.length).toBeLessThanOrEqual(160);
    expect(wide[1]).toMatch(
      /^curl\.x86_64 .* ALSA-2023:5763 \(CVE-2024-1000(, CVE-2024-\d+)* \+\d+\) .*2023-10-18 \(257 d\)/,
    );
    // At 120 columns the dates give way to ages, and lists to their counts.
    const narrow = findingRows(scanTable(result, { width: 120 }));
    for (const row of narrow) expect(row.length).toBeLessThanOrEqual(120);
    expect(narrow[0]).toMatch(/ FIX AGE /);
    expect(narrow[1]).toMatch(
      /^curl\.x86_64 .* ALSA-2023:5763 \((CVE-2024-1000(, CVE-2024-\d+)* )?\+\d+\) +257 d +AlmaLinux:9$/,
    );
    expect(narrow[3]).toMatch(/ ~30 d /);
  });

  it('prints every CVE without a width', () => {
    expect(scanTable(result)).toContain(`ALSA-2023:5763 (${cves(15).join(', ')})`);
  });
});
